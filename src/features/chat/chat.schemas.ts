import { z } from "@hono/zod-openapi";
import { CommentSchema } from "../comments/comments.schemas";
import { TicketSchema } from "../tickets/tickets.schemas";

const VisitorName = z.string().trim().min(1).max(100);
const VisitorEmail = z.string().trim().toLowerCase().pipe(z.email().max(254));
const MessageText = z
  .string()
  .min(1)
  .max(50_000)
  .refine((b) => b.trim().length > 0, "must not be blank");

export const OpenChatBody = z
  .object({
    name: VisitorName.optional(),
    email: VisitorEmail.optional().openapi({
      description: "where staff replies the visitor does not see live are mailed: the visitor's own claim, never matched to an account",
    }),
    message: MessageText.optional().openapi({ description: "the visitor's first message (the ticket's description)" }),
  })
  .openapi("OpenChat");

export const ChatSessionSchema = z
  .object({
    ticket: TicketSchema,
    visitor_token: z.string().openapi({ description: "reaches this chat alone: `Authorization: Bearer` on its routes, `?token=` on its socket" }),
  })
  .openapi("ChatSession");

export const ChatStateSchema = z
  .object({
    ticket: TicketSchema,
    visitor: z.object({ id: z.string(), name: z.string(), email: z.string().nullable() }),
  })
  .openapi("ChatState");

export const PatchChatBody = z
  .object({ name: VisitorName, email: VisitorEmail.nullable() })
  .partial()
  .openapi("PatchChat");

export const ChatMessageBody = z.object({ body: MessageText }).openapi("ChatMessage");
export const ChatMessageSchema = CommentSchema;

export const ChatRef = z.object({ ticket_id: z.string().min(1).max(64).openapi({ description: "the chat's ticket id" }) });
export const ChatLiveQuery = z.object({
  token: z.string().min(1).max(256).optional().openapi({ description: "the visitor token (browsers cannot set headers on a WebSocket)" }),
});
