import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth, requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { CreateExportBody, ExportListQuery, ExportPage, ExportRef, ExportSchema, IncrementalPage, IncrementalQuery } from "./exports.schemas";

const tags = ["Exports"];
// Exports are managers' and admins' (an agent or a customer is 403 whatever the id: no existence oracle).
const common = { tags, security: bearerSecurity, middleware: requireCapability("reports.all") };

export const create = createRoute({
  method: "post",
  path: "/exports",
  summary: "Export tickets, time entries, satisfaction answers or the agents report as CSV or XLSX (manager and up); built in the background",
  ...common,
  request: { body: jsonBody(CreateExportBody) },
  responses: { 202: jsonContent(ExportSchema, "Queued"), ...errorResponses },
});

export const list = createRoute({
  method: "get",
  path: "/exports",
  summary: "The caller's exports, newest first",
  ...common,
  request: { query: ExportListQuery },
  responses: { 200: jsonContent(ExportPage, "A page of exports"), ...errorResponses },
});

export const getOne = createRoute({
  method: "get",
  path: "/exports/{id}",
  summary: "An export's status and progress, download_url when done (its requester while they may still ask for its kind, or an admin; a person's data: admins)",
  ...common,
  request: { params: ExportRef },
  responses: { 200: jsonContent(ExportSchema, "The export"), ...errorResponses },
});

export const download = createRoute({
  method: "get",
  path: "/exports/{id}/download",
  summary: "The export's file (its requester while they may still ask for its kind, or an admin; a person's data: admins); 409 until it is done",
  ...common,
  request: { params: ExportRef },
  responses: {
    200: {
      description: "The file",
      content: {
        "text/csv": { schema: z.string() },
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { schema: z.string().openapi({ format: "binary" }) },
        "application/json": { schema: z.unknown().openapi({ description: "a person's data (GET /users/{id}/export)" }) },
      },
    },
    ...errorResponses,
    ...conflictResponse,
  },
});

export const incremental = createRoute({
  method: "get",
  path: "/incremental/tickets",
  summary: "Tickets changed at or after start_time, oldest change first, deletions as {id, deleted: true} (admin; for warehouses)",
  tags,
  security: bearerSecurity,
  middleware: requireAuth,
  request: { query: IncrementalQuery },
  responses: { 200: jsonContent(IncrementalPage, "A page of changes"), ...errorResponses },
});
