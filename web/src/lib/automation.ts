/**
 * The console's side of the rule language (API.md "Automation"): the editors' choices per field,
 * turning what a person typed into the values the API takes, naming what an action does, what a
 * macro preview would change, and which of the API's validation errors belong to which row. Pure; the
 * API validates every rule and macro anyway (400 naming the bad entry by its path).
 */

export interface RuleCondition {
  field: string;
  operator: string;
  value?: unknown;
}
export interface RuleAction {
  type: string;
  value?: unknown;
}

export const STATUSES = ["open", "in_progress", "pending", "resolved", "closed", "cancelled"] as const;
export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export const CHANNELS = ["web", "email", "chat", "phone", "social", "api"] as const;
export const ROLES = ["customer", "agent", "manager", "admin"] as const;
export const EVENTS = ["ticket.created", "ticket.updated", "comment.created", "sla.breached"] as const;

/** What a condition's value is, which decides its input. */
export type ValueKind = "status" | "priority" | "channel" | "role" | "event" | "boolean" | "hours" | "user" | "team" | "tags" | "text";

export interface FieldChoice {
  field: string;
  label: string;
  kind: ValueKind;
  /** Triggers only (about the change), automations only (time), or both. */
  scope: "both" | "trigger" | "automation";
}

const TIME_FIELDS: [string, string][] = [
  ["hours_since_created", "Hours since created"],
  ["hours_since_updated", "Hours since updated"],
  ["hours_since_status_changed", "Hours since status changed"],
  ["hours_since_requester_update", "Hours since requester update"],
  ["hours_since_assignee_update", "Hours since assignee update"],
];

/** The fields the structured editor offers (custom fields are added from their definitions). */
export const CONDITION_FIELDS: readonly FieldChoice[] = [
  { field: "event", label: "Event", kind: "event", scope: "trigger" },
  { field: "status", label: "Status", kind: "status", scope: "both" },
  { field: "priority", label: "Priority", kind: "priority", scope: "both" },
  { field: "channel", label: "Channel", kind: "channel", scope: "both" },
  { field: "category", label: "Category", kind: "text", scope: "both" },
  { field: "tags", label: "Tags", kind: "tags", scope: "both" },
  { field: "assignee_id", label: "Assignee", kind: "user", scope: "both" },
  { field: "team_id", label: "Team", kind: "team", scope: "both" },
  { field: "requester_email", label: "Requester email", kind: "text", scope: "both" },
  { field: "requester_domain", label: "Requester domain", kind: "text", scope: "both" },
  { field: "subject", label: "Subject", kind: "text", scope: "both" },
  { field: "description", label: "Description", kind: "text", scope: "both" },
  { field: "sla.breached", label: "SLA breached", kind: "boolean", scope: "both" },
  { field: "sla.at_risk", label: "SLA at risk", kind: "boolean", scope: "both" },
  { field: "comment.body", label: "Comment text", kind: "text", scope: "trigger" },
  { field: "comment.internal", label: "Comment is internal", kind: "boolean", scope: "trigger" },
  { field: "comment.author_role", label: "Comment author's role", kind: "role", scope: "trigger" },
  ...["status", "priority", "assignee_id", "team_id", "tags", "category"].map((f) => ({ field: `changed.${f}`, label: `Changed: ${f.replace(/_id$/, "")}`, kind: "boolean" as const, scope: "trigger" as const })),
  ...TIME_FIELDS.flatMap(([field, label]) => [
    { field, label, kind: "hours" as const, scope: "automation" as const },
    { field: `${field}_business`, label: `${label} (business hours)`, kind: "hours" as const, scope: "automation" as const },
  ]),
];

export const OPERATORS: { value: string; label: string }[] = [
  { value: "is", label: "is" },
  { value: "is_not", label: "is not" },
  { value: "in", label: "is one of" },
  { value: "not_in", label: "is none of" },
  { value: "contains", label: "contains" },
  { value: "not_contains", label: "does not contain" },
  { value: "greater_than", label: "greater than" },
  { value: "less_than", label: "less than" },
  { value: "changed", label: "changed" },
  { value: "changed_to", label: "changed to" },
  { value: "changed_from", label: "changed from" },
  { value: "present", label: "is set" },
  { value: "absent", label: "is not set" },
];

/** Operators that take no value, and those that take a list. */
export const NO_VALUE = new Set(["present", "absent", "changed"]);
export const LIST_OPERATORS = new Set(["in", "not_in"]);

export function fieldChoice(field: string): FieldChoice {
  return CONDITION_FIELDS.find((f) => f.field === field) ?? { field, label: field.startsWith("custom_fields.") ? field.slice(14) : field, kind: "text", scope: "both" };
}

/** Enumerated values of a kind (a select offers them), or null for free input. */
export function enumValues(kind: ValueKind): readonly string[] | null {
  switch (kind) {
    case "status":
      return STATUSES;
    case "priority":
      return PRIORITIES;
    case "channel":
      return CHANNELS;
    case "role":
      return ROLES;
    case "event":
      return EVENTS;
    case "boolean":
      return ["true", "false"];
    default:
      return null;
  }
}

/** "a, b ,, c" → ["a", "b", "c"]. */
export const splitList = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** A condition's value as its input shows it. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

/** What a condition's input holds, as the value the API takes for that field and operator. */
export function conditionValue(kind: ValueKind, operator: string, text: string): unknown {
  if (NO_VALUE.has(operator)) return undefined;
  if (LIST_OPERATORS.has(operator)) return splitList(text);
  if (kind === "boolean") return text === "true" ? true : text === "false" ? false : text;
  if (kind === "hours") return text.trim() === "" ? text : Number(text);
  if ((kind === "user" || kind === "team") && text === "") return null;
  return text;
}

/** A condition's value set to what a field of that kind and operator takes. */
export function defaultValue(kind: ValueKind, operator: string): unknown {
  if (NO_VALUE.has(operator)) return undefined;
  if (LIST_OPERATORS.has(operator)) return [];
  const choices = enumValues(kind);
  if (kind === "boolean") return true;
  if (choices) return choices[0];
  if (kind === "hours") return 24;
  if (kind === "user" || kind === "team") return null;
  return "";
}

/** Actions as the editor offers them; `rules` only for rules (macros take neither: API.md). */
export const ACTION_TYPES: { type: string; label: string; rulesOnly?: boolean }[] = [
  { type: "add_comment", label: "Add a comment" },
  { type: "set_status", label: "Set status" },
  { type: "set_priority", label: "Set priority" },
  { type: "assign", label: "Assign" },
  { type: "set_team", label: "Set team" },
  { type: "set_category", label: "Set category" },
  { type: "add_tags", label: "Add tags" },
  { type: "remove_tags", label: "Remove tags" },
  { type: "set_tags", label: "Replace tags" },
  { type: "set_custom_field", label: "Set a custom field" },
  { type: "send_email", label: "Send an email" },
  { type: "notify", label: "Notify staff", rulesOnly: true },
  { type: "webhook", label: "Call a webhook", rulesOnly: true },
];

/** A fresh action of a type, with a value the form can edit. */
export function newAction(type: string): RuleAction {
  switch (type) {
    case "add_comment":
      return { type, value: { body: "", internal: false } };
    case "set_status":
      return { type, value: "pending" };
    case "set_priority":
      return { type, value: "high" };
    case "assign":
      return { type, value: "auto" };
    case "set_team":
    case "set_category":
      return { type, value: null };
    case "add_tags":
    case "remove_tags":
    case "set_tags":
      return { type, value: [] };
    case "set_custom_field":
      return { type, value: { key: "", value: "" } };
    case "send_email":
      return { type, value: { to: "requester", subject: "", body: "" } };
    case "notify":
      return { type, value: { roles: ["manager"], user_ids: [], title: "", body: "" } };
    case "webhook":
      return { type, value: { webhook_id: "" } };
    default:
      return { type };
  }
}

const quote = (s: string, max = 60) => `“${s.length > max ? `${s.slice(0, max - 1)}…` : s}”`;

/** One line per action, for lists ("Set status: pending", "Add an internal note “…”"). */
export function describeAction(action: RuleAction, names: { user?: (id: string) => string; team?: (id: string) => string } = {}): string {
  const v = action.value as any;
  switch (action.type) {
    case "add_comment":
      return `${v?.internal ? "Add an internal note" : "Reply"} ${quote(String(v?.body ?? ""))}`;
    case "set_status":
      return `Set status: ${String(v).replace(/_/g, " ")}`;
    case "set_priority":
      return `Set priority: ${v}`;
    case "assign":
      return v === null ? "Unassign" : v === "auto" ? "Assign automatically" : `Assign to ${names.user?.(v) ?? v}`;
    case "set_team":
      return v === null ? "Remove the team" : `Set team: ${names.team?.(v) ?? v}`;
    case "set_category":
      return v === null ? "Clear the category" : `Set category: ${v}`;
    case "add_tags":
      return `Add tags: ${(v as string[]).join(", ")}`;
    case "remove_tags":
      return `Remove tags: ${(v as string[]).join(", ")}`;
    case "set_tags":
      return `Replace tags with: ${(v as string[]).join(", ") || "none"}`;
    case "set_custom_field":
      return `Set ${v?.key}: ${valueText(v?.value)}`;
    case "send_email":
      return `Email ${v?.to}: ${quote(String(v?.subject ?? ""))}`;
    case "notify":
      return `Notify ${[...(v?.roles ?? []), ...(v?.user_ids ?? []).map((id: string) => names.user?.(id) ?? id)].join(", ")}: ${quote(String(v?.title ?? ""))}`;
    case "webhook":
      return "Call a webhook";
    default:
      return action.type;
  }
}

/** The ticket fields a macro or rule may change, as the preview compares them. */
interface TicketLike {
  status: string;
  custom_status?: string | null;
  priority: string;
  category?: string | null;
  assignee_id: string | null;
  team_id: string | null;
  tags: string[];
  custom_fields?: Record<string, unknown>;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** What would change between the ticket now and the ticket a preview returns. */
export function ticketChanges(before: TicketLike, after: TicketLike): FieldChange[] {
  const out: FieldChange[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  for (const field of ["status", "custom_status", "priority", "category", "assignee_id", "team_id"] as const) {
    if (!same(before[field], after[field])) out.push({ field, from: before[field] ?? null, to: after[field] ?? null });
  }
  if (!same([...before.tags].sort(), [...after.tags].sort())) out.push({ field: "tags", from: before.tags, to: after.tags });
  const keys = new Set([...Object.keys(before.custom_fields ?? {}), ...Object.keys(after.custom_fields ?? {})]);
  for (const key of [...keys].sort()) {
    const a = before.custom_fields?.[key];
    const b = after.custom_fields?.[key];
    if (!same(a, b)) out.push({ field: `custom_fields.${key}`, from: a ?? null, to: b ?? null });
  }
  // A custom status follows its category: only the status line when both moved the same way.
  const status = out.find((c) => c.field === "status");
  const custom = out.find((c) => c.field === "custom_status");
  if (status && custom && (custom.to === status.to || custom.to === null)) out.splice(out.indexOf(custom), 1);
  return out;
}

/**
 * The API's validation messages (`errors`, keyed by the bad entry's path: `actions.2.value.body`)
 * that belong under `prefix` (`actions.2`), each with the rest of its path.
 */
export function errorsUnder(errors: Record<string, string[]> | undefined, prefix: string): string[] {
  if (!errors) return [];
  const out: string[] = [];
  for (const [path, messages] of Object.entries(errors)) {
    if (path !== prefix && !path.startsWith(`${prefix}.`)) continue;
    const rest = path.slice(prefix.length + 1);
    for (const m of messages) out.push(rest ? `${rest.replace(/^value\.?/, "") || "value"}: ${m}` : m);
  }
  return out;
}

/** The paths of errors no row claims (`name`, `kind`, or a path the form does not show). */
export function otherErrors(errors: Record<string, string[]> | undefined, claimed: (path: string) => boolean): string[] {
  if (!errors) return [];
  return Object.entries(errors)
    .filter(([path]) => !claimed(path))
    .flatMap(([path, messages]) => messages.map((m) => (path ? `${path}: ${m}` : m)));
}

export interface BulkDraft {
  status: string;
  priority: string;
  assignee: string;
  addTags: string;
  removeTags: string;
  macro: string;
}
export const EMPTY_BULK: BulkDraft = { status: "", priority: "", assignee: "", addTags: "", removeTags: "", macro: "" };

/** The bulk body's `changes` from the form; fields left at "no change" are not sent. */
export function bulkChanges(d: BulkDraft, selfId: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.status) out.status = d.status;
  if (d.priority) out.priority = d.priority;
  if (d.assignee) out.assignee_id = d.assignee === "none" ? null : d.assignee === "me" ? selfId : d.assignee;
  const add = splitList(d.addTags.toLowerCase());
  const remove = splitList(d.removeTags.toLowerCase());
  if (add.length) out.add_tags = add;
  if (remove.length) out.remove_tags = remove;
  return out;
}
