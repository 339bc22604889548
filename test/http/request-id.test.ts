import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, BASE, makeUser } from "../helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("X-Request-Id", () => {
  it("is on every response: success, 4xx of every kind", async () => {
    const admin = await makeUser("admin");
    const responses = [
      await api("GET", "/health"),
      await api("GET", "/api/v1/users", { token: admin.token }),
      await api("GET", "/api/v1/users"),
      await api("GET", "/api/v1/nope"),
      await api("PUT", "/api/v1/tickets", { token: admin.token }),
      await api("POST", "/api/v1/auth/login", { raw: "{", headers: { "content-type": "application/json" } }),
      await api("POST", "/api/v1/auth/login", { raw: "x", headers: { "content-type": "text/plain" } }),
      await api("POST", "/api/v1/auth/login", { body: {} }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 404, 405, 400, 415, 400]);
    for (const res of responses) expect(res.headers.get("x-request-id"), String(res.status)).toMatch(UUID);
    expect(new Set(responses.map((r) => r.headers.get("x-request-id"))).size).toBe(responses.length);
  });

  it("echoes a well-formed id the client sends, on success and on error", async () => {
    const ok = await api("GET", "/health", { headers: { "x-request-id": "client-trace-123" } });
    expect(ok.headers.get("x-request-id")).toBe("client-trace-123");
    const err = await api("GET", "/api/v1/nope", { headers: { "x-request-id": "client-trace-456" } });
    expect(err.headers.get("x-request-id")).toBe("client-trace-456");
  });

  it("replaces a hostile client id (header injection, oversize) with its own", async () => {
    for (const sent of ["bad id with spaces", "x".repeat(300), "<script>", "a\tb"]) {
      const res = await api("GET", "/health", { headers: { "x-request-id": sent } });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
    }
  });

  it("names the request in a 500's detail, the same id as its header", async () => {
    const ctx = createExecutionContext();
    const broken = {
      withSession() {
        throw new Error("boom");
      },
    } as unknown as D1Database;
    const res = await createApp().fetch(new Request(`${BASE}/api/v1/tickets`), { ...env, DB: broken }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(UUID);
    expect((await res.json<{ detail: string }>()).detail).toContain(id!);
  });
});
