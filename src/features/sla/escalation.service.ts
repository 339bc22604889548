import { eq } from "drizzle-orm";
import { slaPolicies } from "../../db/schema";
import { raisedPriority, type EscalationReassign } from "../../domain/vocabulary";
import type { RoutingReason } from "../../domain/routing";
import { ESCALATABLE, type Escalation } from "../../domain/sla";
import type { TicketEdit } from "../../domain/ticket-update";
import type { ServiceContext } from "../../lib/request-context";
import { isActiveStaff, route, teamById } from "../teams/routing.service";
import { changeTicket } from "../tickets/tickets.service";
import type { TicketRow } from "../tickets/tickets.serialize";

/** Escalation options by policy name, read once per sweep run. */
export type EscalationPolicies = Map<string, { raise: boolean; reassign: EscalationReassign }>;


/**
 * The SLA engine escalates per the ticket's policy: raise the priority one step and/or reassign to
 * the team's manager (or re-route in the team without the current assignee). Recorded as history
 * `escalated` with the cause, even when nothing else changes. Runs as the system (ctx.actor null).
 */
export async function escalateForSla(ctx: ServiceContext, row: TicketRow, escalation: Escalation, policies: EscalationPolicies = new Map()) {
  if (!ESCALATABLE.has(row.status)) return null;
  let policy = policies.get(row.slaPolicy);
  if (!policy) {
    const [found] = await ctx.db
      .select({ raise: slaPolicies.escalationRaisePriority, reassign: slaPolicies.escalationReassign })
      .from(slaPolicies)
      .where(eq(slaPolicies.name, row.slaPolicy))
      .limit(1);
    policy = found ?? { raise: false, reassign: "manager" };
    policies.set(row.slaPolicy, policy);
  }
  const { raise, reassign } = policy;
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
  const reason =
    escalation.cause === "breach"
      ? `SLA breached: ${escalation.targets.join(", ")}`
      : `Unresolved after ${escalation.minutes} minutes of SLA time`;
  const note: Record<string, unknown> = {
    reason,
    cause: escalation.cause,
    ...(escalation.cause === "breach" ? { targets: escalation.targets } : {}),
    ...(routing ? { routing } : {}),
  };
  // Nothing to change (already critical, no manager): the escalation is still on record.
  return changeTicket(ctx, row.id, edit, { type: "escalated", note, internal: true, recordUnchanged: true });
}
