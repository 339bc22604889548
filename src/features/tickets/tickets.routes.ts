import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth, requireAuthInFirstCall } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery, transitionResponse } from "../../lib/openapi";
import { CommentListQuery, CommentPage, CommentSchema, CreateCommentBody } from "../comments/comments.schemas";
import {
  AssignBody,
  ConflictSchema,
  CreateTicketBody,
  EscalateBody,
  HistoryPage,
  IdempotencyHeader,
  IfMatchHeader,
  MergeBody,
  PatchTicketBody,
  SplitBody,
  TicketListQuery,
  TicketPage,
  TicketRef,
  TicketSchema,
} from "./tickets.schemas";

const tags = ["Tickets"];
const common = { security: bearerSecurity, middleware: requireAuth };
/** The two hot writes: the caller's row read in the write's first D1 call (middleware/auth.ts). */
const hotWrite = { security: bearerSecurity, middleware: requireAuthInFirstCall };
const withEtag = (description: string) => ({
  ...jsonContent(TicketSchema, description),
  headers: { ETag: { description: "The ticket's version", schema: { type: "string" as const } } },
});

export const create = createRoute({
  method: "post",
  path: "/tickets",
  tags,
  summary: "Open a ticket",
  ...hotWrite,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateTicketBody) },
  responses: { 201: withEtag("Created"), ...errorResponses, ...conflictResponse },
});

export const list = createRoute({
  method: "get",
  path: "/tickets",
  tags,
  summary: "List tickets (customers: their own)",
  description:
    "Besides the parameters below, `cf.<key>=<value>` filters by a custom field (dropdown, multiselect, checkbox `true|false`, integer, date `YYYY-MM-DD`; up to 5, all must hold). An unknown key, or one of a field the caller may not see, is a 400.",
  ...common,
  request: { query: TicketListQuery },
  responses: { 200: jsonContent(TicketPage, "A page of tickets"), ...errorResponses },
});

export const getOne = createRoute({
  method: "get",
  path: "/tickets/{id}",
  tags,
  summary: "One ticket, by id or number",
  ...common,
  request: { params: TicketRef },
  responses: { 200: withEtag("The ticket"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/tickets/{id}",
  tags,
  summary: "Change a ticket; with If-Match, concurrent edits of other fields merge",
  ...common,
  request: { params: TicketRef, headers: IfMatchHeader, body: jsonBody(PatchTicketBody) },
  responses: {
    200: withEtag("The ticket after the change"),
    ...errorResponses,
    409: { description: "A field of this edit changed since If-Match", content: { "application/problem+json": { schema: ConflictSchema } } },
    ...transitionResponse,
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/tickets/{id}",
  tags,
  summary: "Delete a ticket (admin); its audit trail stays",
  ...common,
  request: { params: TicketRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const assign = createRoute({
  method: "post",
  path: "/tickets/{id}/assign",
  tags,
  summary: "Assign (agents: to themselves) or auto-assign",
  ...common,
  request: { params: TicketRef, body: jsonBody(AssignBody) },
  responses: { 200: withEtag("The ticket"), ...errorResponses, ...transitionResponse },
});

export const escalate = createRoute({
  method: "post",
  path: "/tickets/{id}/escalate",
  tags,
  summary: "Escalate (manager and up): priority one step up, optionally reassigned",
  ...common,
  request: { params: TicketRef, body: jsonBody(EscalateBody) },
  responses: { 200: withEtag("The ticket"), ...errorResponses, ...transitionResponse },
});

export const listComments = createRoute({
  method: "get",
  path: "/tickets/{id}/comments",
  tags: ["Comments"],
  summary: "Comments, oldest first (customers: public ones only)",
  ...common,
  request: { params: TicketRef, query: CommentListQuery },
  responses: { 200: jsonContent(CommentPage, "A page of comments"), ...errorResponses },
});

export const createComment = createRoute({
  method: "post",
  path: "/tickets/{id}/comments",
  tags: ["Comments"],
  summary: "Reply publicly or add an internal note (staff)",
  ...hotWrite,
  request: { params: TicketRef, headers: IdempotencyHeader, body: jsonBody(CreateCommentBody) },
  responses: { 201: jsonContent(CommentSchema, "Created"), ...errorResponses, ...conflictResponse, ...transitionResponse },
});

export const getComment = createRoute({
  method: "get",
  path: "/tickets/{id}/comments/{comment_id}",
  tags: ["Comments"],
  summary: "One comment (customers: public ones only)",
  ...common,
  request: { params: TicketRef.extend({ comment_id: z.string().min(1).max(64) }) },
  responses: { 200: jsonContent(CommentSchema, "The comment"), ...errorResponses },
});

export const history = createRoute({
  method: "get",
  path: "/tickets/{id}/history",
  tags,
  summary: "The ticket's history (customers: no internal events)",
  ...common,
  request: { params: TicketRef, query: PageQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(100) }) },
  responses: { 200: jsonContent(HistoryPage, "History entries, oldest first"), ...errorResponses },
});

export const merge = createRoute({
  method: "post",
  path: "/tickets/{id}/merge",
  tags,
  summary: "Merge this ticket into another (agent and up): closed for good, its conversation moves to the target",
  ...common,
  request: { params: TicketRef, body: jsonBody(MergeBody) },
  responses: { 200: withEtag("The target after the merge"), ...errorResponses, ...conflictResponse, ...transitionResponse },
});

export const split = createRoute({
  method: "post",
  path: "/tickets/{id}/split",
  tags,
  summary: "Split comments out into a new ticket of the same requester (agent and up)",
  ...common,
  request: { params: TicketRef, headers: IdempotencyHeader, body: jsonBody(SplitBody) },
  responses: { 201: withEtag("The new ticket"), ...errorResponses, ...conflictResponse, ...transitionResponse },
});
