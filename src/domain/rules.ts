/**
 * The rule language of triggers, automations and macros (API.md "Automation"), pure: what a
 * condition and an action may say ({@link parseRule}: every bad entry named by its path), whether a
 * rule matches a ticket ({@link evaluate}), what its actions would do ({@link planActions}), the
 * loop guard of a trigger chain ({@link nextInChain}) and the time windows an automation's
 * candidates come from ({@link timeDrivers}, {@link latestQualifyingStart}). No I/O; `now` and the
 * business calendar are parameters.
 */
import { z } from "zod";
import { businessMinutesBetween, type BusinessCalendar } from "./business-hours";
import { checkFieldValue, type FieldCatalog, type FieldDefinition } from "./custom-fields";
import { isBuiltInStatus, STATUS_KEY, type StatusCatalog } from "./custom-statuses";
import { ROLES, type Role } from "./permissions";
import { placeholdersIn } from "./templates";
import {
  MAX_TAG_CHARS,
  MAX_TAGS,
  RULE_EVENT_TYPES,
  TAG_PATTERN,
  TICKET_CHANNELS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  type RuleEventType,
  type RuleKind,
  type TicketChannel,
  type TicketPriority,
  type TicketStatus,
} from "./vocabulary";

// ---------------------------------------------------------------- limits

/** Conditions per list (`all`, `any`): a rule is a sentence, not a program. */
export const MAX_CONDITIONS = 50;
/** Actions per rule or macro. */
export const MAX_ACTIONS = 20;
/** Values of an `in` / `not_in` list. */
export const MAX_LIST_VALUES = 100;
/** Characters of a text a condition compares with. */
export const MAX_CONDITION_TEXT = 1_000;
/** Characters of a comment or mail body an action writes (a canned reply is a few paragraphs). */
export const MAX_ACTION_BODY = 10_000;
/** A time condition beyond ten years of hours never holds for a ticket anyone works on. */
export const MAX_HOURS = 87_600;
/** Users a `notify` action names one by one. */
export const MAX_NOTIFY_USERS = 50;
/** API.md: "a chain stops after 10 steps". */
export const MAX_TRIGGER_CHAIN = 10;

/** A rule as history and events name it (`rule: {id, name}`, the actor being the system). */
export interface RuleRef {
  id: string;
  name: string;
}

// ---------------------------------------------------------------- the ticket and the change as rules see them

/** The ticket's fields a rule reads (wire names). */
export interface RuleTicket {
  status: TicketStatus;
  /** The custom status shown (a status key, or the category's own name when it has none). */
  custom_status: string;
  priority: TicketPriority;
  category: string | null;
  channel: TicketChannel;
  tags: string[];
  assignee_id: string | null;
  team_id: string | null;
  requester_email: string;
  subject: string;
  description: string;
  sla: { breached: boolean; at_risk: boolean };
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  status_changed_at: string;
  requester_updated_at: string | null;
  assignee_updated_at: string | null;
}

/** What happened (triggers): the change's event types and its comment, if one came with it. */
export interface RuleEvent {
  types: readonly RuleEventType[];
  comment: { body: string; internal: boolean; author_role: Role } | null;
}

// ---------------------------------------------------------------- operators and fields

export const OPERATORS = [
  "is",
  "is_not",
  "in",
  "not_in",
  "contains",
  "not_contains",
  "greater_than",
  "less_than",
  "changed",
  "changed_to",
  "changed_from",
  "present",
  "absent",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** What kind of value a field holds: it decides the operators and the values a condition may use. */
type ValueKind = "status" | "status_key" | "priority" | "channel" | "role" | "event" | "text" | "email" | "id" | "tags" | "boolean" | "hours" | "custom";

const ENUMS: Partial<Record<ValueKind, readonly string[]>> = {
  status: TICKET_STATUSES,
  priority: TICKET_PRIORITIES,
  channel: TICKET_CHANNELS,
  role: ROLES,
  event: RULE_EVENT_TYPES,
};

const EQUALITY: Operator[] = ["is", "is_not", "in", "not_in"];
const CHANGES: Operator[] = ["changed", "changed_to", "changed_from"];
const PRESENCE: Operator[] = ["present", "absent"];
const TEXT: Operator[] = ["contains", "not_contains"];

/** Which rules may name a field: both kinds, triggers only (about the change), automations only (about time). */
type Scope = "both" | "trigger" | "automation";

interface FieldSpec {
  kind: ValueKind;
  scope: Scope;
  operators: Operator[];
  /** Triggers may also ask whether the change changed it. */
  changeable: boolean;
}

const field = (kind: ValueKind, operators: Operator[], changeable = true, scope: Scope = "both"): FieldSpec => ({ kind, scope, operators, changeable });

/** The ticket's own fields (both rule kinds; triggers may ask whether a change changed them). */
const TICKET_FIELDS: Record<string, FieldSpec> = {
  status: field("status", EQUALITY),
  custom_status: field("status_key", EQUALITY),
  priority: field("priority", EQUALITY),
  category: field("text", [...EQUALITY, ...TEXT, ...PRESENCE]),
  channel: field("channel", EQUALITY, false),
  tags: field("tags", [...TEXT, ...PRESENCE]),
  assignee_id: field("id", [...EQUALITY, ...PRESENCE]),
  team_id: field("id", [...EQUALITY, ...PRESENCE]),
  requester_email: field("email", [...EQUALITY, ...TEXT], false),
  requester_domain: field("email", [...EQUALITY, ...TEXT], false),
  subject: field("text", ["is", "is_not", ...TEXT]),
  description: field("text", ["is", "is_not", ...TEXT]),
  "sla.breached": field("boolean", ["is", "is_not"]),
  "sla.at_risk": field("boolean", ["is", "is_not"]),
};

/** Fields about the change itself: triggers only. */
const EVENT_FIELDS: Record<string, FieldSpec> = {
  event: field("event", EQUALITY, false, "trigger"),
  "comment.body": field("text", ["is", "is_not", ...TEXT, ...PRESENCE], false, "trigger"),
  "comment.internal": field("boolean", ["is", "is_not"], false, "trigger"),
  "comment.author_role": field("role", EQUALITY, false, "trigger"),
};

/** `hours_since_<what>` (and `…_business`): automations only, each read from one maintained ticket column. */
export const TIME_COLUMNS = {
  hours_since_created: "created_at",
  hours_since_updated: "updated_at",
  hours_since_status_changed: "status_changed_at",
  hours_since_requester_update: "requester_updated_at",
  hours_since_assignee_update: "assignee_updated_at",
} as const satisfies Record<string, keyof RuleTicket>;
export type TimeColumn = (typeof TIME_COLUMNS)[keyof typeof TIME_COLUMNS];
const TIME_OPERATORS: Operator[] = ["greater_than", "less_than", "is"];

/** A custom field's key (`custom_fields.<key>`), as the fields feature names them. */
const CUSTOM_FIELD_KEY = /^[a-z][a-z0-9_]{0,49}$/;

export interface RuleLanguageOptions {
  /** `custom_fields.<key>` conditions and `set_custom_field` actions work (the custom fields feature is there). */
  customFields: boolean;
  /** The `webhook` action works (webhook delivery is there). */
  webhooks: boolean;
}

type Resolved = { name: string; spec: FieldSpec; time?: { column: TimeColumn; business: boolean }; changedOf?: string; custom?: string };

/** The spec of a field name, or why it is not one. */
function resolveField(name: string, options: RuleLanguageOptions): Resolved | string {
  const plain = TICKET_FIELDS[name] ?? EVENT_FIELDS[name];
  if (plain) return { name, spec: plain };
  if (name.startsWith("changed.")) {
    const of = name.slice("changed.".length);
    if (!TICKET_FIELDS[of]?.changeable) return `changed.<field> takes one of: ${CHANGEABLE_FIELDS.join(", ")}`;
    return { name, spec: field("boolean", ["is", "is_not"], false, "trigger"), changedOf: of };
  }
  const business = name.endsWith("_business");
  const base = business ? name.slice(0, -"_business".length) : name;
  if (base in TIME_COLUMNS) {
    return { name, spec: field("hours", TIME_OPERATORS, false, "automation"), time: { column: TIME_COLUMNS[base as keyof typeof TIME_COLUMNS], business } };
  }
  if (name.startsWith("custom_fields.")) {
    if (!options.customFields) return "custom fields are not available on this deployment yet";
    const key = name.slice("custom_fields.".length);
    if (!CUSTOM_FIELD_KEY.test(key)) return "custom_fields.<key>: the key is lowercase letters, digits and _";
    return { name, spec: field("custom", [...EQUALITY, ...TEXT, ...PRESENCE, "greater_than", "less_than"]), custom: key };
  }
  return `unknown field "${name.slice(0, 60)}"`;
}

const CHANGEABLE_FIELDS = Object.entries(TICKET_FIELDS)
  .filter(([, s]) => s.changeable)
  .map(([n]) => n);

/** Every field a condition may name (`custom_fields.<key>` stands for each custom field). */
export const CONDITION_FIELDS: readonly string[] = [
  ...Object.keys(TICKET_FIELDS),
  ...Object.keys(EVENT_FIELDS),
  ...CHANGEABLE_FIELDS.map((f) => `changed.${f}`),
  ...Object.keys(TIME_COLUMNS).flatMap((f) => [f, `${f}_business`]),
  "custom_fields.<key>",
];

// ---------------------------------------------------------------- shapes (what the wire may hold)

export const ConditionShape = z.object({ field: z.string().min(1).max(100), operator: z.enum(OPERATORS), value: z.unknown().optional() }).strict();
export const ConditionsShape = z
  .object({ all: z.array(ConditionShape).max(MAX_CONDITIONS).default([]), any: z.array(ConditionShape).max(MAX_CONDITIONS).default([]) })
  .strict();
export type ConditionsInput = z.infer<typeof ConditionsShape>;

export const ACTION_TYPES = [
  "set_status",
  "set_priority",
  "set_category",
  "set_team",
  "assign",
  "add_tags",
  "remove_tags",
  "set_tags",
  "set_custom_field",
  "add_comment",
  "send_email",
  "notify",
  "webhook",
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];
export const ActionShape = z.object({ type: z.enum(ACTION_TYPES), value: z.unknown().optional() }).strict();
export type ActionInput = z.infer<typeof ActionShape>;

// ---------------------------------------------------------------- parsed rules

export type ConditionValue = string | number | boolean | null | string[];
export interface Condition {
  field: string;
  operator: Operator;
  value?: ConditionValue;
}
export interface Conditions {
  all: Condition[];
  any: Condition[];
}

export type StaffRole = Exclude<Role, "customer">;
export const STAFF_ROLES = ROLES.filter((r): r is StaffRole => r !== "customer");
export const EMAIL_RECIPIENTS = ["requester", "assignee", "team_manager"] as const;

export type RuleAction =
  /** A status category, or a custom status key (the ticket moves to its category, as PATCH's custom_status). */
  | { type: "set_status"; value: string }
  | { type: "set_priority"; value: TicketPriority }
  | { type: "set_category"; value: string | null }
  | { type: "set_team"; value: string | null }
  | { type: "assign"; value: string | null }
  | { type: "add_tags" | "remove_tags" | "set_tags"; value: string[] }
  | { type: "set_custom_field"; value: { key: string; value: string | number | boolean | null | string[] } }
  | { type: "add_comment"; value: { body: string; internal: boolean } }
  | { type: "send_email"; value: { to: string; subject: string; body: string } }
  | { type: "notify"; value: { user_ids: string[]; roles: StaffRole[]; title: string; body: string } }
  | { type: "webhook"; value: { webhook_id: string } };

/** Where a list of actions lives: a rule of one kind, or a macro (no webhook, no notify: API.md). */
export type ActionOwner = RuleKind | "macro";

/** One bad entry: its path in the request body (`conditions.all.2.value`) and what is wrong. */
export interface RuleIssue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: RuleIssue[] };

// ---------------------------------------------------------------- placeholders

/** The placeholders rule and macro texts may use (the same renderer as mail: domain/templates.ts). */
export const ACTION_PLACEHOLDERS = [
  "ticket.id",
  "ticket.number",
  "ticket.subject",
  "ticket.description",
  "ticket.status",
  "ticket.priority",
  "ticket.category",
  "ticket.channel",
  "ticket.tags",
  "ticket.url",
  "requester.name",
  "requester.email",
  "assignee.name",
  "assignee.email",
  "current_user.name",
  "support.name",
  "comment.body",
] as const;

// ---------------------------------------------------------------- parsing

const Text = (max: number) => z.string().max(max).refine((s) => s.trim().length > 0, "must not be blank");
const TagValue = z.string().trim().toLowerCase().min(1).max(MAX_TAG_CHARS).regex(TAG_PATTERN, "letters, digits, _ . : - only");
const IdValue = z.string().min(1).max(64);
const Email = z.string().trim().toLowerCase().pipe(z.email().max(254));

const ACTION_VALUES: Record<ActionType, z.ZodType> = {
  set_status: z.string().refine((v) => isBuiltInStatus(v) || STATUS_KEY.test(v), `one of: ${TICKET_STATUSES.join(", ")}, or a custom status key`),
  set_priority: z.enum(TICKET_PRIORITIES),
  set_category: z.string().trim().min(1).max(100).nullable(),
  set_team: IdValue.nullable(),
  assign: IdValue.nullable().describe('a user id, "auto" (the team\'s strategy) or null'),
  add_tags: z.array(TagValue).min(1).max(MAX_TAGS),
  remove_tags: z.array(TagValue).min(1).max(MAX_TAGS),
  set_tags: z.array(TagValue).max(MAX_TAGS),
  set_custom_field: z.object({ key: z.string().regex(CUSTOM_FIELD_KEY), value: z.union([z.string().max(MAX_CONDITION_TEXT), z.number(), z.boolean(), z.null(), z.array(z.string().max(200)).max(MAX_LIST_VALUES)]) }).strict(),
  add_comment: z.object({ body: Text(MAX_ACTION_BODY), internal: z.boolean().default(false) }).strict(),
  send_email: z
    .object({ to: z.union([z.enum(EMAIL_RECIPIENTS), Email]), subject: Text(200), body: Text(MAX_ACTION_BODY) })
    .strict(),
  notify: z
    .object({
      user_ids: z.array(IdValue).max(MAX_NOTIFY_USERS).default([]),
      roles: z.array(z.enum(STAFF_ROLES as [StaffRole, ...StaffRole[]])).max(STAFF_ROLES.length).default([]),
      title: Text(200),
      body: z.string().max(2_000).default(""),
    })
    .strict()
    .refine((v) => v.user_ids.length + v.roles.length > 0, "name user_ids or roles"),
  webhook: z.object({ webhook_id: IdValue }).strict(),
};

/** Texts of an action that take placeholders, by their path under `value`. */
const TEXTS_OF: Partial<Record<ActionType, string[]>> = { add_comment: ["body"], send_email: ["subject", "body"], notify: ["title", "body"] };

const zodIssues = (error: z.ZodError, base: string): RuleIssue[] =>
  error.issues.map((i) => ({ path: [base, ...i.path.map(String)].join("."), message: i.message }));

function parseValue(spec: FieldSpec, operator: Operator, value: unknown, path: string): Parsed<ConditionValue | undefined> {
  const bad = (message: string): Parsed<never> => ({ ok: false, issues: [{ path, message }] });
  if (operator === "present" || operator === "absent" || operator === "changed") {
    return value === undefined || value === null ? { ok: true, value: undefined } : bad(`${operator} takes no value`);
  }
  const scalar = (v: unknown): Parsed<string | number | boolean | null> => {
    const options = ENUMS[spec.kind];
    if (options) return typeof v === "string" && options.includes(v) ? { ok: true, value: v } : bad(`must be one of: ${options.join(", ")}`);
    switch (spec.kind) {
      case "boolean":
        return typeof v === "boolean" ? { ok: true, value: v } : bad("must be true or false");
      case "hours":
        // `is` compares whole hours elapsed, so only a whole number can ever hold.
        if (operator === "is" && !Number.isInteger(v)) return bad("is compares whole hours: give a whole number");
        return typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_HOURS ? { ok: true, value: v } : bad(`must be a number of hours from 0 to ${MAX_HOURS}`);
      case "tags": {
        const t = TagValue.safeParse(v);
        return t.success ? { ok: true, value: t.data } : bad(`must be a tag (${t.error.issues[0]!.message})`);
      }
      case "status_key":
        return typeof v === "string" && STATUS_KEY.test(v) ? { ok: true, value: v } : bad("must be a status or a custom status key");
      case "id":
        if (v === null && (operator === "is" || operator === "is_not" || operator === "changed_to" || operator === "changed_from")) return { ok: true, value: null };
        return typeof v === "string" && v.length > 0 && v.length <= 64 ? { ok: true, value: v } : bad("must be an id (or null with is / is_not)");
      case "custom":
        if (typeof v === "number" && Number.isFinite(v)) return { ok: true, value: v };
        if (typeof v === "boolean" || v === null) return { ok: true, value: v };
        return typeof v === "string" && v.length <= MAX_CONDITION_TEXT ? { ok: true, value: v } : bad("must be a string, number, boolean or null");
      default:
        if (v === null && spec.kind === "text" && (operator === "is" || operator === "is_not" || operator === "changed_to" || operator === "changed_from")) {
          return { ok: true, value: null };
        }
        return typeof v === "string" && v.length > 0 && v.length <= MAX_CONDITION_TEXT ? { ok: true, value: v.toLowerCase() } : bad(`must be a text of 1 to ${MAX_CONDITION_TEXT} characters`);
    }
  };
  if (operator === "in" || operator === "not_in" || (spec.kind === "tags" && (operator === "contains" || operator === "not_contains") && Array.isArray(value))) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES) return bad(`must be a list of 1 to ${MAX_LIST_VALUES} values`);
    const out: string[] = [];
    for (const [i, v] of value.entries()) {
      const one = scalar(v);
      if (!one.ok) return { ok: false, issues: one.issues.map((x) => ({ ...x, path: `${path}.${i}` })) };
      if (typeof one.value !== "string") return bad("list values must be texts");
      out.push(one.value);
    }
    return { ok: true, value: [...new Set(out)] };
  }
  if (value === undefined) return bad(`${operator} needs a value`);
  return scalar(value);
}

function parseCondition(raw: z.infer<typeof ConditionShape>, kind: ActionOwner, path: string, options: RuleLanguageOptions): Parsed<Condition> {
  const resolved = resolveField(raw.field, options);
  if (typeof resolved === "string") return { ok: false, issues: [{ path: `${path}.field`, message: resolved }] };
  const { spec } = resolved;
  if (spec.scope !== "both" && spec.scope !== kind) {
    const only = spec.scope === "trigger" ? "triggers (it is about the change that ran them)" : "automations (time passes on the cron)";
    return { ok: false, issues: [{ path: `${path}.field`, message: `${raw.field} is for ${only}` }] };
  }
  // A tag list changes as a whole: "changed to vip" would mean nothing a user could predict.
  const changes = spec.kind === "tags" ? (["changed"] as Operator[]) : CHANGES;
  const allowed = kind === "trigger" && spec.changeable ? [...spec.operators, ...changes] : spec.operators;
  if (!allowed.includes(raw.operator)) {
    return { ok: false, issues: [{ path: `${path}.operator`, message: `${raw.field} takes: ${allowed.join(", ")}` }] };
  }
  const value = parseValue(spec, raw.operator, raw.value, `${path}.value`);
  if (!value.ok) return value;
  return { ok: true, value: { field: raw.field, operator: raw.operator, ...(value.value !== undefined ? { value: value.value } : {}) } };
}

function parseAction(raw: ActionInput, owner: ActionOwner, path: string, options: RuleLanguageOptions): Parsed<RuleAction> {
  const refuse = (message: string): Parsed<never> => ({ ok: false, issues: [{ path: `${path}.type`, message }] });
  if (owner === "macro" && (raw.type === "webhook" || raw.type === "notify")) return refuse(`macros cannot ${raw.type === "webhook" ? "call webhooks" : "notify"}`);
  if (raw.type === "webhook" && !options.webhooks) return refuse("webhook actions are not available on this deployment yet");
  if (raw.type === "set_custom_field" && !options.customFields) return refuse("custom fields are not available on this deployment yet");
  let input = raw.value;
  // assign: "auto" routes by the team's strategy; any other text is a user id.
  if (raw.type === "assign" && input === undefined) return { ok: false, issues: [{ path: `${path}.value`, message: 'needs a user id, "auto" or null' }] };
  const parsed = ACTION_VALUES[raw.type].safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, `${path}.value`) };
  input = parsed.data;
  const issues: RuleIssue[] = [];
  for (const text of TEXTS_OF[raw.type] ?? []) {
    const s = (input as Record<string, string>)[text]!;
    const unknown = placeholdersIn(s).filter((n) => !(ACTION_PLACEHOLDERS as readonly string[]).includes(n));
    if (unknown.length) issues.push({ path: `${path}.value.${text}`, message: `unknown placeholder(s): ${unknown.map((n) => `{{${n}}}`).join(", ")}; available: ${ACTION_PLACEHOLDERS.join(", ")}` });
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { type: raw.type, value: input } as RuleAction };
}

// ---------------------------------------------------------------- custom fields

/** The operators a custom field's conditions may use, by its type (changed… come on top for triggers). */
const CUSTOM_OPERATORS: Record<FieldDefinition["type"], Operator[]> = {
  text: [...EQUALITY, ...TEXT, ...PRESENCE],
  textarea: ["is", "is_not", ...TEXT, ...PRESENCE],
  integer: ["is", "is_not", "greater_than", "less_than", ...PRESENCE],
  decimal: ["is", "is_not", "greater_than", "less_than", ...PRESENCE],
  checkbox: ["is", "is_not", ...PRESENCE],
  date: ["is", "is_not", ...PRESENCE],
  dropdown: [...EQUALITY, ...PRESENCE],
  multiselect: [...TEXT, ...PRESENCE],
};

/**
 * The custom fields a rule names, checked against the fields that exist (`parseRule` knows the
 * language, not the deployment's fields): the key is a field, the operator suits its type, and every
 * value is one the field could hold (a dropdown's option, a number for an integer …). A field
 * deleted later leaves conditions that never hold and actions the write refuses (on the rule's runs).
 */
export function checkCustomFields(rule: { conditions?: Conditions; actions: readonly RuleAction[] }, catalog: FieldCatalog, kind: ActionOwner, base = ""): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const prefix = "custom_fields.";
  for (const list of ["all", "any"] as const) {
    rule.conditions?.[list].forEach((c, i) => {
      if (!c.field.startsWith(prefix)) return;
      const path = `${base}conditions.${list}.${i}`;
      const def = catalog.get(c.field.slice(prefix.length));
      if (!def) return issues.push({ path: `${path}.field`, message: "no such custom field" });
      const allowed = kind === "trigger" && def.type !== "multiselect" ? [...CUSTOM_OPERATORS[def.type], ...CHANGES] : CUSTOM_OPERATORS[def.type];
      if (!allowed.includes(c.operator)) return issues.push({ path: `${path}.operator`, message: `a ${def.type} field takes: ${allowed.join(", ")}` });
      if (c.value === undefined || c.value === null) return;
      const values = Array.isArray(c.value) ? c.value : [c.value];
      values.forEach((v, j) => {
        const check = checkFieldValue(def, def.type === "multiselect" ? [v] : v);
        if (!check.ok) issues.push({ path: Array.isArray(c.value) ? `${path}.value.${j}` : `${path}.value`, message: check.message });
      });
    });
  }
  rule.actions.forEach((a, i) => {
    if (a.type !== "set_custom_field") return;
    const path = `${base}actions.${i}.value`;
    const def = catalog.get(a.value.key);
    if (!def) return issues.push({ path: `${path}.key`, message: "no such custom field" });
    if (!def.active) return issues.push({ path: `${path}.key`, message: "the field is inactive" });
    const check = checkFieldValue(def, a.value.value);
    if (!check.ok) issues.push({ path: `${path}.value`, message: check.message });
  });
  return issues;
}

/**
 * The custom statuses a rule names, checked against those that exist: a `custom_status` condition
 * compares with a status key or a category's own name; `set_status` to a key needs an active one.
 */
export function checkCustomStatuses(rule: { conditions?: Conditions; actions: readonly RuleAction[] }, catalog: StatusCatalog): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const known = (key: string) => isBuiltInStatus(key) || catalog.has(key);
  for (const list of ["all", "any"] as const) {
    rule.conditions?.[list].forEach((c, i) => {
      if (c.field !== "custom_status" || c.value === undefined || c.value === null) return;
      const values = Array.isArray(c.value) ? c.value : [c.value];
      values.forEach((v, j) => {
        if (!known(String(v))) issues.push({ path: `conditions.${list}.${i}.value${Array.isArray(c.value) ? `.${j}` : ""}`, message: "no such status" });
      });
    });
  }
  rule.actions.forEach((a, i) => {
    if (a.type !== "set_status" || isBuiltInStatus(a.value)) return;
    const def = catalog.get(a.value);
    if (!def) issues.push({ path: `actions.${i}.value`, message: "no such status" });
    else if (!def.active) issues.push({ path: `actions.${i}.value`, message: "the status is inactive" });
  });
  return issues;
}

/** A list of actions, each checked for its owner; at most one comment (one write, one comment). */
export function parseActions(owner: ActionOwner, actions: readonly ActionInput[], options: RuleLanguageOptions, base = "actions"): Parsed<RuleAction[]> {
  const issues: RuleIssue[] = [];
  const out: RuleAction[] = [];
  if (actions.length > MAX_ACTIONS) return { ok: false, issues: [{ path: base, message: `at most ${MAX_ACTIONS} actions` }] };
  actions.forEach((raw, i) => {
    const a = parseAction(raw, owner, `${base}.${i}`, options);
    if (a.ok) out.push(a.value);
    else issues.push(...a.issues);
  });
  const comments = out.filter((a) => a.type === "add_comment").length;
  if (comments > 1) issues.push({ path: base, message: "at most one add_comment: a change writes one comment" });
  return issues.length ? { ok: false, issues } : { ok: true, value: out };
}

/** A rule's conditions and actions, each entry checked against the language and the rule's kind. */
export function parseRule(kind: RuleKind, input: { conditions: ConditionsInput; actions: readonly ActionInput[] }, options: RuleLanguageOptions): Parsed<{ conditions: Conditions; actions: RuleAction[] }> {
  const issues: RuleIssue[] = [];
  const conditions: Conditions = { all: [], any: [] };
  for (const list of ["all", "any"] as const) {
    input.conditions[list].forEach((raw, i) => {
      const c = parseCondition(raw, kind, `conditions.${list}.${i}`, options);
      if (c.ok) conditions[list].push(c.value);
      else issues.push(...c.issues);
    });
  }
  const actions = parseActions(kind, input.actions, options);
  if (!actions.ok) issues.push(...actions.issues);
  else if (!actions.value.length) issues.push({ path: "actions", message: "a rule needs at least one action" });
  if (kind === "automation" && !issues.length && !conditions.all.some(isTimeDriver)) {
    // Without one the rule would hold on a ticket from one minute to the next for no reason of time: that is a trigger.
    issues.push({ path: "conditions.all", message: "an automation needs a time condition in all: hours_since_… with greater_than or is" });
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { conditions, actions: actions.ok ? actions.value : [] } };
}

// ---------------------------------------------------------------- evaluating

const lower = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v);
const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const sameValue = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000") : lower(a) === lower(b);

const HOUR_MS = 3_600_000;

/** Hours of `column` until `now` (business hours under `calendar` when asked; 24/7 without one), or null when the column is empty. */
export function hoursSince(ticket: RuleTicket, column: TimeColumn, business: boolean, now: string, calendar: BusinessCalendar | null): number | null {
  const since = ticket[column];
  if (!since) return null;
  if (business && calendar) return businessMinutesBetween(calendar, since, now) / 60;
  return (Date.parse(now) - Date.parse(since)) / HOUR_MS;
}

function readField(r: Resolved, ticket: RuleTicket): unknown {
  if (r.custom !== undefined) return ticket.custom_fields[r.custom] ?? null;
  switch (r.name) {
    case "requester_domain":
      return ticket.requester_email.slice(ticket.requester_email.lastIndexOf("@") + 1);
    case "sla.breached":
      return ticket.sla.breached;
    case "sla.at_risk":
      return ticket.sla.at_risk;
    default:
      return (ticket as unknown as Record<string, unknown>)[r.name] ?? null;
  }
}

function compare(kind: ValueKind, operator: Operator, actual: unknown, expected: ConditionValue | undefined): boolean {
  switch (operator) {
    case "is":
      if (kind === "hours") return actual !== null && Math.floor(actual as number) === expected;
      return sameValue(actual, expected);
    case "is_not":
      return !sameValue(actual, expected);
    case "in":
      return (expected as string[]).some((v) => sameValue(actual, v));
    case "not_in":
      return !(expected as string[]).some((v) => sameValue(actual, v));
    case "contains":
    case "not_contains": {
      let hit: boolean;
      if (Array.isArray(actual)) {
        const wanted = Array.isArray(expected) ? expected : [expected];
        hit = wanted.some((w) => actual.some((a) => sameValue(a, w)));
      } else hit = typeof actual === "string" && actual.toLowerCase().includes(String(expected));
      return operator === "contains" ? hit : !hit;
    }
    case "greater_than":
      return typeof actual === "number" && typeof expected === "number" && actual > expected;
    case "less_than":
      return typeof actual === "number" && typeof expected === "number" && actual < expected;
    case "present":
      return !isEmpty(actual);
    case "absent":
      return isEmpty(actual);
    case "changed":
    case "changed_to":
    case "changed_from":
      throw new Error("changes are compared in holds()");
  }
}

/** Everything a condition is judged against. */
export interface Situation {
  /** The ticket before the change (null: it was just created); for automations the same as `after`. */
  before: RuleTicket | null;
  after: RuleTicket;
  /**
   * The ticket as the change (and the trigger chain's own firings) left it, when `after` is a later
   * read of it: what changed is theirs (`before` → this), what the ticket is is `after`'s. Another
   * writer's change in between neither makes nor unmakes a trigger's event.
   */
  changed?: RuleTicket;
  /** Triggers: the change; automations: null. */
  event: RuleEvent | null;
  now: string;
  calendar: BusinessCalendar | null;
}

/** Whether one (parsed) condition holds. Comment conditions are false when no comment came with the change. */
export function holds(condition: Condition, s: Situation): boolean {
  const r = resolveField(condition.field, { customFields: true, webhooks: true });
  if (typeof r === "string") return false;
  const { spec } = r;
  if (r.time) {
    const hours = hoursSince(s.after, r.time.column, r.time.business, s.now, s.calendar);
    return compare("hours", condition.operator, hours, condition.value);
  }
  const changedTo = s.changed ?? s.after;
  if (r.changedOf !== undefined) {
    const of = resolveField(r.changedOf, { customFields: true, webhooks: true }) as Resolved;
    const changed = s.event !== null && (s.before === null ? !isEmpty(readField(of, changedTo)) : !sameValue(readField(of, s.before), readField(of, changedTo)));
    return compare("boolean", condition.operator, changed, condition.value);
  }
  if (r.name === "event") {
    const types = s.event?.types ?? [];
    const any = (values: readonly unknown[]) => types.some((t) => values.includes(t));
    switch (condition.operator) {
      case "is":
        return any([condition.value]);
      case "is_not":
        return !any([condition.value]);
      case "in":
        return any(condition.value as string[]);
      default:
        return !any(condition.value as string[]);
    }
  }
  if (r.name.startsWith("comment.")) {
    const comment = s.event?.comment;
    if (!comment) return condition.operator === "absent";
    const actual = r.name === "comment.body" ? comment.body : r.name === "comment.internal" ? comment.internal : comment.author_role;
    return compare(spec.kind, condition.operator, actual, condition.value);
  }
  if (condition.operator === "changed" || condition.operator === "changed_to" || condition.operator === "changed_from") {
    if (!s.event) return false;
    const after = readField(r, changedTo);
    // A new ticket: a field it was created with counts as changed (from nothing).
    const before = s.before === null ? null : readField(r, s.before);
    const changed = s.before === null ? !isEmpty(after) : !sameValue(before, after);
    if (!changed) return false;
    if (condition.operator === "changed") return true;
    if (condition.operator === "changed_to") return sameValue(after, condition.value);
    return s.before !== null && sameValue(before, condition.value);
  }
  return compare(spec.kind, condition.operator, readField(r, s.after), condition.value);
}

/** API.md: a rule matches when every `all` condition holds and, if `any` is non-empty, at least one of it. */
export function matches(conditions: Conditions, s: Situation): boolean {
  return conditions.all.every((c) => holds(c, s)) && (conditions.any.length === 0 || conditions.any.some((c) => holds(c, s)));
}

export interface EvaluableRule {
  conditions: Conditions;
  actions: RuleAction[];
}

/** `evaluate(rule, ticketBefore, ticketAfter, event, now, calendar)` → matched, and the actions to run. */
export function evaluate(
  rule: EvaluableRule,
  before: RuleTicket | null,
  after: RuleTicket,
  event: RuleEvent | null,
  now: string,
  calendar: BusinessCalendar | null,
): { matched: boolean; actions: RuleAction[] } {
  const matched = matches(rule.conditions, { before, after, event, now, calendar });
  return { matched, actions: matched ? rule.actions : [] };
}

// ---------------------------------------------------------------- what actions would do

/** The field edits of a list of actions (wire names); `assignee_id: "auto"` routes by the team's strategy. */
export interface FieldEdit {
  status?: TicketStatus;
  /** A custom status key: the write moves the ticket to its category. */
  custom_status?: string;
  priority?: TicketPriority;
  category?: string | null;
  team_id?: string | null;
  assignee_id?: string | null;
  tags?: string[];
  custom_fields?: Record<string, unknown>;
}

export interface ActionPlan {
  edit: FieldEdit;
  /**
   * The tag actions, in order: `edit.tags` is them applied to the tags as read. A write planned
   * again on the ticket read again (another writer came first) applies them to its tags instead
   * ({@link tagsAfter}), so a tag added meanwhile is kept.
   */
  tagActions: TagAction[];
  comment: { body: string; internal: boolean } | null;
  emails: { to: string; subject: string; body: string }[];
  notifications: { user_ids: string[]; roles: StaffRole[]; title: string; body: string }[];
  webhooks: string[];
}

export type TagAction = Extract<RuleAction, { type: "add_tags" | "remove_tags" | "set_tags" }>;

/** The tags after `actions`, applied one after another to `base` (null: no tag action). */
export function tagsAfter(actions: readonly TagAction[], base: readonly string[]): string[] | null {
  if (!actions.length) return null;
  let tags = [...base];
  for (const a of actions) {
    if (a.type === "add_tags") tags = [...new Set([...tags, ...a.value])];
    else if (a.type === "remove_tags") tags = tags.filter((t) => !a.value.includes(t));
    else tags = [...new Set(a.value)];
  }
  return tags;
}

/**
 * What the actions do to a ticket, in order (texts still hold their placeholders): later field
 * actions win, tag actions apply one after another to the tags so far.
 */
export function planActions(actions: readonly RuleAction[], ticket: Pick<RuleTicket, "tags">): ActionPlan {
  const plan: ActionPlan = { edit: {}, tagActions: [], comment: null, emails: [], notifications: [], webhooks: [] };
  for (const a of actions) {
    switch (a.type) {
      case "set_status":
        if (isBuiltInStatus(a.value)) plan.edit.status = a.value;
        else plan.edit.custom_status = a.value;
        break;
      case "set_priority":
        plan.edit.priority = a.value;
        break;
      case "set_category":
        plan.edit.category = a.value;
        break;
      case "set_team":
        plan.edit.team_id = a.value;
        break;
      case "assign":
        plan.edit.assignee_id = a.value;
        break;
      case "add_tags":
      case "remove_tags":
      case "set_tags":
        plan.tagActions.push(a);
        break;
      case "set_custom_field":
        plan.edit.custom_fields = { ...plan.edit.custom_fields, [a.value.key]: a.value.value };
        break;
      case "add_comment":
        plan.comment = a.value;
        break;
      case "send_email":
        plan.emails.push(a.value);
        break;
      case "notify":
        plan.notifications.push(a.value);
        break;
      case "webhook":
        plan.webhooks.push(a.value.webhook_id);
        break;
    }
  }
  const tags = tagsAfter(plan.tagActions, ticket.tags);
  if (tags !== null) plan.edit.tags = tags;
  return plan;
}

/**
 * The fields an edit would change on the ticket, `{field: [old, new]}`. `assignee_id: "auto"` is
 * left out: who the team's strategy picks is not known without its data.
 */
export function fieldChanges(edit: FieldEdit, ticket: RuleTicket): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const [key, value] of Object.entries(edit) as [keyof FieldEdit, unknown][]) {
    if (key === "custom_fields") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const old = ticket.custom_fields[k] ?? null;
        if (!sameValue(old, v)) out[`custom_fields.${k}`] = [old, v];
      }
      continue;
    }
    if (key === "assignee_id" && value === "auto") continue;
    const old = ticket[key];
    if (key === "tags" ? !sameValue(old, value) : old !== value) out[key] = [old, value];
  }
  return out;
}

// ---------------------------------------------------------------- the loop guard

export interface ChainState {
  /** Triggers that changed the ticket for the original change (each at most once). */
  fired: ReadonlySet<string>;
  /** Triggers that ran and changed nothing (they had nothing to do, or failed): not run again, and no loop. */
  spent?: ReadonlySet<string>;
  /** Triggers run so far. */
  steps: number;
}

export type ChainStep<R> = { kind: "fire"; rule: R } | { kind: "stop"; reason: "loop" | "limit"; rule: R } | { kind: "done" };

/**
 * The next step of a trigger chain (API.md: triggers run in `position` order, each at most once per
 * original change; a trigger's own change is seen by the triggers after it; a chain stops after
 * {@link MAX_TRIGGER_CHAIN} steps). The chain restarts from the first trigger after each firing, with
 * the ticket as it is now and the original change's event; a trigger that fired already and would
 * change the ticket again is a loop (two rules undoing each other): the chain stops there and says so.
 */
export function nextInChain<R extends EvaluableRule & { id: string }>(triggers: readonly R[], chain: ChainState, s: Situation): ChainStep<R> {
  for (const rule of triggers) {
    if (chain.spent?.has(rule.id) || !matches(rule.conditions, s)) continue;
    if (chain.fired.has(rule.id)) {
      if (Object.keys(fieldChanges(planActions(rule.actions, s.after).edit, s.after)).length) return { kind: "stop", reason: "loop", rule };
      continue;
    }
    if (chain.steps >= MAX_TRIGGER_CHAIN) return { kind: "stop", reason: "limit", rule };
    return { kind: "fire", rule };
  }
  return { kind: "done" };
}

// ---------------------------------------------------------------- automations: where candidates come from

/** A time condition that turns true as time passes: each one is a window the cron reads candidates through. */
export interface TimeDriver {
  column: TimeColumn;
  business: boolean;
  operator: "greater_than" | "is";
  hours: number;
}

function isTimeDriver(c: Condition): boolean {
  return (c.operator === "greater_than" || c.operator === "is") && timeOf(c.field) !== null;
}

function timeOf(name: string): { column: TimeColumn; business: boolean } | null {
  const business = name.endsWith("_business");
  const base = business ? name.slice(0, -"_business".length) : name;
  return base in TIME_COLUMNS ? { column: TIME_COLUMNS[base as keyof typeof TIME_COLUMNS], business } : null;
}

/**
 * The time conditions (in `all` and `any`) whose turning true can make the rule match. With no NOT
 * in the language, a rule that did not match can only start matching when the ticket changes or one
 * of these crosses its threshold: the cron reads tickets through the changes and these windows.
 */
export function timeDrivers(conditions: Conditions): TimeDriver[] {
  const out: TimeDriver[] = [];
  for (const c of [...conditions.all, ...conditions.any]) {
    if (!isTimeDriver(c)) continue;
    out.push({ ...timeOf(c.field)!, operator: c.operator as "greater_than" | "is", hours: c.value as number });
  }
  return out;
}

/** A driver's identity among a rule's drivers (its watermarks are kept under it). */
export const driverKey = (d: TimeDriver) => `${d.column}${d.business ? ":business" : ""}:${d.operator}:${d.hours}`;

/**
 * The latest start (value of the driver's column) whose time condition holds at `now`: every ticket
 * with the column at or before it qualifies, none after. Found by bisection on the same arithmetic
 * the evaluator uses, so window and evaluation agree to the millisecond. Null: nothing can qualify
 * (a calendar without enough business time in the last ten years).
 */
export function latestQualifyingStart(driver: TimeDriver, now: string, calendar: BusinessCalendar | null): string | null {
  const end = Date.parse(now);
  const elapsedHours = (start: number) =>
    driver.business && calendar ? businessMinutesBetween(calendar, new Date(start).toISOString(), now) / 60 : (end - start) / HOUR_MS;
  const ok = (start: number) => (driver.operator === "greater_than" ? elapsedHours(start) > driver.hours : elapsedHours(start) >= driver.hours);
  // Elapsed time only grows as the start moves back: find a start far enough back, then bisect.
  let hi = end; // does not qualify (no time elapsed) unless the threshold is 0 with `is`
  if (ok(hi)) return new Date(hi).toISOString();
  let step = Math.max(HOUR_MS, driver.hours * HOUR_MS);
  let lo = end - step;
  const limit = end - (MAX_HOURS + 1) * HOUR_MS * 2;
  while (!ok(lo)) {
    hi = lo;
    step *= 2;
    lo = end - step;
    if (lo < limit) return null;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return new Date(lo).toISOString();
}

/** Statuses an automation never acts on: a closed or cancelled ticket is finished (Zendesk's automations skip closed ones too). */
export const FINISHED_STATUSES: readonly TicketStatus[] = ["closed", "cancelled"];

/** The statuses a ticket can have and still match the rule's `all` status conditions, finished ones left out. */
export function statusScope(conditions: Conditions): TicketStatus[] {
  let scope = TICKET_STATUSES.filter((s) => !FINISHED_STATUSES.includes(s));
  for (const c of conditions.all) {
    if (c.field !== "status") continue;
    const values = Array.isArray(c.value) ? c.value : [c.value];
    if (c.operator === "is" || c.operator === "in") scope = scope.filter((s) => values.includes(s));
    if (c.operator === "is_not" || c.operator === "not_in") scope = scope.filter((s) => !values.includes(s));
  }
  return scope;
}

/** Ticket columns the automation cron filters its windows on (plain columns of the row, cheap to compare). */
export const CANDIDATE_COLUMNS = ["priority", "channel", "category", "team_id", "assignee_id"] as const;
export type CandidateColumn = (typeof CANDIDATE_COLUMNS)[number];

/**
 * A condition of the rule's `all` on a candidate column, for the window query: every ticket the
 * rule matches passes it (values lowercased as the evaluator compares them; null is "no value"),
 * so the query may leave out the rest and the evaluator still judges those it keeps.
 */
export type CandidateFilter = { column: CandidateColumn; operator: "in" | "not_in"; values: (string | null)[] } | { column: CandidateColumn; operator: "present" | "absent" };

/** The rule's `all` conditions that narrow its candidates to columns of the ticket row (`any` is left to the evaluator). */
export function candidateFilters(conditions: Conditions): CandidateFilter[] {
  const out: CandidateFilter[] = [];
  for (const c of conditions.all) {
    if (!(CANDIDATE_COLUMNS as readonly string[]).includes(c.field)) continue;
    const column = c.field as CandidateColumn;
    const values = () => (Array.isArray(c.value) ? c.value : [c.value as string | null]).map((v) => (typeof v === "string" ? v.toLowerCase() : null));
    switch (c.operator) {
      case "is":
      case "in":
        out.push({ column, operator: "in", values: values() });
        break;
      case "is_not":
      case "not_in":
        out.push({ column, operator: "not_in", values: values() });
        break;
      case "present":
      case "absent":
        out.push({ column, operator: c.operator });
        break;
    }
  }
  return out;
}
