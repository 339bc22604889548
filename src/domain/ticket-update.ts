import type { TicketPriority, TicketStatus } from "../db/schema";
import { NO_DUE } from "../db/schema";
import { type Actor, can, customerMayChangeStatus, isStaff, mayAssign } from "./permissions";
import { breaches, dueDates, nextDue, resume, type SlaClock, type SlaTargets } from "./sla";
import { checkTransition } from "./ticket-status";

export const PRIORITY_RANK: Record<TicketPriority, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** The fields of a ticket the update rules read and write. */
export interface TicketState {
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  category: string | null;
  tags: string[];
  assigneeId: string | null;
  teamId: string | null;
  requesterId: string;
  createdAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  slaPolicy: string;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  slaPausedAt: string | null;
  slaPausedMs: number;
  slaBreached: boolean;
  slaNextDueAt: string;
}

/** What a user may set on a ticket (PATCH). */
export const EDITABLE_FIELDS = ["subject", "description", "priority", "category", "tags", "assigneeId", "teamId", "status"] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
export type TicketEdit = Partial<Pick<TicketState, EditableField>>;

export type UpdateFailure =
  | { reason: "forbidden"; detail: string }
  | { reason: "invalid_transition"; detail: string };

export type UpdateResult =
  | { ok: true; next: TicketState; changes: Partial<Record<EditableField, [unknown, unknown]>> }
  | ({ ok: false } & UpdateFailure);

export interface UpdateInput {
  actor: Pick<Actor, "id" | "role">;
  current: TicketState;
  edit: TicketEdit;
  /** Targets of the policy for the new priority, when the priority changes. */
  targetsFor: (priority: TicketPriority) => SlaTargets;
  reopenWindowDays: number;
  now: Date;
  /**
   * A consequence of something the actor was allowed to do, not an edit of theirs (a customer's
   * reply reopening a pending ticket): the workflow still applies, the role rules do not.
   */
  implied?: boolean;
}

/** Statuses in which no SLA target runs. */
export const CLOCK_STOPPED: ReadonlySet<TicketStatus> = new Set(["resolved", "closed", "cancelled"]);

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `edit` whose value differs from the ticket's. */
export function effectiveChanges(current: TicketState, edit: TicketEdit): EditableField[] {
  return EDITABLE_FIELDS.filter((f) => edit[f] !== undefined && !sameValue(edit[f], current[f]));
}

/**
 * One edit of a ticket by one actor: permissions per field, the status workflow and its SLA
 * effects (pause while pending, resolution and close stamps), SLA re-targeting on a priority change.
 */
export function applyEdit(input: UpdateInput): UpdateResult {
  const { actor, current, edit, now } = input;
  const fields = effectiveChanges(current, edit);
  const nowIso = now.toISOString();

  for (const field of input.implied ? [] : fields) {
    if (field === "status") continue;
    if (field === "assigneeId") {
      if (!mayAssign(actor, edit.assigneeId ?? null)) return { ok: false, reason: "forbidden", detail: "You may only assign tickets to yourself" };
      continue;
    }
    if (field === "teamId") {
      if (!can(actor.role, "ticket.assign_any")) return { ok: false, reason: "forbidden", detail: "Only managers and admins move tickets between teams" };
      continue;
    }
    if (!can(actor.role, "ticket.edit_fields")) return { ok: false, reason: "forbidden", detail: `You may not change ${toWire(field)}` };
  }

  const next: TicketState = { ...current };
  const changes: Partial<Record<EditableField, [unknown, unknown]>> = {};
  for (const field of fields) {
    (next as unknown as Record<string, unknown>)[field] = edit[field];
    changes[field] = [current[field], edit[field]];
  }

  if (fields.includes("status")) {
    const to = edit.status!;
    const check = checkTransition({ from: current.status, to, closedAt: current.closedAt, reopenWindowDays: input.reopenWindowDays, now });
    if (!check.ok) {
      const allowed = check.allowed.length ? check.allowed.join(", ") : "none";
      const why = check.reason === "reopen_window_passed" ? ` (a closed ticket reopens only within ${input.reopenWindowDays} days)` : "";
      return { ok: false, reason: "invalid_transition", detail: `Cannot move a ${current.status} ticket to ${to}${why}; allowed: ${allowed}` };
    }
    if (!input.implied && !isStaff(actor.role) && !customerMayChangeStatus(current.status, to)) {
      return { ok: false, reason: "forbidden", detail: `Customers may not move a ${current.status} ticket to ${to}` };
    }
    applyStatusEffects(current, next, to, nowIso);
  }

  const clock = (): SlaClock => ({
    createdAt: next.createdAt,
    pausedMs: next.slaPausedMs,
    pausedAt: next.slaPausedAt,
    firstResponseAt: next.firstResponseAt,
    resolvedAt: next.resolvedAt,
  });
  const targets = input.targetsFor(next.priority);
  if (fields.includes("priority")) next.slaPolicy = targets.name;
  const due = dueDates(targets, clock());
  next.firstResponseDueAt = due.firstResponseDueAt;
  next.resolutionDueAt = due.resolutionDueAt;
  next.slaNextDueAt = CLOCK_STOPPED.has(next.status) ? NO_DUE : (nextDue(due, clock()) ?? NO_DUE);
  if (breaches(due, clock(), nowIso).length) next.slaBreached = true;
  return { ok: true, next, changes };
}

function applyStatusEffects(current: TicketState, next: TicketState, to: TicketStatus, now: string) {
  if (current.status === "pending" && to !== "pending") {
    const resumed = resume({ pausedMs: next.slaPausedMs, pausedAt: next.slaPausedAt }, now);
    next.slaPausedMs = resumed.pausedMs;
    next.slaPausedAt = resumed.pausedAt;
  }
  if (to === "pending") next.slaPausedAt = now;
  if (to === "resolved") next.resolvedAt = now;
  if (to === "closed") next.closedAt = now;
  if (to === "open" && (current.status === "resolved" || current.status === "closed")) {
    // Reopened: the resolution target runs again, the old stamps no longer describe the ticket.
    next.resolvedAt = null;
    next.closedAt = null;
  }
}

/** Ticket state field -> wire name. */
export function toWire(field: EditableField): string {
  return field === "assigneeId" ? "assignee_id" : field === "teamId" ? "team_id" : field;
}
