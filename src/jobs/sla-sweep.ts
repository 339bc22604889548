import { and, asc, eq, gt, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { runBatch, type BatchItem } from "../db/client";
import { ticketHistory, tickets, users } from "../db/schema";
import { sweepSla, type SlaState, type SlaTarget, type SweepStep } from "../domain/sla";
import { slaStateOf } from "../domain/ticket-update";
import { eventWrites, publish, type TicketEvent } from "../events/ticket-events";
import { newId } from "../lib/ids";
import type { ServiceContext } from "../lib/request-context";
import { escalateForSla, type EscalationPolicies } from "../features/sla/escalation.service";
import { termsOfTicket } from "../features/sla/sla.service";
import { toTicket, type Requester, type TicketRow } from "../features/tickets/tickets.serialize";

/**
 * The SLA sweep (every minute): breaches, at-risk warnings and escalation checkpoints whose time
 * has come. It reads only tickets whose `sla_check_at` has passed, through tickets_sla_check_idx,
 * so its cost is O(due), never O(open tickets).
 *
 * Runs may overlap (a slow run and the next minute's). Each ticket's outcome is claimed with one
 * conditional UPDATE (`… WHERE id = ? AND updated_at = ? AND sla_announced = ? AND sla_warned = ?
 * AND sla_escalated = ?`, the values it read) in the same batch as its history rows, which are
 * inserted under the same condition. Only the run whose UPDATE changed the row publishes the
 * events and escalates, so a breach is announced and escalated exactly once. A ticket changed by
 * someone else since it was read is left for the next run, which reads it afresh.
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

export interface SweepReport {
  job: "sla-sweep";
  at: string;
  checked: number;
  breached: number;
  at_risk: number;
  escalated: number;
  /** Rows whose only change was their derived instants (a stale `sla_check_at`). */
  settled: number;
  /** Left for the next run: changed by someone else while this run looked at them. */
  contended: number;
  /** Escalations that failed (logged); their breach stays recorded. */
  failed: number;
  /** The run stopped at SWEEP_MAX_PER_RUN with more due. */
  more: boolean;
  duration_ms: number;
}

const requesterColumns = { id: users.id, name: users.name, email: users.email };

export async function runSlaSweep(ctx: ServiceContext): Promise<SweepReport> {
  const started = Date.now();
  const now = ctx.now.toISOString();
  const report: SweepReport = { job: "sla-sweep", at: now, checked: 0, breached: 0, at_risk: 0, escalated: 0, settled: 0, contended: 0, failed: 0, more: false, duration_ms: 0 };
  let after: { at: string; id: string } | null = null;
  const policies: EscalationPolicies = new Map();
  while (report.checked < SWEEP_MAX_PER_RUN) {
    const where: SQL[] = [isNull(tickets.deletedAt), lte(tickets.slaCheckAt, now)];
    // Keyset: a ticket left for the next run is not read twice in this one.
    if (after) where.push(or(gt(tickets.slaCheckAt, after.at), and(eq(tickets.slaCheckAt, after.at), gt(tickets.id, after.id)))!);
    const page = await ctx.db
      .select({ row: tickets, requester: requesterColumns })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(and(...where))
      .orderBy(asc(tickets.slaCheckAt), asc(tickets.id))
      .limit(Math.min(SWEEP_PAGE_SIZE, SWEEP_MAX_PER_RUN - report.checked));
    for (let i = 0; i < page.length; i += SWEEP_CONCURRENCY) {
      const group = page.slice(i, i + SWEEP_CONCURRENCY);
      report.checked += group.length;
      await Promise.all(group.map(({ row, requester }) => sweepTicket(ctx, row, requester, report, policies)));
    }
    const last = page.at(-1);
    if (!last || page.length < SWEEP_PAGE_SIZE) break;
    after = { at: last.row.slaCheckAt, id: last.row.id };
  }
  if (report.checked >= SWEEP_MAX_PER_RUN && after) {
    const [next] = await ctx.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(isNull(tickets.deletedAt), lte(tickets.slaCheckAt, now), or(gt(tickets.slaCheckAt, after.at), and(eq(tickets.slaCheckAt, after.at), gt(tickets.id, after.id)))))
      .orderBy(asc(tickets.slaCheckAt), asc(tickets.id))
      .limit(1);
    report.more = next !== undefined;
  }
  report.duration_ms = Date.now() - started;
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

async function sweepTicket(ctx: ServiceContext, row: TicketRow, requester: Requester, report: SweepReport, policies: EscalationPolicies) {
  const terms = await termsOfTicket(ctx, row);
  const before = slaStateOf(row);
  const step = sweepSla(terms, before, ctx.now.toISOString());
  const set: Record<string, unknown> = {};
  for (const key of SWEEP_COLUMNS) if (before[key] !== step.next[key]) set[key] = step.next[key];
  if (!Object.keys(set).length) return;

  const claim = and(
    eq(tickets.id, row.id),
    eq(tickets.updatedAt, row.updatedAt),
    eq(tickets.slaAnnounced, row.slaAnnounced),
    eq(tickets.slaWarned, row.slaWarned),
    eq(tickets.slaEscalated, row.slaEscalated),
  )!;
  const dueOf = (t: SlaTarget) => (t === "first_response" ? step.next.firstResponseDueAt : t === "next_response" ? step.next.nextResponseDueAt : step.next.resolutionDueAt);
  const items: BatchItem[] = [
    // Before the UPDATE, under the same condition: both see the row as read, or neither does anything.
    ...step.breached.map((target) => claimedHistory(ctx, row, "sla.breached", { target, due_at: dueOf(target) }, claim)),
    ...step.atRisk.map((target) => claimedHistory(ctx, row, "sla.at_risk", { target, due_at: dueOf(target) }, claim)),
    ctx.db
      .update(tickets)
      .set(set as SQLiteUpdateSetSource<typeof tickets>)
      .where(claim),
  ];
  const results = await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
  if (!(results.at(-1) as D1Result).meta.changes) {
    report.contended++;
    return;
  }
  if (!step.breached.length && !step.atRisk.length && !step.escalation) {
    report.settled++;
    return;
  }
  report.breached += step.breached.length;
  report.at_risk += step.atRisk.length;
  await announce(ctx, { ...row, ...(step.next as Partial<TicketRow>) }, requester, step);
  if (step.escalation) {
    try {
      if (await escalateForSla(ctx, { ...row, ...(step.next as Partial<TicketRow>) }, step.escalation, policies)) report.escalated++;
    } catch (err) {
      // The breach is recorded; a lost escalation is logged for a person to pick up.
      report.failed++;
      console.error(JSON.stringify({ job: "sla-sweep", event: "escalation_failed", ticket_id: row.id, error: String(err) }));
    }
  }
}

/** A history row inserted only if `claim` still holds (the sweep's announcements are internal). */
function claimedHistory(ctx: ServiceContext, row: TicketRow, type: string, changes: Record<string, unknown>, claim: SQL): BatchItem {
  // Values in ticket_history's column order: id, ticket_id, type, actor_id, at, version, changes, bumps_version, internal.
  return ctx.db
    .insert(ticketHistory)
    .select(
      sql`SELECT ${newId(ctx.now.getTime())}, ${row.id}, ${type}, NULL, ${ctx.now.toISOString()}, ${row.version}, ${JSON.stringify(changes)}, 0, 1 FROM ${tickets} WHERE ${claim}`,
    );
}

/** The feed and outbox learn of what this run claimed. */
async function announce(ctx: ServiceContext, row: TicketRow, requester: Requester, step: SweepStep) {
  const ticket = toTicket(row, requester, ctx.now);
  const events: TicketEvent[] = [
    ...step.breached.map((target): TicketEvent => ({ type: "sla.breached", ticket, target, actor: null })),
    ...step.atRisk.map((target): TicketEvent => ({ type: "sla.at_risk", ticket, target, actor: null })),
  ];
  await runBatch(ctx.db, eventWrites(ctx, events));
  await publish(ctx, events);
}

