import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { preparedSelect } from "../db/client";
import { users } from "../db/schema";
import type { AppEnv, Bindings } from "../env";
import type { Actor, Capability } from "../domain/permissions";
import { can } from "../domain/permissions";
import { forbidden, unauthorized } from "../lib/errors";
import { verifyAccessToken } from "../features/auth/tokens";

/** The caller's row, read on every authenticated request (prepared text: no query building). */
const callerById = preparedSelect(
  { id: users.id, name: users.name, email: users.email, role: users.role, active: users.active, tokenVersion: users.tokenVersion, emailVerifiedAt: users.emailVerifiedAt },
  'from "users" where "users"."id" = ? limit 1',
);

/**
 * Resolves an access token to the caller. The user row is read from the primary on every request,
 * so deactivation or a password change (token version bump) refuses outstanding tokens at once.
 */
export async function authenticate(env: Bindings, token: string | undefined): Promise<Actor | null> {
  if (!token) return null;
  const claims = await verifyAccessToken(env, token);
  if (!claims) return null;
  const [user] = await callerById(env.DB, [claims.sub]);
  if (!user || !user.active || user.tokenVersion !== claims.tv) return null;
  return { id: user.id, name: user.name, email: user.email, role: user.role, ...(user.emailVerifiedAt ? {} : { unverified: true as const }) };
}

export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const actor = await authenticate(c.env, bearerToken(c));
  if (!actor) throw unauthorized();
  c.set("actor", actor);
  await next();
});

/** Auth plus a capability from the role matrix (domain/permissions.ts). */
export const requireCapability = (capability: Capability) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const actor = await authenticate(c.env, bearerToken(c));
    if (!actor) throw unauthorized();
    if (!can(actor.role, capability)) throw forbidden();
    c.set("actor", actor);
    await next();
  });
