import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery } from "../../lib/openapi";
import { requireCapability } from "../../middleware/auth";
import { CreateWebhookBody, DeliveryDetail, DeliveryPage, DeliveryQuery, DeliveryRef, DeliverySchema, PatchWebhookBody, WebhookPage, WebhookRef, WebhookSchema, WebhookWithSecret } from "./webhooks.schemas";

const tags = ["Webhooks"];
const common = { security: bearerSecurity, middleware: requireCapability("integrations.manage") };

const SIGNING =
  "Deliveries follow the Standard Webhooks specification: `POST` JSON `{id, type, created_at, data}` with `webhook-id` (the delivery's id, the same on retries), " +
  "`webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of \"id.timestamp.body\">` (two signatures for 24 h after a rotation). " +
  "A 2xx within 10 s is a success; anything else is retried after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then every 12 h until 24 h have passed (then `failed`); " +
  "a webhook failing for 3 days is disabled. Redirects are not followed. Internal notes and internal changes go only to webhooks with `include_internal`.";

export const list = createRoute({
  method: "get",
  path: "/webhooks",
  tags,
  summary: "Webhooks, newest first (admin)",
  ...common,
  request: { query: PageQuery },
  responses: { 200: jsonContent(WebhookPage, "A page of webhooks"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/webhooks",
  tags,
  summary: "Register a webhook (admin); its secret is in this answer only",
  description: SIGNING,
  ...common,
  request: { body: jsonBody(CreateWebhookBody) },
  responses: { 201: jsonContent(WebhookWithSecret, "Created, with its secret"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/webhooks/{id}",
  tags,
  summary: "One webhook (admin)",
  ...common,
  request: { params: WebhookRef },
  responses: { 200: jsonContent(WebhookSchema, "The webhook"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/webhooks/{id}",
  tags,
  summary: "Change a webhook; `active: true` switches a disabled one on again (admin)",
  ...common,
  request: { params: WebhookRef, body: jsonBody(PatchWebhookBody) },
  responses: { 200: jsonContent(WebhookSchema, "The webhook"), ...errorResponses },
});

export const remove = createRoute({
  method: "delete",
  path: "/webhooks/{id}",
  tags,
  summary: "Delete a webhook: nothing more is sent to it (admin)",
  ...common,
  request: { params: WebhookRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const rotateSecret = createRoute({
  method: "post",
  path: "/webhooks/{id}/rotate-secret",
  tags,
  summary: "A new secret, shown once; the old one keeps signing beside it for 24 h (admin)",
  ...common,
  request: { params: WebhookRef },
  responses: { 200: jsonContent(WebhookWithSecret, "The webhook with its new secret"), ...errorResponses },
});

export const test = createRoute({
  method: "post",
  path: "/webhooks/{id}/test",
  tags,
  summary: "Send a `webhook.test` ping now and answer with its delivery (admin)",
  description: "Tried once, inactive webhooks included; it does not count toward disabling the webhook.",
  ...common,
  request: { params: WebhookRef },
  responses: { 200: jsonContent(DeliverySchema, "The delivery, after its attempt"), ...errorResponses },
});

export const deliveries = createRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries",
  tags,
  summary: "The delivery log of a webhook, newest first (admin)",
  ...common,
  request: { params: WebhookRef, query: DeliveryQuery },
  responses: { 200: jsonContent(DeliveryPage, "A page of deliveries"), ...errorResponses },
});

export const delivery = createRoute({
  method: "get",
  path: "/webhooks/{id}/deliveries/{delivery_id}",
  tags,
  summary: "One delivery with the body it sends (admin)",
  ...common,
  request: { params: DeliveryRef },
  responses: { 200: jsonContent(DeliveryDetail, "The delivery"), ...errorResponses },
});

export const redeliver = createRoute({
  method: "post",
  path: "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
  tags,
  summary: "Send a delivery again, with the same webhook-id (admin)",
  description: "Queued now; failing again, it is retried for 24 h from now. A webhook that is not active answers 409.",
  ...common,
  request: { params: DeliveryRef },
  responses: { 202: jsonContent(DeliverySchema, "Queued"), ...errorResponses, ...conflictResponse },
});
