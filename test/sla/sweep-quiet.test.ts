import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tickets } from "../../src/db/schema";
import { NO_DUE } from "../../src/domain/vocabulary";
import { runSlaSweep, SWEEP_MAX_PER_RUN } from "../../src/jobs/sla-sweep";
import { systemContext } from "../../src/contexts";
import { metered, newMeter } from "../../src/db/metrics";
import type { Bindings } from "../../src/env";
import { api, makeStaff, meteredApi } from "../helpers";
import { db, DAY, editAt, historyTypes, HOUR, iso, MIN, replyAt, retireAll, rowOf, ticketAt, tickReports } from "./helpers";

/**
 * Closed and cancelled tickets and the SLA sweep (issue 15, the 1M bench's "228 due, 119 left").
 * A ticket that is over has nothing left for the sweep: its breach stays flagged (the breached
 * list, the ticket's `sla`, reports) and is not announced after the fact; a row still due from
 * before is settled by the next run, without taking the run's budget from real breaches.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
beforeEach(retireAll);

// Each test on its own day of 2033, far from real time and from the other sweep tests' days.
const day = (n: number) => Date.parse("2033-02-07T08:00:00.000Z") + n * DAY;
const sweepOf = (reports: Record<string, any>[]) => reports.find((r) => r.job === "sla-sweep")!;
const autoCloseOf = (reports: Record<string, any>[]) => reports.find((r) => r.job === "auto-close")!;

/** A row as a database from before the SLA engine (or the bench's seed) holds it: the list flag alone, nothing to check. */
const asPreEngine = (id: string) =>
  db().update(tickets).set({ firstResponseBreached: false, nextResponseBreached: false, resolutionBreached: false, slaAnnounced: 0, slaWarned: 0, slaEscalated: false, slaCheckAt: NO_DUE }).where(eq(tickets.id, id));

/** `n` copies of a closed ticket as the 1M bench left them: both breaches flagged, never announced, a check months past. */
async function insertStuck(template: string, n: number) {
  const columns = Object.keys((await env.DB.prepare(`SELECT * FROM tickets WHERE id = ?`).bind(template).first())!);
  const stuck: Record<string, string> = {
    id: `'stuck-' || i || '-' || t.id`,
    number: `'STUCK-' || i || '-' || t.number`,
    status: `'closed'`,
    first_response_breached: "1",
    resolution_breached: "1",
    sla_breached: "1",
    sla_announced: "0",
    sla_warned: "0",
    sla_escalated: "0",
    sla_check_at: `'2026-06-18T04:24:53.366Z'`,
    sla_next_due_at: `'${NO_DUE}'`,
  };
  const values = columns.map((c) => stuck[c] ?? `t."${c}"`).join(", ");
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) INSERT INTO tickets (${columns.map((c) => `"${c}"`).join(", ")}) SELECT ${values} FROM n, tickets t WHERE t.id = ?`,
  )
    .bind(n, template)
    .run();
}

describe("closed tickets and the SLA sweep", () => {
  it("auto-close of a ticket breached long ago (a pre-engine row): nothing left to check, no late announcement, still listed as breached", async () => {
    const t0 = day(0);
    const t = await ticketAt(s.customer, t0, { priority: "medium" });
    await replyAt(s.agent, t0 + 2 * DAY, t.id);
    await editAt(s.agent, t0 + 5 * DAY, t.id, { status: "resolved" });
    await asPreEngine(t.id);

    const closing = await tickReports(t0 + 9 * DAY);
    expect(autoCloseOf(closing).closed).toBeGreaterThanOrEqual(1);
    const closed = await rowOf(t.id);
    // The close observed both breaches (flags) and derived no check: the sweep will not read it.
    expect(closed).toMatchObject({ status: "closed", firstResponseBreached: true, resolutionBreached: true, slaBreached: true, slaAnnounced: 0, slaCheckAt: NO_DUE });

    const next = await tickReports(t0 + 9 * DAY + MIN);
    expect(sweepOf(next)).toMatchObject({ checked: 0, breached: 0, escalated: 0 });
    expect(await historyTypes(t.id)).not.toContain("sla.breached");
    expect(await historyTypes(t.id)).not.toContain("escalated");

    const got = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token });
    expect(got.body.sla).toMatchObject({ breached: true, breaches: ["first_response", "resolution"] });
    const listed = await api("GET", `/api/v1/tickets?breached=true&requester_id=${s.customer.id}&limit=100`, { token: s.agent.token });
    expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(t.id);
  });

  it("an agent who resolves and closes a breached ticket before the sweep's minute: no late alert on the closed ticket", async () => {
    const t0 = day(1);
    const t = await ticketAt(s.customer, t0, { priority: "critical" }); // first response due t0+1h
    await replyAt(s.agent, t0 + 2 * HOUR, t.id);
    await editAt(s.agent, t0 + 2 * HOUR, t.id, { status: "resolved" });
    await editAt(s.agent, t0 + 2 * HOUR + 10_000, t.id, { status: "closed" });
    expect(await rowOf(t.id)).toMatchObject({ firstResponseBreached: true, slaBreached: true, slaCheckAt: NO_DUE });

    const reports = await tickReports(t0 + 2 * HOUR + MIN);
    expect(sweepOf(reports)).toMatchObject({ checked: 0, breached: 0 });
    expect(await historyTypes(t.id)).not.toContain("sla.breached");

    // Reopened, it runs again: the breach it carries is announced then, once.
    await editAt(s.customer, t0 + 3 * HOUR, t.id, { status: "open" });
    await tickReports(t0 + 3 * HOUR + MIN);
    await tickReports(t0 + 3 * HOUR + 2 * MIN);
    expect((await historyTypes(t.id)).filter((x) => x === "sla.breached")).toHaveLength(1);
  });

  it("a row still due from before (written stuck by SQL) is settled by one cron run and not read again", async () => {
    const t0 = day(2);
    const t = await ticketAt(s.customer, t0, { priority: "medium" });
    await replyAt(s.agent, t0 + 2 * DAY, t.id);
    await editAt(s.agent, t0 + 5 * DAY, t.id, { status: "resolved" });
    await editAt(null, t0 + 8 * DAY, t.id, { status: "closed" });
    await db()
      .update(tickets)
      .set({ slaAnnounced: 0, slaWarned: 0, slaEscalated: false, slaCheckAt: iso(t0 + 8 * HOUR) })
      .where(eq(tickets.id, t.id));

    const first = sweepOf(await tickReports(t0 + 9 * DAY));
    expect(first.settled).toBeGreaterThanOrEqual(1);
    expect(first.breached).toBe(0);
    expect(await rowOf(t.id)).toMatchObject({ slaCheckAt: NO_DUE, slaBreached: true, firstResponseBreached: true, resolutionBreached: true });
    expect(sweepOf(await tickReports(t0 + 9 * DAY + MIN))).toMatchObject({ checked: 0, settled: 0 });
    expect(await historyTypes(t.id)).not.toContain("sla.breached");
  });

  it("more stuck closed tickets than one run reads do not starve a fresh breach: it is announced in the same run; the breached list reads few rows", async () => {
    const t0 = day(3);
    const template = await ticketAt(s.customer, t0, { priority: "medium" });
    await editAt(s.agent, t0 + MIN, template.id, { status: "resolved" });
    await editAt(null, t0 + 2 * MIN, template.id, { status: "closed" });
    const STUCK = SWEEP_MAX_PER_RUN + 100;
    await insertStuck(template.id, STUCK);

    const fresh = await ticketAt(s.customer, t0 + 10 * MIN, { priority: "critical" }); // first response due t0+70 min
    const reports = await tickReports(t0 + 72 * MIN);
    const sweep = sweepOf(reports);
    expect(sweep.settled).toBeGreaterThanOrEqual(STUCK);
    expect(sweep.breached).toBe(1);
    expect(await historyTypes(fresh.id)).toContain("sla.breached");
    expect(await rowOf(fresh.id)).toMatchObject({ firstResponseBreached: true, slaAnnounced: 1 });

    const stuckLeft = await env.DB.prepare(`SELECT count(*) AS n FROM tickets WHERE deleted_at IS NULL AND id LIKE 'stuck-%' AND sla_check_at < ?`).bind(NO_DUE).first<number>("n");
    expect(stuckLeft).toBe(0);
    const announcedStuck = await env.DB.prepare(`SELECT count(*) AS n FROM ticket_history WHERE type = 'sla.breached' AND ticket_id LIKE 'stuck-%'`).first<number>("n");
    expect(announcedStuck).toBe(0);

    // The closed breached tickets stay on the breached list; the list reads a page, not the backlog.
    const listed = await meteredApi("GET", `/api/v1/tickets?breached=true&limit=25`, { token: s.agent.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(25);
    expect(listed.body.data.every((x: { sla: { breached: boolean } }) => x.sla.breached)).toBe(true);
    expect(listed.rowsRead).toBeLessThanOrEqual(60);
  });

  it("EXPLAIN: the settling of closed tickets (as the real run sends it) is a range of tickets_sla_check_idx, never a scan", async () => {
    const meter = newMeter();
    await runSlaSweep(systemContext({ ...(env as unknown as Bindings), DB: metered(env.DB, meter) }, "vitest", { now: new Date(day(4)) }));
    const [update] = meter.statements.filter((st) => /^update "tickets" set "sla_check_at"/i.test(st.sql));
    const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${update!.sql}`).bind(...(update!.params as unknown[])).all<{ detail: string }>()).results.map((r) => r.detail);
    expect(plan.join(" | ")).toMatch(/SEARCH tickets USING INDEX tickets_sla_check_idx \(sla_check_at<\?\)/);
    expect(plan.join(" | ")).not.toMatch(/SCAN tickets/);
  });
});
