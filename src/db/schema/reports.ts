import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tickets } from "./tickets";
import { users } from "./users";

/**
 * Time logged on tickets (API.md "Time tracking"). The ticket keeps their sum (`time_spent_minutes`)
 * and their per-quarter-hour log (`time_log`) for the report rollups, both written by the one ticket
 * write together with the entry. The report rollups themselves (report_days, report_quarters,
 * report_staging, report_state; report_blocks: 0028; report_open, report_open_by: 0037) are WITHOUT
 * ROWID tables that drizzle cannot declare: migration 0022_report_rollups.sql, read and written with SQL in
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
