import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import type { Role } from "../domain/permissions";
import { forbidden, unauthorized } from "../lib/errors";
import { authenticate, bearerToken } from "./auth";

/**
 * For routes anonymous callers may use too (the public knowledge base): no Authorization header
 * means anonymous; a header with a bad or expired token is still a 401, so a client whose session
 * lapsed is told so instead of silently seeing less.
 */
export const optionalAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header("authorization") !== undefined) {
    const actor = await authenticate(c.env, bearerToken(c));
    if (!actor) throw unauthorized();
    c.set("actor", actor);
  }
  await next();
});

/**
 * Auth plus one of the given roles, for capabilities outside the ticket matrix of
 * domain/permissions.ts (knowledge-base editing, search analytics).
 */
export const requireRole = (roles: readonly Role[], detail: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const actor = await authenticate(c.env, bearerToken(c));
    if (!actor) throw unauthorized();
    if (!roles.includes(actor.role)) throw forbidden(detail);
    c.set("actor", actor);
    await next();
  });
