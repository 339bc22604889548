import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { bearerSecurity, errorResponses, jsonBody, jsonContent, transitionResponse } from "../../lib/openapi";
import { TicketRef } from "../tickets/tickets.schemas";
import { CreateTimeEntryBody, PatchTimeEntryBody, TimeEntryListQuery, TimeEntryPage, TimeEntryRef, TimeEntrySchema } from "./time.schemas";

const tags = ["Time tracking"];
const common = { tags, security: bearerSecurity, middleware: requireAuth };

export const create = createRoute({
  method: "post",
  path: "/tickets/{id}/time-entries",
  summary: "Log time on a ticket (staff)",
  ...common,
  request: { params: TicketRef, body: jsonBody(CreateTimeEntryBody) },
  responses: { 201: jsonContent(TimeEntrySchema, "Logged"), ...errorResponses, ...transitionResponse },
});

export const list = createRoute({
  method: "get",
  path: "/tickets/{id}/time-entries",
  summary: "A ticket's time entries, oldest work first (staff)",
  ...common,
  request: { params: TicketRef, query: TimeEntryListQuery },
  responses: { 200: jsonContent(TimeEntryPage, "A page of entries"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/time-entries/{id}",
  summary: "Change a time entry (its author; managers any)",
  ...common,
  request: { params: TimeEntryRef, body: jsonBody(PatchTimeEntryBody) },
  responses: { 200: jsonContent(TimeEntrySchema, "The entry"), ...errorResponses, ...transitionResponse },
});

export const remove = createRoute({
  method: "delete",
  path: "/time-entries/{id}",
  summary: "Delete a time entry (its author; managers any)",
  ...common,
  request: { params: TimeEntryRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});
