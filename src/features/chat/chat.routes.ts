import { createRoute } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent, transitionResponse } from "../../lib/openapi";
import { CommentListQuery, CommentPage } from "../comments/comments.schemas";
import { IdempotencyHeader } from "../tickets/tickets.schemas";
import { requireVisitor } from "./chat.auth";
import { ChatLiveQuery, ChatMessageBody, ChatMessageSchema, ChatRef, ChatSessionSchema, ChatStateSchema, OpenChatBody, PatchChatBody } from "./chat.schemas";

const tags = ["Chat"];
/** The chat routes' credential: the visitor token of one chat (not an access token). */
export const visitorSecurity = [{ visitorToken: [] }];
const visitor = { security: visitorSecurity, middleware: requireVisitor };
const limited = (description: string) => ({
  description,
  headers: {
    "RateLimit-Limit": { schema: { type: "string" as const } },
    "RateLimit-Remaining": { schema: { type: "string" as const } },
    "RateLimit-Reset": { schema: { type: "string" as const } },
  },
});

export const open = createRoute({
  method: "post",
  path: "/chat/sessions",
  tags,
  summary: "Open a chat (anonymous, rate limited per IP): a ticket of channel chat and a visitor token for it alone",
  request: { body: jsonBody(OpenChatBody) },
  responses: { 201: { ...jsonContent(ChatSessionSchema, "Opened"), ...limited("Opened") }, ...errorResponses },
});

export const getOne = createRoute({
  method: "get",
  path: "/chat/sessions/{ticket_id}",
  tags,
  summary: "The visitor's chat: its ticket and what the visitor told us",
  ...visitor,
  request: { params: ChatRef },
  responses: { 200: jsonContent(ChatStateSchema, "The chat"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/chat/sessions/{ticket_id}",
  tags,
  summary: "The visitor's name, or the address where replies they miss are mailed",
  ...visitor,
  request: { params: ChatRef, body: jsonBody(PatchChatBody) },
  responses: { 200: jsonContent(ChatStateSchema, "The chat"), ...errorResponses },
});

export const listMessages = createRoute({
  method: "get",
  path: "/chat/sessions/{ticket_id}/messages",
  tags,
  summary: "The transcript, oldest first (public messages only)",
  ...visitor,
  request: { params: ChatRef, query: CommentListQuery },
  responses: { 200: jsonContent(CommentPage, "A page of messages"), ...errorResponses },
});

export const postMessage = createRoute({
  method: "post",
  path: "/chat/sessions/{ticket_id}/messages",
  tags,
  summary: "The visitor writes (a public comment on the chat's ticket; rate limited per chat)",
  ...visitor,
  request: { params: ChatRef, headers: IdempotencyHeader, body: jsonBody(ChatMessageBody) },
  responses: { 201: { ...jsonContent(ChatMessageSchema, "Written"), ...limited("Written") }, ...errorResponses, ...transitionResponse },
});

export const live = createRoute({
  method: "get",
  path: "/chat/sessions/{ticket_id}/live",
  tags,
  summary: "The chat's socket: joins the ticket's room as its requester (typing both ways, replies live)",
  ...visitor,
  request: { params: ChatRef, query: ChatLiveQuery },
  responses: {
    101: { description: "Switching Protocols: the ticket room's live protocol, as its requester sees it (API.md \"Live collaboration\")" },
    ...errorResponses,
  },
});
