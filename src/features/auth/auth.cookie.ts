import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../env";
import { AppError, forbidden } from "../../lib/errors";
import { REFRESH_TOKEN_TTL_DAYS } from "./tokens";

/**
 * Cookie sessions (API.md "Web app"). The refresh token lives in an HttpOnly cookie that only the auth
 * routes receive (Path=/api/v1/auth), SameSite=Strict so no other site's page can send it, and a
 * refresh or logout by cookie also needs a header no cross-site form can set (CSRF).
 */
export const REFRESH_COOKIE = "edgedesk_refresh";
export const REFRESH_COOKIE_PATH = "/api/v1/auth";
export const CSRF_HEADER = "X-Requested-With";
export const CSRF_VALUE = "edgedesk";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Secure everywhere but plain http on this machine (`npm start`), where a browser would not send it
 * back. A Secure cookie also gets the `__Secure-` prefix, which browsers refuse to set without TLS.
 */
function secureFor(c: Context<AppEnv>): boolean {
  const url = new URL(c.req.url);
  return !(url.protocol === "http:" && (LOOPBACK_HOSTS.has(url.hostname) || url.hostname.endsWith(".localhost")));
}

const prefixFor = (c: Context<AppEnv>) => (secureFor(c) ? { prefix: "secure" as const } : {});

export function setRefreshCookie(c: Context<AppEnv>, token: string) {
  setCookie(c, REFRESH_COOKIE, token, {
    ...prefixFor(c),
    path: REFRESH_COOKIE_PATH,
    httpOnly: true,
    secure: secureFor(c),
    sameSite: "Strict",
    maxAge: REFRESH_TOKEN_TTL_DAYS * 86_400,
  });
}

export function clearRefreshCookie(c: Context<AppEnv>) {
  deleteCookie(c, REFRESH_COOKIE, { ...prefixFor(c), path: REFRESH_COOKIE_PATH, httpOnly: true, secure: secureFor(c), sameSite: "Strict" });
}

/** The refresh token of a cookie session, after the CSRF check; 403 without the header, 401 without the cookie. */
export function refreshCookie(c: Context<AppEnv>): string {
  if (c.req.header(CSRF_HEADER) !== CSRF_VALUE) {
    throw forbidden(`A cookie session needs the header ${CSRF_HEADER}: ${CSRF_VALUE}`);
  }
  const token = secureFor(c) ? getCookie(c, REFRESH_COOKIE, "secure") : getCookie(c, REFRESH_COOKIE);
  if (!token) throw new AppError("UNAUTHORIZED", "No session: sign in again");
  return token;
}
