import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../env";

/**
 * The page policy (API.md "Web app"): scripts, styles, fonts and images only from our own origin, no
 * inline script or style element, no eval, no plugins, no framing, forms post only to us. `connect-src
 * 'self'` covers the API and its live sockets (same origin, ws/wss included). Images may be blob: and
 * data: URLs (attachments the console previews after fetching them with the access token).
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'self'",
  "manifest-src 'self'",
].join("; ");

/** Everything that is not a page (JSON, files): nothing in it may run or be framed, even if a browser renders it. */
export const RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox";

const EVERY_RESPONSE: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

const PAGES: Record<string, string> = {
  "Content-Security-Policy": PAGE_POLICY,
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

const OWN_PAGE_HEADERS = ["Content-Security-Policy", "Referrer-Policy"];

/** Security headers on every response the Worker makes; pages get the strict CSP. WebSocket upgrades pass untouched. */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  const html = /^text\/html\b/i.test(c.res.headers.get("content-type") ?? "");
  const headers: Record<string, string> = { ...EVERY_RESPONSE, ...(html ? PAGES : { "Content-Security-Policy": RESOURCE_POLICY }) };
  // A page that states its own, stricter policy keeps it (the satisfaction survey page: no script
  // at all, and no referrer, since its URL carries the survey token).
  if (html) for (const own of OWN_PAGE_HEADERS) if (c.res.headers.has(own)) delete headers[own];
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    // A response made elsewhere (a binding's) has immutable headers: copy it once.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  }
});
