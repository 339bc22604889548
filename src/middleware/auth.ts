import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client";
import { callerById, callerFromRow, gateCaller } from "../db/caller-gate";
import type { AppEnv, Bindings } from "../env";
import type { Actor, Capability } from "../domain/permissions";
import { can } from "../domain/permissions";
import { forbidden, unauthorized } from "../lib/errors";
import { verifyAccessToken } from "../features/auth/tokens";

/**
 * Resolves an access token to the caller. The user row is read from the primary on every request,
 * so deactivation or a password change (token version bump) refuses outstanding tokens at once.
 */
export async function authenticate(env: Bindings, token: string | undefined): Promise<Actor | null> {
  if (!token) return null;
  const claims = await verifyAccessToken(env, token);
  if (!claims) return null;
  return callerFromRow((await callerById(env.DB, [claims.sub]))[0], claims);
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

/**
 * Auth for the two hot writes (create a ticket, add a comment): the same caller check as
 * {@link requireAuth}, made inside the request's first D1 call instead of a call of its own
 * (db/caller-gate.ts says how, and why it is as strict). The session is a POST's, so it starts at
 * the primary, where deactivations land. A route behind this must not act before its first D1
 * call; each names that call.
 */
export const requireAuthInFirstCall = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c);
  const claims = token ? await verifyAccessToken(c.env, token) : null;
  if (!claims) throw unauthorized();
  const gate = gateCaller(c.var.db.$client, claims);
  c.set("db", createDb(gate.d1));
  c.set("actor", gate.actor);
  // hono answers a route's error (onError) inside next(), so the route's answer is in c.res here.
  await next();
  // The caller is decided before any answer leaves, whether or not the route reached D1: a 400 or
  // 403 to a caller who no longer passes becomes their 401.
  // Fails closed: a caller whose row could not be read gets no answer but the error.
  try {
    await gate.settled();
  } catch (err) {
    throw gate.refused() ? unauthorized() : err;
  }
});
