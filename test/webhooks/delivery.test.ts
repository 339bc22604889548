import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { auditLogs, webhookDeliveries, webhookEvents, webhooks } from "../../src/db/schema";
import { systemContext } from "../../src/contexts";
import { findVisibleTicket, recordOnTicket } from "../../src/features/tickets/tickets.service";
import { enqueueEventDeliveries, webhookDeliveryRows } from "../../src/features/webhooks/webhooks.outbox";
import type { TicketEvent } from "../../src/events/ticket-events";
import { db, makeStaff } from "../helpers";
import { call, deliveryRow, drain, hookEnv, hoursAgo, makeDue, receiverEndpoint, runQueue, type ReceivedDelivery } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
// Tests of this file share its database: each one's webhooks are switched off after it, so the next test's events go to its own only.
afterEach(async () => {
  await db().update(webhooks).set({ active: false });
});

const ALL = ["ticket.created", "ticket.updated", "ticket.assigned", "comment.created", "ticket.deleted", "sla.breached", "sla.at_risk"];

/** A webhook on its own receiver endpoint; the receiver checks signatures with its secret. */
async function webhookOn(testEnv: ReturnType<typeof hookEnv>["env"], body: Record<string, unknown> = {}, name = "hook") {
  const endpoint = receiverEndpoint(name);
  const res = await call(testEnv, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, events: ALL, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await endpoint.control({ secrets: [res.body.secret] });
  return { ...endpoint, webhook: res.body, secret: res.body.secret as string };
}

async function openTicket(testEnv: ReturnType<typeof hookEnv>["env"], subject = "Printer on fire", token = s.customer.token) {
  const res = await call(testEnv, "POST", "/api/v1/tickets", { token, body: { subject, description: "It smokes" } });
  expect(res.status).toBe(201);
  return res.body;
}

const bodies = (received: ReceivedDelivery[]) => received.map((r) => JSON.parse(r.body));
const headersOf = (r: ReceivedDelivery) => ({ "webhook-id": r.id, "webhook-timestamp": r.timestamp, "webhook-signature": r.signature });

describe("webhook deliveries (real queue consumer, real local receiver)", () => {
  it("a ticket event arrives signed as Standard Webhooks: the standardwebhooks package verifies it, and the log says delivered", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const ticket = await openTicket(t.env);
    // The delivery was written with the ticket (same batch) and queued after commit.
    expect(t.enqueued).toHaveLength(1);
    const result = await runQueue(t.enqueued, t.env);
    expect(result.explicitAcks).toHaveLength(1);

    const [got, ...more] = await hook.received();
    expect(more).toEqual([]);
    expect(got!.content_type).toBe("application/json");
    const payload = new Webhook(hook.secret).verify(got!.body, headersOf(got!)) as any;
    expect(payload).toMatchObject({ type: "ticket.created", data: { ticket: { id: ticket.id, number: ticket.number, subject: "Printer on fire" }, actor: { id: s.customer.id, role: "customer" } } });
    expect(payload.id).toMatch(/^evt_/);
    expect(got!.verified).toBe(true);
    expect(got!.id).toBe(t.enqueued[0]);
    expect(Math.abs(Number(got!.timestamp) - Date.now() / 1000)).toBeLessThan(60);

    const log = await call(t.env, "GET", `/api/v1/webhooks/${hook.webhook.id}/deliveries`, { token: s.admin.token });
    expect(log.status).toBe(200);
    expect(log.body.data).toEqual([
      expect.objectContaining({ id: got!.id, event_id: payload.id, type: "ticket.created", status: "delivered", attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null }),
    ]);
    expect(log.body.data[0].duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(log.body.data[0].last_response)).toEqual({ ok: true });
    const one = await call(t.env, "GET", `/api/v1/webhooks/${hook.webhook.id}/deliveries/${got!.id}`, { token: s.admin.token });
    expect(one.body.payload).toEqual(payload);
  });

  it("a receiver answering 500 then 200 gets the event twice with one webhook-id; the retry waits a minute", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    await hook.control({ statuses: [500] });
    await openTicket(t.env);
    const [id] = t.enqueued;
    const first = await runQueue([id!], t.env);
    expect(first.retryMessages).toHaveLength(1);
    expect(first.delays).toEqual([60]);
    const retrying = await deliveryRow(id!);
    expect(retrying).toMatchObject({ status: "retrying", attempts: 1, lastStatusCode: 500, lastError: "HTTP 500" });
    expect(Date.parse(retrying.nextAttemptAt!) - Date.now()).toBeGreaterThan(50_000);

    // The queue brings the message back early (or twice): nothing is sent before its time.
    await runQueue([id!], t.env);
    expect(await hook.received()).toHaveLength(1);

    await makeDue(id!);
    const second = await runQueue([id!], t.env);
    expect(second.explicitAcks).toHaveLength(1);
    const got = await hook.received();
    expect(got.map((r) => r.status)).toEqual([500, 200]);
    expect(got.map((r) => r.id)).toEqual([id, id]);
    expect(got[1]!.body).toBe(got[0]!.body);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(await deliveryRow(id!)).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200, nextAttemptAt: null });
    // A delivery that worked clears the webhook's failure streak.
    const [w] = await db().select().from(webhooks).where(eq(webhooks.id, hook.webhook.id));
    expect(w!.failingSince).toBeNull();
  });

  it("a receiver that is down for hours gets every event once it is back, each once by webhook-id, none lost", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created", "comment.created", "ticket.updated"] });
    await hook.control({ down: true });
    const tickets = [];
    for (let i = 0; i < 4; i++) tickets.push(await openTicket(t.env, `Outage ${i}`));
    for (const ticket of tickets) {
      expect((await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `On it ${ticket.number}` } })).status).toBe(201);
    }
    const ids = [...t.enqueued];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    const down = await runQueue(ids, t.env);
    expect(down.retryMessages).toHaveLength(ids.length);
    for (const id of ids) expect(await deliveryRow(id)).toMatchObject({ status: "retrying", attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^network error/) });
    // Hours of retries while it stays down: each attempt fails and is rescheduled, none is dropped.
    for (let round = 2; round <= 4; round++) {
      for (const id of ids) await makeDue(id);
      const again = await runQueue(ids, t.env);
      expect(again.retryMessages).toHaveLength(ids.length);
    }
    expect((await deliveryRow(ids[0]!)).attempts).toBe(4);
    const [w] = await db().select().from(webhooks).where(eq(webhooks.id, hook.webhook.id));
    expect(w!.failingSince).not.toBeNull();

    // Back up. The next due attempt succeeds, and that pulls every waiting delivery forward.
    await hook.control({ down: false });
    const queuedBefore = t.enqueued.length;
    await makeDue(ids[0]!);
    await runQueue([ids[0]!], t.env);
    const pulled = t.enqueued.slice(queuedBefore);
    expect(new Set(pulled)).toEqual(new Set(ids.slice(1)));
    await drain(pulled, t.env);

    const got = await hook.received();
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(got.every((r) => r.verified)).toBe(true);
    const types = bodies(got).map((b) => b.type);
    expect(types.filter((x) => x === "ticket.created")).toHaveLength(4);
    expect(types.filter((x) => x === "comment.created")).toHaveLength(4);
    const log = await call(t.env, "GET", `/api/v1/webhooks/${hook.webhook.id}/deliveries?limit=100`, { token: s.admin.token });
    expect(log.body.data.map((d: any) => d.status)).toEqual(ids.map(() => "delivered"));
    expect((await call(t.env, "GET", `/api/v1/webhooks/${hook.webhook.id}/deliveries?status=retrying`, { token: s.admin.token })).body.data).toEqual([]);
  });

  it("after 24 h of failures a delivery is failed (dead-lettered), not retried again", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    await hook.control({ statuses: [503], down: false });
    await openTicket(t.env);
    const [id] = t.enqueued;
    await runQueue([id!], t.env);
    // 23 h in: still retried, every 12 h now.
    await makeDue(id!, { cycleStartedAt: hoursAgo(23), attempts: 6 });
    await hook.control({ down: true });
    const late = await runQueue([id!], t.env);
    expect(late.delays).toEqual([43_200]);
    await makeDue(id!, { cycleStartedAt: hoursAgo(25) });
    const last = await runQueue([id!], t.env);
    expect(last.explicitAcks).toHaveLength(1);
    expect(last.retryMessages).toHaveLength(0);
    expect(await deliveryRow(id!)).toMatchObject({ status: "failed", attempts: 8, lastStatusCode: null, nextAttemptAt: null });
    expect((await hook.received()).map((r) => r.status)).toEqual([503]);
  });

  it("a webhook failing for 3 days is disabled: recorded in the audit log, nothing more is sent; switched on again it receives", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    await hook.control({ down: true });
    await openTicket(t.env, "first");
    const [id] = t.enqueued;
    await runQueue([id!], t.env);
    await db().update(webhooks).set({ failingSince: hoursAgo(72) }).where(eq(webhooks.id, hook.webhook.id));
    await makeDue(id!);
    await runQueue([id!], t.env);
    const got = (await call(t.env, "GET", `/api/v1/webhooks/${hook.webhook.id}`, { token: s.admin.token })).body;
    expect(got).toMatchObject({ active: false, disabled_at: expect.any(String), disabled_reason: expect.stringMatching(/every delivery failed since .*network error/) });
    const audit = await db().select().from(auditLogs).where(and(eq(auditLogs.entityId, hook.webhook.id), eq(auditLogs.action, "webhook.disabled")));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorId).toBeNull();

    // Disabled: new events make no deliveries; the retry still waiting fails without a request.
    await hook.control({ down: false });
    const queued = t.enqueued.length;
    await openTicket(t.env, "second");
    expect(t.enqueued.length).toBe(queued);
    await makeDue(id!);
    await runQueue([id!], t.env);
    expect(await deliveryRow(id!)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/^the webhook is disabled/) });
    expect(await hook.received()).toEqual([]);
    expect((await call(t.env, "POST", `/api/v1/webhooks/${hook.webhook.id}/deliveries/${id}/redeliver`, { token: s.admin.token })).status).toBe(409);

    const on = await call(t.env, "PATCH", `/api/v1/webhooks/${hook.webhook.id}`, { token: s.admin.token, body: { active: true } });
    expect(on.body).toMatchObject({ active: true, disabled_at: null, disabled_reason: null, failing_since: null });
    await openTicket(t.env, "third");
    await drain(t.enqueued.slice(queued), t.env);
    expect(bodies(await hook.received()).map((b) => b.data.ticket.subject)).toEqual(["third"]);
  });

  it("redirects are not followed; a slow receiver times out after 10 s", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    const elsewhere = receiverEndpoint("elsewhere");
    await hook.control({ redirect_to: elsewhere.url });
    await openTicket(t.env);
    await runQueue(t.enqueued, t.env);
    expect(await deliveryRow(t.enqueued[0]!)).toMatchObject({ status: "retrying", lastStatusCode: 302, lastError: `redirect (HTTP 302 to ${elsewhere.url}) not followed` });
    expect(await elsewhere.received()).toEqual([]);

    const slow = await webhookOn(t.env, { events: ["ticket.created"] }, "slow");
    await slow.control({ delay_ms: 11_000 });
    const queued = t.enqueued.length;
    await openTicket(t.env);
    const mine = [];
    for (const id of t.enqueued.slice(queued)) if ((await deliveryRow(id)).webhookId === slow.webhook.id) mine.push(id);
    await runQueue(mine, t.env);
    expect(await deliveryRow(mine[0]!)).toMatchObject({ status: "retrying", lastError: "no answer within 10 s" });
  }, 40_000);

  it("internal notes and internal changes go only to webhooks with include_internal; the others get the public events", async () => {
    const t = hookEnv();
    const outside = await webhookOn(t.env, { events: ["comment.created", "ticket.updated"] }, "outside");
    const inside = await webhookOn(t.env, { events: ["comment.created", "ticket.updated"], include_internal: true }, "inside");
    const ticket = await openTicket(t.env);
    const note = await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "Internal: refund approved qzxnote", internal: true } });
    expect(note.status).toBe(201);
    const reply = await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "We are on it" } });
    const escalated = await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/escalate`, { token: s.manager.token, body: { reason: "VIP qzxreason" } });
    expect(escalated.status).toBe(200);
    await drain(t.enqueued, t.env);

    const out = bodies(await outside.received());
    expect(out.map((b) => [b.type, b.data.comment?.id ?? null])).toEqual([["comment.created", reply.body.id]]);
    expect(JSON.stringify(out)).not.toMatch(/qzxnote|qzxreason/);
    const inn = bodies(await inside.received());
    expect(inn.map((b) => [b.type, b.data.comment?.id ?? null]).sort()).toEqual(
      [["comment.created", note.body.id], ["comment.created", reply.body.id], ["ticket.updated", null]].sort(),
    );
    expect(inn.find((b) => b.data.comment?.id === note.body.id).data.comment).toMatchObject({ internal: true, body: "Internal: refund approved qzxnote" });
    expect(inn.find((b) => b.type === "ticket.updated").data).toMatchObject({ internal: true, changes: { priority: ["medium", "high"] } });
    // The webhook without include_internal has no delivery row for them at all.
    const outRows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, outside.webhook.id));
    expect(outRows).toHaveLength(1);
  });

  it("custom fields not visible to customers go only to include_internal webhooks; a change of only such fields is not sent to the others", async () => {
    const t = hookEnv();
    const shown = await call(t.env, "POST", "/api/v1/ticket-fields", { token: s.admin.token, body: { key: `product_${Date.now()}`, label: "Product", type: "text", customer_visible: true } });
    const hidden = await call(t.env, "POST", "/api/v1/ticket-fields", { token: s.admin.token, body: { key: `risk_${Date.now()}`, label: "Risk", type: "integer" } });
    expect([shown.status, hidden.status]).toEqual([201, 201]);
    const outside = await webhookOn(t.env, { events: ["ticket.created", "ticket.updated"] }, "outside-cf");
    const inside = await webhookOn(t.env, { events: ["ticket.created", "ticket.updated"], include_internal: true }, "inside-cf");
    const created = await call(t.env, "POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "cf", description: "d", custom_fields: { [shown.body.key]: "widget", [hidden.body.key]: 97 } } });
    expect(created.status).toBe(201);
    expect((await call(t.env, "PATCH", `/api/v1/tickets/${created.body.id}`, { token: s.agent.token, body: { custom_fields: { [hidden.body.key]: 98 } } })).status).toBe(200);
    await drain(t.enqueued, t.env);
    await vi.waitFor(async () => expect(await inside.received()).toHaveLength(2), { timeout: 15_000, interval: 200 });
    const out = bodies(await outside.received());
    expect(out.map((b) => b.type)).toEqual(["ticket.created"]);
    expect(out[0].data.ticket.custom_fields).toEqual({ [shown.body.key]: "widget" });
    expect(JSON.stringify(out)).not.toContain(hidden.body.key);
    const inn = bodies(await inside.received());
    expect(inn.find((b) => b.type === "ticket.created").data.ticket.custom_fields).toEqual({ [shown.body.key]: "widget", [hidden.body.key]: 97 });
    expect(inn.find((b) => b.type === "ticket.updated").data.changes).toEqual({ [`custom_fields.${hidden.body.key}`]: [97, 98] });
  });

  it("a change that rolls back leaves no webhook event, no delivery and sends nothing", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created", "comment.created"] });
    const ticket = await openTicket(t.env);
    await drain(t.enqueued, t.env);
    const before = { events: (await db().select().from(webhookEvents)).length, deliveries: (await db().select().from(webhookDeliveries)).length };
    // The batch fails on its last statement (the audit row), after the outbox rows were written in it.
    await env.DB.prepare(
      `CREATE TRIGGER test_hooks_fault BEFORE INSERT ON audit_logs WHEN json_extract(NEW.changes, '$.ticket_id') = '${ticket.id}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
    ).run();
    try {
      const queued = t.enqueued.length;
      const res = await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "never happened" } });
      expect(res.status).toBe(500);
      expect(t.enqueued.length).toBe(queued);
    } finally {
      await env.DB.prepare("DROP TRIGGER test_hooks_fault").run();
    }
    expect({ events: (await db().select().from(webhookEvents)).length, deliveries: (await db().select().from(webhookDeliveries)).length }).toEqual(before);
    expect(bodies(await hook.received()).map((b) => b.type)).toEqual(["ticket.created"]);
  });

  it("after a secret rotation both secrets sign for 24 h, then only the new one", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    const rotated = await call(t.env, "POST", `/api/v1/webhooks/${hook.webhook.id}/rotate-secret`, { token: s.admin.token });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(hook.secret);
    await openTicket(t.env);
    await drain(t.enqueued, t.env);
    const [got] = await hook.received();
    expect(got!.signature.split(" ")).toHaveLength(2);
    expect(new Webhook(fresh).verify(got!.body, headersOf(got!))).toBeTruthy();
    expect(new Webhook(hook.secret).verify(got!.body, headersOf(got!))).toBeTruthy();

    await db().update(webhooks).set({ previousSecretExpiresAt: hoursAgo(0.01) }).where(eq(webhooks.id, hook.webhook.id));
    const queued = t.enqueued.length;
    await openTicket(t.env);
    await drain(t.enqueued.slice(queued), t.env);
    const later = (await hook.received())[1]!;
    expect(later.signature.split(" ")).toHaveLength(1);
    expect(new Webhook(fresh).verify(later.body, headersOf(later))).toBeTruthy();
    expect(() => new Webhook(hook.secret).verify(later.body, headersOf(later))).toThrow();
  });

  it("redeliver sends a delivery again with the same webhook-id; the test ping answers with its own delivery", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    await openTicket(t.env);
    await drain(t.enqueued, t.env);
    const [id] = t.enqueued;
    const again = await call(t.env, "POST", `/api/v1/webhooks/${hook.webhook.id}/deliveries/${id}/redeliver`, { token: s.admin.token });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id, status: "pending" });
    expect(t.enqueued.at(-1)).toBe(id);
    await runQueue([id!], t.env);
    const got = await hook.received();
    expect(got.map((r) => r.id)).toEqual([id, id]);
    expect(await deliveryRow(id!)).toMatchObject({ status: "delivered", attempts: 2 });

    const ping = await call(t.env, "POST", `/api/v1/webhooks/${hook.webhook.id}/test`, { token: s.admin.token });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ type: "webhook.test", status: "delivered", attempts: 1, last_status_code: 200 });
    const last = (await hook.received()).at(-1)!;
    expect(last.verified).toBe(true);
    expect(JSON.parse(last.body)).toMatchObject({ type: "webhook.test", data: { webhook_id: hook.webhook.id } });

    // A failing ping is failed at once: not retried, not held against the webhook.
    await hook.control({ statuses: [500] });
    const bad = await call(t.env, "POST", `/api/v1/webhooks/${hook.webhook.id}/test`, { token: s.admin.token });
    expect(bad.body).toMatchObject({ status: "failed", last_status_code: 500, next_attempt_at: null });
    const [w] = await db().select().from(webhooks).where(eq(webhooks.id, hook.webhook.id));
    expect(w!.failingSince).toBeNull();
  });

  it("the cron re-enqueues a delivery whose queue message was lost, and it is sent once", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["ticket.created"] });
    await openTicket(t.env);
    const [id] = t.enqueued.splice(0);
    // The queue send after commit was lost: nobody will ever deliver this message.
    await makeDue(id!, { nextAttemptAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../src/index")).default;
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), t.env, ctx);
    await waitOnExecutionContext(ctx);
    expect(t.enqueued).toContain(id);
    // A second run right after does not enqueue it again.
    const ctx2 = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), t.env, ctx2);
    await waitOnExecutionContext(ctx2);
    expect(t.enqueued.filter((x) => x === id)).toHaveLength(1);
    await runQueue([id!, id!], t.env);
    expect((await hook.received()).map((r) => r.id)).toEqual([id]);
  });

  it("every ticket event type is delivered to a webhook subscribed to it (deleted tickets by id)", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env);
    const ticket = await openTicket(t.env);
    // A PATCH is applied by the ticket's room (a Durable Object with the Worker's own env): its
    // delivery goes through the real WEBHOOKS queue and its consumer, end to end.
    expect((await call(t.env, "PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { priority: "high" } })).status).toBe(200);
    await vi.waitFor(async () => expect((await hook.received()).map((r) => JSON.parse(r.body).type)).toContain("ticket.updated"), { timeout: 15_000, interval: 200 });
    await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent.id } });
    await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "hello" } });
    expect((await call(t.env, "DELETE", `/api/v1/tickets/${ticket.id}`, { token: s.admin.token })).status).toBe(204);
    await drain(t.enqueued, t.env);
    const got = bodies(await hook.received());
    expect(got.map((b) => b.type).sort()).toEqual(["comment.created", "ticket.assigned", "ticket.created", "ticket.deleted", "ticket.updated", "ticket.updated"].sort());
    expect(got.find((b) => b.type === "ticket.deleted").data).toMatchObject({ ticket_id: ticket.id, actor: { id: s.admin.id } });
    expect(got.find((b) => b.type === "ticket.assigned").data).toMatchObject({ assignee_id: s.agent.id, ticket: { id: ticket.id } });
  });

  it("a rule's webhook action: one event to one webhook, in the batch of the write that decides it, once", async () => {
    const t = hookEnv();
    // Subscribed to nothing of this: only the action sends to it.
    const hook = await webhookOn(t.env, { events: ["sla.breached"] });
    const ticket = await openTicket(t.env);
    const ctx = systemContext(t.env, "rule test", { now: new Date() });
    const found = await findVisibleTicket(ctx, ticket.id);
    const event: TicketEvent = { type: "ticket.created", ticket, actor: null };
    await recordOnTicket(ctx, found, { history: [], audit: [], extra: [...webhookDeliveryRows(ctx, event, hook.webhook.id), ...webhookDeliveryRows(ctx, event, hook.webhook.id)] });
    await enqueueEventDeliveries(ctx, event);
    await drain(t.enqueued, t.env);
    const got = await hook.received();
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ type: "ticket.created", data: { ticket: { id: ticket.id } } });
    // An internal event to a webhook without include_internal: nothing.
    const internal: TicketEvent = { type: "ticket.updated", ticket, changes: { priority: ["medium", "high"] }, version: 2, actor: null, internal: true };
    await recordOnTicket(ctx, found, { history: [], audit: [], extra: webhookDeliveryRows(ctx, internal, hook.webhook.id) });
    const rows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.webhook.id));
    expect(rows).toHaveLength(1);
  });
});
