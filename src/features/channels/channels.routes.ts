import { createRoute } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery, tooLargeResponse } from "../../lib/openapi";
import { AppError } from "../../lib/errors";
import { requireCapability } from "../../middleware/auth";
import { DeliveryDetail, DeliveryPage, DeliveryQuery, DeliverySchema } from "../webhooks/webhooks.schemas";
import { MAX_INBOUND_BYTES, verifyChannelSignature } from "./channels.inbound";
import { ChannelDeliveryRef, ChannelPage, ChannelRef, ChannelSchema, ChannelWithSecret, CreateChannelBody, InboundMessageBody, InboundResult, PatchChannelBody } from "./channels.schemas";

const tags = ["Channels"];
const admin = { security: bearerSecurity, middleware: requireCapability("integrations.manage") };

export const list = createRoute({
  method: "get",
  path: "/channels",
  tags,
  summary: "Connected channels, newest first (admin)",
  ...admin,
  request: { query: PageQuery },
  responses: { 200: jsonContent(ChannelPage, "A page of channels"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/channels",
  tags,
  summary: "Connect a phone system, social inbox or any other system (admin); its secret is in this answer only",
  ...admin,
  request: { body: jsonBody(CreateChannelBody) },
  responses: { 201: jsonContent(ChannelWithSecret, "Created, with its secret"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/channels/{id}",
  tags,
  summary: "One channel (admin)",
  ...admin,
  request: { params: ChannelRef },
  responses: { 200: jsonContent(ChannelSchema, "The channel"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/channels/{id}",
  tags,
  summary: "Rename a channel, change where replies go, switch it off (admin)",
  ...admin,
  request: { params: ChannelRef, body: jsonBody(PatchChannelBody) },
  responses: { 200: jsonContent(ChannelSchema, "The channel"), ...errorResponses },
});

export const remove = createRoute({
  method: "delete",
  path: "/channels/{id}",
  tags,
  summary: "Disconnect a channel: its calls are refused, its tickets stay (admin)",
  ...admin,
  request: { params: ChannelRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const rotateSecret = createRoute({
  method: "post",
  path: "/channels/{id}/rotate-secret",
  tags,
  summary: "A new secret, shown once; the old one still verifies and signs for 24 h (admin)",
  ...admin,
  request: { params: ChannelRef },
  responses: { 200: jsonContent(ChannelWithSecret, "The channel with its new secret"), ...errorResponses },
});

export const deliveries = createRoute({
  method: "get",
  path: "/channels/{id}/deliveries",
  tags,
  summary: "Staff replies sent to the channel's outbound_url, newest first (admin)",
  ...admin,
  request: { params: ChannelRef, query: DeliveryQuery },
  responses: { 200: jsonContent(DeliveryPage, "A page of deliveries"), ...errorResponses },
});

export const delivery = createRoute({
  method: "get",
  path: "/channels/{id}/deliveries/{delivery_id}",
  tags,
  summary: "One reply delivery with the body it sends (admin)",
  ...admin,
  request: { params: ChannelDeliveryRef },
  responses: { 200: jsonContent(DeliveryDetail, "The delivery"), ...errorResponses },
});

export const redeliver = createRoute({
  method: "post",
  path: "/channels/{id}/deliveries/{delivery_id}/redeliver",
  tags,
  summary: "Send a reply to the channel again, with the same webhook-id (admin)",
  ...admin,
  request: { params: ChannelDeliveryRef },
  responses: { 202: jsonContent(DeliverySchema, "Queued"), ...errorResponses, ...conflictResponse },
});

const inboundBodyLimit = bodyLimit({
  maxSize: MAX_INBOUND_BYTES,
  onError: () => {
    throw new AppError("PAYLOAD_TOO_LARGE", `A channel message is limited to ${MAX_INBOUND_BYTES} bytes`);
  },
});

export const inbound = createRoute({
  method: "post",
  path: "/channels/{id}/inbound",
  tags,
  summary: "A message from the channel, signed with its secret (Standard Webhooks); no bearer token",
  description:
    "Headers `webhook-id`, `webhook-timestamp` (within 5 minutes of now) and `webhook-signature: v1,<base64 HMAC-SHA256 of \"id.timestamp.body\">` with the channel's secret; " +
    "a missing or bad signature, an old or replayed timestamp, an unknown or inactive channel: 401. A new `thread_id` opens a ticket (`channel` = the channel's kind), " +
    "a known one adds a public comment to its ticket (a new ticket if that one was closed); the same `external_id` twice is processed once (200, `duplicate`). " +
    "The sender is a customer per (channel, `from.external_id`); a reported email is kept as information and never matched to an existing account.",
  middleware: [inboundBodyLimit, verifyChannelSignature],
  request: { params: ChannelRef, body: jsonBody(InboundMessageBody) },
  responses: {
    201: jsonContent(InboundResult, "A ticket was opened or a comment added"),
    200: jsonContent(InboundResult, "Processed before (the same external_id): nothing new"),
    ...errorResponses,
    ...tooLargeResponse,
  },
});
