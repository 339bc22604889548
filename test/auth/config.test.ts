import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/env";
import { makeUser, PASSWORD } from "../helpers";
import { uniqueEmail, userRow } from "./support";

const app = createApp();

/** The app run against a modified environment: what a deployment with a missing secret would do. */
async function call(bindings: Partial<Bindings>, method: string, path: string, opts: { body?: unknown; token?: string } = {}) {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const req = new Request(`http://edgedesk.test${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const res = await app.fetch(req, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type"), text, body: JSON.parse(text || "null") };
}

function expectConfigError(res: Awaited<ReturnType<typeof call>>) {
  expect(res.status, res.text).toBe(500);
  expect(res.contentType).toBe("application/problem+json");
  expect(res.body).toMatchObject({ status: 500, code: "INTERNAL_ERROR", title: expect.any(String), detail: expect.any(String) });
  expect(res.text).not.toMatch(/\bat .*:\d+|node_modules|\.ts\b/);
}

describe("a Worker without its secrets", () => {
  for (const [label, bindings] of [
    ["JWT_SECRET missing", { JWT_SECRET: undefined }],
    ["JWT_SECRET too short to be a real key", { JWT_SECRET: "short" }],
  ] as const) {
    describe(label, () => {
      it("answers 500 problem+json on login, whether or not the password is right", async () => {
        const u = await makeUser("customer");
        expectConfigError(await call(bindings, "POST", "/api/v1/auth/login", { body: { email: u.email, password: PASSWORD } }));
        expectConfigError(await call(bindings, "POST", "/api/v1/auth/login", { body: { email: u.email, password: "wrong-password" } }));
      });

      it("answers 500 on register and creates nobody", async () => {
        const email = uniqueEmail();
        expectConfigError(await call(bindings, "POST", "/api/v1/auth/register", { body: { name: "N", email, password: "longpassword" } }));
        expect(await userRow(email)).toBeUndefined();
      });

      it("answers 500 on refresh", async () => {
        expectConfigError(await call(bindings, "POST", "/api/v1/auth/refresh", { body: { refresh_token: "whatever" } }));
      });

      it("answers 500 to a request with a token, never accepting it unverified", async () => {
        const u = await makeUser("admin");
        expectConfigError(await call(bindings, "GET", "/api/v1/auth/me", { token: u.token }));
        expectConfigError(await call(bindings, "GET", "/api/v1/users", { token: u.token }));
      });
    });
  }

  it("answers 500 on login and register without PASSWORD_PEPPER", async () => {
    const u = await makeUser("customer");
    expectConfigError(await call({ PASSWORD_PEPPER: undefined }, "POST", "/api/v1/auth/login", { body: { email: u.email, password: PASSWORD } }));
    const email = uniqueEmail();
    expectConfigError(await call({ PASSWORD_PEPPER: undefined }, "POST", "/api/v1/auth/register", { body: { name: "N", email, password: "longpassword" } }));
    expect(await userRow(email)).toBeUndefined();
  });

  it("works with both secrets present (the control)", async () => {
    const u = await makeUser("customer");
    expect((await call({}, "POST", "/api/v1/auth/login", { body: { email: u.email, password: PASSWORD } })).status).toBe(200);
  });
});
