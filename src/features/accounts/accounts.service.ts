/**
 * Proving an address and resetting a password, both by a signed link mailed to the address
 * (issue 9; API.md "Auth"). The mails go through the one outbox (src/email/outbox.ts accountMail),
 * their links are signed when composed (features/auth/account-links.ts).
 *
 * Who counts as proven (users.email_verified_at): whoever opens a verification link or completes a
 * reset by mail; accounts staff create; customers created by an authenticated mail. Not proven: a
 * self-registered account until it verifies, and customers created from unauthenticated mail or a
 * staff member's `requester_email` (nobody showed control of the address; they have no password
 * until a reset by mail proves it). The owner of an address that someone else registered first
 * claims it by a password reset: it proves the address, replaces the password and ends every
 * session of the registrant.
 */
import { and, eq, sql } from "drizzle-orm";
import { actingAs } from "../../contexts";
import { runBatch } from "../../db/client";
import { abortUnlessChanged, classifyD1Error } from "../../db/errors";
import { users } from "../../db/schema";
import { accountMail } from "../../email/outbox";
import { AppError, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { accountTokenUser, accountTokenValid } from "../auth/account-links";
import { hashPassword } from "../auth/password";
import { clientBucket, rateLimited, rateLimitHeaders, takeAttempt, type Limit } from "../auth/rate-limit";
import { revokeRefreshTokens } from "../auth/sessions";
import { pepper } from "../auth/tokens";
import { closeLiveSessions } from "../live/live.service";
import { toUser } from "../users/users.serialize";

const HOUR = 3_600;
/** Reset mails asked for one address per hour: enough for a lost mail or two, too few to flood an inbox through us. */
export const RESETS_PER_ADDRESS_PER_HOUR = 5;
/** Reset requests per client (an IPv6 client is its /64) per hour: an office behind one address still gets through. */
export const RESETS_PER_IP_PER_HOUR = 30;
/** Verification mails one account may ask for again per hour. */
export const RESENDS_PER_ACCOUNT_PER_HOUR = 3;

/** The one answer to a bad, expired or used link: which of those it was is nobody's business. */
const invalidLink = () => validation("The link is invalid, expired or already used", { token: ["invalid, expired or already used: ask for a new link"] });

const RESET_ACCEPTED = { message: "If an account has this address, a link to reset its password is on its way. It works once, for an hour." };
const RESEND_ACCEPTED = { message: "A new verification link is on its way to your address." };

async function userOfLink(ctx: ServiceContext, kind: "verify_email" | "password_reset", token: string) {
  const id = accountTokenUser(token, ctx.now);
  const [user] = id ? await ctx.db.select().from(users).where(eq(users.id, id)).limit(1) : [];
  if (!user || !user.active || !(await accountTokenValid(ctx.env, kind, token, user, ctx.now))) throw invalidLink();
  return user;
}

/** POST /auth/verify-email: the link proves the address. Opening it twice is harmless. */
export async function verifyEmail(ctx: ServiceContext, token: string) {
  const user = await userOfLink(ctx, "verify_email", token);
  if (user.emailVerifiedAt) return toUser(user);
  const now = ctx.now.toISOString();
  const self = { id: user.id, name: user.name, email: user.email, role: user.role };
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, user.id)),
    auditInsert(actingAs(ctx, self), { action: "user.email_verified", entityType: "user", entityId: user.id, changes: { email_verified: [false, true], email: user.email } }),
  ]);
  return toUser({ ...user, emailVerifiedAt: now, updatedAt: now });
}

/** POST /auth/verify-email/resend: a new link for the caller, a few times an hour. */
export async function resendVerification(ctx: ServiceContext) {
  const actor = actorOf(ctx);
  const [user] = await ctx.db.select().from(users).where(eq(users.id, actor.id)).limit(1);
  if (!user) throw new AppError("UNAUTHORIZED", "Missing or invalid access token");
  if (user.emailVerifiedAt) throw new AppError("CONFLICT", "This address is already verified");
  const { blocked, state } = await takeAttempt(ctx.db, [{ key: `verify-resend:user:${user.id}`, max: RESENDS_PER_ACCOUNT_PER_HOUR, windowSeconds: HOUR }], ctx.now);
  if (blocked) throw rateLimited(state);
  const mail = accountMail(ctx, "verify_email", user);
  await runBatch(ctx.db, [mail.insert]);
  await mail.enqueue();
  return { body: RESEND_ACCEPTED, headers: rateLimitHeaders(state) };
}

/**
 * POST /auth/password-reset: the same 202, body and headers for every address, answered before
 * anything depends on whether the address is known: the look-up and the mail run after the
 * response (waitUntil), so neither the answer nor its timing tells whether an account exists.
 */
export async function requestPasswordReset(ctx: ServiceContext, email: string) {
  const limits: Limit[] = [{ key: `reset:email:${email}`, max: RESETS_PER_ADDRESS_PER_HOUR, windowSeconds: HOUR }];
  if (ctx.meta.ip) limits.push({ key: `reset:ip:${clientBucket(ctx.meta.ip)}`, max: RESETS_PER_IP_PER_HOUR, windowSeconds: HOUR });
  const { blocked, state } = await takeAttempt(ctx.db, limits, ctx.now);
  if (blocked) throw rateLimited(state);
  const work = mailResetLink(ctx, email).catch((err) => console.error("password reset: could not queue the mail", err));
  if (ctx.waitUntil) ctx.waitUntil(work);
  else await work;
  return { body: RESET_ACCEPTED, headers: rateLimitHeaders(state) };
}

async function mailResetLink(ctx: ServiceContext, email: string) {
  const [user] = await ctx.db.select().from(users).where(eq(users.email, email)).limit(1);
  // A deactivated account stays shut: an admin reactivates it.
  if (!user || !user.active) return;
  const mail = accountMail(ctx, "password_reset", user);
  await runBatch(ctx.db, [
    mail.insert,
    auditInsert(actingAs(ctx, null), { action: "user.password_reset_requested", entityType: "user", entityId: user.id, changes: {} }),
  ]);
  await mail.enqueue();
}

/**
 * POST /auth/password-reset/confirm: a new password, the address proven (the link came to it), and
 * every session ended: the token version goes up (outstanding access tokens and the reset link
 * itself die), refresh tokens are revoked, live sockets close. The UPDATE is conditional on the
 * version the link was checked against, so of two confirmations racing with one link one wins.
 */
export async function confirmPasswordReset(ctx: ServiceContext, token: string, password: string) {
  const user = await userOfLink(ctx, "password_reset", token);
  const passwordHash = await hashPassword(password, pepper(ctx.env));
  const now = ctx.now.toISOString();
  const tokenVersion = user.tokenVersion + 1;
  const self = { id: user.id, name: user.name, email: user.email, role: user.role };
  try {
    await runBatch(ctx.db, [
      ctx.db
        .update(users)
        .set({ passwordHash, tokenVersion, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${now})`, updatedAt: now })
        .where(and(eq(users.id, user.id), eq(users.tokenVersion, user.tokenVersion), eq(users.active, true))),
      ctx.db.run(abortUnlessChanged),
      revokeRefreshTokens(ctx, user.id),
      auditInsert(actingAs(ctx, self), { action: "user.password_reset", entityType: "user", entityId: user.id, changes: { password: ["[redacted]", "[changed]"], email_verified: [user.emailVerifiedAt !== null, true] } }),
    ]);
  } catch (err) {
    if (classifyD1Error(err).kind === "stale") throw invalidLink();
    throw err;
  }
  await closeLiveSessions(ctx.env, user.id, tokenVersion);
}
