import { createRoute, z } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, transitionResponse } from "../../lib/openapi";
import { IdempotencyHeader, TicketSchema } from "../tickets/tickets.schemas";
import { ApplyMacroParams, ApplyMacroQuery, CreateMacroBody, MacroListQuery, MacroPage, MacroRef, MacroSchema, PatchMacroBody, PreviewSchema } from "./macros.schemas";

const tags = ["Macros"];
const staff = { security: bearerSecurity, middleware: requireCapability("macros.use") };

export const list = createRoute({
  method: "get",
  path: "/macros",
  tags,
  summary: "Shared macros and the caller's personal ones, by name",
  ...staff,
  request: { query: MacroListQuery },
  responses: { 200: jsonContent(MacroPage, "A page of macros"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/macros",
  tags,
  summary: "Create a personal macro (agents) or a shared one (managers and admins)",
  ...staff,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateMacroBody) },
  responses: { 201: jsonContent(MacroSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/macros/{id}",
  tags,
  summary: "One macro (another agent's personal one: 404)",
  ...staff,
  request: { params: MacroRef },
  responses: { 200: jsonContent(MacroSchema, "The macro"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/macros/{id}",
  tags,
  summary: "Change one's own personal macro, or (managers and admins) a shared one",
  ...staff,
  request: { params: MacroRef, body: jsonBody(PatchMacroBody) },
  responses: { 200: jsonContent(MacroSchema, "The macro"), ...errorResponses },
});

export const remove = createRoute({
  method: "delete",
  path: "/macros/{id}",
  tags,
  summary: "Delete one's own personal macro, or (managers and admins) a shared one",
  ...staff,
  request: { params: MacroRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const apply = createRoute({
  method: "post",
  path: "/tickets/{id}/macros/{macro_id}/apply",
  tags,
  summary: "Apply a macro to a ticket with the caller's rights: one change, the comment in the same write",
  ...staff,
  request: { params: ApplyMacroParams, query: ApplyMacroQuery, headers: IdempotencyHeader },
  responses: {
    200: jsonContent(z.union([TicketSchema, PreviewSchema]), "The ticket after the change; with dry_run=true, {ticket, comment} as they would be"),
    ...errorResponses,
    ...conflictResponse,
    ...transitionResponse,
  },
});
