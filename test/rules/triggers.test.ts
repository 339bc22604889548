import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff, makeUser, type TestUser } from "../helpers";
import { deliver, mailEnv, rawMail, uniqueId } from "../email/mail-helpers";
import { HOUR, tick } from "../sla/helpers";
import { clearRules, commentsOf, historyOf, makeRule, ok, rowOf, runsOf, settled, word } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let big: TestUser;
let team: { id: string };

beforeAll(async () => {
  s = await makeStaff();
  big = await makeUser("customer", { email: `ann-${word()}@bigcustomer.com`, name: "Ann Big" });
  team = await ok(api("POST", "/api/v1/teams", { token: s.manager.token, body: { name: `Escalations ${word()}` } }), 201);
});
afterEach(clearRules);

const create = (token: string, body: Record<string, unknown>) => ok(settled("POST", "/api/v1/tickets", { token, body: { description: "d", ...body } }), 201);

describe("triggers, from each entry point", () => {
  it("REST create: the issue's example rule sets priority, tag, team and an internal note, as the rule", async () => {
    const rule = await makeRule(s.admin.token, {
      name: "Outages of big customers",
      conditions: {
        all: [
          { field: "event", operator: "is", value: "ticket.created" },
          { field: "requester_domain", operator: "is", value: "bigcustomer.com" },
          { field: "subject", operator: "contains", value: "outage" },
        ],
      },
      actions: [
        { type: "set_priority", value: "critical" },
        { type: "add_tags", value: ["vip"] },
        { type: "set_team", value: team.id },
        { type: "add_comment", value: { body: "Outage at {{requester.name}} ({{ticket.number}}): page the on-call.", internal: true } },
      ],
    });
    const ticket = await create(big.token, { subject: "Total OUTAGE in Berlin" });
    const other = await create(s.customer.token, { subject: "Outage at a small customer" });

    const after = await ok(api("GET", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token }));
    expect(after).toMatchObject({ priority: "critical", tags: ["vip"], team_id: team.id, version: 2 });
    expect(await ok(api("GET", `/api/v1/tickets/${other.id}`, { token: s.agent.token }))).toMatchObject({ priority: "medium", tags: [], team_id: null, version: 1 });

    const notes = await commentsOf(ticket.id);
    expect(notes).toEqual([{ body: `Outage at Ann Big (${ticket.number}): page the on-call.`, internal: true, author: "Automation", authorId: "automation" }]);
    // Staff see whose change it was; the customer sees neither the rule nor its internal note.
    const staffHistory = (await ok(api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: s.agent.token }))).data;
    const ruled = staffHistory.filter((h: any) => h.rule);
    expect(ruled.length).toBeGreaterThan(0);
    for (const h of ruled) expect(h).toMatchObject({ actor: null, rule: { id: rule.id, name: "Outages of big customers" } });
    expect(staffHistory.find((h: any) => h.version === 2 && h.type === "updated").changes).toMatchObject({ priority: ["medium", "critical"], tags: [[], ["vip"]], team_id: [null, team.id] });
    const customerHistory = (await ok(api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: big.token }))).data;
    expect(JSON.stringify(customerHistory)).not.toContain(rule.id);
    expect(JSON.stringify(customerHistory)).not.toContain("note_added");
    expect((await ok(api("GET", `/api/v1/tickets/${ticket.id}/comments`, { token: big.token }))).data).toEqual([]);

    const runs = (await ok(api("GET", `/api/v1/rules/${rule.id}/runs`, { token: s.manager.token }))).data;
    expect(runs).toEqual([expect.objectContaining({ ticket_id: ticket.id, error: null, changes: expect.objectContaining({ priority: ["medium", "critical"], comment_id: expect.any(String) }) })]);
  });

  it("PATCH: a change another person makes sets off the trigger before the PATCH answers", async () => {
    const w = word();
    await makeRule(s.admin.token, {
      name: "High priority goes to the team",
      conditions: { all: [{ field: "priority", operator: "changed_to", value: "high" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "set_team", value: team.id }, { type: "add_tags", value: ["escalated"] }],
    });
    const ticket = await create(s.customer.token, { subject: `Slow ${w}` });
    const patched = await ok(settled("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { priority: "high" } }));
    expect(patched.priority).toBe("high");
    const row = await rowOf(ticket.id);
    expect({ team: row.teamId, tags: row.tags, version: row.version }).toEqual({ team: team.id, tags: ["escalated"], version: 3 });
    // A later PATCH that does not change the priority does not fire it again.
    await ok(settled("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { tags: [] } }));
    expect((await rowOf(ticket.id)).tags).toEqual([]);
  });

  it("comment: a customer's reply asking for a refund", async () => {
    const rule = await makeRule(s.admin.token, {
      name: "Refund requests",
      conditions: {
        all: [
          { field: "event", operator: "is", value: "comment.created" },
          { field: "comment.author_role", operator: "is", value: "customer" },
          { field: "comment.body", operator: "contains", value: "refund" },
        ],
      },
      actions: [{ type: "add_tags", value: ["refund"] }, { type: "add_comment", value: { body: "You wrote: {{comment.body}}", internal: false } }],
    });
    const ticket = await create(s.customer.token, { subject: "Billing" });
    await ok(settled("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "Refund? Check the refund policy", internal: true } }), 201);
    expect((await rowOf(ticket.id)).tags).toEqual([]);
    await ok(settled("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.customer.token, body: { body: "I want a REFUND." } }), 201);
    expect((await rowOf(ticket.id)).tags).toEqual(["refund"]);
    const list = await commentsOf(ticket.id);
    expect(list.at(-1)).toMatchObject({ body: "You wrote: I want a REFUND.", internal: false, author: "Automation" });
    expect(await runsOf(rule.id)).toHaveLength(1);
  });

  it("an internal note's words never reach a public text through {{comment.body}}", async () => {
    const secret = word("secret");
    await makeRule(s.admin.token, {
      name: "Echo every comment publicly",
      conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "comment.author_role", operator: "is_not", value: "customer" }] },
      actions: [{ type: "add_comment", value: { body: "Latest: [{{comment.body}}]", internal: false } }],
    });
    const ticket = await create(s.customer.token, { subject: "Echo" });
    await ok(settled("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `internal ${secret}`, internal: true } }), 201);
    const visible = (await ok(api("GET", `/api/v1/tickets/${ticket.id}/comments`, { token: s.customer.token }))).data;
    expect(visible.map((c: any) => c.body)).toEqual(["Latest: []"]);
    expect(JSON.stringify(visible)).not.toContain(secret);
  });

  it("inbound mail: a ticket opened by mail", async () => {
    const w = word();
    await makeRule(s.admin.token, {
      name: "Mail tickets",
      conditions: { all: [{ field: "channel", operator: "is", value: "email" }, { field: "event", operator: "is", value: "ticket.created" }] },
      actions: [{ type: "add_tags", value: ["via-mail"] }],
    });
    const from = `mailer-${w}@example.net`;
    const testEnv = mailEnv().env;
    await deliver(rawMail({ from, subject: `Printer ${w}`, messageId: uniqueId() }), { from }, testEnv);
    const list = await ok(api("GET", `/api/v1/tickets?q=${w}`, { token: s.agent.token }));
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ channel: "email", tags: ["via-mail"] });
  });

  it("SLA breach: the sweep's breach sets off a trigger", async () => {
    const w = word();
    await makeRule(s.admin.token, {
      name: "Breached",
      conditions: { all: [{ field: "event", operator: "is", value: "sla.breached" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_tags", value: ["breached"] }, { type: "set_priority", value: "high" }],
    });
    const ticket = await create(s.customer.token, { subject: `Waiting ${w}`, priority: "critical" });
    // Critical: first response due in 1 hour.
    await tick(Date.parse(ticket.created_at) + 2 * HOUR);
    const row = await rowOf(ticket.id);
    expect(row.firstResponseBreached).toBe(true);
    expect(row.tags).toEqual(["breached"]);
    expect(row.priority).toBe("high");
  });

  it("another rule: a trigger's change is seen by the triggers after it, in position order", async () => {
    const w = word();
    const second = await makeRule(s.admin.token, {
      name: "Critical gets paged",
      position: 1,
      conditions: { all: [{ field: "priority", operator: "changed_to", value: "critical" }] },
      actions: [{ type: "add_tags", value: ["paged"] }],
    });
    const first = await makeRule(s.admin.token, {
      name: "Outage is critical",
      position: 0,
      conditions: { all: [{ field: "subject", operator: "contains", value: `outage ${w}` }] },
      actions: [{ type: "set_priority", value: "critical" }],
    });
    const ticket = await create(s.customer.token, { subject: `Outage ${w}` });
    const row = await rowOf(ticket.id);
    expect({ priority: row.priority, tags: row.tags, version: row.version }).toEqual({ priority: "critical", tags: ["paged"], version: 3 });
    const ruled = (await historyOf(ticket.id)).filter((h) => h.ruleId).map((h) => [h.version, h.ruleName]);
    expect(ruled).toEqual([
      [2, first.name],
      [3, second.name],
    ]);
  });
});

describe("the loop guard", () => {
  it("two rules flipping a tag: each fires once, the chain stops and says so in history", async () => {
    const w = word();
    const xy = await makeRule(s.admin.token, {
      name: "x to y",
      conditions: { all: [{ field: "tags", operator: "contains", value: "x" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "remove_tags", value: ["x"] }, { type: "add_tags", value: ["y"] }],
    });
    const yx = await makeRule(s.admin.token, {
      name: "y to x",
      conditions: { all: [{ field: "tags", operator: "contains", value: "y" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "remove_tags", value: ["y"] }, { type: "add_tags", value: ["x"] }],
    });
    const ticket = await create(s.customer.token, { subject: `Flip ${w}`, tags: ["x"] });
    expect(await runsOf(xy.id)).toHaveLength(1);
    expect(await runsOf(yx.id)).toHaveLength(1);
    const history = await historyOf(ticket.id);
    const stop = history.find((h) => h.type === "rules.stopped")!;
    expect(stop).toMatchObject({ internal: true, actorId: null, ruleId: xy.id, ruleName: "x to y" });
    expect(stop.changes).toMatchObject({ reason: "loop", fired: [{ id: xy.id, name: "x to y" }, { id: yx.id, name: "y to x" }] });
    expect((await rowOf(ticket.id)).tags).toEqual(["x"]);
    // The stop is staff's business only.
    const customerView = (await ok(api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: s.customer.token }))).data;
    expect(customerView.map((h: any) => h.type)).not.toContain("rules.stopped");
  });

  it("a chain of more than 10 triggers stops after 10, on record", async () => {
    const w = word();
    for (let i = 0; i < 12; i++) {
      await makeRule(s.admin.token, {
        name: `step ${i}`,
        position: i,
        conditions: { all: [{ field: "subject", operator: "contains", value: w }, ...(i ? [{ field: "tags", operator: "contains", value: `s${i - 1}` }] : [])] },
        actions: [{ type: "add_tags", value: [`s${i}`] }],
      });
    }
    const ticket = await create(s.customer.token, { subject: `Chain ${w}` });
    const row = await rowOf(ticket.id);
    expect(row.tags).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    const stop = (await historyOf(ticket.id)).find((h) => h.type === "rules.stopped")!;
    expect(stop.changes).toMatchObject({ reason: "limit" });
    expect(stop.ruleName).toBe("step 10");
  });
});

describe("a failing trigger", () => {
  it("leaves the change that set it off in place, is on record in its runs, and the others still run", async () => {
    const w = word();
    const bad = await makeRule(s.admin.token, {
      name: "Close at once",
      position: 0,
      conditions: { all: [{ field: "subject", operator: "contains", value: w }] },
      // open → closed is not a transition the workflow allows.
      actions: [{ type: "set_status", value: "closed" }, { type: "add_tags", value: ["closed-by-rule"] }],
    });
    const good = await makeRule(s.admin.token, {
      name: "Tag it",
      position: 1,
      conditions: { all: [{ field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_tags", value: ["seen"] }],
    });
    const ticket = await create(s.customer.token, { subject: `Fails ${w}` });
    const row = await rowOf(ticket.id);
    expect({ status: row.status, tags: row.tags, subject: row.subject }).toEqual({ status: "open", tags: ["seen"], subject: `Fails ${w}` });
    const [run] = await runsOf(bad.id);
    expect(run).toMatchObject({ ticketId: ticket.id, error: expect.stringMatching(/^INVALID_TRANSITION: Cannot move a open ticket to closed/) });
    const runs = (await ok(api("GET", `/api/v1/rules/${bad.id}/runs`, { token: s.admin.token }))).data;
    expect(runs[0]).toMatchObject({ ticket_id: ticket.id, changes: {}, error: expect.stringContaining("INVALID_TRANSITION") });
    expect(await runsOf(good.id)).toHaveLength(1);
  });
});

describe("inactive rules and no-ops", () => {
  it("an inactive trigger does nothing; one that would change nothing records no run", async () => {
    const w = word();
    const off = await makeRule(s.admin.token, { name: "off", active: false, conditions: { all: [{ field: "subject", operator: "contains", value: w }] }, actions: [{ type: "add_tags", value: ["off"] }] });
    const noop = await makeRule(s.admin.token, { name: "noop", conditions: { all: [{ field: "subject", operator: "contains", value: w }] }, actions: [{ type: "set_priority", value: "medium" }] });
    const ticket = await create(s.customer.token, { subject: `Quiet ${w}` });
    expect((await rowOf(ticket.id)).tags).toEqual([]);
    expect(await runsOf(off.id)).toEqual([]);
    expect(await runsOf(noop.id)).toEqual([]);
    // Switched on, it applies to the next change.
    await ok(settled("PATCH", `/api/v1/rules/${off.id}`, { token: s.admin.token, body: { active: true } }));
    await ok(settled("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.customer.token, body: { body: "hello?" } }), 201);
    expect((await rowOf(ticket.id)).tags).toEqual(["off"]);
  });
});


