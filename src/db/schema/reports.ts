import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tickets } from "./tickets";
import { users } from "./users";

/**
 * Time logged on tickets (API.md "Time tracking"). The ticket keeps their sum (`time_spent_minutes`)
 * and their per-quarter-hour log (`time_log`) for the report rollups, both written by the one ticket
 * write together with the entry. The report rollups themselves (report_days, report_quarters,
 * report_staging, report_backlog, report_backlog_agents, report_state) are WITHOUT ROWID tables
 * that drizzle cannot declare: migration 0012_report_rollups.sql, read and written with SQL in
 * src/features/reports/reports.rollups.ts.
 */
export const timeEntries = sqliteTable(
  "time_entries",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    authorId: text("author_id").notNull().references(() => users.id),
    minutes: integer("minutes").notNull(),
    billable: integer("billable", { mode: "boolean" }).notNull(),
    note: text("note"),
    /** When the work happened (defaults to when it was logged): the reports count it then. */
    startedAt: text("started_at").notNull(),
    /** The comment it was logged with (`time_minutes` on a comment). */
    commentId: text("comment_id"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // A ticket's entries; the time export and the report's per-ticket list by period.
    index("time_entries_ticket_started_idx").on(t.ticketId, t.startedAt, t.id),
    index("time_entries_started_idx").on(t.startedAt, t.id),
    index("time_entries_author_started_idx").on(t.authorId, t.startedAt, t.id),
  ],
);

/** What an export job builds (features/exports; the privacy export adds its own kind). */
export const EXPORT_STATUSES = ["queued", "running", "done", "failed", "expired"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * Export jobs (features/exports/exports.jobs.ts): a file built in chunks by the JOBS queue consumer
 * into the EXPORTS bucket with a multipart upload. `state` is the job's resumable position (cursor,
 * uploaded parts, the carried bytes' object, zip bookkeeping): written after each chunk, so a
 * message retried midway starts from the last recorded chunk and writes the same parts again.
 */
export const exportJobs = sqliteTable(
  "export_jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    format: text("format", { enum: ["csv", "xlsx"] }).notNull(),
    /** Who asked: the only caller (besides admins) who may see or download it. */
    requestedBy: text("requested_by")
      .notNull()
      .references(() => users.id),
    /** The kind's parameters (filters, columns, the user a privacy export is about). */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: ["queued", "running", "done", "failed", "expired"] }).notNull(),
    rowsDone: integer("rows_done").notNull().default(0),
    rowsEstimated: integer("rows_estimated"),
    /** Chunks done: the step the next queue message must carry (older or duplicate messages are dropped). */
    step: integer("step").notNull().default(0),
    state: text("state", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** A consumer working on the job holds it until then (a duplicate message waits). */
    leaseUntil: text("lease_until"),
    objectKey: text("object_key").notNull(),
    bytes: integer("bytes"),
    error: text("error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
    /** A finished file is deleted then (cron). */
    expiresAt: text("expires_at"),
  },
  (t) => [
    index("export_jobs_requester_created_idx").on(t.requestedBy, t.createdAt, t.id),
    // The cron finds jobs whose chain of messages stopped (a lost message) and files past their time.
    index("export_jobs_unfinished_idx").on(t.updatedAt).where(sql`status IN ('queued', 'running')`),
    index("export_jobs_expiry_idx").on(t.expiresAt).where(sql`status IN ('done', 'failed')`),
  ],
);
