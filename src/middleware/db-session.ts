import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";

const BOOKMARK_HEADER = "X-D1-Bookmark";
// A bookmark is an opaque token from D1; anything longer is not one of ours.
const MAX_BOOKMARK_LENGTH = 256;

/**
 * One D1 session per request (API.md "Conventions"): reads may come from the nearest replica, but
 * never older than the bookmark the client sends back; writes start at the primary. The response
 * always carries the session's latest bookmark.
 */
export const dbSession = createMiddleware<AppEnv>(async (c, next) => {
  const sent = c.req.header(BOOKMARK_HEADER);
  const readOnly = c.req.method === "GET" || c.req.method === "HEAD";
  const start = !readOnly ? "first-primary" : sent && sent.length <= MAX_BOOKMARK_LENGTH ? sent : "first-unconstrained";
  let session: D1DatabaseSession;
  try {
    session = c.env.DB.withSession(start);
  } catch {
    session = c.env.DB.withSession(readOnly ? "first-unconstrained" : "first-primary");
  }
  c.set("db", createDb(session));
  await next();
  const bookmark = session.getBookmark();
  if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
});
