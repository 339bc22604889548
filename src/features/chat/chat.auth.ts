import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { notFound, unauthorized } from "../../lib/errors";
import { bearerToken } from "../../middleware/auth";
import { visitorOf } from "./chat.service";

/**
 * The chat routes' caller: the visitor of the chat named in the path, by its visitor token
 * (`Authorization: Bearer`, or `?token=` on the socket). No token, or one that is not shaped like a
 * visitor token (an access token included): 401. A visitor token of another chat, or for a chat
 * that does not exist: 404, the same answer, so a token learns nothing about other tickets.
 */
export const requireVisitor = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c) ?? c.req.query("token");
  if (!token) throw unauthorized("Missing visitor token");
  const visitor = await visitorOf(c.env, c.req.param("ticket_id") ?? "", token);
  if (visitor === "malformed") throw unauthorized("Not a visitor token");
  if (!visitor) throw notFound("Chat");
  c.set("actor", visitor);
  await next();
});
