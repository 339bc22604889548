import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { expect } from "vitest";
import { auditLogs, users } from "../../src/db/schema";
import { api, BASE, db, type ApiResponse } from "../helpers";

/** Shared by the auth, users, http and audit tests: unique data per call (storage is per file, tests are not). */
let seq = 0;
const run = crypto.randomUUID().slice(0, 8);
export const uniqueEmail = (tag = "user") => `${tag}-${run}-${++seq}@example.test`;
/** A fresh client address for the per-IP limits (documentation range 198.18.0.0/15). */
export const uniqueIp = () => {
  const n = ++seq;
  return `198.18.${Math.floor(n / 256) % 256}.${n % 256}`;
};

export const register = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api("POST", "/api/v1/auth/register", { body, headers });

export const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  api("POST", "/api/v1/auth/login", { body: { email, password }, headers });

export const refresh = (refresh_token: string) => api("POST", "/api/v1/auth/refresh", { body: { refresh_token } });

export const me = (token: string) => api("GET", "/api/v1/auth/me", { token });

/** Registers a fresh customer and returns the token response. */
export async function registerCustomer(password = "correct horse battery") {
  const email = uniqueEmail("cust");
  const res = await register({ name: "Casey Customer", email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, password, ...res.body } as { email: string; password: string; user: any; access_token: string; refresh_token: string };
}

/** The raw response text, for byte-for-byte comparisons of bodies. */
export async function rawCall(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** An access token signed with the Worker's own secret, with any claims and header we choose. */
export async function forgeToken(
  claims: Record<string, unknown>,
  opts: { alg?: string; secret?: string; iss?: string; aud?: string; expSecondsFromNow?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "HS256", typ: "JWT" })
    .setIssuer(opts.iss ?? env.JWT_ISSUER)
    .setAudience(opts.aud ?? env.JWT_AUDIENCE)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (opts.expSecondsFromNow ?? 600))
    .sign(new TextEncoder().encode(opts.secret ?? env.JWT_SECRET));
}

export async function userRow(email: string) {
  const [row] = await db().select().from(users).where(eq(users.email, email.toLowerCase())).limit(1);
  return row;
}

export async function auditRowsFor(entityId: string) {
  return db().select().from(auditLogs).where(eq(auditLogs.entityId, entityId));
}

/** Problem details of API.md "Conventions": the fields every error carries, and never a stack. */
export function expectProblemShape(res: ApiResponse | { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .*:\d+:\d+|Error:|node_modules|\.ts\b/);
}

/** Anything that looks like a stored secret: a PBKDF2 hash, its column names, a token version. */
export function expectNoSecrets(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/pbkdf2|password|token_version|tokenVersion|passwordHash/i);
}

/**
 * Waits, if need be, until the current fixed window of `windowSeconds` (aligned like the limiter's,
 * on epoch seconds) has at least `needSeconds` left, so a test's burst stays inside one window.
 * It may wait `needSeconds`: a test calling it needs that much more than the default timeout.
 */
export async function roomInWindow(windowSeconds: number, needSeconds: number) {
  const left = windowSeconds - ((Date.now() / 1000) % windowSeconds);
  if (left < needSeconds) await new Promise((r) => setTimeout(r, (left + 0.05) * 1000));
}
