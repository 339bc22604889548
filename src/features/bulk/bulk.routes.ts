import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { IdempotencyHeader } from "../tickets/tickets.schemas";
import { BulkBody, BulkResultSchema } from "./bulk.schemas";

export const bulk = createRoute({
  method: "post",
  path: "/tickets/bulk",
  tags: ["Tickets"],
  summary: "Change up to 100 tickets, each in its own write with the caller's rights; a result per ticket",
  security: bearerSecurity,
  middleware: requireCapability("macros.use"),
  request: { headers: IdempotencyHeader, body: jsonBody(BulkBody) },
  responses: { 200: jsonContent(BulkResultSchema, "What happened to each ticket"), ...errorResponses },
});
