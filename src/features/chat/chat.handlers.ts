import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import { AppError } from "../../lib/errors";
import { connect } from "../live/live.service";
import type * as routes from "./chat.routes";
import * as chat from "./chat.service";

export const open: RouteHandler<typeof routes.open, AppEnv> = async (c) => {
  const result = await chat.openChat(requestContext(c), c.req.valid("json"));
  return c.json(result.body, 201, result.headers);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) =>
  c.json(await chat.chatState(requestContext(c), c.req.valid("param").ticket_id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await chat.updateChat(requestContext(c), c.req.valid("param").ticket_id, c.req.valid("json")), 200);

export const listMessages: RouteHandler<typeof routes.listMessages, AppEnv> = async (c) =>
  c.json(await chat.chatMessages(requestContext(c), c.req.valid("param").ticket_id, c.req.valid("query")), 200);

export const postMessage: RouteHandler<typeof routes.postMessage, AppEnv> = async (c) => {
  const result = await chat.postMessage(requestContext(c), c.req.valid("param").ticket_id, c.req.valid("json").body, c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const live: RouteHandler<typeof routes.live, AppEnv> = async (c) => {
  // Refused like a GET would be (401/404) before any socket opens.
  const { ticketId, identity } = await chat.joinChat(requestContext(c), c.req.valid("param").ticket_id);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_ERROR", "This endpoint only opens a WebSocket: send Upgrade: websocket", { errors: { upgrade: ["expected websocket"] }, headers: { Upgrade: "websocket" } });
  }
  return connect(c.env, `room:${ticketId}`, identity);
};
