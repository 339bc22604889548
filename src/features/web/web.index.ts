import { Hono, type Context } from "hono";
import type { AppEnv } from "../../env";
import { AppError } from "../../lib/errors";
import { fetchAsset } from "./web.assets";

/**
 * The single-page apps' shells (API.md "Web app"): the agent console under /app and the customer
 * portal under /portal, each shell for every path below it (deep links such as /app/tickets/{id}),
 * and /docs, the API reference from our own bundled Swagger UI. Nowhere else falls back to a shell.
 */
async function shell(c: Context<AppEnv>, file: string) {
  const res = await fetchAsset(c.env, file);
  if (!res) throw new AppError("INTERNAL_ERROR", "The web app is not built: run `npm run build`");
  // The shell names hashed files; it must itself be revalidated so a deploy is seen at once.
  return new Response(res.body, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" } });
}

export const webRouter = new Hono<AppEnv>()
  .get("/app", (c) => shell(c, "/app.html"))
  .get("/app/*", (c) => shell(c, "/app.html"))
  .get("/portal", (c) => shell(c, "/portal.html"))
  .get("/portal/*", (c) => shell(c, "/portal.html"))
  .get("/docs", (c) => shell(c, "/docs.html"));

/** Static files outside /assets/ (favicon, robots.txt), for GET/HEAD paths no route took; pages are never served this way. */
export async function staticFile(c: Context<AppEnv>): Promise<Response | null> {
  const path = c.req.path;
  if (path.endsWith(".html") || path.endsWith("/") || !/^\/[\w.-]+(?:\/[\w.-]+)*$/.test(path)) return null;
  const res = await fetchAsset(c.env, path, { method: c.req.method });
  return res ? new Response(res.body, res) : null;
}
