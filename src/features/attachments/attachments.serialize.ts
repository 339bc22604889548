import type { attachments } from "../../db/schema";

type AttachmentRow = typeof attachments.$inferSelect;

/** The wire shape of an attachment (API.md "Email channel"). */
export const toAttachment = (row: AttachmentRow) => ({
  id: row.id,
  filename: row.filename,
  content_type: row.contentType,
  size: row.size,
  sha256: row.sha256,
  comment_id: row.commentId,
  created_at: row.createdAt,
});
export type AttachmentSummary = ReturnType<typeof toAttachment>;
