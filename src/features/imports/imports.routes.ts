import { createRoute, z } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { CreateImportBody, ImportId, ImportListQuery, ImportPage, ImportSchema, UploadedPart } from "./imports.schemas";

const tags = ["Imports"];
const admin = requireCapability("settings.manage");
const payloadTooLarge = { 413: { description: "More than 100 MB in one upload" } };

export const create = createRoute({
  method: "post",
  path: "/imports",
  tags,
  summary: "Start an import from Zendesk (admin): answers where to upload the export",
  security: bearerSecurity,
  middleware: admin,
  request: { body: jsonBody(CreateImportBody) },
  responses: { 201: jsonContent(ImportSchema, "Created; PUT the export's files to upload_url"), ...errorResponses },
});

export const list = createRoute({
  method: "get",
  path: "/imports",
  tags,
  summary: "Imports, newest first (admin)",
  security: bearerSecurity,
  middleware: admin,
  request: { query: ImportListQuery },
  responses: { 200: jsonContent(ImportPage, "A page of imports"), ...errorResponses },
});

export const getOne = createRoute({
  method: "get",
  path: "/imports/{id}",
  tags,
  summary: "An import's status, progress and errors (admin)",
  security: bearerSecurity,
  middleware: admin,
  request: { params: ImportId },
  responses: { 200: jsonContent(ImportSchema, "The import"), ...errorResponses },
});

export const upload = createRoute({
  method: "put",
  path: "/imports/{id}/upload",
  tags,
  summary: "Upload one file of the export (admin): users, organizations, tickets (with comments), audits or ticket events, as Zendesk writes them (NDJSON or JSON)",
  description:
    "The raw file is the body (`application/x-ndjson`, `application/json` or `application/octet-stream`, with Content-Length), streamed into storage. Upload as many files as the export has, in any order, then start the import.",
  security: bearerSecurity,
  middleware: admin,
  request: {
    params: ImportId,
    body: {
      required: true,
      // Raw bytes, never parsed here (a JSON file is sent as application/json just as well: it is not validated as a body).
      content: {
        "application/x-ndjson": { schema: z.string().openapi({ format: "binary" }) },
        "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
  },
  responses: { 201: jsonContent(UploadedPart, "Stored"), ...errorResponses, ...conflictResponse, ...payloadTooLarge },
});

export const start = createRoute({
  method: "post",
  path: "/imports/{id}/start",
  tags,
  summary: "Process the uploaded export in chunks through a Queue (admin)",
  security: bearerSecurity,
  middleware: admin,
  request: { params: ImportId },
  responses: { 202: jsonContent(ImportSchema, "Queued"), ...errorResponses, ...conflictResponse },
});
