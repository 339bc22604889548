import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { tickets } from "../../src/db/schema";
import { NO_DUE } from "../../src/domain/vocabulary";
import { SWEEP_MAX_PER_RUN } from "../../src/jobs/sla-sweep";
import { api, makeStaff, meteredApi } from "../helpers";
import { db, DAY, editAt, historyTypes, HOUR, MIN, replyAt, retireAll, rowOf, ticketAt, tickReports } from "./helpers";

/**
 * Closed and cancelled tickets and the SLA sweep (issue 15, the 1M bench's "228 due, 119 left").
 * A breach a ticket carries when it closes is still announced once (API.md: "recorded in history
 * as type `sla.breached` … once per target"; the importer marks historical breaches announced), by
 * the next run, with no escalation (a closed ticket is not escalated); after that the ticket has
 * nothing left to check, so no run reads it again, and a backlog of them drains run by run.
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
  it("auto-close of a ticket breached long ago (a pre-engine row): the next run announces each breach once, does not escalate, and never reads it again", async () => {
    const t0 = day(0);
    const t = await ticketAt(s.customer, t0, { priority: "medium" });
    await replyAt(s.agent, t0 + 2 * DAY, t.id);
    await editAt(s.agent, t0 + 5 * DAY, t.id, { status: "resolved" });
    await asPreEngine(t.id);

    const closing = await tickReports(t0 + 9 * DAY);
    expect(autoCloseOf(closing).closed).toBeGreaterThanOrEqual(1);
    expect(await rowOf(t.id)).toMatchObject({ status: "closed", firstResponseBreached: true, resolutionBreached: true, slaBreached: true, slaAnnounced: 0 });

    const next = sweepOf(await tickReports(t0 + 9 * DAY + MIN));
    expect(next.breached).toBe(2);
    expect(next.escalated).toBe(0);
    expect((await historyTypes(t.id)).filter((x) => x === "sla.breached")).toHaveLength(2);
    expect(await historyTypes(t.id)).not.toContain("escalated");
    expect(await rowOf(t.id)).toMatchObject({ slaAnnounced: 5, slaCheckAt: NO_DUE });
    expect(sweepOf(await tickReports(t0 + 9 * DAY + 2 * MIN))).toMatchObject({ checked: 0, breached: 0 });

    const got = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token });
    expect(got.body.sla).toMatchObject({ breached: true, breaches: ["first_response", "resolution"] });
    const listed = await api("GET", `/api/v1/tickets?breached=true&requester_id=${s.customer.id}&limit=100`, { token: s.agent.token });
    expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(t.id);
  });

  it("an agent who resolves and closes a breached ticket before the sweep's minute: the breach is still recorded once, and not again after a reopen", async () => {
    const t0 = day(1);
    const t = await ticketAt(s.customer, t0, { priority: "critical" }); // first response due t0+1h
    await replyAt(s.agent, t0 + 2 * HOUR, t.id);
    await editAt(s.agent, t0 + 2 * HOUR, t.id, { status: "resolved" });
    await editAt(s.agent, t0 + 2 * HOUR + 10_000, t.id, { status: "closed" });
    expect(await rowOf(t.id)).toMatchObject({ firstResponseBreached: true, slaBreached: true, slaAnnounced: 0 });

    expect(sweepOf(await tickReports(t0 + 2 * HOUR + MIN))).toMatchObject({ breached: 1, escalated: 0 });
    expect((await historyTypes(t.id)).filter((x) => x === "sla.breached")).toHaveLength(1);
    expect(await rowOf(t.id)).toMatchObject({ slaCheckAt: NO_DUE });

    // Reopened: its checks come back; the breach is not announced again, and the policy's
    // escalation, which the closed ticket did not get, comes at the next run.
    await editAt(s.customer, t0 + 3 * HOUR, t.id, { status: "open" });
    expect((await rowOf(t.id)).slaCheckAt).not.toBe(NO_DUE);
    await tickReports(t0 + 3 * HOUR + MIN);
    await tickReports(t0 + 3 * HOUR + 2 * MIN);
    expect((await historyTypes(t.id)).filter((x) => x === "sla.breached")).toHaveLength(1);
    expect((await historyTypes(t.id)).filter((x) => x === "escalated")).toHaveLength(1);
  });

  it("more unannounced closed tickets than one run reads: every run makes progress, each is announced once, and a fresh breach behind them is announced by the next run", async () => {
    const t0 = day(3);
    const template = await ticketAt(s.customer, t0, { priority: "medium" });
    await editAt(s.agent, t0 + MIN, template.id, { status: "resolved" });
    await editAt(null, t0 + 2 * MIN, template.id, { status: "closed" });
    const STUCK = SWEEP_MAX_PER_RUN + 100;
    await insertStuck(template.id, STUCK);
    const due = () => env.DB.prepare(`SELECT count(*) AS n FROM tickets WHERE deleted_at IS NULL AND id LIKE 'stuck-%' AND sla_check_at < ?`).bind(NO_DUE).first<number>("n");

    const fresh = await ticketAt(s.customer, t0 + 10 * MIN, { priority: "critical" }); // first response due t0+70 min
    const first = sweepOf(await tickReports(t0 + 72 * MIN));
    expect(first.checked).toBe(SWEEP_MAX_PER_RUN);
    expect(first.more).toBe(true);
    expect(await due()).toBe(STUCK - SWEEP_MAX_PER_RUN);

    const second = sweepOf(await tickReports(t0 + 73 * MIN));
    expect(second.more).toBe(false);
    expect(await due()).toBe(0);
    expect(await historyTypes(fresh.id)).toContain("sla.breached");
    expect(await rowOf(fresh.id)).toMatchObject({ firstResponseBreached: true, slaAnnounced: 1 });
    const perTicket = await env.DB.prepare(
      `SELECT count(*) AS tickets, min(n) AS least, max(n) AS most FROM (SELECT ticket_id, count(*) AS n FROM ticket_history WHERE type = 'sla.breached' AND ticket_id LIKE 'stuck-%' GROUP BY ticket_id)`,
    ).first<{ tickets: number; least: number; most: number }>();
    // Two breaches a ticket (first response and resolution), each announced once.
    expect(perTicket).toEqual({ tickets: STUCK, least: 2, most: 2 });

    // The closed breached tickets stay on the breached list; the list reads a page, not the backlog.
    const listed = await meteredApi("GET", `/api/v1/tickets?breached=true&limit=25`, { token: s.agent.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(25);
    expect(listed.body.data.every((x: { sla: { breached: boolean } }) => x.sla.breached)).toBe(true);
    expect(listed.rowsRead).toBeLessThanOrEqual(60);
    // 600 guarded writes through the one ticket write: slower than the suite's default on a busy machine.
  }, 120_000);
});
