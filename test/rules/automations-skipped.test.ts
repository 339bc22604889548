import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff, makeUser } from "../helpers";
import { systemContext } from "../../src/contexts";
import { runAutomations } from "../../src/jobs/automations";
import { bindings, editAt, HOUR, MIN, ticketAt } from "../sla/helpers";
import { before, clearRules, historyOf, makeRule, rowOf, runsOf, word } from "./support";

/**
 * An automation whose write found the ticket no longer qualifying (changed after the run read it)
 * wrote nothing: the job's report counts it as skipped, and no fire record says it fired.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(clearRules);

/** Each test on its own stretch of a clock far from the other files'. */
let T0 = Date.parse("2035-02-05T08:00:00.000Z");
const nextStart = () => (T0 += 1_000 * HOUR);

const run = (at: number, DB: D1Database = env.DB) => runAutomations(systemContext({ ...bindings, DB }, "vitest", { now: new Date(at) }));

const firesOf = async (ruleId: string) => (await env.DB.prepare(`SELECT ticket_id, fired_at FROM rule_fires WHERE rule_id = ?`).bind(ruleId).all()).results;

/** "Nudge": a ticket of any unsolved status whose subject holds `w`, an hour old, is tagged `nudged`. */
const nudge = (w: string) =>
  makeRule(s.admin.token, {
    kind: "automation",
    name: "Nudge",
    conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "hours_since_created", operator: "greater_than", value: 1 }], any: [] },
    actions: [{ type: "add_tags", value: ["nudged"] }],
  });

/** "Checking in": a ticket of any unsolved status whose subject holds `w`, an hour old, gets a public comment. */
const checkingIn = (w: string) =>
  makeRule(s.admin.token, {
    kind: "automation",
    name: "Checking in",
    conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "hours_since_created", operator: "greater_than", value: 1 }], any: [] },
    actions: [{ type: "add_comment", value: { body: "Do you still need help?", internal: false } }],
  });

/** "Still waiting?": a pending ticket whose subject holds `w`, an hour old, gets a mail to its requester (after `actions`). */
const stillWaiting = (w: string, body: string, actions: object[] = []) =>
  makeRule(s.admin.token, {
    kind: "automation",
    name: "Still waiting?",
    conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "status", operator: "is", value: "pending" }, { field: "hours_since_created", operator: "greater_than", value: 1 }], any: [] },
    actions: [...actions, { type: "send_email", value: { to: "requester", subject: "Still waiting?", body } }],
  });

describe("automations: a firing that writes nothing is skipped, not fired", () => {
  it("an agent moves the ticket out of the rule's reach just before its write: skipped, nothing written", async () => {
    const w = word();
    const start = nextStart();
    const rule = await makeRule(s.admin.token, {
      kind: "automation",
      name: "Nudge open tickets",
      conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "status", operator: "is", value: "open" }, { field: "hours_since_created", operator: "greater_than", value: 1 }], any: [] },
      actions: [{ type: "add_tags", value: ["nudged"] }],
    });
    const ticket = await ticketAt(s.customer, start, { subject: `Quiet ${w}` });
    await run(start + 30 * MIN); // the changed tickets, this one not an hour old yet
    const at = start + 2 * HOUR;
    // The agent sets it pending between the run's read and its write: the write's batch fails on
    // the ticket's guard, and the re-read finds the rule no longer holds.
    const held = before(/insert into "rule_fires"/, () => editAt(s.agent, at, ticket.id, { status: "pending" }));
    const report = await run(at, held.db);
    expect(held.wasHeld()).toBe(true);
    expect(report).toMatchObject({ windowed: 1, fired: 0, skipped: 1, contended: 0, failed: 0 });
    expect(await firesOf(rule.id)).toEqual([]);
    expect(await runsOf(rule.id)).toEqual([]);
    const row = await rowOf(ticket.id);
    expect({ status: row.status, tags: row.tags, version: row.version }).toEqual({ status: "pending", tags: [], version: 2 });
    expect((await historyOf(ticket.id)).map((h) => [h.type, h.actorId, h.ruleId])).toEqual([
      ["created", s.customer.id, null],
      ["updated", s.agent.id, null],
    ]);

    // Open again: it qualifies, and the rule fires there (no fire record stands in its way).
    await editAt(s.agent, at + HOUR, ticket.id, { status: "open" });
    expect(await run(at + HOUR + MIN)).toMatchObject({ changed: 1, fired: 1, skipped: 0 });
    expect((await rowOf(ticket.id)).tags).toEqual(["nudged"]);
    expect(await firesOf(rule.id)).toEqual([{ ticket_id: ticket.id, fired_at: new Date(at + HOUR + MIN).toISOString() }]);
  });

  it.each([
    { what: "a rule naming no status", rule: nudge },
    { what: "a rule that adds a public comment (no run says it failed: 'reopen it before replying')", rule: checkingIn },
  ])("$what, the ticket cancelled just before its write: out of every automation's reach, skipped", async ({ rule: make }) => {
    const w = word();
    const start = nextStart();
    const rule = await make(w);
    const ticket = await ticketAt(s.customer, start, { subject: `Quiet ${w}` });
    await run(start + 30 * MIN);
    const at = start + 2 * HOUR;
    const held = before(/insert into "rule_fires"/, () => editAt(s.agent, at, ticket.id, { status: "cancelled" }));
    expect(await run(at, held.db)).toMatchObject({ windowed: 1, fired: 0, skipped: 1, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    expect(await rowOf(ticket.id)).toMatchObject({ status: "cancelled", tags: [] });
    expect(await firesOf(rule.id)).toEqual([]);
    expect(await runsOf(rule.id)).toEqual([]);
    const comments = await env.DB.prepare(`SELECT id FROM comments WHERE ticket_id = ? AND author_id <> ?`).bind(ticket.id, s.customer.id).all();
    expect(comments.results).toEqual([]);
  });

  it("a rule that adds a public comment, the ticket merged into another just before its write: skipped, not a failed run", async () => {
    const w = word();
    const start = nextStart();
    const rule = await checkingIn(w);
    const ticket = await ticketAt(s.customer, start, { subject: `Quiet ${w}` });
    const into = await ticketAt(s.customer, start, { subject: "The same printer" });
    await run(start + 30 * MIN);
    const at = start + 2 * HOUR;
    const held = before(/insert into "rule_fires"/, async () => {
      const res = await api("POST", `/api/v1/tickets/${ticket.id}/merge`, { token: s.agent.token, body: { into: into.id } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });
    expect(await run(at, held.db)).toMatchObject({ fired: 0, skipped: 1, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    // No run says the rule failed ("was merged into …; it cannot be changed").
    expect(await runsOf(rule.id)).toEqual([]);
    expect(await rowOf(ticket.id)).toMatchObject({ status: "closed", mergedIntoId: into.id });
  });

  it("a rule with two windows that both hold the raced ticket: skipped once in the run's report, its write tried once", async () => {
    const w = word();
    const start = nextStart();
    // Two time conditions: the created and the updated windows both come true for the ticket in one run.
    const rule = await makeRule(s.admin.token, {
      kind: "automation",
      name: "Nudge quiet tickets",
      conditions: {
        all: [
          { field: "subject", operator: "contains", value: w },
          { field: "hours_since_created", operator: "greater_than", value: 1 },
          { field: "hours_since_updated", operator: "greater_than", value: 1 },
        ],
        any: [],
      },
      actions: [{ type: "add_tags", value: ["nudged"] }],
    });
    const ticket = await ticketAt(s.customer, start, { subject: `Quiet ${w}` });
    await run(start + 30 * MIN);
    const at = start + 2 * HOUR;
    const held = before(/insert into "rule_fires"/, () => editAt(s.agent, at, ticket.id, { status: "cancelled" }));
    const report = await run(at, held.db);
    expect(held.wasHeld()).toBe(true);
    expect(report).toMatchObject({ windowed: 2, fired: 0, skipped: 1, contended: 0, failed: 0 });
    // One batch of the rule's write: the second window did not try the ticket again.
    expect(held.batches(/insert into "rule_fires"/)).toBe(1);
    expect(await firesOf(rule.id)).toEqual([]);
    expect(await rowOf(ticket.id)).toMatchObject({ status: "cancelled", tags: [] });
  });

  it("a rule that only mails, the ticket answered just before its write: no mail, skipped (its batch checks the row it decided on)", async () => {
    const w = word();
    const start = nextStart();
    const rule = await stillWaiting(w, "We have not heard from you.");
    const ticket = await ticketAt(s.customer, start, { subject: `Waiting ${w}` });
    await editAt(s.agent, start + MIN, ticket.id, { status: "pending" });
    await run(start + 30 * MIN);
    const at = start + 2 * HOUR;
    const held = before(/insert into "rule_fires"/, () => editAt(s.agent, at, ticket.id, { status: "open" }));
    // The outbox queue as the run hands it mails: the first plan's, whose batch failed, is not among them.
    const queued: unknown[] = [];
    const OUTBOX = { send: async (m: unknown) => void queued.push(m), sendBatch: async (ms: unknown[]) => void queued.push(...ms) } as unknown as Queue;
    const report = await runAutomations(systemContext({ ...bindings, DB: held.db, OUTBOX }, "vitest", { now: new Date(at) }));
    expect(report).toMatchObject({ windowed: 1, fired: 0, skipped: 1, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    const mails = await env.DB.prepare(`SELECT id FROM outbound_messages WHERE ticket_id = ? AND kind = 'action'`).bind(ticket.id).all();
    expect(mails.results).toEqual([]);
    expect(queued).toEqual([]);
    expect(await firesOf(rule.id)).toEqual([]);
    expect(await runsOf(rule.id)).toEqual([]);
    expect(await rowOf(ticket.id)).toMatchObject({ status: "open" });
  });

  it("the requester erased (GDPR) between the run's read and its write: no mail to their old address, nothing of them written back", async () => {
    const w = word();
    const start = nextStart();
    const rule = await stillWaiting(w, "Hi {{requester.name}}");
    const customer = await makeUser("customer", { name: "Jane Realname" });
    const ticket = await ticketAt(customer, start, { subject: `Waiting ${w}` });
    await editAt(s.agent, start + MIN, ticket.id, { status: "pending" });
    await run(start + 30 * MIN);
    const held = before(/insert into "rule_fires"/, async () => {
      const res = await api("POST", `/api/v1/users/${customer.id}/erase`, { token: s.admin.token, body: { confirm: customer.email } });
      expect(res.status).toBe(200);
    });
    // Planned again on the ticket read again, with its requester as erased: it fires (its claim is
    // written), but no mail goes out (an erased address is nobody's), and no row holds the old name or address.
    expect(await run(start + 2 * HOUR, held.db)).toMatchObject({ fired: 1, skipped: 0, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    expect((await runsOf(rule.id)).map((r) => r.changes)).toEqual([{}]);
    const rows = await env.DB.prepare(`SELECT to_address, to_name, data FROM outbound_messages WHERE ticket_id = ?`).bind(ticket.id).all();
    expect(JSON.stringify(rows.results)).not.toContain(customer.email);
    expect(JSON.stringify(rows.results)).not.toContain("Realname");
  });

  it.each([
    { rule: "a rule that only mails", actions: [] },
    { rule: "a rule that tags and mails", actions: [{ type: "add_tags", value: ["nudged"] }] },
  ])("$rule, the requester's name and address changed just before its write: the mail goes to them as they are now", async ({ actions }) => {
    const w = word();
    const start = nextStart();
    await stillWaiting(w, "Hi {{requester.name}}", actions);
    const customer = await makeUser("customer", { name: "Old Name" });
    const ticket = await ticketAt(customer, start, { subject: `Waiting ${w}` });
    await editAt(s.agent, start + MIN, ticket.id, { status: "pending" });
    await run(start + 30 * MIN);
    const moved = `moved-${w}@example.test`;
    const held = before(/insert into "rule_fires"/, () => env.DB.prepare("UPDATE users SET name = 'New Name', email = ? WHERE id = ?").bind(moved, customer.id).run());
    expect(await run(start + 2 * HOUR, held.db)).toMatchObject({ fired: 1, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    const mails = await env.DB.prepare(`SELECT to_address, to_name, data FROM outbound_messages WHERE ticket_id = ? AND kind = 'action'`).bind(ticket.id).all<{ to_address: string; to_name: string; data: string }>();
    expect(mails.results.map((m) => [m.to_address, m.to_name, JSON.parse(m.data).mail.body])).toEqual([[moved, "New Name", "Hi New Name"]]);
  });

  it("a tag added by an agent just before the rule's write: planned again on the ticket read again, the rule's tag joins it (not written over it)", async () => {
    const w = word();
    const start = nextStart();
    await nudge(w);
    const ticket = await ticketAt(s.customer, start, { subject: `Quiet ${w}` });
    await run(start + 30 * MIN);
    const at = start + 2 * HOUR;
    const held = before(/insert into "rule_fires"/, () => editAt(s.agent, at, ticket.id, { tags: ["vip"] }));
    expect(await run(at, held.db)).toMatchObject({ windowed: 1, fired: 1, skipped: 0, failed: 0 });
    expect(held.wasHeld()).toBe(true);
    expect((await rowOf(ticket.id)).tags).toEqual(["vip", "nudged"]);
  });
});
