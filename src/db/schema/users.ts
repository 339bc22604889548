import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Stored lowercased: emails compare case-insensitively. */
    email: text("email").notNull(),
    role: text("role", { enum: ["customer", "agent", "manager", "admin"] }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`; null for customers created from mail. */
    passwordHash: text("password_hash"),
    /** Bumped on password change or deactivation; access tokens carry it, so old ones die at once. */
    tokenVersion: integer("token_version").notNull().default(0),
    /**
     * When the address was proven to belong to whoever holds this account (issue 9): a verification
     * link or a password reset by mail, a staff member creating the account, or an authenticated mail
     * creating it. Null: a self-registered account that has not verified yet (it sees only the tickets
     * it opened itself through the API, gets no mail, and owns nothing that arrives for the address),
     * or a customer made from unauthenticated mail or a staff member's `requester_email`.
     */
    emailVerifiedAt: text("email_verified_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("users_email_uq").on(t.email),
    // GET /users?role= pages by (created_at, id) inside one role.
    index("users_role_created_idx").on(t.role, t.createdAt, t.id),
    index("users_created_idx").on(t.createdAt, t.id),
  ],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id),
    /** Every rotation stays in the family; reuse of a rotated token revokes the whole family. */
    familyId: text("family_id").notNull(),
    /** SHA-256 of the token: a database leak yields no usable refresh token. */
    tokenHash: text("token_hash").notNull(),
    /**
     * The user's token version when it was issued: a refresh racing a password change or a
     * deactivation (both bump the user's version) rotates nothing (issue 9 item 6).
     */
    tokenVersion: integer("token_version").notNull().default(0),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    rotatedAt: text("rotated_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash),
    index("refresh_tokens_family_idx").on(t.familyId),
    index("refresh_tokens_user_idx").on(t.userId).where(sql`revoked_at IS NULL`),
  ],
);

/** Fixed-window counters for login/register throttling (key = "login:email:<x>" etc.). */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start").notNull(),
    count: integer("count").notNull(),
  },
  // Housekeeping deletes expired windows oldest first, a bounded batch at a time (src/jobs/housekeeping.ts).
  (t) => [index("rate_limits_window_idx").on(t.windowStart)],
);

/**
 * Never holds a row: the first statement of a write's first D1 batch inserts into it only when the
 * caller's row no longer passes (deactivated, token revoked, deleted, role changed), and the CHECK
 * then fails the whole batch, so nothing of the write lands (src/db/caller-gate.ts).
 */
export const callerGuard = sqliteTable("caller_guard", { refused: integer("refused").notNull() }, () => [check("caller_verified", sql`refused = 0`)]);
