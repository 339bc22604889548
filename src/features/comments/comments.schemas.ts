import { z } from "@hono/zod-openapi";
import { TICKET_CHANNELS } from "../../domain/vocabulary";
import { ROLES } from "../../domain/permissions";
import { IsoDate, PageQuery, pageOf } from "../../lib/openapi";
import { AttachmentSchema } from "../attachments/attachments.schemas";
import { TimeMinutes } from "../time/time.schemas";

export const CommentSchema = z
  .object({
    id: z.string(),
    ticket_id: z.string(),
    author: z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }),
    body: z.string(),
    internal: z.boolean(),
    channel: z.enum(TICKET_CHANNELS),
    created_at: IsoDate,
    /** Present when the comment has files (API.md "Email channel"). */
    attachments: z.array(AttachmentSchema).optional(),
  })
  .openapi("Comment");

export const CreateCommentBody = z
  .object({
    body: z.string().min(1).max(50_000).refine((b) => b.trim().length > 0, "must not be blank"),
    internal: z.boolean().default(false),
    time_minutes: TimeMinutes.optional().openapi({ description: "staff: log this much (billable) time with the comment" }),
  })
  .openapi("CreateComment");

export const CommentPage = pageOf(CommentSchema).openapi("CommentPage");
export const CommentListQuery = PageQuery;
