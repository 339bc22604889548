import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { tickets, users } from "../../src/db/schema";
import { MAX_JSON_BODY_BYTES } from "../../src/middleware/guards";
import { api, BASE, db, makeUser } from "../helpers";
import { expectProblemShape, uniqueEmail, userRow } from "../auth/support";

const count = async (table: typeof tickets | typeof users) => (await db().select({ n: sql<number>`count(*)` }).from(table))[0]!.n;

describe("unknown routes and wrong methods", () => {
  it.each(["/api/v1/nope", "/api/v1/tickets/x/nope", "/api/v2/tickets", "/api/v1", "/api/"])("answers 404 problem+json for GET %s", async (path) => {
    const res = await api("GET", path);
    expectProblemShape(res, 404, "NOT_FOUND");
  });

  it.each([
    ["PUT", "/api/v1/tickets", ["GET", "POST"]],
    ["DELETE", "/api/v1/tickets", ["GET", "POST"]],
    ["PUT", "/api/v1/tickets/01abc", ["DELETE", "GET", "PATCH"]],
    ["POST", "/api/v1/auth/me", ["GET"]],
    ["GET", "/api/v1/auth/login", ["POST"]],
    ["PATCH", "/api/v1/users", ["GET", "POST"]],
    ["DELETE", "/api/v1/audit-logs", ["GET"]],
    ["POST", "/health", ["GET"]],
  ])("answers 405 with Allow to %s %s", async (method, path, allowed) => {
    const admin = await makeUser("admin");
    const res = await api(method, path, { token: admin.token, body: method === "GET" || method === "DELETE" ? undefined : {} });
    expectProblemShape(res, 405, "METHOD_NOT_ALLOWED");
    const allow = res.headers.get("allow")!.split(",").map((m) => m.trim());
    expect(allow.sort()).toEqual(expect.arrayContaining(allowed));
    expect(allow).not.toContain(method);
  });

  it("answers 405, not 401, to a wrong method without a token (the route does not exist for that method)", async () => {
    expectProblemShape(await api("PUT", "/api/v1/users"), 405, "METHOD_NOT_ALLOWED");
  });
});

describe("bodies the API cannot read", () => {
  it.each([
    ["/api/v1/auth/register", "{"],
    ["/api/v1/auth/login", '{"email": "a@b.c", "password": }'],
    ["/api/v1/auth/refresh", "{'refresh_token': 'x'}"],
    ["/api/v1/tickets", '{"subject":"x","description":"y"'],
  ])("answers 400 problem+json to malformed JSON on %s", async (path, raw) => {
    const admin = await makeUser("admin");
    const before = await count(tickets);
    const res = await api("POST", path, { token: admin.token, raw, headers: { "content-type": "application/json" } });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(await count(tickets)).toBe(before);
  });

  it("answers 400 to an empty JSON body where one is required", async () => {
    const res = await api("POST", "/api/v1/auth/login", { raw: "", headers: { "content-type": "application/json" } });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
  });

  it.each([
    ["text/plain", '{"name":"x"}'],
    ["application/x-www-form-urlencoded", "name=x&email=y"],
    ["multipart/form-data; boundary=xyz", "--xyz--"],
    ["application/xml", "<x/>"],
    ["application/jsonp", "{}"],
  ])("answers 415 to a %s body and creates nothing", async (type, raw) => {
    const email = uniqueEmail();
    const res = await api("POST", "/api/v1/auth/register", {
      raw: raw.replace("y", email),
      headers: { "content-type": type },
    });
    expectProblemShape(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(await userRow(email)).toBeUndefined();
  });

  it("answers 415 to a body with no content type", async () => {
    const res = await exports.default.fetch(new Request(`${BASE}/api/v1/auth/login`, { method: "POST", body: new Blob(['{"email":"a@b.c","password":"x"}']) }));
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("accepts application/json with a charset", async () => {
    const res = await api("POST", "/api/v1/auth/register", {
      body: { name: "Charset", email: uniqueEmail(), password: "longpassword" },
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(res.status).toBe(201);
  });

  it("answers 413 to a body over 1 MiB and creates nothing", async () => {
    const admin = await makeUser("admin");
    const before = await count(tickets);
    const description = "x".repeat(MAX_JSON_BODY_BYTES);
    const res = await api("POST", "/api/v1/tickets", { token: admin.token, body: { subject: "Too big", description } });
    expectProblemShape(res, 413, "PAYLOAD_TOO_LARGE");
    expect(await count(tickets)).toBe(before);
  });

  it("answers 413 to an oversize body streamed without a Content-Length", async () => {
    const admin = await makeUser("admin");
    const before = await count(tickets);
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"subject":"streamed","description":"'));
      },
      pull(controller) {
        if (sent > MAX_JSON_BODY_BYTES + chunk.length) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
          return;
        }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await exports.default.fetch(
      new Request(`${BASE}/api/v1/tickets`, {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/json", authorization: `Bearer ${admin.token}` },
      }),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await count(tickets)).toBe(before);
  });

  it("accepts a body just under the limit up to validation (400 for the oversize field, not 413)", async () => {
    const admin = await makeUser("admin");
    const res = await api("POST", "/api/v1/tickets", { token: admin.token, body: { subject: "Big", description: "x".repeat(MAX_JSON_BODY_BYTES - 100) } });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors.description).toBeDefined();
  });
});

describe("problem details", () => {
  it("carry type, title, status, detail and code, and status matches the HTTP status", async () => {
    const customer = await makeUser("customer");
    const samples = [
      await api("GET", "/api/v1/nope"),
      await api("GET", "/api/v1/users"),
      await api("GET", "/api/v1/users", { token: customer.token }),
      await api("POST", "/api/v1/auth/register", { body: {} }),
      await api("GET", "/api/v1/tickets/01doesnotexist", { token: customer.token }),
    ];
    for (const res of samples) {
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.body.status).toBe(res.status);
      expect(res.body.type).toMatch(/^https?:\/\/|^about:blank$/);
      for (const field of ["title", "detail", "code"]) expect(res.body[field], field).toEqual(expect.any(String));
    }
    expect(samples.map((r) => r.status)).toEqual([404, 401, 403, 400, 404]);
  });

  it("turn an unexpected failure into a 500 without a stack trace or the error's message", async () => {
    const broken = {
      prepare() {
        throw new Error("SQLITE_CORRUPT: internal detail at /srv/app/db.ts:12:3");
      },
      withSession() {
        throw new TypeError("session exploded at Object.<anonymous> (/srv/app/x.ts:1:1)");
      },
    } as unknown as D1Database;
    const admin = await makeUser("admin");
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/api/v1/users`, { headers: { authorization: `Bearer ${admin.token}` } }),
      { ...env, DB: broken },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.parse(text)).toMatchObject({ status: 500, code: "INTERNAL_ERROR", type: expect.any(String), title: expect.any(String) });
    expect(text).not.toMatch(/SQLITE|exploded|\.ts|at Object|TypeError|stack/);
  });

  it("never answer HTML under /api, even for paths that look like files", async () => {
    for (const path of ["/api/index.html", "/api/v1/index.html", "/api/v1/tickets/x/favicon.ico", "/api/v1/../v1/nope.html"]) {
      const res = await api("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toBe("application/problem+json");
    }
  });
});
