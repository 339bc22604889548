import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client";
import { metered, meterHeaders, newMeter } from "../db/metrics";
import type { AppEnv } from "../env";
import { yearBindings } from "../db/ticket-stores";

const BOOKMARK_HEADER = "X-D1-Bookmark";
// D1 bookmarks are the storage's commit position, `<8 hex>-<8 hex>-<8 hex>-<32 hex>`. Anything else
// is not one of ours: it is neither handed to D1 nor echoed back.
const BOOKMARK_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/**
 * One D1 session per request (API.md "Conventions"): reads may come from the nearest replica, but
 * never older than the bookmark the client sends back; writes start at the primary. The response
 * carries the session's latest bookmark, or, when it never reached D1, the client's own back.
 */
export const dbSession = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header(BOOKMARK_HEADER)?.trim().toLowerCase();
  const sent = header && BOOKMARK_FORMAT.test(header) ? header : undefined;
  const readOnly = c.req.method === "GET" || c.req.method === "HEAD";
  const start = !readOnly ? "first-primary" : (sent ?? "first-unconstrained");
  // Benchmark only (D1_METRICS=1): count every statement's rows, auth's reads through env.DB included.
  const meter = c.env.D1_METRICS === "1" ? newMeter() : null;
  if (meter) {
    const years = Object.fromEntries(yearBindings(c.env).map(([name, d1]) => [name, metered(d1, meter, name)]));
    c.env = { ...c.env, ...years, DB: metered(c.env.DB, meter) };
  }
  let session: D1DatabaseSession;
  try {
    session = c.env.DB.withSession(start);
  } catch {
    session = c.env.DB.withSession(readOnly ? "first-unconstrained" : "first-primary");
  }
  c.set("db", createDb(session));
  await next();
  // A write the ticket room made on its own session is later than anything this session saw.
  const own = session.getBookmark();
  const elsewhere = c.var.writeBookmark;
  const bookmark = (own && elsewhere ? (elsewhere > own ? elsewhere : own) : (own ?? elsewhere)) ?? sent;
  // A WebSocket upgrade (101) is handed through untouched.
  if (bookmark && c.res.status !== 101) c.header(BOOKMARK_HEADER, bookmark);
  if (meter && c.res.status !== 101) for (const [name, value] of Object.entries(meterHeaders(meter))) c.header(name, value);
});
