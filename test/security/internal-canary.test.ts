/**
 * Cross-cutting: what only staff may know (internal notes, fields not customer_visible) never
 * leaves through a customer's mail, a webhook without include_internal or a channel's outbound
 * delivery. Each test also shows the probe sees: the same canary reaches an include_internal
 * webhook, and the public words reach the customer, so a test cannot pass by seeing nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { eq } from "drizzle-orm";
import { webhookDeliveries } from "../../src/db/schema";
import { db, makeStaff } from "../helpers";
import { defineField, uniqueKey } from "../fields/support";
import { deliveryRow, makeDue, receiverEndpoint, runQueue } from "../webhooks/support";
import { canary, leakEnv, mailsTo, webhookTo, type LeakEnv } from "./leak-support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

async function ticketOf(t: LeakEnv, token: string) {
  const res = await t.call("POST", "/api/v1/tickets", { token, body: { subject: "Broken printer", description: "It does not print" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string };
}

async function deliveriesOf(webhookId: string) {
  const rows = await db().select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
  return rows.map((r) => r.id);
}

async function comment(t: LeakEnv, token: string, ticketId: string, body: string, internal: boolean) {
  const res = await t.call("POST", `/api/v1/tickets/${ticketId}/comments`, { token, body: { body, internal } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

describe("internal words never leave by mail, webhook or channel", () => {
  it("an internal note and a staff-only field: not in the customer's mail nor in a webhook without include_internal", async () => {
    const t = leakEnv();
    const note = canary("note");
    const fieldValue = canary("field");
    const said = canary("public");
    const field = await defineField(s.admin, { key: uniqueKey("internal"), label: "Internal", type: "text" });
    const open = await webhookTo(t, s.admin, false);
    const internal = await webhookTo(t, s.admin, true);

    const ticket = await ticketOf(t, s.customer.token);
    await comment(t, s.agent.token, ticket.id, `Customer is on the watch list ${note}`, true);
    const patched = await t.call("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { custom_fields: { [field.key]: fieldValue }, priority: "high" } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await comment(t, s.agent.token, ticket.id, `We are on it ${said}`, false);
    const escalated = await t.call("POST", `/api/v1/tickets/${ticket.id}/escalate`, { token: s.manager.token, body: { reason: `Escalated because ${note}` } });
    expect(escalated.status, JSON.stringify(escalated.body)).toBe(200);
    await t.drain();

    const openBodies = (await open.bodies()).join("\n");
    expect(openBodies).toContain(said);
    expect(openBodies).not.toContain(note);
    expect(openBodies).not.toContain(fieldValue);
    const internalBodies = (await internal.bodies()).join("\n");
    expect(internalBodies).toContain(note);
    expect(internalBodies).toContain(fieldValue);

    const customerMail = (await mailsTo(t, s.customer.email)).map((m) => m.content).join("\n");
    expect(customerMail).toContain(said);
    expect(customerMail).not.toContain(note);
    expect(customerMail).not.toContain(fieldValue);
  });

  it("a channel's outbound delivery carries staff replies only, never an internal note", async () => {
    const t = leakEnv();
    const note = canary("note");
    const said = canary("public");
    const receiver = receiverEndpoint("channel");
    const ch = await t.call("POST", "/api/v1/channels", { token: s.admin.token, body: { kind: "social", name: "Messenger", outbound_url: receiver.url } });
    expect(ch.status, JSON.stringify(ch.body)).toBe(201);
    const raw = JSON.stringify({ external_id: `m-${crypto.randomUUID()}`, thread_id: `thread-${crypto.randomUUID()}`, from: { external_id: `u-${crypto.randomUUID()}`, name: "Casey" }, text: "Hello there" });
    const id = `msg_${crypto.randomUUID()}`;
    const at = new Date();
    const inbound = await t.call("POST", `/api/v1/channels/${ch.body.id}/inbound`, {
      raw,
      headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(ch.body.secret).sign(id, at, raw) },
    });
    expect(inbound.status, JSON.stringify(inbound.body)).toBe(201);
    const ticketId = inbound.body.ticket_id as string;

    await comment(t, s.agent.token, ticketId, `Do not tell them ${note}`, true);
    await comment(t, s.agent.token, ticketId, `Thanks for writing ${said}`, false);
    await t.drain();

    const bodies = (await receiver.received()).map((r) => r.body).join("\n");
    expect(bodies).toContain(said);
    expect(bodies).not.toContain(note);
  });

  it("a webhook switched off include_internal gets no internal word on a retry or a redelivery made before, even at a new URL", async () => {
    const t = leakEnv();
    const note = canary("note");
    const before = receiverEndpoint("before");
    const after = receiverEndpoint("after");
    const hook = await t.call("POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: before.url, events: ["comment.created"], include_internal: true } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    await before.control({ statuses: [500] });
    const ticket = await ticketOf(t, s.customer.token);
    await comment(t, s.agent.token, ticket.id, `Legal hold ${note}`, true);
    const [pending] = await deliveriesOf(hook.body.id);
    await runQueue([pending!], t.env);
    expect(await deliveryRow(pending!)).toMatchObject({ status: "retrying", lastStatusCode: 500 });
    // The probe sees: the failed attempt carried the note.
    expect((await before.received()).map((r) => r.body).join("\n")).toContain(note);

    const patched = await t.call("PATCH", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token, body: { url: after.url, include_internal: false } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await makeDue(pending!);
    await runQueue([pending!], t.env);
    const again = await t.call("POST", `/api/v1/webhooks/${hook.body.id}/deliveries/${pending}/redeliver`, { token: s.admin.token });
    expect(again.status).toBe(202);
    await runQueue([pending!], t.env);
    expect((await after.received()).map((r) => r.body).join("\n")).not.toContain(note);
    expect(await deliveryRow(pending!)).toMatchObject({ status: "failed" });
  });
});
