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
export const UploadForm = z
  .object({ file: z.any().openapi({ type: "string", format: "binary", description: "One or more `file` parts" }) })
  .openapi("AttachmentUpload");
