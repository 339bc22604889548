import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { notifications, outboundMessages, ruleRuns } from "../../src/db/schema";
import { outboundRawKey } from "../../src/email/outbound";
import { parseInbound } from "../../src/email/parse";
import { api, db, expectProblem, makeStaff, makeUser } from "../helpers";
import { mailEnv, runOutbox } from "../email/mail-helpers";
import { tickReports } from "../sla/helpers";
import { clearRules, commentsOf, makeRule, ok, rowOf, runsOf, settled, word } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let team: { id: string };
beforeAll(async () => {
  s = await makeStaff();
  team = await ok(api("POST", "/api/v1/teams", { token: s.manager.token, body: { name: `Team ${word()}` } }), 201);
});
afterEach(clearRules);

const TRIGGER = {
  name: "VIP",
  kind: "trigger",
  conditions: { all: [{ field: "priority", operator: "is", value: "high" }], any: [] },
  actions: [{ type: "add_tags", value: ["vip"] }],
};

describe("rules: who may", () => {
  it("admins write rules; managers read and test them; agents and customers are refused", async () => {
    const rule = await makeRule(s.admin.token, TRIGGER);
    expect(rule).toMatchObject({ name: "VIP", kind: "trigger", active: true, position: 0, conditions: TRIGGER.conditions, actions: TRIGGER.actions });
    expect((await ok(api("GET", `/api/v1/rules/${rule.id}`, { token: s.manager.token }))).id).toBe(rule.id);
    expectProblem(await api("POST", "/api/v1/rules", { token: s.manager.token, body: TRIGGER }), 403, "FORBIDDEN");
    expectProblem(await api("PATCH", `/api/v1/rules/${rule.id}`, { token: s.manager.token, body: { active: false } }), 403, "FORBIDDEN");
    for (const who of [s.agent, s.customer]) expectProblem(await api("GET", "/api/v1/rules", { token: who.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/rules/no-such-rule", { token: s.admin.token }), 404, "NOT_FOUND");
  });
});

describe("rules: what is refused, naming the bad entry", () => {
  const refused = async (body: unknown) => {
    const res = await api("POST", "/api/v1/rules", { token: s.admin.token, body });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect((await ok(api("GET", "/api/v1/rules", { token: s.admin.token }))).data).toEqual([]);
    return res.body.errors as Record<string, string[]>;
  };

  it("entries of the language", async () => {
    expect(
      await refused({
        ...TRIGGER,
        conditions: { all: [{ field: "status", operator: "greater_than", value: 1 }], any: [{ field: "colour", operator: "is", value: "red" }] },
        actions: [{ type: "set_status", value: "Done!" }, { type: "add_comment", value: { body: "{{ticket.password}}" } }],
      }),
    ).toEqual({
      "conditions.all.0.operator": ["status takes: is, is_not, in, not_in, changed, changed_to, changed_from"],
      "conditions.any.0.field": ['unknown field "colour"'],
      "actions.0.value": [expect.stringContaining("open")],
      "actions.1.value.body": [expect.stringMatching(/^unknown placeholder\(s\): \{\{ticket.password\}\}/)],
    });
  });

  it("shapes: unknown keys, a missing kind, too many entries", async () => {
    expect(Object.keys(await refused({ ...TRIGGER, conditions: { all: [{ field: "status", operator: "is", value: "open", extra: 1 }] } }))).toEqual(["conditions.all.0"]);
    expect(Object.keys(await refused({ ...TRIGGER, kind: undefined }))).toEqual(["kind"]);
    expect(Object.keys(await refused({ ...TRIGGER, actions: Array.from({ length: 21 }, () => TRIGGER.actions[0]) }))).toEqual(["actions"]);
  });

  it("references: a team, an assignee and notified users that do not exist or are no staff", async () => {
    expect(
      await refused({
        ...TRIGGER,
        actions: [
          { type: "set_team", value: "no-team" },
          { type: "assign", value: s.customer.id },
          { type: "notify", value: { user_ids: [s.agent.id, "ghost"], title: "t" } },
        ],
      }),
    ).toEqual({
      "actions.0.value": ["no such team"],
      "actions.1.value": ["must be an active agent, manager or admin"],
      "actions.2.value.user_ids.1": ["must be an active agent, manager or admin"],
    });
  });

  it("webhooks that do not exist; automations without a time condition", async () => {
    expect(await refused({ ...TRIGGER, actions: [{ type: "webhook", value: { webhook_id: "w1" } }] })).toEqual({ "actions.0.value.webhook_id": ["no such webhook"] });
    expect(await refused({ ...TRIGGER, kind: "automation" })).toEqual({ "conditions.all": [expect.stringMatching(/time condition/)] });
  });
});

describe("rules: list, change, delete", () => {
  it("lists in running order with a cursor; positions follow the last; kind filter", async () => {
    const a = await makeRule(s.admin.token, { ...TRIGGER, name: "a" });
    const b = await makeRule(s.admin.token, { ...TRIGGER, name: "b" });
    const c = await makeRule(s.admin.token, { ...TRIGGER, name: "c", position: 0 });
    const auto = await makeRule(s.admin.token, { ...TRIGGER, name: "auto", kind: "automation", conditions: { all: [{ field: "hours_since_created", operator: "greater_than", value: 1 }] } });
    expect([a.position, b.position, c.position, auto.position]).toEqual([0, 1, 0, 0]);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await ok(api("GET", `/api/v1/rules?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: s.admin.token }));
      ids.push(...page.data.map((r: any) => r.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(ids).toEqual([auto.id, ...[a, c].map((r) => r.id).sort(), b.id]);
    expect((await ok(api("GET", "/api/v1/rules?kind=automation", { token: s.admin.token }))).data.map((r: any) => r.id)).toEqual([auto.id]);
    expectProblem(await api("GET", "/api/v1/rules?cursor=forged", { token: s.admin.token }), 400, "VALIDATION_ERROR");
  });

  it("PATCH changes what it names and is audited; DELETE removes the rule and it stops firing", async () => {
    const rule = await makeRule(s.admin.token, TRIGGER);
    const patched = await ok(settled("PATCH", `/api/v1/rules/${rule.id}`, { token: s.admin.token, body: { name: "VIP tickets", actions: [{ type: "add_tags", value: ["vip", "gold"] }] } }));
    expect(patched).toMatchObject({ name: "VIP tickets", active: true, actions: [{ type: "add_tags", value: ["vip", "gold"] }] });
    const t = await ok(settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "x", description: "y", priority: "high" } }), 201);
    expect((await rowOf(t.id)).tags).toEqual(["vip", "gold"]);
    const audit = (await ok(api("GET", `/api/v1/audit-logs?entity_type=rule&entity_id=${rule.id}`, { token: s.admin.token }))).data.map((e: any) => e.action);
    expect(audit.sort()).toEqual(["rule.created", "rule.updated"]);
    expect((await settled("DELETE", `/api/v1/rules/${rule.id}`, { token: s.admin.token })).status).toBe(204);
    expectProblem(await api("GET", `/api/v1/rules/${rule.id}`, { token: s.admin.token }), 404, "NOT_FOUND");
    expectProblem(await api("GET", `/api/v1/rules/${rule.id}/runs`, { token: s.admin.token }), 404, "NOT_FOUND");
    const t2 = await ok(settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "x", description: "y", priority: "high" } }), 201);
    expect((await rowOf(t2.id)).tags).toEqual([]);
  });

  it("honours Idempotency-Key on create", async () => {
    const first = await api("POST", "/api/v1/rules", { token: s.admin.token, body: TRIGGER, headers: { "idempotency-key": "rule-1" } });
    const again = await api("POST", "/api/v1/rules", { token: s.admin.token, body: TRIGGER, headers: { "idempotency-key": "rule-1" } });
    expect(again.body).toEqual(first.body);
    expect((await ok(api("GET", "/api/v1/rules", { token: s.admin.token }))).data).toHaveLength(1);
  });
});

describe("POST /rules/{id}/test", () => {
  it("says what a rule would do, texts filled in, and changes nothing", async () => {
    // Not switched on yet: what the test endpoint is for.
    const rule = await makeRule(s.admin.token, {
      name: "Escalate billing",
      active: false,
      conditions: { all: [{ field: "category", operator: "is", value: "billing" }] },
      actions: [
        { type: "set_priority", value: "high" },
        { type: "set_team", value: team.id },
        { type: "add_comment", value: { body: "Billing case {{ticket.number}} for {{requester.name}}", internal: true } },
        { type: "send_email", value: { to: "requester", subject: "About {{ticket.subject}}", body: "We are on it, {{requester.name}}." } },
        { type: "send_email", value: { to: "assignee", subject: "x", body: "y" } },
      ],
    });
    const t = await ok(settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Invoice", description: "Wrong total", category: "shipping" } }), 201);
    const miss = await ok(settled("POST", `/api/v1/rules/${rule.id}/test`, { token: s.manager.token, body: { ticket_id: t.number } }));
    expect(miss).toEqual({ matched: false, changes: {}, comment: null, emails: [], notifications: [], webhooks: [] });

    await ok(settled("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { category: "billing" } }));
    const before = await rowOf(t.id);
    const hit = await ok(settled("POST", `/api/v1/rules/${rule.id}/test`, { token: s.manager.token, body: { ticket_id: t.id } }));
    expect(hit).toEqual({
      matched: true,
      changes: { priority: ["medium", "high"], team_id: [null, team.id] },
      comment: { body: `Billing case ${t.number} for ${s.customer.name}`, internal: true },
      // No assignee: that mail has nobody to go to.
      emails: [{ to: s.customer.email, subject: "About Invoice", body: `We are on it, ${s.customer.name}.` }],
      notifications: [],
      webhooks: [],
    });
    expect(await rowOf(t.id)).toEqual(before);
    expect(await commentsOf(t.id)).toEqual([]);
    expect(await runsOf(rule.id)).toEqual([]);
  });

  it("a change the workflow would refuse is named, not made", async () => {
    const rule = await makeRule(s.admin.token, { name: "Close", conditions: { all: [] }, actions: [{ type: "set_status", value: "closed" }] });
    const t = await ok(settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "x", description: "y" } }), 201);
    const res = await ok(settled("POST", `/api/v1/rules/${rule.id}/test`, { token: s.admin.token, body: { ticket_id: t.id } }));
    expect(res).toMatchObject({ matched: true, changes: {}, error: expect.stringContaining("Cannot move a open ticket to closed") });
    expectProblem(await api("POST", `/api/v1/rules/${rule.id}/test`, { token: s.admin.token, body: { ticket_id: "no-such-ticket" } }), 404, "NOT_FOUND");
  });
});

describe("a rule's mail", () => {
  it("goes through the outbox with its texts filled for the ticket, threaded like the ticket's mail", async () => {
    const w = word();
    const requester = await makeUser("customer", { name: "Rita <b>Requester</b>" });
    await makeRule(s.admin.token, {
      name: "Acknowledge outages",
      conditions: { all: [{ field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "send_email", value: { to: "requester", subject: "We saw {{ticket.subject}}", body: "Hello {{requester.name}},\n\nticket {{ticket.number}} is being looked at." } }],
    });
    const t = await ok(settled("POST", "/api/v1/tickets", { token: requester.token, body: { subject: `Outage ${w}`, description: "d" } }), 201);
    const [row] = await db().select().from(outboundMessages).where(like(outboundMessages.id, "action-%")).then((rows) => rows.filter((r) => r.ticketId === t.id));
    expect(row).toMatchObject({ kind: "action", toAddress: requester.email, automatic: true, status: "pending" });
    const { env: testEnv } = mailEnv();
    await runOutbox([row!.id], testEnv);
    const raw = await (await env.ATTACHMENTS.get(outboundRawKey(row!.id)))!.text();
    const mail = await parseInbound(raw);
    expect(mail.subject).toBe(`[${t.number}] We saw Outage ${w}`);
    expect(mail.text).toContain(`Hello Rita <b>Requester</b>,\n\nticket ${t.number} is being looked at.`);
    expect(mail.html).toContain("Hello Rita &lt;b&gt;Requester&lt;/b&gt;,");
    expect(raw).toMatch(/^Auto-Submitted: auto-replied/m);
    // Replies to it thread into the ticket, like any of its mail.
    expect(raw).toMatch(/^Reply-To: <support\+/m);
  });
});

describe("housekeeping", () => {
  it("drops rule runs after a month and read notifications after 90 days; unread ones stay", async () => {
    // Near the real clock: the runs the tests above wrote (minutes old) stay, so the counts are exact.
    const now = Date.now() + 86_400_000;
    const old = new Date(now - 91 * 86_400_000).toISOString();
    const agent = await makeUser("agent");
    await db().insert(ruleRuns).values([
      { id: "run-old", ruleId: "r", ticketId: "t", at: old, changes: {}, error: null },
      { id: "run-new", ruleId: "r", ticketId: "t", at: new Date(now - 86_400_000).toISOString(), changes: {}, error: null },
    ]);
    await db().insert(notifications).values([
      { id: "n-old-read", userId: agent.id, type: "assigned", ticketId: null, title: "t", body: "", readAt: old, createdAt: old },
      { id: "n-old-unread", userId: agent.id, type: "assigned", ticketId: null, title: "t", body: "", readAt: null, createdAt: old },
    ]);
    const report = (await tickReports(now)).find((r) => r.job === "housekeeping")!;
    expect(report).toMatchObject({ rule_runs: 1, notifications: 1 });
    expect((await db().select({ id: ruleRuns.id }).from(ruleRuns).where(like(ruleRuns.id, "run-%"))).map((r) => r.id)).toEqual(["run-new"]);
    expect((await db().select({ id: notifications.id }).from(notifications).where(like(notifications.id, "n-old-%"))).map((r) => r.id)).toEqual(["n-old-unread"]);
  });
});
