import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requireCapability } from "../../middleware/auth";
import { TicketRef } from "../tickets/tickets.schemas";
import {
  MailMessagePage,
  PageQuery,
  PutTemplateBody,
  QuarantinePage,
  QuarantineRef,
  ReleaseResult,
  TemplateKindParam,
  TemplateSchema,
} from "./mail.schemas";

const tags = ["Email"];
const staff = { security: bearerSecurity, middleware: requireCapability("ticket.see_internal") };
const admin = { security: bearerSecurity, middleware: requireCapability("settings.manage") };
const releaser = { security: bearerSecurity, middleware: requireCapability("mail.release") };

export const ticketMessages = createRoute({
  method: "get",
  path: "/tickets/{id}/messages",
  tags,
  summary: "Inbound and outbound mail of a ticket, with delivery status (staff)",
  ...staff,
  request: { params: TicketRef, query: PageQuery },
  responses: { 200: jsonContent(MailMessagePage, "A page of mail messages, oldest first"), ...errorResponses },
});

export const quarantine = createRoute({
  method: "get",
  path: "/mail/quarantine",
  tags,
  summary: "Mail held because its sender did not authenticate, and mail that could not be stored (staff), newest first",
  ...staff,
  request: { query: PageQuery },
  responses: { 200: jsonContent(QuarantinePage, "A page of held mail"), ...errorResponses },
});

export const release = createRoute({
  method: "post",
  path: "/mail/quarantine/{id}/release",
  tags,
  summary: "Accept a held message (managers and admins): it acts as its customer sender, never as staff",
  ...releaser,
  request: { params: QuarantineRef },
  responses: { 200: jsonContent(ReleaseResult, "What became of the message"), ...errorResponses, ...conflictResponse },
});

export const reject = createRoute({
  method: "post",
  path: "/mail/quarantine/{id}/reject",
  tags,
  summary: "Discard a held message; it stays on record as rejected",
  ...staff,
  request: { params: QuarantineRef },
  responses: { 200: jsonContent(ReleaseResult, "The message, now rejected"), ...errorResponses, ...conflictResponse },
});

export const getTemplate = createRoute({
  method: "get",
  path: "/email-templates/{kind}",
  tags,
  summary: "An outbound mail template (admin)",
  ...admin,
  request: { params: TemplateKindParam },
  responses: { 200: jsonContent(TemplateSchema, "The template in use"), ...errorResponses },
});

export const putTemplate = createRoute({
  method: "put",
  path: "/email-templates/{kind}",
  tags,
  summary: "Replace an outbound mail template (admin); `{{name}}` placeholders from `variables` only",
  ...admin,
  request: { params: TemplateKindParam, body: jsonBody(PutTemplateBody) },
  responses: { 200: jsonContent(TemplateSchema, "The template now in use"), ...errorResponses },
});
