import { z } from "@hono/zod-openapi";
import { MAX_URL_CHARS } from "../../domain/endpoint-url";
import { CHANNEL_KINDS } from "../../domain/vocabulary";
import { Id, IsoDate, pageOf } from "../../lib/openapi";

const Name = z.string().trim().min(1).max(100);
const OutboundUrl = z
  .string()
  .trim()
  .min(1)
  .max(MAX_URL_CHARS)
  .nullable()
  .openapi({ description: "Where staff replies are POSTed, signed like webhooks (https:// to a public host); null: replies stay in edgedesk", example: "https://phone.example.com/edgedesk/replies" });

export const ChannelSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CHANNEL_KINDS),
    name: z.string(),
    outbound_url: z.string().nullable(),
    active: z.boolean(),
    inbound_url: z.string().openapi({ description: "Where the channel POSTs its messages, signed with its secret" }),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("Channel");
export const ChannelWithSecret = ChannelSchema.extend({
  secret: z.string().openapi({ description: "`whsec_` + base64, shown here once: the channel signs its inbound calls with it (Standard Webhooks), and our replies are signed with it" }),
}).openapi("ChannelWithSecret");
export const ChannelPage = pageOf(ChannelSchema).openapi("ChannelPage");

export const CreateChannelBody = z.object({ kind: z.enum(CHANNEL_KINDS), name: Name, outbound_url: OutboundUrl.optional() }).strict().openapi("CreateChannel");
export const PatchChannelBody = z.object({ name: Name, outbound_url: OutboundUrl, active: z.boolean() }).partial().strict().openapi("PatchChannel");
export const ChannelRef = z.object({ id: Id });
export const ChannelDeliveryRef = z.object({ id: Id, delivery_id: Id });

/** Identifiers the channel owns: opaque, bounded, printable. */
const ExternalId = z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export const InboundAttachment = z
  .object({
    filename: z.string().min(1).max(255),
    content_type: z.string().min(1).max(255).default("application/octet-stream"),
    content_base64: z.string().min(1).regex(/^[A-Za-z0-9+/]*={0,2}$/, "standard base64"),
  })
  .strict();

export const InboundMessageBody = z
  .object({
    external_id: ExternalId.openapi({ description: "The message's id in the channel: the same id twice is processed once" }),
    thread_id: ExternalId.openapi({ description: "The conversation: a new one opens a ticket, a known one continues it" }),
    from: z
      .object({
        external_id: ExternalId,
        name: z.string().trim().min(1).max(200),
        email: z.string().trim().toLowerCase().email().max(254).optional(),
        phone: z.string().trim().max(50).optional(),
      })
      .strict(),
    text: z.string().max(50_000).default(""),
    created_at: z.string().datetime({ offset: true }).optional(),
    attachments: z.array(InboundAttachment).max(10).default([]),
  })
  .strict()
  .refine((m) => m.text.trim().length > 0 || m.attachments.length > 0, { message: "a message needs text or attachments", path: ["text"] })
  .openapi("ChannelInboundMessage");

export const InboundResult = z
  .object({
    status: z.enum(["ticket_created", "commented", "duplicate"]),
    ticket_id: z.string(),
    comment_id: z.string().nullable(),
  })
  .openapi("ChannelInboundResult");
