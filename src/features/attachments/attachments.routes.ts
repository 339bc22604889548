import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { mailSettings } from "../../email/settings";
import { AppError } from "../../lib/errors";
import { bearerSecurity, errorResponses, jsonContent, transitionResponse } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { TicketRef } from "../tickets/tickets.schemas";
import { AttachmentListQuery, AttachmentPage, AttachmentRef, UploadForm, UploadResult } from "./attachments.schemas";
import { MAX_FILES_PER_UPLOAD } from "./attachments.service";

const tags = ["Attachments"];
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: z.any() } } });

/** Multipart framing around the files: headers and boundaries of up to MAX_FILES_PER_UPLOAD parts. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * The upload's own body cap (the API's 1 MiB JSON cap does not apply to it; see app.ts): a
 * declared Content-Length over what the largest allowed form can be is refused before a byte is
 * read. Nothing is buffered here (Hono's bodyLimit would read a chunked body into memory to count
 * it); a body without a length is held to the same caps by the streaming parser.
 */
const limitUpload = createMiddleware<AppEnv>(async (c, next) => {
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared > mailSettings(c.env).maxAttachmentBytes * MAX_FILES_PER_UPLOAD + MULTIPART_OVERHEAD_BYTES) {
    throw new AppError("PAYLOAD_TOO_LARGE", "The upload is too large");
  }
  await next();
});

export const list = createRoute({
  method: "get",
  path: "/tickets/{id}/attachments",
  tags,
  summary: "Files of a ticket (customers: not those of internal notes)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: TicketRef, query: AttachmentListQuery },
  responses: { 200: jsonContent(AttachmentPage, "A page of attachments"), ...errorResponses },
});

export const upload = createRoute({
  method: "post",
  path: "/tickets/{id}/attachments",
  tags,
  summary: `Upload files to a ticket (multipart/form-data, parts named \`file\`, at most ${MAX_FILES_PER_UPLOAD})`,
  security: bearerSecurity,
  middleware: [requireAuth, limitUpload] as const,
  // Not `required`: any other content type reaches the handler, which answers 415.
  request: { params: TicketRef, body: { content: { "multipart/form-data": { schema: UploadForm } } } },
  responses: {
    201: jsonContent(UploadResult, "Stored"),
    ...errorResponses,
    413: problem("A file is larger than the per-file limit"),
    415: problem("Not multipart/form-data"),
    ...transitionResponse,
  },
});

export const getOne = createRoute({
  method: "get",
  path: "/attachments/{id}",
  tags,
  summary: "Download a file (Content-Disposition: attachment)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: AttachmentRef },
  responses: {
    200: { description: "The file's bytes", content: { "application/octet-stream": { schema: z.any().openapi({ type: "string", format: "binary" }) } } },
    ...errorResponses,
  },
});
