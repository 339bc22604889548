import type { RouteHandler } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { users } from "../../db/schema";
import type { AppEnv } from "../../env";
import { forbidden, notFound } from "../../lib/errors";
import { requestContext } from "../../contexts";
import { toUser } from "../users/users.serialize";
import type * as routes from "./auth.routes";
import * as auth from "./auth.service";

export const register: RouteHandler<typeof routes.register, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  if (body.role !== undefined && body.role !== "customer") throw forbidden("Self-registration creates customer accounts only");
  const result = await auth.register(requestContext(c), body);
  return c.json(result.body, 201, result.headers);
};

export const login: RouteHandler<typeof routes.login, AppEnv> = async (c) => {
  const result = await auth.login(requestContext(c), c.req.valid("json"));
  return c.json(result.body, 200, result.headers);
};

export const refresh: RouteHandler<typeof routes.refresh, AppEnv> = async (c) => {
  return c.json(await auth.refresh(requestContext(c), c.req.valid("json").refresh_token), 200);
};

export const logout: RouteHandler<typeof routes.logout, AppEnv> = async (c) => {
  await auth.logout(requestContext(c), c.req.valid("json").refresh_token);
  return c.body(null, 204);
};

export const me: RouteHandler<typeof routes.me, AppEnv> = async (c) => {
  const [user] = await c.var.db.select().from(users).where(eq(users.id, c.var.actor.id)).limit(1);
  if (!user) throw notFound("User");
  return c.json(toUser(user), 200);
};
