import type { TicketPriority, TicketStatus } from "./vocabulary";
import { NO_DUE } from "./vocabulary";
import { type Actor, can, customerMayChangeStatus, isStaff, mayAssign } from "./permissions";
import { settleSla, slaOnMessage, slaOnStatus, type SlaState, type SlaTargets, type SlaTerms } from "./sla";
import { checkTransition } from "./ticket-status";
import { applyFieldEdit, EMPTY_CATALOG, fieldPath, missingToResolve, type FieldCatalog, type FieldValue, type FieldValues } from "./custom-fields";
import { customStatusOf } from "./custom-statuses";



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
  // The SLA engine's columns (domain/sla.ts SlaState); a state without them has nothing of theirs yet.
  nextResponseDueAt?: string | null;
  nextResponseStartedMs?: number | null;
  firstResponseBreached?: boolean;
  nextResponseBreached?: boolean;
  resolutionBreached?: boolean;
  slaAnnounced?: number;
  slaWarned?: number;
  slaEscalated?: boolean;
  slaAtRiskAt?: string;
  slaCheckAt?: string;
  firstResponseMinutes?: number | null;
  resolutionMinutes?: number | null;
  /** The policy's targets the ticket runs on, and its calendar version (null = 24/7). */
  slaTargets?: SlaTargets | null;
  slaCalendarId?: string | null;
  /** A custom status of the status category (domain/custom-statuses.ts); null = the category's own. */
  customStatus?: string | null;
  /** Custom field values by key (domain/custom-fields.ts). */
  customFields?: FieldValues;
}

/** What a user may set on a ticket (PATCH). */
export const EDITABLE_FIELDS = ["subject", "description", "priority", "category", "tags", "assigneeId", "teamId", "status", "customStatus"] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];
/** `customFields`: key -> value as sent (validated here against the catalog); null clears a field. */
export type TicketEdit = Partial<Pick<TicketState, EditableField>> & { customFields?: Record<string, unknown> };

export type UpdateFailure =
  | { reason: "forbidden"; detail: string; errors?: Record<string, string[]> }
  | { reason: "invalid_transition"; detail: string; errors?: Record<string, string[]> }
  | { reason: "invalid_fields"; detail: string; errors: Record<string, string[]> };

export type UpdateResult =
  | {
      ok: true;
      next: TicketState;
      changes: Partial<Record<EditableField, [unknown, unknown]>>;
      /** Custom fields changed, by key. */
      fieldChanges: Record<string, [FieldValue | null, FieldValue | null]>;
    }
  | ({ ok: false } & UpdateFailure);

export interface UpdateInput {
  /** Who edits; null is the system (cron, escalation): any workflow-legal change, no role rules. */
  actor: Pick<Actor, "id" | "role"> | null;
  current: TicketState;
  edit: TicketEdit;
  /** Targets of the policy for the new priority, when the priority changes (and `retarget` is absent). */
  targetsFor: (priority: TicketPriority) => SlaTargets;
  /** The ticket's SLA terms (its targets and calendar); default: targetsFor(its priority), 24/7. */
  terms?: SlaTerms;
  /** The terms of the policy the ticket moves to when the edit changes its priority or category. */
  retarget?: SlaTerms & { calendarId: string | null };
  /** A public message that comes with the change (a customer's reply reopening the ticket). */
  message?: "staff" | "customer";
  reopenWindowDays: number;
  now: Date;
  /** The custom field definitions: values are checked against them, and resolving needs the required ones filled. */
  fields?: FieldCatalog;
  /**
   * A consequence of something the actor was allowed to do, not an edit of theirs (a customer's
   * reply reopening a pending ticket): the workflow still applies, the role rules do not.
   */
  implied?: boolean;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The fields of `edit` whose value differs from the ticket's. */
export function effectiveChanges(current: TicketState, edit: TicketEdit): EditableField[] {
  return EDITABLE_FIELDS.filter((f) => edit[f] !== undefined && !sameValue(edit[f], f === "customStatus" ? (current.customStatus ?? null) : current[f]));
}

/**
 * One edit of a ticket by one actor: permissions per field, the status workflow and its SLA
 * effects (pause while pending, resolution and close stamps), SLA re-targeting on a priority change.
 */
export function applyEdit(input: UpdateInput): UpdateResult {
  const { actor, current, edit, now } = input;
  const fields = effectiveChanges(current, edit);
  const nowIso = now.toISOString();

  // Role rules apply to people; the system and implied changes answer to the workflow alone.
  for (const field of fields) {
    if (!actor || input.implied) break;
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

  let fieldChanges: Record<string, [FieldValue | null, FieldValue | null]> = {};
  if (edit.customFields && Object.keys(edit.customFields).length) {
    // Customers set the fields marked customer-editable; staff, the system and implied changes any active one.
    const by = actor && !isStaff(actor.role) && !input.implied ? "customer" : "staff";
    const applied = applyFieldEdit(input.fields ?? EMPTY_CATALOG, current.customFields ?? {}, edit.customFields, by);
    if (!applied.ok) {
      const names = Object.keys(applied.errors).join(", ");
      return applied.reason === "forbidden"
        ? { ok: false, reason: "forbidden", detail: `You may not change ${names}`, errors: applied.errors }
        : { ok: false, reason: "invalid_fields", detail: `Invalid custom fields: ${names}`, errors: applied.errors };
    }
    next.customFields = applied.next;
    fieldChanges = applied.changes;
  }

  if (fields.includes("status")) {
    const to = edit.status!;
    const check = checkTransition({ from: current.status, to, closedAt: current.closedAt, reopenWindowDays: input.reopenWindowDays, now });
    if (!check.ok) {
      const allowed = check.allowed.length ? check.allowed.join(", ") : "none";
      const why = check.reason === "reopen_window_passed" ? ` (a closed ticket reopens only within ${input.reopenWindowDays} days)` : "";
      return { ok: false, reason: "invalid_transition", detail: `Cannot move a ${current.status} ticket to ${to}${why}; allowed: ${allowed}` };
    }
    if (!input.implied && actor && !isStaff(actor.role) && !customerMayChangeStatus(current.status, to)) {
      return { ok: false, reason: "forbidden", detail: `Customers may not move a ${current.status} ticket to ${to}` };
    }
    applyStatusEffects(current, next, to, nowIso);
    // Another category: the custom status goes with the old one unless the edit names the new one's.
    if (edit.customStatus === undefined) next.customStatus = null;
  }
  if ((current.customStatus ?? null) !== (next.customStatus ?? null)) changes.customStatus = [customStatusOf(current), customStatusOf(next)];
  else delete changes.customStatus;

  if (next.status === "resolved" && current.status !== "resolved") {
    const missing = missingToResolve(input.fields ?? EMPTY_CATALOG, next.customFields ?? {});
    if (missing.length) {
      return {
        ok: false,
        reason: "invalid_transition",
        detail: `Fill in ${missing.join(", ")} before resolving the ticket`,
        errors: Object.fromEntries(missing.map((key) => [fieldPath(key), ["required to resolve"]])),
      };
    }
  }

  let terms: SlaTerms = input.terms ?? { targets: input.targetsFor(current.priority), calendar: null };
  if (fields.includes("priority") || (fields.includes("category") && input.retarget)) {
    const retarget = input.retarget ?? { targets: input.targetsFor(next.priority), calendar: terms.calendar, calendarId: current.slaCalendarId ?? null };
    terms = { targets: retarget.targets, calendar: retarget.calendar };
    next.slaPolicy = retarget.targets.name;
    next.slaTargets = retarget.targets;
    next.slaCalendarId = retarget.calendarId;
  }
  let sla = slaStateOf(current);
  if (fields.includes("status")) sla = slaOnStatus(terms, sla, next.status, nowIso);
  if (input.message) sla = slaOnMessage(terms, sla, input.message, nowIso);
  Object.assign(next, settleSla(terms, sla, nowIso));
  return { ok: true, next, changes, fieldChanges };
}

/** Stamps of the workflow; the SLA clock's share of a status change is slaOnStatus. */
function applyStatusEffects(current: TicketState, next: TicketState, to: TicketStatus, now: string) {
  if (to === "closed") next.closedAt = now;
  if (to === "open" && (current.status === "resolved" || current.status === "closed")) next.closedAt = null;
}

/** The SLA columns of a ticket state (a state from before the engine reads as "nothing yet"). */
export function slaStateOf(t: TicketState): SlaState {
  return {
    status: t.status,
    createdAt: t.createdAt,
    firstResponseAt: t.firstResponseAt,
    resolvedAt: t.resolvedAt,
    slaPausedAt: t.slaPausedAt,
    slaPausedMs: t.slaPausedMs,
    firstResponseDueAt: t.firstResponseDueAt,
    nextResponseDueAt: t.nextResponseDueAt ?? null,
    resolutionDueAt: t.resolutionDueAt,
    nextResponseStartedMs: t.nextResponseStartedMs ?? null,
    firstResponseBreached: t.firstResponseBreached ?? false,
    nextResponseBreached: t.nextResponseBreached ?? false,
    resolutionBreached: t.resolutionBreached ?? false,
    slaBreached: t.slaBreached,
    slaAnnounced: t.slaAnnounced ?? 0,
    slaWarned: t.slaWarned ?? 0,
    slaEscalated: t.slaEscalated ?? false,
    slaNextDueAt: t.slaNextDueAt,
    slaAtRiskAt: t.slaAtRiskAt ?? NO_DUE,
    slaCheckAt: t.slaCheckAt ?? NO_DUE,
    firstResponseMinutes: t.firstResponseMinutes ?? null,
    resolutionMinutes: t.resolutionMinutes ?? null,
  };
}

/** Ticket state field -> wire name. */
export function toWire(field: EditableField): string {
  return field === "assigneeId" ? "assignee_id" : field === "teamId" ? "team_id" : field === "customStatus" ? "custom_status" : field;
}
