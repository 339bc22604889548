import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db, makeStaff } from "../helpers";
import { systemContext } from "../../src/contexts";
import { ruleFires, rules, ruleState } from "../../src/db/schema";
import { metered, newMeter, type MeteredStatement } from "../../src/db/metrics";
import { AUTOMATION_MAX_PER_RUN, CHANGED_AFTER_KEY, runAutomations, WINDOW_SCAN_MAX } from "../../src/jobs/automations";
import { bindings, HOUR, iso, MIN } from "../sla/helpers";
import { seedTickets } from "../tickets/fixtures";
import { clearRules, makeRule, rowOf, runsOf, word } from "./support";

/**
 * The automations cron walks tickets in (column, rowid) order, page by page and run by run. A bulk
 * edit stamps up to 100 tickets with one updated_at, an import or a script thousands with one
 * created_at: a walk that goes on from a position inside such a tie must read the rest of the tie
 * and what lies beyond, not the tie's head again (a row value `(column, rowid) > (?, ?)` seeks on the
 * column only: each page re-read the tie from its first row, rows read growing as tie² / page).
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(clearRules);

/** Rows a walk's statement may read beyond its LIMIT: the row ahead in each of its two arms (1 measured). */
const AHEAD = 2;

/** The job alone at `at`, metered: its report and its walks' statements (the selects from tickets). */
async function run(at: number) {
  const meter = newMeter();
  const report = await runAutomations(systemContext({ ...bindings, DB: metered(bindings.DB, meter) }, "vitest", { now: new Date(at) }));
  const walks = meter.statements.filter((st) => /^\s*select\b/i.test(st.sql) && /from "tickets"/i.test(st.sql));
  return { report, walks };
}

/** Rows read by statements, and the most any read beyond its LIMIT (its last parameter). */
const readsOf = (walks: MeteredStatement[]) => ({
  rows: walks.reduce((n, st) => n + st.rowsRead, 0),
  overLimit: Math.max(...walks.map((st) => st.rowsRead - Number(st.params.at(-1)))),
});

const setChangedAfter = (value: object) =>
  db()
    .insert(ruleState)
    .values({ key: CHANGED_AFTER_KEY, value: JSON.stringify(value) })
    .onConflictDoUpdate({ target: ruleState.key, set: { value: JSON.stringify(value) } });

describe("the automations cron walking a tie of one column value", () => {
  it("changed tickets: 700 with one updated_at are judged once each, and no page reads the tie's head again", async () => {
    const TIE = 700;
    const at = Date.parse("2033-05-05T05:00:00.000Z");
    const ids = Array.from({ length: TIE }, (_, i) => `chg-${String(i).padStart(4, "0")}`);
    // Pending: out of the window test's status.
    await seedTickets(ids.map((id, i) => ({ id, number: `CHG-${i}`, subject: `Ticket ${i}`, status: "pending" as const, requesterId: s.customer.id, createdById: s.admin.id, createdAt: iso(at - HOUR), updatedAt: iso(at) })));
    // A rule that fired on every one of them and no longer holds there (no subject has the word;
    // its window, tickets over a year old, is empty): each ticket judged removes its fire record,
    // so the rule may fire there again.
    const rule = await makeRule(s.admin.token, {
      kind: "automation",
      name: "Re-armed by a change",
      conditions: { all: [{ field: "subject", operator: "contains", value: word() }, { field: "hours_since_created", operator: "greater_than", value: 10_000 }], any: [] },
      actions: [{ type: "add_tags", value: ["x"] }],
    });
    await env.DB.prepare(`INSERT INTO rule_fires (rule_id, ticket_id, fired_at) SELECT ?, id, ? FROM tickets WHERE id LIKE 'chg-%'`).bind(rule.id, iso(at - HOUR)).run();
    // A position saved before the rowid keyset (`{key, id}`) at the tie's instant: rowid 0 of it, the whole tie.
    await setChangedAfter({ key: iso(at), id: ids[0] });

    const runs: { changed: number; cleared: number; more: boolean; rows: number; statements: number; overLimit: number }[] = [];
    for (let minute = 1; minute <= 5; minute++) {
      const { report, walks } = await run(at + minute * MIN);
      const changed = walks.filter((st) => !/left join "rule_fires"/i.test(st.sql));
      runs.push({ changed: report.changed, cleared: report.cleared, more: report.more, statements: changed.length, ...readsOf(changed) });
      if (!report.more) break;
    }
    // Every ticket of the tie judged exactly once: 500 in the first run (its limit), the rest in the next.
    expect(runs.map((r) => r.changed)).toEqual([AUTOMATION_MAX_PER_RUN, TIE - AUTOMATION_MAX_PER_RUN]);
    expect(runs.map((r) => r.cleared)).toEqual([AUTOMATION_MAX_PER_RUN, TIE - AUTOMATION_MAX_PER_RUN]);
    expect((await db().select({ n: count() }).from(ruleFires).where(eq(ruleFires.ruleId, rule.id)))[0]!.n).toBe(0);
    // Each page reads its rows and the row ahead in each arm: a run reads what it judges.
    for (const r of runs) {
      expect(r.overLimit, JSON.stringify(runs)).toBeLessThanOrEqual(AHEAD);
      expect(r.rows, JSON.stringify(runs)).toBeLessThanOrEqual(r.changed + AHEAD * r.statements);
    }
  }, 120_000);

  it("a window: 2,500 tickets created at one instant are walked once, the 25 candidates fired once each, reads bounded by the rows walked", async () => {
    const TIE = 2_500;
    const w = word();
    const createdAt = Date.parse("2033-08-08T08:00:00.000Z");
    const now = createdAt + 2 * HOUR;
    const ids = Array.from({ length: TIE }, (_, i) => `win-${String(i).padStart(4, "0")}`);
    // One in a hundred is a candidate (high priority) and matches; the others are walked, not judged.
    const due = ids.filter((_, i) => i % 100 === 50);
    await seedTickets(
      ids.map((id, i) => {
        const match = i % 100 === 50;
        return { id, number: `WIN-${i}`, subject: match ? `Quota ${w}` : `Ticket ${i}`, priority: match ? ("high" as const) : ("low" as const), requesterId: s.customer.id, createdById: s.admin.id, createdAt: iso(createdAt), updatedAt: iso(createdAt) };
      }),
    );
    const rule = await makeRule(s.admin.token, {
      kind: "automation",
      name: "Old high-priority quota questions",
      conditions: {
        all: [
          { field: "status", operator: "is", value: "open" },
          { field: "priority", operator: "is", value: "high" },
          { field: "hours_since_created", operator: "greater_than", value: 1 },
          { field: "subject", operator: "contains", value: w },
        ],
        any: [],
      },
      actions: [{ type: "add_tags", value: ["tied"] }],
    });
    // The look at changed tickets starts after the seed: this test walks the window alone.
    await setChangedAfter({ key: iso(now), rowid: 0 });
    // The window's mark as saved before the rowid keyset (a ticket's id) at the tie's instant: rowid 0 of it, the whole tie.
    const mark = "created_at:greater_than:1|open";
    await db().update(rules).set({ sweep: { [mark]: [iso(createdAt), ids[1_234]!] } }).where(eq(rules.id, rule.id));

    const runs: { windowed: number; fired: number; more: boolean; rows: number; statements: number; overLimit: number }[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const { report, walks } = await run(now + minute * MIN);
      const window = walks.filter((st) => /left join "rule_fires"/i.test(st.sql));
      runs.push({ windowed: report.windowed, fired: report.fired, more: report.more, statements: window.length, ...readsOf(window) });
      if (!report.more) break;
    }
    // WINDOW_SCAN_MAX rows walked in the first run, the rest in the second: every candidate judged and fired once.
    expect(runs.map((r) => r.more)).toEqual([true, false]);
    expect(runs.reduce((n, r) => n + r.windowed, 0)).toBe(due.length);
    expect((await runsOf(rule.id)).map((r) => r.ticketId).sort()).toEqual(due);
    for (const id of due) expect((await rowOf(id)).tags).toEqual(["tied"]);
    expect(await rowOf(ids[0]!)).toMatchObject({ tags: [] });
    // The mark read above was the window's: the runs went on from it and left it at the tie's last row.
    const [{ sweep }] = (await db().select({ sweep: rules.sweep }).from(rules).where(eq(rules.id, rule.id))) as [{ sweep: Record<string, unknown> }];
    expect(Object.keys(sweep)).toEqual([mark]);
    const [last] = await env.DB.prepare("SELECT max(rowid) FROM tickets WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids)).raw<[number]>();
    expect(sweep[mark]).toEqual([iso(createdAt), last![0]]);
    // A run reads the rows it walks (at most WINDOW_SCAN_MAX) and the row ahead in each arm per page.
    for (const r of runs) {
      expect(r.overLimit, JSON.stringify(runs)).toBeLessThanOrEqual(AHEAD);
      expect(r.rows, JSON.stringify(runs)).toBeLessThanOrEqual(WINDOW_SCAN_MAX + AHEAD * r.statements);
    }
    // The whole window, over both runs: each of its rows read about once.
    const total = runs.reduce((n, r) => n + r.rows, 0);
    expect(total, JSON.stringify(runs)).toBeLessThanOrEqual(TIE + AHEAD * runs.reduce((n, r) => n + r.statements, 0));
  }, 120_000);
});

describe("a rule's lists within D1's 100 parameters", () => {
  // A list's values are bound one each, twice past a mark (two arms): 44 fit in 100 parameters,
  // 100 (the most a condition takes) do not, and that window walks with every row a candidate.
  it.each([
    { rule: "a list of 44 values", values: 44, everyRow: false },
    { rule: "a list of 100 values", values: 100, everyRow: true },
  ])("$rule: the window goes on past its mark and fires where the rule matches; no statement binds over 100", async ({ values, everyRow }) => {
    const w = word();
    // Before the other tests' tickets: a window of every row a candidate judges in created order, within the run's budget.
    const t0 = Date.parse("2001-03-05T06:00:00.000Z") + values * 1_000 * HOUR;
    const seeded = [
      { id: `prm-1-${w}`, at: t0 },
      { id: `prm-2-${w}`, at: t0 },
      { id: `prm-3-${w}`, at: t0 + 3 * HOUR },
    ];
    await seedTickets(seeded.map((t, i) => ({ id: t.id, number: `PRM-${i}-${w}`, subject: `Many ${w}`, requesterId: s.customer.id, createdById: s.admin.id, createdAt: iso(t.at), updatedAt: iso(t.at) })));
    // The first and the last assigned to the agent; the second to nobody (no match).
    for (const id of [seeded[0]!.id, seeded[2]!.id]) await env.DB.prepare("UPDATE tickets SET assignee_id = ? WHERE id = ?").bind(s.agent.id, id).run();
    // The changed tickets' walk starts past them: only the window judges them.
    const far = JSON.stringify({ key: iso(t0 + 100 * HOUR), rowid: 0 });
    await db().insert(ruleState).values({ key: CHANGED_AFTER_KEY, value: far }).onConflictDoUpdate({ target: ruleState.key, set: { value: far } });
    const assignees = [s.agent.id, ...Array.from({ length: values - 1 }, (_, i) => `someone-${i}-${w}`)];
    await makeRule(s.admin.token, {
      kind: "automation",
      name: `Many assignees ${w}`,
      conditions: {
        all: [
          { field: "subject", operator: "contains", value: w },
          { field: "hours_since_created", operator: "greater_than", value: 1 },
          { field: "assignee_id", operator: "in", value: assignees },
        ],
        any: [],
      },
      actions: [{ type: "add_tags", value: ["many"] }],
    });
    const first = await run(t0 + 2 * HOUR);
    // The next run goes on from the first's mark: two arms, each binding the rule's filters.
    const second = await run(t0 + 5 * HOUR);
    expect([first.report.fired, second.report.fired]).toEqual([1, 1]);
    // Judged: the candidates (the ticket assigned in each run's window), or every row up to the
    // bound where the filters did not fit (the unassigned one too, and the other case's tickets).
    if (everyRow) expect(first.report.windowed).toBeGreaterThan(first.report.fired);
    else expect([first.report.windowed, second.report.windowed]).toEqual([1, 1]);
    expect((await rowOf(seeded[0]!.id)).tags).toEqual(["many"]);
    expect((await rowOf(seeded[1]!.id)).tags).toEqual([]);
    expect((await rowOf(seeded[2]!.id)).tags).toEqual(["many"]);
    const windows = [...first.walks, ...second.walks].filter((st) => /left join "rule_fires"/i.test(st.sql));
    expect(windows.some((st) => /union all/i.test(st.sql))).toBe(true);
    expect(Math.max(...windows.map((st) => st.params.length))).toBeLessThanOrEqual(100);
  });

  it("a window that judges every row is walked after the others: a backlog of 600 under it does not hold back another rule's ticket", async () => {
    const w = word();
    const t0 = Date.parse("2001-01-01T00:00:00.000Z");
    await seedTickets(Array.from({ length: 600 }, (_, i) => ({ id: `bk-${w}-${i}`, number: `BK-${w}-${i}`, subject: `Bulk ${w}`, requesterId: s.customer.id, createdById: s.admin.id, createdAt: iso(t0), updatedAt: iso(t0) })));
    const urgent = `urgent-${w}`;
    await seedTickets([{ id: urgent, number: `URG-${w}`, subject: `Urgent ${w}`, priority: "critical", requesterId: s.customer.id, createdById: s.admin.id, createdAt: iso(t0 + MIN), updatedAt: iso(t0 + MIN) }]);
    const far = JSON.stringify({ key: iso(t0 + 10_000 * HOUR), rowid: 0 });
    await db().insert(ruleState).values({ key: CHANGED_AFTER_KEY, value: far }).onConflictDoUpdate({ target: ruleState.key, set: { value: far } });
    // First in order: a list of 100 assignees (nobody's), so every open ticket is judged.
    await makeRule(s.admin.token, {
      kind: "automation",
      name: `Nobody's ${w}`,
      conditions: { all: [{ field: "hours_since_created", operator: "greater_than", value: 1 }, { field: "assignee_id", operator: "in", value: Array.from({ length: 100 }, (_, i) => `nobody-${i}-${w}`) }], any: [] },
      actions: [{ type: "add_tags", value: ["nobody"] }],
    });
    await makeRule(s.admin.token, {
      kind: "automation",
      name: `Critical ${w}`,
      conditions: { all: [{ field: "subject", operator: "contains", value: w }, { field: "hours_since_created", operator: "greater_than", value: 1 }, { field: "priority", operator: "is", value: "critical" }], any: [] },
      actions: [{ type: "add_tags", value: ["critical"] }],
    });
    const first = await run(t0 + 2 * HOUR);
    expect(first.report).toMatchObject({ fired: 1, more: true });
    expect((await rowOf(urgent)).tags).toEqual(["critical"]);
  });
});
