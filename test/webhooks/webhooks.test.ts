import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, webhookDeliveries, webhooks } from "../../src/db/schema";
import { SSRF_URLS } from "../fixtures/ssrf-urls";
import { db, expectProblem, makeStaff } from "../helpers";
import { call, deliveryRow, drain, hookEnv, receiverEndpoint, runQueue } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

/** Production rules: https only, no loopback. */
const strictEnv = (overrides = {}) => hookEnv({ WEBHOOKS_ALLOW_LOCAL: "false", ...overrides });
const create = (testEnv: ReturnType<typeof hookEnv>["env"], body: Record<string, unknown>, token = s.admin.token) =>
  call(testEnv, "POST", "/api/v1/webhooks", { token, body: { events: ["ticket.created"], ...body } });

describe("webhook administration", () => {
  it("admins only: agents, managers and customers are refused and nothing is created", async () => {
    const t = hookEnv();
    for (const who of [s.customer, s.agent, s.manager]) {
      expectProblem(await create(t.env, { url: "https://hooks.example.com/x" }, who.token), 403, "FORBIDDEN");
      expectProblem(await call(t.env, "GET", "/api/v1/webhooks", { token: who.token }), 403, "FORBIDDEN");
    }
    expectProblem(await call(t.env, "GET", "/api/v1/webhooks"), 401, "UNAUTHORIZED");
    expect(await db().select().from(webhooks)).toEqual([]);
  });

  it("the secret is shown on create and rotate only, and is not stored in the clear", async () => {
    const t = hookEnv();
    const res = await create(t.env, { url: "https://hooks.example.com/in", description: "CRM sync", include_internal: true });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/v1/webhooks/${res.body.id}`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toMatchObject({ url: "https://hooks.example.com/in", events: ["ticket.created"], include_internal: true, active: true, description: "CRM sync", failing_since: null });
    const secret = res.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const read = await call(t.env, "GET", `/api/v1/webhooks/${res.body.id}`, { token: s.admin.token });
    expect(read.body).not.toHaveProperty("secret");
    const list = await call(t.env, "GET", "/api/v1/webhooks", { token: s.admin.token });
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6));
    const rotated = await call(t.env, "POST", `/api/v1/webhooks/${res.body.id}/rotate-secret`, { token: s.admin.token });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    // At rest: sealed, neither secret readable in the table, nor in the audit log.
    const dump = JSON.stringify(await env.DB.prepare("SELECT * FROM webhooks").all()) + JSON.stringify(await db().select().from(auditLogs));
    for (const x of [secret, rotated.body.secret]) expect(dump).not.toContain(x.slice(6, 30));
    const [row] = await db().select().from(webhooks).where(eq(webhooks.id, res.body.id));
    expect(row!.secret).toMatch(/^v1\./);
    expect(row!.previousSecret).toMatch(/^v1\./);
    expect(row!.previousSecret).not.toBe(row!.secret);
  });

  it("lists page by cursor; PATCH changes events and fields; DELETE stops deliveries and answers 404 after", async () => {
    const t = hookEnv();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(t.env, { url: `https://hooks${i}.example.com/x` })).body.id);
    const page1 = await call(t.env, "GET", "/api/v1/webhooks?limit=2", { token: s.admin.token });
    const page2 = await call(t.env, "GET", `/api/v1/webhooks?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`, { token: s.admin.token });
    const seen = [...page1.body.data, ...page2.body.data].map((w: any) => w.id);
    for (const id of ids) expect(seen).toContain(id);
    expectProblem(await call(t.env, "GET", "/api/v1/webhooks?cursor=forged.cursor", { token: s.admin.token }), 400, "VALIDATION_ERROR");

    const patched = await call(t.env, "PATCH", `/api/v1/webhooks/${ids[0]}`, { token: s.admin.token, body: { events: ["comment.created", "sla.breached", "comment.created"], description: "new" } });
    expect(patched.body).toMatchObject({ events: ["comment.created", "sla.breached"], description: "new" });
    expect((await call(t.env, "GET", `/api/v1/webhooks/${ids[0]}`, { token: s.admin.token })).body.events).toEqual(["comment.created", "sla.breached"]);
    const audit = await db().select().from(auditLogs).where(eq(auditLogs.entityId, ids[0]));
    expect(audit.map((a) => a.action).sort()).toEqual(["webhook.created", "webhook.updated"]);

    // Deleted: the next ticket makes no delivery for it.
    const receiver = receiverEndpoint();
    const live = await create(t.env, { url: receiver.url });
    expect((await call(t.env, "DELETE", `/api/v1/webhooks/${live.body.id}`, { token: s.admin.token })).status).toBe(204);
    expectProblem(await call(t.env, "GET", `/api/v1/webhooks/${live.body.id}`, { token: s.admin.token }), 404, "NOT_FOUND");
    expectProblem(await call(t.env, "DELETE", `/api/v1/webhooks/${live.body.id}`, { token: s.admin.token }), 404, "NOT_FOUND");
    await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d" } });
    expect(await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, live.body.id))).toEqual([]);
  });

  it("a delivery queued before its webhook was deleted fails without being sent", async () => {
    const t = hookEnv();
    const receiver = receiverEndpoint();
    const hook = await create(t.env, { url: receiver.url });
    await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d" } });
    const mine = [];
    for (const id of t.enqueued) if ((await deliveryRow(id)).webhookId === hook.body.id) mine.push(id);
    expect(mine).toHaveLength(1);
    await call(t.env, "DELETE", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token });
    await runQueue(mine, t.env);
    expect(await deliveryRow(mine[0]!)).toMatchObject({ status: "failed", lastError: "the webhook was deleted" });
    expect(await receiver.received()).toEqual([]);
    await db().update(webhooks).set({ active: false });
  });

  it("bad bodies are 400 naming the field, and change nothing", async () => {
    const t = hookEnv();
    const before = (await db().select().from(webhooks)).length;
    for (const [body, field] of [
      [{ url: "https://hooks.example.com/x", events: [] }, "events"],
      [{ url: "https://hooks.example.com/x", events: ["ticket.exploded"] }, "events.0"],
      [{ url: "https://hooks.example.com/x", secret: "whsec_mine" }, "_"],
      [{ url: "", events: ["ticket.created"] }, "url"],
      [{ url: 42 }, "url"],
      [{ url: "https://hooks.example.com/x", include_internal: "yes" }, "include_internal"],
      [{ url: "https://hooks.example.com/x", description: "d".repeat(501) }, "description"],
    ] as const) {
      const res = await create(t.env, body);
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(res.body.errors), JSON.stringify(body)).toContain(field);
    }
    expectProblem(await call(t.env, "POST", "/api/v1/webhooks", { token: s.admin.token, raw: "{not json", headers: { "content-type": "application/json" } }), 400, "VALIDATION_ERROR");
    expectProblem(await call(t.env, "GET", "/api/v1/webhooks/nope/deliveries", { token: s.admin.token }), 404, "NOT_FOUND");
    expectProblem(await call(t.env, "GET", "/api/v1/webhooks?limit=101", { token: s.admin.token }), 400, "VALIDATION_ERROR");
    expect((await db().select().from(webhooks)).length).toBe(before);
  });

  it("a delivery of one webhook is not reachable through another's id", async () => {
    const t = hookEnv();
    const a = receiverEndpoint();
    const hookA = await create(t.env, { url: a.url });
    const hookB = await create(t.env, { url: receiverEndpoint().url });
    await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d" } });
    const ofA = (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hookA.body.id)))[0]!;
    for (const path of [`/deliveries/${ofA.id}`, `/deliveries/${ofA.id}/redeliver`]) {
      const res = await call(t.env, path.endsWith("redeliver") ? "POST" : "GET", `/api/v1/webhooks/${hookB.body.id}${path}`, { token: s.admin.token });
      expectProblem(res, 404, "NOT_FOUND");
    }
    await drain(t.enqueued, t.env);
    await db().update(webhooks).set({ active: false });
  });
});

describe("SSRF guard", () => {
  it.each(SSRF_URLS.filter(([url]) => !url.startsWith("http://hooks")))("POST /webhooks refuses %s with 400 naming url", async (url) => {
    const t = strictEnv();
    const res = await create(t.env, { url });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors.url).toHaveLength(1);
  });

  it("PATCH refuses them too, and http:// unless local development allows it", async () => {
    const t = strictEnv();
    const hook = await create(t.env, { url: "https://hooks.example.com/x" });
    for (const url of ["http://hooks.example.com/x", "https://[::ffff:a9fe:a9fe]/", "https://0x7f.1/", "https://metadata.google.internal/"]) {
      expectProblem(await call(t.env, "PATCH", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token, body: { url } }), 400, "VALIDATION_ERROR");
    }
    const local = hookEnv();
    expect((await call(local.env, "PATCH", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token, body: { url: "http://127.0.0.1:9/x" } })).status).toBe(200);
    expectProblem(await call(local.env, "PATCH", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token, body: { url: "http://10.0.0.1/x" } }), 400, "VALIDATION_ERROR");
    await db().update(webhooks).set({ active: false });
  });

  it("a host name that resolves to a private address is refused when saved, and when it is re-pointed later the delivery is not sent", async () => {
    const answers: Record<string, { type: number; data: string }[]> = {
      "rebind.example.com": [{ type: 1, data: "169.254.169.254" }],
      "hooks.example.net": [{ type: 28, data: "2606:4700::6810:84e5" }],
    };
    const doh = {
      fetch: async (input: RequestInfo | URL) => {
        const url = new URL(String(input instanceof Request ? input.url : input));
        const name = url.searchParams.get("name")!;
        const type = url.searchParams.get("type") === "A" ? 1 : 28;
        const rows = (answers[name] ?? []).filter((a) => a.type === type);
        return Response.json({ Status: answers[name] ? 0 : 3, Answer: rows.map((a) => ({ name, type: a.type, TTL: 60, data: a.data })) });
      },
    } as unknown as Fetcher;
    const t = strictEnv({ DOH: doh });
    const refused = await create(t.env, { url: "https://rebind.example.com/hook" });
    expectProblem(refused, 400, "VALIDATION_ERROR");
    expect(refused.body.errors.url[0]).toMatch(/resolves to 169\.254\.169\.254/);

    const hook = await create(t.env, { url: "https://hooks.example.net/hook" });
    expect(hook.status).toBe(201);
    // Re-pointed after it was saved (DNS rebinding): the send is refused before any request.
    answers["hooks.example.net"] = [{ type: 28, data: "::ffff:10.0.0.7" }];
    await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d" } });
    const mine = (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.body.id)))[0]!;
    // A fresh look-up (the resolver caches answers for their TTL): another DOH binding object.
    const fresh = strictEnv({ DOH: { fetch: doh.fetch } as unknown as Fetcher });
    await runQueue([mine.id], fresh.env);
    expect(await deliveryRow(mine.id)).toMatchObject({ status: "retrying", lastStatusCode: null, lastError: "hooks.example.net resolves to ::ffff:10.0.0.7, which is not a public address" });
    await db().update(webhooks).set({ active: false });
  });

  it("a webhook saved for local development is not sent to once the setting is off", async () => {
    const local = hookEnv();
    const receiver = receiverEndpoint();
    const hook = await create(local.env, { url: receiver.url });
    await call(local.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d" } });
    const mine = (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.body.id)))[0]!;
    await runQueue([mine.id], strictEnv().env);
    expect(await deliveryRow(mine.id)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^URL refused: /) });
    expect(await receiver.received()).toEqual([]);
    await db().update(webhooks).set({ active: false });
  });
});
