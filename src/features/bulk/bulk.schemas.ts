import { z } from "@hono/zod-openapi";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../domain/vocabulary";
import { ERROR_CODES } from "../../lib/errors";
import { Id, Tags } from "../../lib/openapi";
import { CreateCommentBody } from "../comments/comments.schemas";
import { TicketSchema } from "../tickets/tickets.schemas";

/** API.md: 1 to 100 tickets per bulk change; each is its own write, so this bounds one request's work. */
export const MAX_BULK_TICKETS = 100;

const Ref = z.union([
  Id.openapi({ description: "ticket id or number" }),
  z.object({ id: Id, version: z.number().int().min(1).openapi({ description: "as If-Match: fields changed since this version that the change also sets → 409" }) }).strict(),
]);

export const BulkBody = z
  .object({
    ids: z.array(Ref).min(1).max(MAX_BULK_TICKETS),
    changes: z
      .object({
        status: z.enum(TICKET_STATUSES),
        priority: z.enum(TICKET_PRIORITIES),
        category: z.string().trim().min(1).max(100).nullable(),
        assignee_id: Id.nullable(),
        team_id: Id.nullable(),
        add_tags: Tags,
        remove_tags: Tags,
      })
      .partial()
      .strict()
      .default({}),
    comment: CreateCommentBody.optional(),
    macro_id: Id.optional(),
  })
  .refine((b) => Object.keys(b.changes).length > 0 || b.comment !== undefined || b.macro_id !== undefined, { message: "give changes, a comment or a macro_id", path: ["changes"] })
  .openapi("BulkChange");
export type BulkInput = z.infer<typeof BulkBody>;

export const BulkResultSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.string().openapi({ description: "the ticket as the request named it" }),
        status: z.number().int().openapi({ description: "200, or the status this ticket alone would have got: 403, 404, 409, 422" }),
        ticket: TicketSchema.optional(),
        error: z.object({ code: z.enum(ERROR_CODES), detail: z.string() }).optional(),
      }),
    ),
  })
  .openapi("BulkResult");
