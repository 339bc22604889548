import type { timeEntries } from "../../db/schema";

export type TimeEntryRow = typeof timeEntries.$inferSelect;

/** The wire shape of a time entry (API.md "Time tracking"). */
export function toTimeEntry(row: TimeEntryRow, author: { id: string; name: string }) {
  return {
    id: row.id,
    ticket_id: row.ticketId,
    author: { id: author.id, name: author.name },
    minutes: row.minutes,
    billable: row.billable,
    note: row.note,
    started_at: row.startedAt,
    comment_id: row.commentId,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
export type TimeEntry = ReturnType<typeof toTimeEntry>;
