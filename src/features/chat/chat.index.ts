import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";
import { createRouter } from "../../lib/create-router";
import * as handlers from "./chat.handlers";
import * as routes from "./chat.routes";
import * as widget from "./widget.routes";

export const chatRouter = createRouter()
  .openapi(routes.open, handlers.open)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.listMessages, handlers.listMessages)
  .openapi(routes.postMessage, handlers.postMessage)
  .openapi(routes.live, handlers.live);

/** `/widget.js` and `/widget.css`, at the root: the one script tag a website embeds, and its stylesheet. */
export const widgetRouter = createRouter().openapi(widget.script, widget.serveScript).openapi(widget.stylesheet, widget.serveStylesheet);

/**
 * The chat API is called from other sites' pages (the widget), so it answers CORS: any origin, or
 * those of `CHAT_ALLOWED_ORIGINS`. The visitor token travels in a header, never a cookie, so no
 * credentials are allowed and a page can do nothing with it that its own script could not.
 */
export const chatCors = createMiddleware<AppEnv>((c, next) => {
  const allowed = (c.env.CHAT_ALLOWED_ORIGINS ?? "*").split(",").map((o) => o.trim()).filter(Boolean);
  return cors({
    origin: allowed.includes("*") ? "*" : allowed,
    allowMethods: ["GET", "POST", "PATCH"],
    allowHeaders: ["Content-Type", "Authorization", "Idempotency-Key", "X-D1-Bookmark"],
    exposeHeaders: ["Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-D1-Bookmark"],
    maxAge: 600,
  })(c, next);
});
