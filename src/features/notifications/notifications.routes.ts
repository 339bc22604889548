import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { MarkReadBody, NotificationListQuery, NotificationPage, PreferencesSchema, PutPreferencesBody, UnreadCountSchema } from "./notifications.schemas";

const tags = ["Notifications"];
const common = { security: bearerSecurity, middleware: requireAuth };

export const list = createRoute({
  method: "get",
  path: "/notifications",
  tags,
  summary: "The caller's notifications, newest first",
  ...common,
  request: { query: NotificationListQuery },
  responses: { 200: jsonContent(NotificationPage, "A page of notifications"), ...errorResponses },
});

export const unreadCount = createRoute({
  method: "get",
  path: "/notifications/unread-count",
  tags,
  summary: "How many of the caller's notifications are unread (a kept counter, not a count)",
  ...common,
  responses: { 200: jsonContent(UnreadCountSchema, "The unread count"), ...errorResponses },
});

export const markRead = createRoute({
  method: "post",
  path: "/notifications/read",
  tags,
  summary: "Mark notifications read: some by id, or all",
  ...common,
  request: { body: jsonBody(MarkReadBody) },
  responses: { 204: { description: "Marked" }, ...errorResponses },
});

export const getPreferences = createRoute({
  method: "get",
  path: "/me/notification-preferences",
  tags,
  summary: "Per notification type: in the app, by mail",
  ...common,
  responses: { 200: jsonContent(PreferencesSchema, "The caller's preferences"), ...errorResponses },
});

export const putPreferences = createRoute({
  method: "put",
  path: "/me/notification-preferences",
  tags,
  summary: "Set the channels of the types given (the others stay as they are)",
  ...common,
  request: { body: jsonBody(PutPreferencesBody) },
  responses: { 200: jsonContent(PreferencesSchema, "The caller's preferences"), ...errorResponses },
});
