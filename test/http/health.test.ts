import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

describe("GET /health", () => {
  it("answers 200 ok when the database answers", async () => {
    const res = await exports.default.fetch("http://edgedesk.test/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers 503 problem+json, without internals, when the database does not", async () => {
    const broken = {
      prepare() {
        throw new Error("D1_ERROR: the database is on fire at /secret/path.ts:1:1");
      },
    } as unknown as D1Database;
    const ctx = createExecutionContext();
    const res = await createApp().fetch(new Request("http://edgedesk.test/health"), { ...env, DB: broken }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 503, code: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    expect(text).not.toMatch(/fire|secret|D1_ERROR/);
  });

  it("needs no token and no content type", async () => {
    const res = await exports.default.fetch("http://edgedesk.test/health", { headers: { authorization: "Bearer junk" } });
    expect(res.status).toBe(200);
  });
});
