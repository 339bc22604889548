import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { users } from "../../db/schema";
import type { AppEnv } from "../../env";
import { AppError, forbidden, notFound } from "../../lib/errors";
import { requestContext } from "../../contexts";
import { toUser } from "../users/users.serialize";
import { clearRefreshCookie, refreshCookie, setRefreshCookie } from "./auth.cookie";
import type * as routes from "./auth.routes";
import * as auth from "./auth.service";

type Tokens = auth.AuthResult["body"];

/** A cookie session gets its refresh token as the HttpOnly cookie, and only the access token in the body. */
function deliver(c: Context<AppEnv>, tokens: Tokens, session: "cookie" | undefined): Omit<Tokens, "refresh_token"> & { refresh_token?: string } {
  if (session !== "cookie") return tokens;
  setRefreshCookie(c, tokens.refresh_token);
  const { refresh_token: _kept, ...rest } = tokens;
  return rest;
}

export const register: RouteHandler<typeof routes.register, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  if (body.role !== undefined && body.role !== "customer") throw forbidden("Self-registration creates customer accounts only");
  const result = await auth.register(requestContext(c), body);
  return c.json(deliver(c, result.body, body.session), 201, result.headers);
};

export const login: RouteHandler<typeof routes.login, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const result = await auth.login(requestContext(c), body);
  return c.json(deliver(c, result.body, body.session), 200, result.headers);
};

export const refresh: RouteHandler<typeof routes.refresh, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const token = body.refresh_token ?? refreshCookie(c);
  try {
    return c.json(deliver(c, await auth.refresh(requestContext(c), token), body.session), 200);
  } catch (err) {
    // A cookie that no longer works is cleared, so the browser stops presenting it.
    if (body.refresh_token === undefined && err instanceof AppError && err.code === "UNAUTHORIZED") clearRefreshCookie(c);
    throw err;
  }
};

export const logout: RouteHandler<typeof routes.logout, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const token = body.refresh_token ?? refreshCookie(c);
  if (body.everywhere) await auth.logoutEverywhere(requestContext(c), token);
  else await auth.logout(requestContext(c), token);
  if (body.session === "cookie") clearRefreshCookie(c);
  return c.body(null, 204);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = async (c) => {
  const [user] = await c.var.db.select().from(users).where(eq(users.id, c.var.actor.id)).limit(1);
  if (!user) throw notFound("User");
  return c.json(toUser(user), 200);
};
