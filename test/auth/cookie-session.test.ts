import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, BASE, expectProblem } from "../helpers";
import { registerCustomer, uniqueEmail } from "./support";

/** API.md "Web app": the refresh token as an HttpOnly cookie, never in a body a script can read. */

interface Call {
  status: number;
  headers: Headers;
  body: any;
  cookie: string | null;
}

async function call(path: string, body: unknown, opts: { cookie?: string; csrf?: boolean; base?: string } = {}): Promise<Call> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.csrf) headers["x-requested-with"] = "edgedesk";
  const res = await exports.default.fetch(new Request(`${opts.base ?? BASE}${path}`, { method: "POST", headers, body: JSON.stringify(body) }));
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, cookie: res.headers.get("set-cookie") };
}

/** `name=value` of a Set-Cookie header, as a browser would send it back. */
const pair = (setCookie: string | null) => setCookie!.split(";")[0]!;

async function cookieLogin(base?: string) {
  const { email, password } = await registerCustomer();
  const res = await call("/api/v1/auth/login", { email, password, session: "cookie" }, { base });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { email, password, res, cookie: pair(res.cookie) };
}

describe("cookie sessions", () => {
  it("login sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie scoped to /api/v1/auth, and leaves it out of the body", async () => {
    const { res } = await cookieLogin();
    expect(res.body.access_token).toEqual(expect.any(String));
    expect(res.body).not.toHaveProperty("refresh_token");
    expect(JSON.stringify(res.body)).not.toContain(pair(res.cookie).split("=")[1]);
    const attributes = res.cookie!.split(";").map((a) => a.trim().toLowerCase());
    expect(pair(res.cookie)).toMatch(/^__Secure-edgedesk_refresh=[\w-]{20,}$/);
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "secure", "samesite=strict", "path=/api/v1/auth", `max-age=${30 * 86_400}`]));
    expect(attributes.some((a) => a.startsWith("domain="))).toBe(false);
  });

  it("drops Secure (and its prefix) only on plain http to this machine", async () => {
    const { res } = await cookieLogin("http://127.0.0.1:8750");
    expect(pair(res.cookie)).toMatch(/^edgedesk_refresh=/);
    expect(res.cookie!.toLowerCase()).not.toContain("secure");
    expect(res.cookie!.toLowerCase()).toContain("httponly");
    const { res: local } = await cookieLogin("http://localhost:8750");
    expect(local.cookie!.toLowerCase()).not.toContain("secure");
  });

  it("register in cookie mode signs the new customer in the same way", async () => {
    const res = await call("/api/v1/auth/register", { name: "Cookie Customer", email: uniqueEmail("cookie"), password: "correct horse battery", session: "cookie" });
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty("refresh_token");
    expect(res.cookie).toMatch(/^__Secure-edgedesk_refresh=.+HttpOnly/i);
  });

  it("refresh by cookie needs X-Requested-With: edgedesk (CSRF); without it nothing rotates", async () => {
    const { cookie } = await cookieLogin();
    const forged = await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie });
    expectProblem(forged, 403, "FORBIDDEN");
    expect(forged.cookie).toBeNull();
    const wrong = await exports.default.fetch(
      new Request(`${BASE}/api/v1/auth/refresh`, { method: "POST", headers: { "content-type": "application/json", cookie, "x-requested-with": "XMLHttpRequest" }, body: '{"session":"cookie"}' }),
    );
    expect(wrong.status).toBe(403);
    // The cookie still works: the refused attempts did not use it up.
    const ok = await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie, csrf: true });
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toEqual(expect.any(String));
    expect(ok.body).not.toHaveProperty("refresh_token");
    expect(pair(ok.cookie)).not.toBe(cookie);
    expect((await api("GET", "/api/v1/auth/me", { token: ok.body.access_token })).status).toBe(200);
  });

  it("rotates: the old cookie stops working, and presenting it again ends the session (and clears the cookie)", async () => {
    const { cookie } = await cookieLogin();
    const first = await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie, csrf: true });
    expect(first.status).toBe(200);
    const replay = await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie, csrf: true });
    expectProblem(replay, 401, "UNAUTHORIZED");
    expect(replay.cookie).toMatch(/Max-Age=0/i);
    // The replay revoked the family: the rotated cookie is dead too.
    expect((await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie: pair(first.cookie), csrf: true })).status).toBe(401);
  });

  it("refresh without a cookie, or with a forged one, is 401", async () => {
    expectProblem(await call("/api/v1/auth/refresh", { session: "cookie" }, { csrf: true }), 401, "UNAUTHORIZED");
    expectProblem(await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie: "__Secure-edgedesk_refresh=forged", csrf: true }), 401, "UNAUTHORIZED");
    // A cookie of the other (non-Secure) name is not read on https.
    const { cookie } = await cookieLogin("http://127.0.0.1:8750");
    expectProblem(await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie, csrf: true }), 401, "UNAUTHORIZED");
  });

  it("a body without refresh_token or session is a 400 naming refresh_token", async () => {
    const res = await call("/api/v1/auth/refresh", {}, { csrf: true });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toHaveProperty("refresh_token");
  });

  it("logout by cookie needs the CSRF header, ends the session and clears the cookie", async () => {
    const { cookie } = await cookieLogin();
    expectProblem(await call("/api/v1/auth/logout", { session: "cookie" }, { cookie }), 403, "FORBIDDEN");
    const out = await call("/api/v1/auth/logout", { session: "cookie" }, { cookie, csrf: true });
    expect(out.status).toBe(204);
    expect(out.cookie).toMatch(/^__Secure-edgedesk_refresh=;.*Max-Age=0/i);
    expect(out.cookie).toMatch(/Path=\/api\/v1\/auth/);
    expect((await call("/api/v1/auth/refresh", { session: "cookie" }, { cookie, csrf: true })).status).toBe(401);
  });

  it("logout everywhere ends every session of the user: other devices' refresh tokens and every access token", async () => {
    const { email, password, res, cookie } = await cookieLogin();
    const phone = await api("POST", "/api/v1/auth/login", { body: { email, password } });
    expect(phone.status).toBe(200);
    const out = await call("/api/v1/auth/logout", { session: "cookie", everywhere: true }, { cookie, csrf: true });
    expect(out.status).toBe(204);
    expect((await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: phone.body.refresh_token } })).status).toBe(401);
    expect((await api("GET", "/api/v1/auth/me", { token: phone.body.access_token })).status).toBe(401);
    expect((await api("GET", "/api/v1/auth/me", { token: res.body.access_token })).status).toBe(401);
    // Signing in again works: it ended sessions, not the account.
    expect((await api("POST", "/api/v1/auth/login", { body: { email, password } })).status).toBe(200);
  });

  it("a stale (rotated) token cannot sign its user out everywhere", async () => {
    const { email, password } = await registerCustomer();
    const login = await api("POST", "/api/v1/auth/login", { body: { email, password } });
    const rotated = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: login.body.refresh_token } });
    expect(rotated.status).toBe(200);
    const attempt = await api("POST", "/api/v1/auth/logout", { body: { refresh_token: login.body.refresh_token, everywhere: true } });
    expect(attempt.status).toBe(204);
    expect((await api("GET", "/api/v1/auth/me", { token: rotated.body.access_token })).status).toBe(200);
  });

  it("body sessions are unchanged: the refresh token in the body, no cookie", async () => {
    const { email, password } = await registerCustomer();
    const res = await api("POST", "/api/v1/auth/login", { body: { email, password } });
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});
