import type { comments } from "../../db/schema";
import type { Actor } from "../../domain/permissions";
import type { AttachmentSummary } from "../attachments/attachments.serialize";

export type CommentRow = typeof comments.$inferSelect;

/** The wire shape of a comment (API.md "Tickets"). */
export function toComment(row: CommentRow, author: Pick<Actor, "id" | "name" | "role">, files: AttachmentSummary[] = []) {
  return {
    id: row.id,
    ticket_id: row.ticketId,
    author: { id: author.id, name: author.name, role: author.role },
    body: row.body,
    internal: row.internal,
    channel: row.channel,
    created_at: row.createdAt,
    // API.md "Email channel": comments carry `attachments` when they have any.
    ...(files.length ? { attachments: files } : {}),
  };
}
export type Comment = ReturnType<typeof toComment>;
