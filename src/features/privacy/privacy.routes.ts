import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { ExportSchema } from "../exports/exports.schemas";
import { CommentSchema } from "../comments/comments.schemas";
import { CommentRef, EraseBody, ErasureSchema, RedactBody, UserRef } from "./privacy.schemas";

export const redact = createRoute({
  method: "post",
  path: "/tickets/{id}/comments/{comment_id}/redact",
  tags: ["Comments", "Privacy"],
  summary: "Remove a passage from a comment everywhere it is stored: the comment, its search row, the mail it came or went as (agent+)",
  security: bearerSecurity,
  middleware: requireCapability("ticket.edit_content"),
  request: { params: CommentRef, body: jsonBody(RedactBody) },
  responses: { 200: jsonContent(CommentSchema, "The comment as it now reads"), ...errorResponses, ...conflictResponse },
});

export const erase = createRoute({
  method: "post",
  path: "/users/{id}/erase",
  tags: ["Users", "Privacy"],
  summary: "Erase a person (admin): name and email replaced, their texts, files and mails deleted, search rows removed, sessions ended",
  description: "`confirm` must be the person's email address. The audit log records that the erasure happened and by whom, without the erased data.",
  security: bearerSecurity,
  middleware: requireCapability("users.manage"),
  request: { params: UserRef, body: jsonBody(EraseBody) },
  responses: { 200: jsonContent(ErasureSchema, "Erased"), ...errorResponses, ...conflictResponse },
});

export const exportUser = createRoute({
  method: "get",
  path: "/users/{id}/export",
  tags: ["Users", "Privacy"],
  summary: "Export everything held about a person (admin): queues an export job of kind `user` (one JSON document); follow it at GET /exports/{id}",
  security: bearerSecurity,
  middleware: requireCapability("users.manage"),
  request: { params: UserRef },
  responses: { 202: jsonContent(ExportSchema, "Queued"), ...errorResponses },
});
