import { and, asc, eq, isNull, lte, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { tickets, users } from "../db/schema";
import { sweepSla, type SlaState, type SlaTarget, type SweepStep } from "../domain/sla";
import { slaStateOf } from "../domain/ticket-update";
import type { TicketEvent } from "../events/ticket-events";
import type { ServiceContext } from "../lib/request-context";
import { escalateForSla, type EscalationPolicies } from "../features/sla/escalation.service";
import { termsOfTicket } from "../features/sla/sla.service";
import { storedAfter } from "../features/tickets/kept-rows";
import { retryTicketWrite, type GuardColumn, type Planned } from "../features/tickets/ticket-write";
import { findVisibleTicket, type FoundTicket } from "../features/tickets/tickets.service";
import { requesterColumns, type TicketRow } from "../features/tickets/tickets.serialize";

/**
 * The SLA sweep (every minute): breaches, at-risk warnings and escalation checkpoints whose time
 * has come. It reads only tickets whose `sla_check_at` has passed, through tickets_sla_check_idx,
 * so its cost is O(due), never O(open tickets).
 *
 * Runs may overlap (a slow run and the next minute's). Each ticket's outcome is claimed through the
 * one ticket write, guarded by the values it read (version, `updated_at` and the announcement
 * bits): its history, audit and outbox rows commit with the claim or not at all. Only the run whose
 * claim landed publishes the events and escalates, so a breach is announced and escalated exactly
 * once; a claim that lost a race re-reads the ticket and finds what the winner already announced.
 *
 * A ticket whose step throws is logged and passed over; the run sweeps the rest and then fails
 * (SweepFailed). It is not pushed back: its claim failed, so nothing of it was written (a failed
 * write leaves the row as it was: test/tickets/atomicity), a separate write to move its check would
 * likely meet the same fault, and moving it would hide it (a green cron, its breach unannounced for
 * the backoff) where failing every minute keeps a person's eye on it. It costs one of the run's
 * SWEEP_MAX_PER_RUN slots a minute, and is announced by the first run after it is mended.
 */

/** Tickets read per query. */
export const SWEEP_PAGE_SIZE = 100;
/** Tickets handled per run: bounds one invocation's time and D1 calls; the rest wait a minute. */
export const SWEEP_MAX_PER_RUN = 500;
/**
 * Tickets handled at once: each is a few D1 round trips in a row, so overlapping them divides a
 * run's wall time; their claims are per ticket, so order between them does not matter.
 */
export const SWEEP_CONCURRENCY = 8;
/**
 * A due ticket whose planned step changes nothing (a broken domain invariant: sweepSla's check
 * is always after `now`) is looked at again after this, not first in every minute's run.
 */
export const SWEEP_RECHECK_MS = 60 * 60_000;
/** Failed tickets named in a failed run's error (all are logged one line each): the message stays short. */
export const SWEEP_FAILURES_NAMED = 5;

/**
 * Groups in a row in which every ticket failed, after which a run gives up: a fault that breaks every
 * write (a broken trigger, a table out of step with the code) would otherwise cost SWEEP_MAX_PER_RUN
 * failed writes a minute and tell no more than the first groups did.
 */
export const SWEEP_FAILED_GROUPS_TO_STOP = 2;

export interface SweepReport {
  job: "sla-sweep";
  at: string;
  checked: number;
  breached: number;
  at_risk: number;
  escalated: number;
  /** Rows whose only change was their derived instants (a stale `sla_check_at`). */
  settled: number;
  /** Claims that lost a race (another writer changed the ticket) and were planned again from a fresh read. */
  contended: number;
  /** Escalations that failed (logged); their breach stays recorded. */
  failed: number;
  /**
   * Tickets whose step threw (a failed write, data the step chokes on): logged, nothing of theirs
   * written, the run went on past them and then failed (SweepFailed), so the trigger shows it.
   */
  tickets_failed: number;
  /** The run stopped at SWEEP_MAX_PER_RUN with more due, or gave up (`gave_up`) with tickets of its page left. */
  more: boolean;
  /** Every ticket of SWEEP_FAILED_GROUPS_TO_STOP groups in a row failed: the run stopped there. */
  gave_up: boolean;
  duration_ms: number;
}

/**
 * A run that went past failed tickets: its error names them (an AggregateError of their errors, so
 * the scheduled handler's own AggregateError carries each ticket's cause) and carries the report.
 */
export class SweepFailed extends AggregateError {
  constructor(
    readonly report: SweepReport,
    failures: { ticketId: string; error: unknown }[],
  ) {
    const named = failures.slice(0, SWEEP_FAILURES_NAMED).map((f) => `${f.ticketId}: ${String(f.error)}`);
    const more = failures.length > named.length ? `; and ${failures.length - named.length} more (logged)` : "";
    super(
      failures.map((f) => f.error),
      `sla-sweep: ${failures.length} ticket(s) failed, ${report.checked - failures.length} other(s) swept${report.gave_up ? `, gave up after ${SWEEP_FAILED_GROUPS_TO_STOP} groups failed whole` : ""}: ${named.join("; ")}${more}`,
    );
    this.name = "SweepFailed";
  }
}

/**
 * The sweep's order: `sla_check_at`, then the rowid, which is tickets_sla_check_idx's own order (an
 * index entry ends in its rowid). Ordered by the id instead, every page sorted all the tickets due at
 * its first instant to take its 100: 500 tickets due at one instant read 901 rows a page (sweep30).
 */
const ROWID = sql<number>`"tickets".rowid`;
type SweepPosition = { checkAt: string; rowid: number };
/** The due tickets after `after` in the sweep's order: a row value SQLite seeks to in the index. */
const dueAfter = (now: string, after: SweepPosition | null): SQL =>
  and(isNull(tickets.deletedAt), lte(tickets.slaCheckAt, now), ...(after ? [sql`(${tickets.slaCheckAt}, ${ROWID}) > (${after.checkAt}, ${after.rowid})`] : []))!;

/** Besides the row's version and `updated_at`, the sweep's own announcement state must be as read. */
const SWEEP_CLAIM: readonly GuardColumn[] = ["version", "updatedAt", "slaAnnounced", "slaWarned", "slaEscalated"];

export async function runSlaSweep(ctx: ServiceContext): Promise<SweepReport> {
  const started = Date.now();
  const now = ctx.now.toISOString();
  const report: SweepReport = { job: "sla-sweep", at: now, checked: 0, breached: 0, at_risk: 0, escalated: 0, settled: 0, contended: 0, failed: 0, tickets_failed: 0, more: false, gave_up: false, duration_ms: 0 };
  let after: SweepPosition | null = null;
  const policies: EscalationPolicies = new Map();
  const failures: { ticketId: string; error: unknown }[] = [];
  let failedGroups = 0;
  // One ticket's failure is its own: caught here so the others of its group finish and the run goes
  // on (before, it ended the run, and first in line again every minute it held up every ticket behind it).
  const sweepOne = (found: FoundTicket) =>
    sweepTicket(ctx, found, report, policies).catch((error: unknown) => {
      report.tickets_failed++;
      failures.push({ ticketId: found.row.id, error });
      console.error(JSON.stringify({ job: "sla-sweep", event: "ticket_failed", ticket_id: found.row.id, sla_check_at: found.row.slaCheckAt, error: String(error) }));
    });
  while (report.checked < SWEEP_MAX_PER_RUN) {
    // Keyset: a ticket left for the next run is not read twice in this one.
    const page = await ctx.db
      .select({ row: tickets, requester: requesterColumns, rowid: ROWID })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(dueAfter(now, after))
      .orderBy(asc(tickets.slaCheckAt), asc(ROWID))
      .limit(Math.min(SWEEP_PAGE_SIZE, SWEEP_MAX_PER_RUN - report.checked));
    for (let i = 0; i < page.length && !report.gave_up; i += SWEEP_CONCURRENCY) {
      const group = page.slice(i, i + SWEEP_CONCURRENCY);
      const failedBefore = report.tickets_failed;
      report.checked += group.length;
      await Promise.all(group.map(sweepOne));
      failedGroups = report.tickets_failed - failedBefore === group.length ? failedGroups + 1 : 0;
      if (failedGroups >= SWEEP_FAILED_GROUPS_TO_STOP) {
        report.gave_up = true;
        report.more = i + SWEEP_CONCURRENCY < page.length || page.length === SWEEP_PAGE_SIZE;
      }
    }
    const last = page.at(-1);
    if (report.gave_up || !last || page.length < SWEEP_PAGE_SIZE) break;
    after = { checkAt: last.row.slaCheckAt, rowid: last.rowid };
  }
  if (report.checked >= SWEEP_MAX_PER_RUN && after) {
    const [next] = await ctx.db.select({ id: tickets.id }).from(tickets).where(dueAfter(now, after)).orderBy(asc(tickets.slaCheckAt), asc(ROWID)).limit(1);
    report.more = next !== undefined;
  }
  report.duration_ms = Date.now() - started;
  // The others' work is committed; the run still fails, so the cron shows red until the ticket is mended.
  if (failures.length) throw new SweepFailed(report, failures);
  return report;
}

// Columns the sweep owns or may move; ticket fields proper (status, stamps) are never its to write.
const SWEEP_COLUMNS = [
  "firstResponseDueAt",
  "nextResponseDueAt",
  "resolutionDueAt",
  "firstResponseBreached",
  "nextResponseBreached",
  "resolutionBreached",
  "slaBreached",
  "slaAnnounced",
  "slaWarned",
  "slaEscalated",
  "slaNextDueAt",
  "slaAtRiskAt",
  "slaCheckAt",
] as const satisfies readonly (keyof SlaState & keyof TicketRow)[];

async function sweepTicket(ctx: ServiceContext, first: FoundTicket, report: SweepReport, policies: EscalationPolicies) {
  const outcome = await retryTicketWrite(ctx, async (attempt): Promise<Planned<{ stored: FoundTicket | null; step: SweepStep } | null>> => {
    if (attempt > 1) report.contended++;
    // A lost race re-reads: the run that won may have announced everything already.
    const { row, requester } = attempt === 1 ? first : await findVisibleTicket(ctx, first.row.id);
    const terms = await termsOfTicket(ctx, row);
    const before = slaStateOf(row);
    const now = ctx.now.toISOString();
    const step = sweepSla(terms, before, now);
    const set: Record<string, unknown> = {};
    for (const key of SWEEP_COLUMNS) if (before[key] !== step.next[key]) set[key] = step.next[key];
    if (!Object.keys(set).length) {
      if (row.slaCheckAt > now) return { skip: null };
      // Still due and nothing to do: skipped, it would be read first again in every run.
      console.error(JSON.stringify({ job: "sla-sweep", event: "check_not_settled", ticket_id: row.id, sla_check_at: row.slaCheckAt, status: row.status }));
      step.next = { ...step.next, slaCheckAt: new Date(ctx.now.getTime() + SWEEP_RECHECK_MS).toISOString() };
      set.slaCheckAt = step.next.slaCheckAt;
    }
    const after: TicketRow = { ...row, ...(step.next as Partial<TicketRow>) };
    const dueOf = (t: SlaTarget) => (t === "first_response" ? step.next.firstResponseDueAt : t === "next_response" ? step.next.nextResponseDueAt : step.next.resolutionDueAt);
    const announcements = [
      ...step.breached.map((target) => ({ type: "sla.breached", changes: { target, due_at: dueOf(target) }, internal: true })),
      ...step.atRisk.map((target) => ({ type: "sla.at_risk", changes: { target, due_at: dueOf(target) }, internal: true })),
    ];
    return {
      write: {
        kind: "update",
        before: row,
        after,
        requester,
        set: set as SQLiteUpdateSetSource<typeof tickets>,
        // The announcement state is the sweep's claim: of overlapping runs, one announces.
        guard: SWEEP_CLAIM,
        history: announcements,
        audit: announcements.map((a) => ({ action: `ticket.${a.type}`, entityType: "ticket", entityId: row.id, changes: a.changes })),
        events: (ticket) => [
          ...step.breached.map((target): TicketEvent => ({ type: "sla.breached", ticket, target, actor: null })),
          ...step.atRisk.map((target): TicketEvent => ({ type: "sla.at_risk", ticket, target, actor: null })),
        ],
      },
      // The row as D1 now holds it (kept-rows.ts storedAfter: the write moved the revision; null when
      // not known, a restored archive's). An escalation plans from it rather than reading it again;
      // if another writer got there first, its guard finds out and it reads afresh.
      done: () => {
        const stored = storedAfter(row, set as SQLiteUpdateSetSource<typeof tickets>, row.revision + 1);
        return { stored: stored ? { row: stored, requester } : null, step };
      },
    };
  });
  if (!outcome) return;
  const { stored, step } = outcome;
  if (!step.breached.length && !step.atRisk.length && !step.escalation) {
    report.settled++;
    return;
  }
  report.breached += step.breached.length;
  report.at_risk += step.atRisk.length;
  if (step.escalation) {
    try {
      if (await escalateForSla(ctx, stored ?? (await findVisibleTicket(ctx, first.row.id)), step.escalation, policies)) report.escalated++;
    } catch (err) {
      // The breach is recorded; a lost escalation is logged for a person to pick up.
      report.failed++;
      console.error(JSON.stringify({ job: "sla-sweep", event: "escalation_failed", ticket_id: first.row.id, error: String(err) }));
    }
  }
}
