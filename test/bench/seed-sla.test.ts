import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { seed } from "../../bench/lib/seed.mjs";
import { replaySla, type SlaEvent } from "../../bench/lib/sla-replay";
import { slaPolicies, tickets } from "../../src/db/schema";
import { slaStateOf } from "../../src/domain/ticket-update";
import { NO_DUE, type TicketStatus } from "../../src/domain/vocabulary";
import { policyTargets } from "../../src/features/sla/sla.service";
import { db, MIN, tickReports } from "../sla/helpers";

/**
 * The bench's seed writes tickets as today's engine would (bench/lib/seed.mjs; its SLA columns from
 * bench/lib/sla-replay.ts, which runs src/domain/sla.ts): a small seed goes into this file's D1, each
 * ticket's SLA columns are checked against the same replay of the life the seed wrote for it (its
 * public comments and status changes, read back from comments and history: the seed's columns and its
 * rows tell one story), and the Worker's minute cron finds nothing historical to announce.
 */
const SIZES = { tickets: 600, comments: 1_800, customers: 60, agents: 12, managers: 2, admins: 1, teams: 8, days: 30 };

let seededAt: string;
beforeAll(async () => {
  ({ seededAt } = await seed(env.DB, { sizes: SIZES, pepper: "test-pepper", log: () => {}, replaySla }));
}, 120_000);

/**
 * Each seeded ticket's SLA life: its public comments (by the author's role) and its status changes
 * (history), by time. At one instant the messages come first, in the order written (comments'
 * rowid), then the status changes by version: the seed moves a ticket on at its first staff reply,
 * and events its clock caps at the seed's `now` share one instant, the last status change after the comments.
 */
async function lives(): Promise<Map<string, SlaEvent[]>> {
  const { results } = await env.DB.prepare(
    `SELECT ticket_id, at, kind, message, changes FROM (
       SELECT c.ticket_id, c.created_at AS at, 0 AS kind, c.rowid AS seq, CASE u.role WHEN 'customer' THEN 'customer' ELSE 'staff' END AS message, NULL AS changes
         FROM comments c JOIN users u ON u.id = c.author_id WHERE c.internal = 0
       UNION ALL
       SELECT h.ticket_id, h.at, 1, h.version, NULL, h.changes FROM ticket_history h WHERE h.type = 'updated'
     ) ORDER BY ticket_id, at, kind, seq`,
  ).all<{ ticket_id: string; at: string; kind: number; message: "staff" | "customer" | null; changes: string | null }>();
  const out = new Map<string, SlaEvent[]>();
  for (const e of results) {
    const events = out.get(e.ticket_id) ?? [];
    out.set(e.ticket_id, events);
    if (e.message) events.push({ at: e.at, message: e.message });
    else {
      const status = (JSON.parse(e.changes!) as { status?: [TicketStatus, TicketStatus] }).status;
      if (status) events.push({ at: e.at, status: status[1] });
    }
  }
  return out;
}

describe("the bench seed writes the SLA engine's state", () => {
  it("every ticket's SLA columns are what the domain computes for the life its rows record, with the policy's targets copied on", async () => {
    const rows = await db().select().from(tickets);
    expect(rows).toHaveLength(SIZES.tickets);
    const policies = new Map((await db().select().from(slaPolicies)).map((p) => [p.name, p]));
    const events = await lives();
    const mismatches: unknown[] = [];
    for (const row of rows) {
      expect(row.slaTargets).toEqual(policyTargets(policies.get(row.priority)!));
      expect(row.slaPolicy).toBe(row.priority);
      expect(row.slaCalendarId).toBeNull();
      const expected = replaySla(row.slaTargets!, row.createdAt, events.get(row.id) ?? [], seededAt);
      const actual = slaStateOf(row);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push({ id: row.id, actual, expected });
    }
    expect(mismatches.slice(0, 3)).toEqual([]);

    // Nothing is due at the seed's instant; the mix covers the engine's cases (not a vacuous comparison).
    const count = (p: (r: (typeof rows)[number]) => boolean) => rows.filter(p).length;
    expect(count((r) => r.slaCheckAt <= seededAt)).toBe(0);
    const cases = {
      breached: count((r) => r.slaBreached),
      announcedAll: count((r) => r.slaBreached && r.slaAnnounced === (+r.firstResponseBreached | (+r.nextResponseBreached << 1) | (+r.resolutionBreached << 2))),
      nextResponseBreached: count((r) => r.nextResponseBreached),
      cancelledBreached: count((r) => r.status === "cancelled" && r.slaBreached),
      warned: count((r) => r.slaWarned > 0),
      escalated: count((r) => r.slaEscalated),
      armed: count((r) => r.nextResponseStartedMs !== null),
      pending: count((r) => r.status === "pending" && r.slaPausedAt !== null),
      checkToCome: count((r) => r.slaCheckAt < NO_DUE),
    };
    console.log(JSON.stringify({ seed_sla_cases: cases }));
    for (const [name, n] of Object.entries(cases)) expect(n, name).toBeGreaterThan(0);
    expect(cases.announcedAll).toBe(cases.breached);
  });

  it("the minute cron over the seeded state announces nothing historical, before and after auto-close closes old resolved tickets", async () => {
    const at = Date.parse(seededAt);
    const first = await tickReports(at);
    expect(first.find((r) => r.job === "sla-sweep")).toMatchObject({ checked: 0, breached: 0, at_risk: 0, escalated: 0 });
    // Auto-close closes resolved tickets past their days; before, their unannounced breaches were announced the minute after.
    expect(first.find((r) => r.job === "auto-close")!.closed).toBeGreaterThan(0);
    const second = await tickReports(at + MIN);
    expect(second.find((r) => r.job === "sla-sweep")).toMatchObject({ breached: 0, escalated: 0 });
    const announced = await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE type IN ('sla.breached', 'sla.at_risk', 'escalated')").first<{ n: number }>();
    expect(announced!.n).toBe(0);
  });
});
