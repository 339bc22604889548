import { eq } from "drizzle-orm";
import { slaPolicies } from "../../db/schema";
import { raisedPriority, type EscalationReassign } from "../../domain/vocabulary";
import type { RoutingReason } from "../../domain/routing";
import { ESCALATABLE, type Escalation } from "../../domain/sla";
import type { TicketEdit } from "../../domain/ticket-update";
import type { ServiceContext } from "../../lib/request-context";
import { isActiveStaff, route, teamById } from "../teams/routing.service";
import { changeTicket, type FoundTicket } from "../tickets/tickets.service";
import type { TicketRow } from "../tickets/tickets.serialize";

type EscalationPolicy = { raise: boolean; reassign: EscalationReassign };
/**
 * Escalation options by policy name, read once per sweep run: the read itself is kept, so the
 * tickets a run escalates at once wait for one read (each read its own: 8 a run, SWEEP_CONCURRENCY).
 */
export type EscalationPolicies = Map<string, Promise<EscalationPolicy>>;

async function readPolicy(ctx: ServiceContext, name: string): Promise<EscalationPolicy> {
  const [found] = await ctx.db
    .select({ raise: slaPolicies.escalationRaisePriority, reassign: slaPolicies.escalationReassign })
    .from(slaPolicies)
    .where(eq(slaPolicies.name, name))
    .limit(1);
  return found ?? { raise: false, reassign: "manager" };
}


/**
 * The SLA engine escalates per the ticket's policy: raise the priority one step and/or reassign to
 * the team's manager (or re-route in the team without the current assignee). Recorded as history
 * `escalated` with the cause, even when nothing else changes. Runs as the system (ctx.actor null).
 * `found`: the ticket as the sweep just wrote it, which the change starts from (no second read).
 */
export async function escalateForSla(ctx: ServiceContext, found: FoundTicket, escalation: Escalation, policies: EscalationPolicies = new Map()) {
  const { row } = found;
  if (!ESCALATABLE.has(row.status)) return null;
  let policy = policies.get(row.slaPolicy);
  if (!policy) {
    policy = readPolicy(ctx, row.slaPolicy);
    policies.set(row.slaPolicy, policy);
    // A failed read fails the escalations waiting on it (logged); the next one reads again.
    // Only this read's own entry: another ticket may have set a newer one meanwhile.
    policy.catch(() => policies.get(row.slaPolicy) === policy && policies.delete(row.slaPolicy));
  }
  const { raise, reassign } = await policy;
  // Decided on the row each plan reads (once per row): a priority raised, or a team or assignee
  // changed, between the sweep's read and the write is escalated from where it then is, never
  // written over with what the stale row called for.
  let decided: { row: TicketRow; edit: TicketEdit; routing: RoutingReason | null } | null = null;
  const escalationOn = async (current: TicketRow): Promise<TicketEdit> => {
    if (decided?.row !== current) decided = { row: current, ...(await escalationEdit(ctx, current, raise, reassign)) };
    return decided.edit;
  };
  const reason =
    escalation.cause === "breach"
      ? `SLA breached: ${escalation.targets.join(", ")}`
      : `Unresolved after ${escalation.minutes} minutes of SLA time`;
  const note = (): Record<string, unknown> => ({
    reason,
    cause: escalation.cause,
    ...(escalation.cause === "breach" ? { targets: escalation.targets } : {}),
    ...(decided?.routing ? { routing: decided.routing } : {}),
  });
  // Nothing to change (already critical, no manager): the escalation is still on record.
  // Skipped (null) on a ticket solved or cancelled between the sweep's read and this write.
  const result = await changeTicket(ctx, row.id, escalationOn, { type: "escalated", note, internal: true, recordUnchanged: true, read: found, precondition: (current) => ESCALATABLE.has(current.status) });
  return result.written ? result : null;
}

/** What the policy asks of one row: one priority step up, and/or the team's manager or a re-route without the current assignee. */
async function escalationEdit(ctx: ServiceContext, row: TicketRow, raise: boolean, reassign: EscalationReassign): Promise<{ edit: TicketEdit; routing: RoutingReason | null }> {
  const edit: TicketEdit = {};
  if (raise) edit.priority = raisedPriority(row.priority);
  let routing: RoutingReason | null = null;
  const team = row.teamId ? await teamById(ctx, row.teamId) : null;
  if (team && reassign === "manager" && team.managerId && (await isActiveStaff(ctx, team.managerId))) edit.assigneeId = team.managerId;
  if (team && reassign === "auto") {
    const decision = await route(ctx, team, row, row.assigneeId ? [row.assigneeId] : []);
    routing = decision.reason;
    if (decision.assigneeId) edit.assigneeId = decision.assigneeId;
  }
  return { edit, routing };
}
