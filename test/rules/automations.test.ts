import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeStaff } from "../helpers";
import { systemContext } from "../../src/contexts";
import { metered, newMeter } from "../../src/db/metrics";
import { AUTOMATION_MAX_FIRINGS_PER_RUN, FIRING_ROWS_MAX, runAutomations } from "../../src/jobs/automations";
import { bindings, editAt, HOUR, iso, MIN, replyAt, ticketAt, tickReports } from "../sla/helpers";
import { clearRules, commentsOf, historyOf, makeRule, ok, rowOf, runsOf, settled, word } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(clearRules);

/** A fixed start well away from the real clock: every change and every cron tick is placed on it. */
let T0 = Date.parse("2031-03-03T08:00:00.000Z");
const nextStart = () => (T0 += 2_000 * HOUR);

const automation = (w: string, body: Record<string, unknown>) => makeRule(s.admin.token, { kind: "automation", ...body, conditions: { all: [{ field: "subject", operator: "contains", value: w }, ...((body.conditions as any)?.all ?? [])], any: (body.conditions as any)?.any ?? [] } });

const jobReport = async (at: number) => (await tickReports(at)).find((r) => r.job === "automations")!;

/** The ticket and the reminder automation of the issue: pending 72 hours → remind the requester. */
async function pendingTicket(w: string, start: number) {
  const ticket = await ticketAt(s.customer, start, { subject: `Waiting ${w}` });
  await editAt(s.agent, start + HOUR, ticket.id, { status: "pending" });
  return ticket;
}

const REMIND = {
  name: "Remind after 72 hours pending",
  conditions: { all: [{ field: "status", operator: "is", value: "pending" }, { field: "hours_since_status_changed", operator: "greater_than", value: 72 }] },
  actions: [
    { type: "add_comment", value: { body: "Hello {{requester.name}}, do you still need help with {{ticket.number}}?", internal: false } },
    { type: "add_tags", value: ["reminded"] },
  ],
};

describe("automations on the cron, with a controlled clock", () => {
  it("fire once, not before their time, as the rule", async () => {
    const w = word();
    const start = nextStart();
    const rule = await automation(w, REMIND);
    const ticket = await pendingTicket(w, start);
    const pendingAt = start + HOUR;

    expect((await jobReport(pendingAt + 72 * HOUR)).fired).toBe(0);
    expect((await rowOf(ticket.id)).tags).toEqual([]);

    const report = await jobReport(pendingAt + 72 * HOUR + MIN);
    expect(report).toMatchObject({ fired: 1, failed: 0, contended: 0 });
    const row = await rowOf(ticket.id);
    expect({ status: row.status, tags: row.tags }).toEqual({ status: "pending", tags: ["reminded"] });
    expect((await commentsOf(ticket.id)).map((c) => [c.body, c.internal, c.author])).toEqual([[`Hello ${s.customer.name}, do you still need help with ${ticket.number}?`, false, "Automation"]]);
    const entry = (await historyOf(ticket.id)).find((h) => h.ruleId === rule.id)!;
    expect(entry).toMatchObject({ actorId: null, ruleName: REMIND.name, at: iso(pendingAt + 72 * HOUR + MIN) });

    // Later runs: its conditions still hold, it has fired: nothing more.
    await jobReport(pendingAt + 73 * HOUR);
    await jobReport(pendingAt + 100 * HOUR);
    expect(await runsOf(rule.id)).toHaveLength(1);
    expect(await commentsOf(ticket.id)).toHaveLength(1);
  });

  it("fire again only after their conditions stopped holding", async () => {
    const w = word();
    const start = nextStart();
    const rule = await automation(w, REMIND);
    const ticket = await pendingTicket(w, start);
    await jobReport(start + 74 * HOUR);
    expect(await runsOf(rule.id)).toHaveLength(1);
    // The customer answers (open again), then the agent waits on them once more.
    await replyAt(s.customer, start + 80 * HOUR, ticket.id);
    expect((await rowOf(ticket.id)).status).toBe("open");
    await jobReport(start + 81 * HOUR);
    await editAt(s.agent, start + 82 * HOUR, ticket.id, { status: "pending" });
    await jobReport(start + 82 * HOUR + 72 * HOUR);
    expect(await runsOf(rule.id)).toHaveLength(1);
    await jobReport(start + 82 * HOUR + 72 * HOUR + MIN);
    expect(await runsOf(rule.id)).toHaveLength(2);
    expect(await commentsOf(ticket.id)).toHaveLength(3);
  });

  it("the issue's pair: remind after 72 hours, resolve with a note after 144", async () => {
    const w = word();
    const start = nextStart();
    await automation(w, REMIND);
    const resolve = await automation(w, {
      name: "Resolve after 144 hours pending",
      conditions: { all: [{ field: "status", operator: "is", value: "pending" }, { field: "hours_since_status_changed", operator: "greater_than", value: 144 }] },
      actions: [{ type: "set_status", value: "resolved" }, { type: "add_comment", value: { body: "Resolved for lack of an answer ({{ticket.status}}).", internal: true } }],
    });
    const ticket = await pendingTicket(w, start);
    await jobReport(start + 74 * HOUR);
    expect((await rowOf(ticket.id)).status).toBe("pending");
    await jobReport(start + 146 * HOUR);
    const row = await rowOf(ticket.id);
    expect(row.status).toBe("resolved");
    expect((await commentsOf(ticket.id)).at(-1)).toMatchObject({ body: "Resolved for lack of an answer (resolved).", internal: true });
    expect((await runsOf(resolve.id)).map((r) => r.changes)).toEqual([expect.objectContaining({ status: ["pending", "resolved"] })]);
    // Resolved now: the reminder no longer holds; a resolved ticket is finished for both.
    await jobReport(start + 300 * HOUR);
    expect(await runsOf(resolve.id)).toHaveLength(1);
  });

  it("three overlapping runs fire once", async () => {
    const w = word();
    const start = nextStart();
    const rule = await automation(w, REMIND);
    const ticket = await pendingTicket(w, start);
    const at = start + 80 * HOUR;
    const reports = await Promise.all([jobReport(at), jobReport(at), jobReport(at)]);
    expect(reports.reduce((n, r) => n + r.fired, 0)).toBe(1);
    expect(await runsOf(rule.id)).toHaveLength(1);
    expect(await commentsOf(ticket.id)).toHaveLength(1);
    expect((await rowOf(ticket.id)).tags).toEqual(["reminded"]);
  });

  it("business hours: 8 business hours span the weekend", async () => {
    const w = word();
    // Mon–Fri 09:00–17:00 UTC.
    await ok(settled("PUT", "/api/v1/business-hours", { token: s.admin.token, body: { time_zone: "UTC", intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: "09:00", end: "17:00" })), holidays: [] } }));
    try {
      const rule = await automation(w, {
        name: "A business day without news",
        // Created, not updated: the SLA sweep escalating the ticket over the weekend moves updated_at.
        conditions: { all: [{ field: "hours_since_created_business", operator: "greater_than", value: 8 }] },
        actions: [{ type: "add_tags", value: ["stale"] }],
      });
      // Friday 2031-10-03 13:00 UTC: 4 business hours left that day, 4 more on Monday from 09:00.
      const friday = Date.parse("2031-10-03T13:00:00.000Z");
      const ticket = await ticketAt(s.customer, friday, { subject: `Quiet ${w}` });
      await jobReport(Date.parse("2031-10-05T23:00:00.000Z")); // Sunday: 58 hours later, 4 business hours
      await jobReport(Date.parse("2031-10-06T13:00:00.000Z")); // Monday 13:00: exactly 8
      expect(await runsOf(rule.id)).toHaveLength(0);
      await jobReport(Date.parse("2031-10-06T13:01:00.000Z"));
      expect((await rowOf(ticket.id)).tags).toEqual(["stale"]);
    } finally {
      await ok(settled("PUT", "/api/v1/business-hours", { token: s.admin.token, body: { time_zone: "UTC", intervals: [], holidays: [] } }));
    }
  });

  it("an automation's change is an entry point for triggers; closed tickets are left alone", async () => {
    const w = word();
    const start = nextStart();
    await automation(w, {
      name: "Stale",
      conditions: { all: [{ field: "hours_since_created", operator: "greater_than", value: 24 }] },
      actions: [{ type: "add_tags", value: ["stale"] }],
    });
    await makeRule(s.admin.token, {
      name: "Stale tickets get low priority",
      conditions: { all: [{ field: "tags", operator: "contains", value: "stale" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "set_priority", value: "low" }],
    });
    const live = await ticketAt(s.customer, start, { subject: `Live ${w}` });
    const closed = await ticketAt(s.customer, start, { subject: `Closed ${w}` });
    await editAt(s.agent, start + HOUR, closed.id, { status: "resolved" });
    await editAt(s.customer, start + 2 * HOUR, closed.id, { status: "closed" });
    await jobReport(start + 25 * HOUR);
    const row = await rowOf(live.id);
    expect({ tags: row.tags, priority: row.priority }).toEqual({ tags: ["stale"], priority: "low" });
    expect((await rowOf(closed.id)).tags).toEqual([]);
    const ruled = (await historyOf(live.id)).filter((h) => h.ruleId).map((h) => h.ruleName);
    expect(ruled).toEqual(["Stale", "Stale tickets get low priority"]);
  });

  it("reads O(matching) rows: 300 tickets that do not qualify cost nothing per run", async () => {
    const w = word();
    const start = nextStart();
    await automation(w, REMIND);
    const due = await Promise.all([0, 1, 2].map(() => pendingTicket(w, start)));
    // 300 open tickets, none pending: outside the status the rule names.
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, () => ticketAt(s.customer, start, { subject: `Busy ${w}` })));
    // The automation job alone, metered (the SLA sweep would escalate these tickets and change them all).
    const run = async (at: number) => {
      const meter = newMeter();
      const report = await runAutomations(systemContext({ ...bindings, DB: metered(bindings.DB, meter) }, "vitest", { now: new Date(at) }));
      return { ...report, rows_read: meter.rowsRead };
    };
    // The first run reads the 303 changed tickets once (its look at changes starts with them).
    await run(start + 2 * HOUR);
    const quiet = await run(start + 3 * HOUR);
    expect(quiet).toMatchObject({ fired: 0, changed: 0, windowed: 0 });
    expect(quiet.rows_read).toBeLessThan(20);
    const busy = await run(start + 74 * HOUR);
    expect(busy).toMatchObject({ fired: 3, windowed: 3 });
    // Three tickets fired: their reads and writes, not the 300 others.
    expect(busy.rows_read).toBeLessThan(200);
    expect(due).toHaveLength(3);
    // 303 ticket creates (each with its report rollup rows) take ~30 s on a loaded 2-core machine.
  }, 120_000);

  it("EXPLAIN: every window and the changed tickets are index searches; past a watermark, the tie's rest seeks the rowid", async () => {
    const w = word();
    const start = nextStart();
    // A time condition on each of the five columns (each is a window per status).
    await automation(w, {
      name: "Every clock",
      conditions: {
        all: [{ field: "hours_since_created", operator: "greater_than", value: 1 }],
        any: ["hours_since_updated", "hours_since_status_changed", "hours_since_requester_update", "hours_since_assignee_update"].map((field) => ({ field, operator: "greater_than", value: 1 })),
      },
      actions: [{ type: "add_tags", value: ["clocked"] }],
    });
    await Promise.all([0, 1, 2].map(() => pendingTicket(w, start)));
    const run = async (at: number) => {
      const meter = newMeter();
      await runAutomations(systemContext({ ...bindings, DB: metered(bindings.DB, meter) }, "vitest", { now: new Date(at) }));
      return meter.statements.filter((st) => /^\s*select\b/i.test(st.sql) && /from "tickets"/i.test(st.sql));
    };
    await run(start + 2 * HOUR);
    await run(start + 5 * HOUR);
    // The third run goes on from the watermarks the first two left: past (column, rowid), two arms.
    const reads = await run(start + 8 * HOUR);
    const plans = await Promise.all(
      reads.map(async (st) => (await env.DB.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).bind(...(st.params as unknown[])).all<{ detail: string }>()).results.map((r) => r.detail)),
    );
    const used = new Set<string>();
    const resumed = new Set<string>();
    for (const [i, plan] of plans.entries()) {
      const lines = plan.filter((l) => /\btickets\b/.test(l) && !/TEMP B-TREE/.test(l));
      const index = lines[0]!.match(/INDEX (\w+)/)![1]!;
      used.add(index);
      // Walked in the index's own order, (column, rowid): nothing is sorted, not even tied instants.
      expect(plan.filter((l) => /TEMP B-TREE/.test(l))).toEqual([]);
      // A window's fire records come with its rows, each a primary-key look-up.
      for (const l of plan.filter((l) => /\brule_fires\b/.test(l))) expect(l).toBe("SEARCH rule_fires USING INDEX sqlite_autoindex_rule_fires_1 (rule_id=? AND ticket_id=?) LEFT-JOIN");
      if (!/ union all /i.test(reads[i]!.sql)) {
        // From the window's start: a range on the column per status, never a walk of the whole status or table.
        expect(lines).toEqual([expect.stringMatching(/^SEARCH tickets USING INDEX tickets_\w+_idx \((status=\? AND )?\w+<\?\)$/)]);
        continue;
      }
      // Going on from a watermark: two arms merged in order, on one index, each seeked. The rest of
      // the position's tie seeks the column's value and the rowid at the index entry's end; what lies
      // beyond is bounded on both sides of the column.
      expect(plan).toContain("MERGE (UNION ALL)");
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^SEARCH tickets USING INDEX ${index} \\((status=\\? AND )?\\w+=\\? AND rowid>\\?\\)$`)),
        expect.stringMatching(new RegExp(`^SEARCH tickets USING INDEX ${index} \\((status=\\? AND )?\\w+>\\? AND \\w+<\\?\\)$`)),
      ]);
      resumed.add(index);
    }
    // The pending tickets' windows (no assignee yet: that window is empty) and the changed tickets went on from watermarks.
    expect([...resumed].sort()).toEqual(["tickets_updated_idx", "tickets_status_created_idx", "tickets_status_updated_idx", "tickets_status_changed_idx", "tickets_status_requester_updated_idx"].sort());
    expect([...used].sort()).toEqual(
      ["tickets_updated_idx", "tickets_status_created_idx", "tickets_status_updated_idx", "tickets_status_changed_idx", "tickets_status_requester_updated_idx", "tickets_status_assignee_updated_idx"].sort(),
    );
  });

  it("judge only the candidates their column conditions let through, compared as the evaluator does", async () => {
    const w = word();
    const start = nextStart();
    const rule = await automation(w, {
      name: "Quota questions over an hour old",
      conditions: {
        all: [
          { field: "category", operator: "in", value: [`Quota-${w}`, `kelvin-${w}`] },
          { field: "priority", operator: "in", value: ["high", "critical"] },
          { field: "hours_since_created", operator: "greater_than", value: 1 },
        ],
      },
      actions: [{ type: "add_tags", value: ["quota"] }],
    });
    const at = (category: string, priority: "low" | "medium" | "high" | "critical") => ticketAt(s.customer, start, { subject: `Quota ${w}`, category, priority });
    const upper = await at(`QUOTA-${w}`, "high");
    // U+212A KELVIN SIGN lowercases to an ASCII "k" in JavaScript, not in SQLite: it must still be judged (and match).
    const kelvin = await at(`\u212Aelvin-${w}`, "critical");
    // A fullwidth Ｑ is not a "q" to either: judged (the query cannot tell), not matched.
    const fullwidth = await at(`\uFF31uota-${w}`, "high");
    const others = await Promise.all([
      at(`quota-${w}`, "medium"),
      at(`other-${w}`, "high"),
      ...Array.from({ length: 20 }, () => at(`other-${w}`, "low")),
    ]);
    const run = async (when: number) => {
      const meter = newMeter();
      const report = await runAutomations(systemContext({ ...bindings, DB: metered(bindings.DB, meter) }, "vitest", { now: new Date(when) }));
      return { ...report, rows_read: meter.rowsRead };
    };
    await run(start + 30 * MIN); // the changed tickets, none an hour old yet
    const report = await run(start + 2 * HOUR);
    expect(report).toMatchObject({ changed: 0, windowed: 3, fired: 2, failed: 0 });
    expect((await rowOf(upper.id)).tags).toEqual(["quota"]);
    expect((await rowOf(kelvin.id)).tags).toEqual(["quota"]);
    expect((await rowOf(fullwidth.id)).tags).toEqual([]);
    for (const t of others) expect((await rowOf(t.id)).tags).toEqual([]);
    expect((await runsOf(rule.id)).map((r) => r.ticketId).sort()).toEqual([upper.id, kelvin.id].sort());
  });

  it("a backlog of matches is changed a bounded number per run, the rest in the next", async () => {
    const w = word();
    const start = nextStart();
    const rule = await automation(w, {
      name: "Tag the backlog",
      conditions: { all: [{ field: "hours_since_created", operator: "greater_than", value: 1 }] },
      actions: [{ type: "add_tags", value: ["backlog"] }],
    });
    const n = AUTOMATION_MAX_FIRINGS_PER_RUN + 5;
    for (let i = 0; i < n; i += 15) await Promise.all(Array.from({ length: Math.min(15, n - i) }, () => ticketAt(s.customer, start, { subject: `Backlog ${w}` })));
    const run = (when: number) => runAutomations(systemContext(bindings, "vitest", { now: new Date(when) }));
    await run(start + 30 * MIN);
    // Each run stops at its firing limit or once its changes have read FIRING_ROWS_MAX rows; the
    // next runs go on where it stopped, and every ticket is changed exactly once.
    const fired: number[] = [];
    for (let minute = 0; minute < 10; minute++) {
      const report = await run(start + 2 * HOUR + minute * MIN);
      fired.push(report.fired);
      // D1's own count of what the changes read is tallied, and a run that stopped early stopped on it.
      expect(report.firing_rows_read).toBeGreaterThan(report.fired);
      if (report.more && report.fired < AUTOMATION_MAX_FIRINGS_PER_RUN) expect(report.firing_rows_read).toBeGreaterThanOrEqual(FIRING_ROWS_MAX);
      if (!report.more) break;
    }
    expect(fired[0]).toBeGreaterThan(0);
    expect(fired[0]).toBeLessThan(n);
    expect(Math.max(...fired)).toBeLessThanOrEqual(AUTOMATION_MAX_FIRINGS_PER_RUN);
    expect(fired.reduce((a, b) => a + b, 0)).toBe(n);
    expect(await run(start + 3 * HOUR)).toMatchObject({ fired: 0 });
    expect(await runsOf(rule.id)).toHaveLength(n);
  }, 120_000);
});
