import { z } from "@hono/zod-openapi";
import { MAX_URL_CHARS } from "../../domain/endpoint-url";
import { DELIVERY_STATUSES } from "../../domain/vocabulary";
import { TICKET_EVENT_TYPES } from "../../events/ticket-events";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";

export const WebhookEventType = z.enum(TICKET_EVENT_TYPES).openapi({ description: "A ticket event type (the same names as the live events)" });
const Url = z.string().trim().min(1).max(MAX_URL_CHARS).openapi({ example: "https://hooks.example.com/edgedesk", description: "https:// to a public host (SSRF guard: no credentials, no IP literals, no private names)" });
const Description = z.string().trim().max(500);

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    include_internal: z.boolean(),
    active: z.boolean(),
    description: z.string(),
    /** Since when every attempt failed (null: the last one succeeded); 3 days of it disable the webhook. */
    failing_since: IsoDate.nullable(),
    disabled_at: IsoDate.nullable(),
    disabled_reason: z.string().nullable(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("Webhook");
export const WebhookWithSecret = WebhookSchema.extend({
  secret: z.string().openapi({ description: "`whsec_` + base64: shown here once; verify deliveries with any Standard Webhooks library", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).openapi("WebhookWithSecret");
export const WebhookPage = pageOf(WebhookSchema).openapi("WebhookPage");

export const CreateWebhookBody = z
  .object({
    url: Url,
    events: z.array(WebhookEventType).min(1).max(TICKET_EVENT_TYPES.length).transform((e) => [...new Set(e)]),
    include_internal: z.boolean().default(false),
    active: z.boolean().default(true),
    description: Description.default(""),
  })
  .strict()
  .openapi("CreateWebhook");
export const PatchWebhookBody = z
  .object({
    url: Url,
    events: z.array(WebhookEventType).min(1).max(TICKET_EVENT_TYPES.length).transform((e) => [...new Set(e)]),
    include_internal: z.boolean(),
    active: z.boolean().openapi({ description: "true re-enables a webhook that was disabled after failing" }),
    description: Description,
  })
  .partial()
  .strict()
  .openapi("PatchWebhook");

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "The `webhook-id` header of every attempt (the same on retries): receivers dedupe by it" }),
    event_id: z.string(),
    type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_response: z.string().nullable().openapi({ description: "The first KiB of the receiver's last answer" }),
    duration_ms: z.number().int().nullable(),
    next_attempt_at: IsoDate.nullable(),
    delivered_at: IsoDate.nullable(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("WebhookDelivery");
export const DeliveryDetail = DeliverySchema.extend({
  payload: z.unknown().openapi({ description: "The JSON body as it is sent (null when the endpoint may no longer see it)" }),
}).openapi("WebhookDeliveryDetail");
export const DeliveryPage = pageOf(DeliverySchema).openapi("WebhookDeliveryPage");
export const DeliveryQuery = PageQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional() });

export const WebhookRef = z.object({ id: Id });
export const DeliveryRef = z.object({ id: Id, delivery_id: Id });
