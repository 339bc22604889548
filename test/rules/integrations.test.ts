import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { webhooks } from "../../src/db/schema";
import { runScheduled } from "../../src/jobs";
import { env } from "cloudflare:workers";
import { api, db, expectProblem, makeStaff, makeUser } from "../helpers";
import { defineField, defineStatus, uniqueKey } from "../fields/support";
import { HOUR, MIN, editAt, ticketAt } from "../sla/helpers";
import { call, drain, hookEnv, receiverEndpoint } from "../webhooks/support";
import { before, clearRules, commentsOf, historyOf, makeRule, ok, rowOf, runsOf, settled, word } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(async () => {
  await clearRules();
  // Each test's webhooks receive its own events only.
  await db().update(webhooks).set({ active: false });
});

const ticketAs = (token: string, body: Record<string, unknown>) => ok(settled("POST", "/api/v1/tickets", { token, body: { description: "Details", ...body } }), 201);
const refused = async (body: Record<string, unknown>, path: string, message: RegExp) => {
  const res = await settled("POST", "/api/v1/rules", { token: s.admin.token, body: { kind: "trigger", name: "bad", ...body } });
  expectProblem(res, 400, "VALIDATION_ERROR");
  expect(Object.keys(res.body.errors)).toEqual([path]);
  expect(res.body.errors[path][0]).toMatch(message);
};

describe("custom fields in rules (conditions on custom_fields.<key>, the set_custom_field action)", () => {
  it("a trigger reads one field and sets another through the one write: validated there, in history as the rule's", async () => {
    const product = await defineField(s.admin, { key: uniqueKey("product"), label: "Product", type: "dropdown", options: [{ value: "widget", label: "Widget" }, { value: "gadget", label: "Gadget" }] });
    const tier = await defineField(s.admin, { key: uniqueKey("tier"), label: "Support tier", type: "integer" });
    const rule = await makeRule(s.admin.token, {
      name: "Gadgets are tier 2",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: `custom_fields.${product.key}`, operator: "is", value: "gadget" }] },
      actions: [{ type: "set_custom_field", value: { key: tier.key, value: 2 } }, { type: "add_tags", value: ["gadget"] }],
    });
    const gadget = await ticketAs(s.agent.token, { subject: "Gadget broken", custom_fields: { [product.key]: "gadget" } });
    const widget = await ticketAs(s.agent.token, { subject: "Widget broken", custom_fields: { [product.key]: "widget" } });

    const after = await ok(settled("GET", `/api/v1/tickets/${gadget.id}`, { token: s.agent.token }));
    expect(after.custom_fields).toEqual({ [product.key]: "gadget", [tier.key]: 2 });
    expect(after.tags).toEqual(["gadget"]);
    const entry = (await historyOf(gadget.id)).find((h) => h.ruleId === rule.id)!;
    expect(entry).toMatchObject({ actorId: null, ruleName: "Gadgets are tier 2" });
    expect(entry.changes).toMatchObject({ [`custom_fields.${tier.key}`]: [null, 2], tags: [[], ["gadget"]] });
    expect((await ok(settled("GET", `/api/v1/tickets/${widget.id}`, { token: s.agent.token }))).custom_fields).toEqual({ [product.key]: "widget" });

    // The field changes kind meanwhile (deleted): the rule's write is refused there and says so in its runs; the ticket is made all the same.
    expect((await settled("DELETE", `/api/v1/ticket-fields/${tier.id}`, { token: s.admin.token })).status).toBe(204);
    const later = await ticketAs(s.agent.token, { subject: "Gadget again", custom_fields: { [product.key]: "gadget" } });
    expect((await rowOf(later.id)).tags).toEqual([]);
    const failed = (await runsOf(rule.id)).find((r) => r.ticketId === later.id)!;
    expect(failed.error).toMatch(/VALIDATION_ERROR/);
    expect(failed.error).toContain(tier.key);
  });

  it("refuses names, operators and values the deployment's fields cannot take, naming the entry", async () => {
    const product = await defineField(s.admin, { key: uniqueKey("product"), label: "Product", type: "dropdown", options: [{ value: "widget", label: "Widget" }] });
    const count = await defineField(s.admin, { key: uniqueKey("count"), label: "Count", type: "integer" });
    const tag = [{ type: "add_tags", value: ["x"] }];
    await refused({ conditions: { all: [{ field: "custom_fields.nosuch_field", operator: "present" }] }, actions: tag }, "conditions.all.0.field", /no such custom field/);
    await refused({ conditions: { all: [{ field: `custom_fields.${product.key}`, operator: "is", value: "gizmo" }] }, actions: tag }, "conditions.all.0.value", /must be one of: widget/);
    await refused({ conditions: { any: [{ field: `custom_fields.${product.key}`, operator: "greater_than", value: 3 }] }, actions: tag }, "conditions.any.0.operator", /a dropdown field takes/);
    await refused({ conditions: { all: [{ field: "status", operator: "is", value: "open" }] }, actions: [{ type: "set_custom_field", value: { key: count.key, value: "many" } }] }, "actions.0.value.value", /must be an integer/);
    await refused({ conditions: { all: [{ field: "status", operator: "is", value: "open" }] }, actions: [{ type: "set_custom_field", value: { key: "nosuch_field", value: 1 } }] }, "actions.0.value.key", /no such custom field/);
    // Macros too.
    const macro = await settled("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "bad", actions: [{ type: "set_custom_field", value: { key: product.key, value: "gizmo" } }] } });
    expectProblem(macro, 400, "VALIDATION_ERROR");
    expect(Object.keys(macro.body.errors)).toEqual(["actions.0.value.value"]);
  });

  it("required_to_resolve holds for triggers, macros and bulk: they resolve only tickets with the field filled", async () => {
    const cause = await defineField(s.admin, { key: uniqueKey("cause"), label: "Root cause", type: "text", required_to_resolve: true });
    const w = word("solved");
    const rule = await makeRule(s.admin.token, {
      name: "Solved on request",
      conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "comment.body", operator: "contains", value: w }] },
      actions: [{ type: "set_status", value: "resolved" }],
    });
    const bare = await ticketAs(s.agent.token, { subject: "No cause yet" });
    const filled = await ticketAs(s.agent.token, { subject: "Cause known", custom_fields: { [cause.key]: "cable" } });
    for (const t of [bare, filled]) await ok(settled("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: `${w} thanks` } }), 201);
    // The comment that set the rule off stays either way; the bare ticket is not resolved and the run says why.
    expect((await rowOf(filled.id)).status).toBe("resolved");
    expect((await rowOf(bare.id)).status).toBe("open");
    expect((await commentsOf(bare.id)).map((c) => c.body)).toEqual([`${w} thanks`]);
    expect((await runsOf(rule.id)).find((r) => r.ticketId === bare.id)!.error).toMatch(new RegExp(`INVALID_TRANSITION: Fill in ${cause.key}`));
    await clearRules();

    const resolve = await ok(settled("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "Resolve", actions: [{ type: "set_status", value: "resolved" }] } }), 201);
    const res = await settled("POST", `/api/v1/tickets/${bare.id}/macros/${resolve.id}/apply`, { token: s.agent.token });
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect(res.body.errors).toEqual({ [`custom_fields.${cause.key}`]: ["required to resolve"] });
    // A macro that fills the field and resolves: one write, both.
    const fillAndResolve = await ok(
      settled("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "Cable, resolve", actions: [{ type: "set_custom_field", value: { key: cause.key, value: "loose cable" } }, { type: "set_status", value: "resolved" }] } }),
      201,
    );
    const third = await ticketAs(s.agent.token, { subject: "Third" });
    const applied = await ok(settled("POST", `/api/v1/tickets/${third.id}/macros/${fillAndResolve.id}/apply`, { token: s.agent.token }));
    expect(applied).toMatchObject({ status: "resolved", custom_fields: { [cause.key]: "loose cable" }, version: third.version + 1 });

    const fourth = await ticketAs(s.agent.token, { subject: "Fourth", custom_fields: { [cause.key]: "dust" } });
    const bulk = await ok(settled("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: [bare.id, fourth.id], changes: {}, macro_id: resolve.id } }));
    expect(bulk.results.map((r: any) => [r.id, r.status])).toEqual([
      [bare.id, 422],
      [fourth.id, 200],
    ]);
    expect((await rowOf(bare.id)).status).toBe("open");
  });
});

describe("custom statuses in rules (set_status takes a key, as PATCH does; custom_status conditions)", () => {
  it("a trigger moves a ticket to a custom status (its category with it); the next trigger sees the change; unknown keys refused", async () => {
    const vendor = await defineStatus(s.admin, { key: uniqueKey("waiting_on_vendor"), label: "Waiting on vendor", category: "pending" });
    const w = word("vendor");
    const first = await makeRule(s.admin.token, {
      name: "Vendor issues wait on the vendor",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "set_status", value: vendor.key }],
    });
    await makeRule(s.admin.token, {
      name: "Tag what waits on a vendor",
      conditions: { all: [{ field: "changed.custom_status", operator: "is", value: true }, { field: "custom_status", operator: "is", value: vendor.key }] },
      actions: [{ type: "add_tags", value: ["vendor"] }],
    });
    const ticket = await ticketAs(s.agent.token, { subject: `Broken part ${w}` });
    const after = await ok(settled("GET", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token }));
    expect(after).toMatchObject({ status: "pending", custom_status: vendor.key, tags: ["vendor"] });
    const entry = (await historyOf(ticket.id)).find((h) => h.ruleId === first.id)!;
    expect(entry.changes).toMatchObject({ status: ["open", "pending"], custom_status: ["open", vendor.key] });

    await refused({ conditions: { all: [{ field: "status", operator: "is", value: "open" }] }, actions: [{ type: "set_status", value: "nosuch_status" }] }, "actions.0.value", /no such status/);
    await refused({ conditions: { all: [{ field: "custom_status", operator: "in", value: ["pending", "nosuch_status"] }] }, actions: [{ type: "add_tags", value: ["x"] }] }, "conditions.all.0.value.1", /no such status/);
  });
});

describe("a rule's webhook action (through the webhooks' delivery outbox)", () => {
  async function webhookOn(testEnv: ReturnType<typeof hookEnv>["env"], body: Record<string, unknown>) {
    const endpoint = receiverEndpoint("rule");
    const res = await call(testEnv, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await endpoint.control({ secrets: [res.body.secret] });
    return { ...endpoint, webhook: res.body, secret: res.body.secret as string };
  }
  const received = async (hook: Awaited<ReturnType<typeof webhookOn>>) => (await hook.received()).map((r) => ({ ...r, json: JSON.parse(r.body) }));

  it("a trigger sends the event it answered to its webhook, signed, once even when the webhook subscribes to it too", async () => {
    const t = hookEnv();
    // One subscribed to nothing of this (only the rule sends to it), one subscribed to ticket.created as well.
    const only = await webhookOn(t.env, { events: ["sla.breached"] });
    const both = await webhookOn(t.env, { events: ["ticket.created"] });
    const w = word("outage");
    const rule = await call(t.env, "POST", "/api/v1/rules", {
      token: s.admin.token,
      body: {
        name: "Outages to the pager",
        kind: "trigger",
        conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "subject", operator: "contains", value: w }] },
        actions: [{ type: "webhook", value: { webhook_id: only.webhook.id } }, { type: "webhook", value: { webhook_id: both.webhook.id } }, { type: "add_tags", value: ["paged"] }],
      },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const ticket = (await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `Site down ${w}`, description: "d" } })).body;
    const quiet = (await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Not an outage", description: "d" } })).body;
    await drain(t.enqueued, t.env);

    const toOnly = await received(only);
    expect(toOnly).toHaveLength(1);
    expect(toOnly[0]!.verified).toBe(true);
    expect(() => new Webhook(only.secret).verify(toOnly[0]!.body, { "webhook-id": toOnly[0]!.id, "webhook-timestamp": toOnly[0]!.timestamp, "webhook-signature": toOnly[0]!.signature })).not.toThrow();
    expect(toOnly[0]!.json).toMatchObject({ type: "ticket.created", data: { ticket: { id: ticket.id, subject: `Site down ${w}` }, actor: { id: s.customer.id } } });
    // Subscribed and named by the rule: one delivery of the one event (same webhook-id), for both tickets it subscribed to.
    const toBoth = await received(both);
    expect(toBoth.map((r) => r.json.data.ticket.id).sort()).toEqual([ticket.id, quiet.id].sort());
    expect(new Set(toBoth.map((r) => r.id)).size).toBe(2);
    // The delivery log shows it; the rule's run names what it did.
    const log = await call(t.env, "GET", `/api/v1/webhooks/${only.webhook.id}/deliveries`, { token: s.admin.token });
    expect(log.body.data.map((d: any) => [d.type, d.status])).toEqual([["ticket.created", "delivered"]]);
    expect((await rowOf(ticket.id)).tags).toEqual(["paged"]);
    expect((await runsOf(rule.body.id)).map((r) => r.error)).toEqual([null]);
  });

  // A short description and name: replaced inside every text, they rewrote the event's type and ids ("d" in "ticket.created") and the name stayed.
  it.each([
    { name: "Jane Realname", description: "My card is 4111 1111", secrets: ["Realname", "4111"] },
    { name: "Al", description: "d", secrets: [] },
    // A lowercase name is inside ids and roles ("tom" in "customer"): only texts are replaced.
    { name: "tom", description: "Where is tom's order?", secrets: ["tom's"] },
  ])("the requester ($name) erased (GDPR) just before the trigger's write: the delivery it writes holds nothing of them (as the erasure left the events stored then), its type and ids intact", async ({ name, description, secrets }) => {
    const t = hookEnv();
    // Subscribed to nothing of this: the rule's action writes the event's row itself.
    const hook = await webhookOn(t.env, { events: ["sla.breached"] });
    const w = word("erased");
    const rule = await call(t.env, "POST", "/api/v1/rules", {
      token: s.admin.token,
      body: { name: "New tickets to the CRM", kind: "trigger", conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "subject", operator: "contains", value: w }] }, actions: [{ type: "webhook", value: { webhook_id: hook.webhook.id } }] },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const customer = await makeUser("customer", { name });
    const held = before(/insert into "rule_runs"/, async () => {
      const res = await api("POST", `/api/v1/users/${customer.id}/erase`, { token: s.admin.token, body: { confirm: customer.email } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });
    const created = await call({ ...t.env, DB: held.db }, "POST", "/api/v1/tickets", { token: customer.token, body: { subject: `Help ${w}`, description } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(held.wasHeld()).toBe(true);
    const rows = (await env.DB.prepare("SELECT e.type, e.ticket_id, d.type AS delivery_type, e.payload, e.internal_payload FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.webhook_id = ?").bind(hook.webhook.id).all<{ payload: string }>()).results;
    expect(rows).toHaveLength(1);
    for (const secret of [customer.email, ...secrets]) expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]).toMatchObject({ type: "ticket.created", ticket_id: created.body.id, delivery_type: "ticket.created" });
    expect(JSON.parse(rows[0]!.payload)).toMatchObject({ ticket: { id: created.body.id, subject: `Help ${w}`, requester: { id: customer.id, name: "Erased user" }, description: "[erased]" }, actor: { id: customer.id, role: "customer", name: "Erased user" } });
  });

  it("an internal note's event never reaches a webhook without include_internal through a rule", async () => {
    const t = hookEnv();
    const open = await webhookOn(t.env, { events: ["sla.breached"] });
    const internal = await webhookOn(t.env, { events: ["sla.breached"], include_internal: true });
    const w = word("note");
    const rule = await call(t.env, "POST", "/api/v1/rules", {
      token: s.admin.token,
      body: {
        name: "Notes to the log",
        kind: "trigger",
        conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "comment.body", operator: "contains", value: w }] },
        actions: [{ type: "webhook", value: { webhook_id: open.webhook.id } }, { type: "webhook", value: { webhook_id: internal.webhook.id } }],
      },
    });
    expect(rule.status).toBe(201);
    const ticket = (await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Noted", description: "d" } })).body;
    expect((await call(t.env, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `secret ${w}`, internal: true } })).status).toBe(201);
    await drain(t.enqueued, t.env);
    expect(await received(open)).toEqual([]);
    const got = await received(internal);
    expect(got.map((r) => [r.json.type, r.json.data.comment.body])).toEqual([["comment.created", `secret ${w}`]]);
  });

  it("an automation sends the ticket.updated of its own change, naming the rule", async () => {
    const t = hookEnv();
    const hook = await webhookOn(t.env, { events: ["sla.breached"] });
    const w = word("stale");
    const rule = await call(t.env, "POST", "/api/v1/rules", {
      token: s.admin.token,
      body: {
        name: "Stale pending to the CRM",
        kind: "automation",
        conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "status", operator: "is", value: "pending" }, { field: "hours_since_status_changed", operator: "greater_than", value: 48 }] },
        actions: [{ type: "add_tags", value: ["stale"] }, { type: "webhook", value: { webhook_id: hook.webhook.id } }],
      },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    // Near the real clock: the delivery is due when the queue consumer looks (it sends what is due now).
    const start = Date.now() - 50 * HOUR;
    const ticket = await ticketAt(s.customer, start, { subject: `Waiting ${w}` });
    await editAt(s.agent, start + HOUR, ticket.id, { status: "pending" });
    const execution = createExecutionContext();
    await runScheduled({ scheduledTime: start + 50 * HOUR - MIN, cron: "* * * * *" }, t.env, execution);
    await waitOnExecutionContext(execution);
    await drain(t.enqueued, t.env);
    const got = await received(hook);
    expect(got).toHaveLength(1);
    expect(got[0]!.json).toMatchObject({ type: "ticket.updated", data: { ticket: { id: ticket.id, tags: ["stale"] }, changes: { tags: [[], ["stale"]] }, actor: null, rule: { id: rule.body.id, name: "Stale pending to the CRM" } } });
  });

  it("refuses a webhook that does not exist, and macros may not call webhooks", async () => {
    await refused({ conditions: { all: [{ field: "status", operator: "is", value: "open" }] }, actions: [{ type: "webhook", value: { webhook_id: "nosuchwebhook" } }] }, "actions.0.value.webhook_id", /no such webhook/);
    const macro = await settled("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "bad", actions: [{ type: "webhook", value: { webhook_id: "x" } }] } });
    expectProblem(macro, 400, "VALIDATION_ERROR");
    expect(macro.body.errors["actions.0.type"]).toEqual(["macros cannot call webhooks"]);
  });
});
