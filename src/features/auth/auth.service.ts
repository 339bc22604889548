import { and, eq, isNull, sql } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { refreshTokens, users } from "../../db/schema";
import type { Bindings } from "../../env";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { AppError, unauthorized } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { actingAs } from "../../contexts";
import { accountMail } from "../../email/outbox";
import { auditInsert } from "../audit/audit.service";
import { toUser } from "../users/users.serialize";
import { checkLimits, clientBucket, type Limit, rateLimited, rateLimitHeaders, takeAttempt } from "./rate-limit";
import { closeLiveSessions } from "../live/live.service";
import { hashPassword, verifyPassword } from "./password";
import { revokeRefreshTokens } from "./sessions";
import { ACCESS_TOKEN_TTL_SECONDS, pepper, REFRESH_TOKEN_TTL_DAYS, signAccessToken, signingSecret } from "./tokens";

type UserRow = typeof users.$inferSelect;

const INVALID_CREDENTIALS = "Invalid email or password";
const EMAIL_WINDOW_SECONDS = 15 * 60;
const IP_WINDOW_SECONDS = 60;

/** Login/register throttles (API.md "Conventions"): per email per 15 minutes, per IP per minute. */
function authLimits(env: Bindings, kind: "login" | "register", email: string, ip: string | null): Limit[] {
  const limits: Limit[] = [
    { key: `${kind}:email:${email}`, max: Number(env.LOGIN_MAX_FAILURES_PER_EMAIL) || 10, windowSeconds: EMAIL_WINDOW_SECONDS },
  ];
  if (ip) limits.push({ key: `${kind}:ip:${clientBucket(ip)}`, max: Number(env.LOGIN_MAX_FAILURES_PER_IP) || 10, windowSeconds: IP_WINDOW_SECONDS });
  return limits;
}

async function issueTokens(ctx: ServiceContext, user: UserRow, familyId = newId()) {
  const refresh = randomToken(32);
  const expires = new Date(ctx.now.getTime() + REFRESH_TOKEN_TTL_DAYS * 86_400_000).toISOString();
  const insert = ctx.db.insert(refreshTokens).values({
    id: newId(),
    userId: user.id,
    familyId,
    tokenHash: await sha256Hex(refresh),
    tokenVersion: user.tokenVersion,
    expiresAt: expires,
    createdAt: ctx.now.toISOString(),
  });
  const access = await signAccessToken(ctx.env, { sub: user.id, role: user.role, tv: user.tokenVersion }, ctx.now.getTime());
  const body = {
    user: toUser(user),
    access_token: access,
    refresh_token: refresh,
    token_type: "Bearer" as const,
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
  };
  return { insert, body };
}

export interface AuthResult {
  body: Awaited<ReturnType<typeof issueTokens>>["body"];
  headers: Record<string, string>;
}

/**
 * A Worker deployed without its secrets answers 500 on every auth route, up front: not a 401 that
 * looks like a wrong password, no attempt counted, nobody registered who could never sign in.
 */
function requireAuthConfig(env: Bindings) {
  signingSecret(env);
  pepper(env);
}

/** A plain read turns a flood away without writing; the atomically counted attempt is what decides. */
async function countAttempt(ctx: ServiceContext, limits: Limit[]) {
  const seen = await checkLimits(ctx.db, limits, ctx.now);
  if (seen.blocked) return { ...seen, refund: () => [] };
  return takeAttempt(ctx.db, limits, ctx.now);
}

export async function register(ctx: ServiceContext, input: { name: string; email: string; password: string }): Promise<AuthResult> {
  requireAuthConfig(ctx.env);
  const limits = authLimits(ctx.env, "register", input.email, ctx.meta.ip);
  const { blocked, state } = await countAttempt(ctx, limits);
  if (blocked) throw rateLimited(state);
  const hash = await hashPassword(input.password, pepper(ctx.env));
  const now = ctx.now.toISOString();
  const user: UserRow = {
    id: newId(ctx.now.getTime()),
    name: input.name,
    email: input.email,
    role: "customer",
    active: true,
    passwordHash: hash,
    tokenVersion: 0,
    // Unproven until the link of the verification mail is opened (API.md "Auth").
    emailVerifiedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const tokens = await issueTokens(ctx, user);
  const audit = auditInsert(actingAs(ctx, { id: user.id, name: user.name, email: user.email, role: "customer" }), {
    action: "user.registered",
    entityType: "user",
    entityId: user.id,
    changes: { email: [null, user.email], role: [null, "customer"] },
  });
  // The attempt counts whether or not it succeeds, and every answer past validation says so.
  const headers = rateLimitHeaders(state);
  const verification = accountMail(ctx, "verify_email", user);
  try {
    await runBatch(ctx.db, [ctx.db.insert(users).values(user), tokens.insert, verification.insert, audit]);
  } catch (err) {
    if (isUniqueViolation(err)) {
      // The owner of an address the helpdesk already knows (from mail, or a ticket staff opened) claims it by a password reset.
      throw new AppError("CONFLICT", "An account with this email already exists; to set its password, ask for a password reset", { headers });
    }
    throw err;
  }
  await verification.enqueue();
  return { body: tokens.body, headers };
}

export async function login(ctx: ServiceContext, input: { email: string; password: string }): Promise<AuthResult> {
  requireAuthConfig(ctx.env);
  const limits = authLimits(ctx.env, "login", input.email, ctx.meta.ip);
  const { blocked, state, refund } = await countAttempt(ctx, limits);
  if (blocked) throw rateLimited(state);
  const [user] = await ctx.db.select().from(users).where(eq(users.email, input.email)).limit(1);
  const ok = await verifyPassword(input.password, user?.passwordHash ?? null, pepper(ctx.env));
  if (!user || !ok || !user.active) {
    throw new AppError("UNAUTHORIZED", INVALID_CREDENTIALS, { headers: rateLimitHeaders(state) });
  }
  const tokens = await issueTokens(ctx, user);
  // Only failures count: a sign-in gives its attempt back.
  await runBatch(ctx.db, [tokens.insert, ...refund()]);
  return { body: tokens.body, headers: rateLimitHeaders({ ...state, remaining: Math.min(state.limit, state.remaining + 1) }) };
}

/**
 * Rotation: each refresh token works once. Presenting one that was already rotated means it was
 * stolen or replayed, so the whole family (every descendant) is revoked.
 */
export async function refresh(ctx: ServiceContext, token: string): Promise<AuthResult["body"]> {
  signingSecret(ctx.env);
  const hash = await sha256Hex(token);
  const [row] = await ctx.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).limit(1);
  if (!row || row.revokedAt || row.expiresAt <= ctx.now.toISOString()) throw unauthorized(INVALID_CREDENTIALS);
  const now = ctx.now.toISOString();
  const revokeFamily = () =>
    ctx.db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
  if (row.rotatedAt) {
    await revokeFamily();
    throw unauthorized(INVALID_CREDENTIALS);
  }
  const [user] = await ctx.db.select().from(users).where(eq(users.id, row.userId)).limit(1);
  // Issued before a password change, reset, deactivation or demotion: that ended this session.
  if (!user || !user.active || user.tokenVersion !== row.tokenVersion) throw unauthorized(INVALID_CREDENTIALS);
  // One conditional statement decides (issue 9 item 6): the token is unrotated (of two concurrent
  // refreshes only one wins; the other is a reuse), not revoked, and its user's sessions were not
  // ended since it was issued. A password change committing between the reads above and this
  // statement makes it match nothing; one committing after it revokes the new token's family row
  // or leaves it with the old token version, which the next refresh refuses.
  const rotated = await ctx.db
    .update(refreshTokens)
    .set({ rotatedAt: now })
    .where(
      and(
        eq(refreshTokens.id, row.id),
        isNull(refreshTokens.rotatedAt),
        isNull(refreshTokens.revokedAt),
        sql`${refreshTokens.tokenVersion} = (SELECT ${users.tokenVersion} FROM ${users} WHERE ${users.id} = ${row.userId} AND ${users.active} = 1)`,
      ),
    )
    .returning({ id: refreshTokens.id });
  if (!rotated.length) {
    await revokeFamily();
    throw unauthorized(INVALID_CREDENTIALS);
  }
  const tokens = await issueTokens(ctx, user, row.familyId);
  await tokens.insert;
  return tokens.body;
}

/**
 * "Sign out everywhere": the presented token's user loses every session on every device, as a password
 * change ends them (features/auth/sessions.ts): token version up (access tokens refused at once), every
 * refresh token revoked, live sockets closed after commit. Unknown tokens are a no-op.
 */
export async function logoutEverywhere(ctx: ServiceContext, token: string): Promise<void> {
  const hash = await sha256Hex(token);
  const [row] = await ctx.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).limit(1);
  // Only a live token speaks for its user: a revoked, rotated or expired one may not end the sessions they hold now.
  if (!row || row.revokedAt || row.rotatedAt || row.expiresAt <= ctx.now.toISOString()) return;
  const [user] = await ctx.db.select().from(users).where(eq(users.id, row.userId)).limit(1);
  if (!user) return;
  const tokenVersion = user.tokenVersion + 1;
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ tokenVersion, updatedAt: ctx.now.toISOString() }).where(eq(users.id, user.id)),
    revokeRefreshTokens(ctx, user.id),
    auditInsert({ ...ctx, actor: { id: user.id, name: user.name, email: user.email, role: user.role } }, { action: "user.signed_out_everywhere", entityType: "user", entityId: user.id, changes: {} }),
  ]);
  await closeLiveSessions(ctx.env, user.id, tokenVersion);
}

/** Logout ends the session: the presented token's whole family. Unknown tokens are a no-op. */
export async function logout(ctx: ServiceContext, token: string): Promise<void> {
  const hash = await sha256Hex(token);
  const [row] = await ctx.db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).limit(1);
  if (!row) return;
  await ctx.db
    .update(refreshTokens)
    .set({ revokedAt: ctx.now.toISOString() })
    .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
}

