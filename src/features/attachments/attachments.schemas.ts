import { z } from "@hono/zod-openapi";
import { IsoDate, PageQuery, pageOf } from "../../lib/openapi";

export const AttachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    comment_id: z.string().nullable(),
    created_at: IsoDate,
  })
  .openapi("Attachment");

export const AttachmentPage = pageOf(AttachmentSchema).openapi("AttachmentPage");
export const AttachmentListQuery = PageQuery;
export const AttachmentRef = z.object({ id: z.string().min(1).max(64) });
export const UploadResult = z.object({ data: z.array(AttachmentSchema) }).openapi("UploadedAttachments");
/**
 * The upload form, for the OpenAPI document only: a plain schema, not zod, so no validator reads
 * (and buffers) the body before the handler streams it (features/attachments: uploadAttachments).
 */
export const UploadForm = {
  type: "object" as const,
  properties: { file: { type: "string" as const, format: "binary", description: `One or more \`file\` parts` } },
};
