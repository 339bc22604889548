import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Append-only: no route updates or deletes a row. WITHOUT ROWID on `id` (custom migration
 * audit_without_rowid; drizzle-kit cannot declare it): `id` is a time-ordered id made from the same clock
 * reading as `at` (`auditInsert`), so the table itself is the log in time order and the indexes end in
 * `id` instead of `(at, id)`.
 */
export const auditLogs = sqliteTable(
  "audit_logs",
  {
    id: text("id").primaryKey(),
    /** Always the time `id` carries (both from one `ctx.now`): ordering by `id` is ordering by `(at, id)`. */
    at: text("at").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    changes: text("changes", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("audit_logs_entity_id_idx").on(t.entityType, t.entityId, t.id), index("audit_logs_actor_id_idx").on(t.actorId, t.id)],
);

/** First response of a create per (user, Idempotency-Key), replayed for 24 h. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    requestHash: text("request_hash").notNull(),
    status: integer("status").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);
