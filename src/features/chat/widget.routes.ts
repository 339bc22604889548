import { createRoute, type RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import source from "./widget/chat-widget.js";
import styles from "./widget/chat-widget.css";

/**
 * The chat widget (API.md "More channels and data"): plain JavaScript with no framework and no
 * build step, kept as files beside this module and bundled as text (wrangler.toml [[rules]]).
 * Any site may load them, so they are served for cross-origin use and cached briefly: a fix
 * reaches every embedding page within minutes.
 */
const CACHE = "public, max-age=300";
const tags = ["Chat"];

export const script = createRoute({
  method: "get",
  path: "/widget.js",
  tags,
  summary: "The chat widget: <script src=\".../widget.js\" defer></script> on any page opens a chat with your team",
  responses: { 200: { description: "The widget script", content: { "text/javascript": { schema: { type: "string" } } } } },
});

export const stylesheet = createRoute({
  method: "get",
  path: "/widget.css",
  tags,
  summary: "The widget's own stylesheet (loaded by the widget into its shadow root: no inline styles, so a strict CSP needs no unsafe-inline)",
  responses: { 200: { description: "The stylesheet", content: { "text/css": { schema: { type: "string" } } } } },
});

const headers = (type: string) => ({
  "Content-Type": `${type}; charset=utf-8`,
  "Cache-Control": CACHE,
  "X-Content-Type-Options": "nosniff",
  // Loaded by other sites' pages, including those that isolate themselves (COEP).
  "Cross-Origin-Resource-Policy": "cross-origin",
  "Access-Control-Allow-Origin": "*",
});

export const serveScript: RouteHandler<typeof script, AppEnv> = (c) => c.body(source, 200, headers("text/javascript"));
export const serveStylesheet: RouteHandler<typeof stylesheet, AppEnv> = (c) => c.body(styles, 200, headers("text/css"));
