import { and, desc, eq, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { runBatch } from "../../db/client";
import { users } from "../../db/schema";
import type { Role } from "../../domain/permissions";
import { decodeCursor, encodeCursor, olderThan, keysetPage } from "../../lib/cursor";
import { AppError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { abortUnlessChanged, classifyD1Error, isUniqueViolation } from "../../db/errors";
import { hashPassword } from "../auth/password";
import { revokeRefreshTokens } from "../auth/sessions";
import { closeLiveSessions } from "../live/live.service";
import { pepper, signingSecret } from "../auth/tokens";
import { toUser } from "./users.serialize";

type UserRow = typeof users.$inferSelect;

export async function createUser(ctx: ServiceContext, input: { name: string; email: string; password: string; role: Role }) {
  const now = ctx.now.toISOString();
  const user: UserRow = {
    id: newId(ctx.now.getTime()),
    name: input.name,
    email: input.email,
    role: input.role,
    active: true,
    passwordHash: await hashPassword(input.password, pepper(ctx.env)),
    tokenVersion: 0,
    // An admin vouches for the address of an account they create (API.md "Auth").
    emailVerifiedAt: now,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await runBatch(ctx.db, [
      ctx.db.insert(users).values(user),
      auditInsert(ctx, {
        action: "user.created",
        entityType: "user",
        entityId: user.id,
        changes: { name: [null, user.name], email: [null, user.email], role: [null, user.role] },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "An account with this email already exists");
    throw err;
  }
  return toUser(user);
}

/** Display names of customers made from an address (users.schemas' limit). */
const MAX_NAME_CHARS = 200;

interface NewCustomer {
  email: string;
  name: string;
  /** The address has shown it belongs to its owner (an authenticated mail), see features/accounts. */
  proven: boolean;
  /** What made it, for the audit log: `email`, `requester_email`. */
  source: string;
}

/**
 * A customer without a password for an address the helpdesk does not know yet (a staff member's
 * `requester_email`, a mail from a stranger): the row and its audit row, for the caller's batch.
 */
export function newCustomer(ctx: ServiceContext, input: NewCustomer) {
  const now = ctx.now.toISOString();
  const row: UserRow = {
    id: newId(ctx.now.getTime()),
    name: input.name.slice(0, MAX_NAME_CHARS) || input.email.split("@")[0]!.slice(0, MAX_NAME_CHARS),
    email: input.email,
    role: "customer",
    active: true,
    passwordHash: null,
    tokenVersion: 0,
    emailVerifiedAt: input.proven ? now : null,
    createdAt: now,
    updatedAt: now,
  };
  const audit = auditInsert(ctx, { action: "user.created", entityType: "user", entityId: row.id, changes: { email: [null, row.email], role: [null, "customer"], source: input.source, email_verified: [null, input.proven] } });
  return { row, insert: ctx.db.insert(users).values(row), audit };
}

/**
 * Makes sure the address has a customer, on its own (the mail path, before the mail's change):
 * one batch of a conditional insert and its audit row, so two concurrent first mails make one
 * customer and one audit row (the loser's batch stops at abortUnlessChanged). Callers read the user afterwards.
 */
export async function ensureCustomer(ctx: ServiceContext, input: NewCustomer): Promise<void> {
  const made = newCustomer(ctx, input);
  try {
    await runBatch(ctx.db, [ctx.db.insert(users).values(made.row).onConflictDoNothing(), ctx.db.run(abortUnlessChanged), made.audit]);
  } catch (err) {
    // Someone else made the customer just now: it exists, which is all the caller needs.
    if (classifyD1Error(err).kind !== "stale") throw err;
  }
}

export async function getUser(ctx: ServiceContext, id: string) {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!user) throw notFound("User");
  return user;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
// SQLite's LIKE has no escape character unless the query names one: without it `\_` is two characters.
const likeEscaped = (column: SQLiteColumn, pattern: string) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;

export async function listUsers(ctx: ServiceContext, q: { role?: Role[]; q?: string; limit: number; cursor?: string }) {
  const secret = signingSecret(ctx.env);
  const sort = "users:-created_at";
  const where: SQL[] = [];
  if (q.q) {
    const needle = escapeLike(q.q.toLowerCase());
    where.push(or(likeEscaped(users.email, `${needle}%`), likeEscaped(users.name, `%${needle}%`))!);
  }
  if (q.cursor) {
    const pos = await decodeCursor(secret, sort, q.cursor);
    where.push(olderThan(users.createdAt, users.id, { key: String(pos.key), id: pos.id }));
  }
  const pageOfRole = (role: Role | null) =>
    ctx.db
      .select()
      .from(users)
      .where(and(...where, role ? eq(users.role, role) : undefined))
      .orderBy(desc(users.createdAt), desc(users.id))
      .limit(q.limit + 1);
  const roles = q.role ? [...new Set(q.role)] : [null];
  // One page per role, each in users_role_created_idx order, merged here: `role IN (…)` would make
  // SQLite read and sort every user of those roles (all customers, for `customer,agent`).
  const rows = (await Promise.all(roles.map(pageOfRole)))
    .flat()
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
    .slice(0, q.limit + 1);
  const { items: page, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return {
    data: page.map(toUser),
    next_cursor,
  };
}

/**
 * Admin edit. A password change, deactivation or role change bumps the token version (outstanding
 * access tokens die at once) and revokes every refresh token, in the same batch as the change;
 * after commit the user's live sockets close (API.md "Auth").
 */
export async function patchUser(
  ctx: ServiceContext,
  id: string,
  input: Partial<{ name: string; email: string; password: string; role: Role; active: boolean }>,
) {
  const actor = actorOf(ctx);
  const before = await getUser(ctx, id);
  if (id === actor.id && (input.active === false || (input.role && input.role !== "admin"))) {
    throw new AppError("CONFLICT", "Admins cannot deactivate or demote themselves");
  }
  const set: Partial<UserRow> = {};
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of ["name", "email", "role", "active"] as const) {
    const value = input[field];
    if (value !== undefined && value !== before[field]) {
      (set as Record<string, unknown>)[field] = value;
      changes[field] = [before[field], value];
    }
  }
  if (input.password !== undefined) {
    set.passwordHash = await hashPassword(input.password, pepper(ctx.env));
    changes.password = ["[redacted]", "[changed]"];
  }
  // An address an admin sets is one they vouch for, as when they create the account.
  if (set.email !== undefined) set.emailVerifiedAt = ctx.now.toISOString();
  const revoke = input.password !== undefined || set.active === false || set.role !== undefined;
  if (!Object.keys(set).length) return toUser(before);
  set.updatedAt = ctx.now.toISOString();
  if (revoke) set.tokenVersion = before.tokenVersion + 1;
  try {
    await runBatch(ctx.db, [
      ctx.db.update(users).set(set).where(eq(users.id, id)),
      ...(revoke ? [revokeRefreshTokens(ctx, id)] : []),
      auditInsert(ctx, { action: "user.updated", entityType: "user", entityId: id, changes }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "An account with this email already exists");
    throw err;
  }
  if (revoke) await closeLiveSessions(ctx.env, id, before.tokenVersion + 1);
  return toUser({ ...before, ...set });
}

export async function deactivateUser(ctx: ServiceContext, id: string) {
  await patchUser(ctx, id, { active: false });
}
