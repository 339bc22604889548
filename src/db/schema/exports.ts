import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/** An export job's states; `expired`: its file was deleted (EXPORT_TTL_DAYS after it was finished). */
export const EXPORT_STATUSES = ["queued", "running", "done", "failed", "expired"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * Export jobs, every kind (API.md "Exports" and "Privacy"; features/exports/exports.kinds.ts): a file
 * built in chunks by the JOBS queue consumer into the EXPORTS bucket with a multipart upload
 * (features/exports/exports.jobs.ts). `state` is the job's resumable position (cursor, uploaded
 * parts, the carried bytes' object, zip bookkeeping): written after each chunk, so a message
 * retried midway starts from the last recorded chunk and writes the same parts again.
 */
export const exports = sqliteTable(
  "exports",
  {
    id: text("id").primaryKey(),
    /** A key of EXPORT_KINDS: tickets, time_entries, satisfaction, agents_report, user (a person's data). */
    kind: text("kind").notNull(),
    format: text("format", { enum: ["csv", "xlsx", "json"] }).notNull(),
    /** The person a `user` export is about; null for the other kinds. */
    subjectId: text("subject_id"),
    status: text("status", { enum: EXPORT_STATUSES }).notNull(),
    rowsDone: integer("rows_done").notNull().default(0),
    /** Rows expected (counted when the first chunk runs); 0 while unknown. */
    rowsEstimated: integer("rows_estimated").notNull().default(0),
    /** The file's R2 key (EXPORTS bucket), fixed when the job is made. */
    fileKey: text("file_key"),
    /** The file's bytes, once done. */
    size: integer("size"),
    error: text("error"),
    /** Who asked: the only caller (besides admins) who may see or download it, while they may still export its kind. */
    createdById: text("created_by_id")
      .notNull()
      .references(() => users.id),
    /** The kind's parameters (filters, columns), as asked. */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** Chunks done: the step the next queue message must carry (older or duplicate messages are dropped). */
    step: integer("step").notNull().default(0),
    state: text("state", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** A consumer working on the job holds it until then (a duplicate message waits). */
    leaseUntil: text("lease_until"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
    /** Set when the job is made and moved to 7 days after it finished: the file is deleted then (cron), the job answers 404. */
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [
    // The caller's exports, newest first (GET /exports).
    index("exports_creator_created_idx").on(t.createdById, t.createdAt, t.id),
    // The cron finds jobs whose chain of messages stopped (a lost message) and files past their time.
    index("exports_unfinished_idx").on(t.updatedAt).where(sql`status IN ('queued', 'running')`),
    index("exports_expiry_idx").on(t.expiresAt).where(sql`status IN ('done', 'failed')`),
  ],
);
