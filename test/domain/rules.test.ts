import { describe, expect, it } from "vitest";
import type { BusinessCalendar } from "../../src/domain/business-hours";
import type { Role } from "../../src/domain/permissions";
import {
  candidateFilters,
  CONDITION_FIELDS,
  evaluate,
  fieldChanges,
  holds,
  latestQualifyingStart,
  MAX_TRIGGER_CHAIN,
  nextInChain,
  OPERATORS,
  parseActions,
  parseRule,
  planActions,
  statusScope,
  tagsAfter,
  timeDrivers,
  type Condition,
  type Conditions,
  type Operator,
  type RuleAction,
  type RuleEvent,
  type RuleTicket,
  type Situation,
} from "../../src/domain/rules";
import { renderText } from "../../src/domain/templates";

const NOW = "2030-06-05T12:00:00.000Z";
const ALL_ON = { customFields: true, webhooks: true };
// A deployment without custom fields or webhook delivery: rules naming them are refused, never accepted to do nothing.
const BARE = { customFields: false, webhooks: false };

const ticket = (over: Partial<RuleTicket> = {}): RuleTicket => ({
  status: "open",
  custom_status: over.status ?? "open",
  priority: "medium",
  category: "Billing",
  channel: "email",
  tags: ["vip", "printer"],
  assignee_id: "agent-1",
  team_id: null,
  requester_email: "ann@BigCustomer.com".toLowerCase(),
  subject: "Outage in the EU region",
  description: "Nothing loads since 9:00",
  sla: { breached: false, at_risk: true },
  custom_fields: { plan: "gold", seats: 40 },
  created_at: "2030-06-01T12:00:00.000Z",
  updated_at: "2030-06-05T09:00:00.000Z",
  status_changed_at: "2030-06-02T12:00:00.000Z",
  requester_updated_at: "2030-06-04T12:00:00.000Z",
  assignee_updated_at: null,
  ...over,
});

const updated = (over: Partial<RuleEvent> = {}): RuleEvent => ({ types: ["ticket.updated"], comment: null, ...over });
const commented = (body: string, internal = false, author_role: Role = "customer"): RuleEvent => ({
  types: ["comment.created"],
  comment: { body, internal, author_role },
});

const situation = (over: Partial<Situation> = {}): Situation => ({ before: ticket(), after: ticket(), event: updated(), now: NOW, calendar: null, ...over });
const cond = (field: string, operator: Operator, value?: unknown): Condition => ({ field, operator, ...(value !== undefined ? { value: value as Condition["value"] } : {}) });

/** Parse one condition the way a saved rule is parsed, then judge it. */
function judge(kind: "trigger" | "automation", c: Condition, s: Situation): boolean {
  const parsed = parseRule(kind, rule1(kind, c), ALL_ON);
  if (!parsed.ok) throw new Error(`${c.field} ${c.operator}: ${JSON.stringify(parsed.issues)}`);
  return parsed.value.conditions.all.every((x) => holds(x, s));
}

// ------------------------------------------------------------------------------------------------
// Every field × every operator it takes: one situation where it holds, one where it does not.

type Row = [field: string, operator: Operator, value: unknown, holdsIn: Partial<Situation>, failsIn: Partial<Situation>];
const T = (over: Partial<RuleTicket>) => ({ after: ticket(over), before: ticket(over) });
const changedFrom = (before: Partial<RuleTicket>, after: Partial<RuleTicket>) => ({ before: ticket(before), after: ticket(after) });

const TICKET_ROWS: Row[] = [
  ["status", "is", "open", T({}), T({ status: "pending" })],
  ["status", "is_not", "pending", T({}), T({ status: "pending" })],
  ["status", "in", ["open", "pending"], T({}), T({ status: "resolved" })],
  ["status", "not_in", ["resolved", "closed"], T({}), T({ status: "closed" })],
  ["custom_status", "is", "waiting_on_vendor", T({ status: "pending", custom_status: "waiting_on_vendor" }), T({ status: "pending" })],
  ["custom_status", "is_not", "waiting_on_vendor", T({ status: "pending" }), T({ status: "pending", custom_status: "waiting_on_vendor" })],
  ["custom_status", "in", ["open", "waiting_on_vendor"], T({}), T({ status: "pending" })],
  ["custom_status", "not_in", ["open", "waiting_on_vendor"], T({ status: "pending" }), T({})],
  ["priority", "is", "medium", T({}), T({ priority: "high" })],
  ["priority", "is_not", "low", T({}), T({ priority: "low" })],
  ["priority", "in", ["high", "critical"], T({ priority: "critical" }), T({})],
  ["priority", "not_in", ["high", "critical"], T({}), T({ priority: "high" })],
  // Texts compare without case.
  ["category", "is", "billing", T({}), T({ category: "shipping" })],
  ["category", "is", null, T({ category: null }), T({})],
  ["category", "is_not", "shipping", T({}), T({ category: "Shipping" })],
  ["category", "in", ["billing", "refunds"], T({}), T({ category: null })],
  ["category", "not_in", ["billing"], T({ category: null }), T({})],
  ["category", "contains", "bill", T({}), T({ category: null })],
  ["category", "not_contains", "ship", T({}), T({ category: "shipping" })],
  ["category", "present", undefined, T({}), T({ category: null })],
  ["category", "absent", undefined, T({ category: null }), T({})],
  ["channel", "is", "email", T({}), T({ channel: "web" })],
  ["channel", "is_not", "web", T({}), T({ channel: "web" })],
  ["channel", "in", ["email", "chat"], T({}), T({ channel: "phone" })],
  ["channel", "not_in", ["email", "chat"], T({ channel: "api" }), T({})],
  // Tags: contains one of; not_contains none of.
  ["tags", "contains", "vip", T({}), T({ tags: ["printer"] })],
  ["tags", "contains", ["gold", "printer"], T({}), T({ tags: ["vip"] })],
  ["tags", "not_contains", "spam", T({}), T({ tags: ["spam"] })],
  ["tags", "not_contains", ["spam", "vip"], T({ tags: ["printer"] }), T({})],
  ["tags", "present", undefined, T({}), T({ tags: [] })],
  ["tags", "absent", undefined, T({ tags: [] }), T({})],
  ["assignee_id", "is", "agent-1", T({}), T({ assignee_id: "agent-2" })],
  ["assignee_id", "is", null, T({ assignee_id: null }), T({})],
  ["assignee_id", "is_not", null, T({}), T({ assignee_id: null })],
  ["assignee_id", "in", ["agent-1", "agent-3"], T({}), T({ assignee_id: null })],
  ["assignee_id", "not_in", ["agent-1"], T({ assignee_id: "agent-2" }), T({})],
  ["assignee_id", "present", undefined, T({}), T({ assignee_id: null })],
  ["assignee_id", "absent", undefined, T({ assignee_id: null }), T({})],
  ["team_id", "is", "team-1", T({ team_id: "team-1" }), T({})],
  ["team_id", "is_not", "team-1", T({}), T({ team_id: "team-1" })],
  ["team_id", "in", ["team-1", "team-2"], T({ team_id: "team-2" }), T({})],
  ["team_id", "not_in", ["team-1"], T({}), T({ team_id: "team-1" })],
  ["team_id", "present", undefined, T({ team_id: "team-1" }), T({})],
  ["team_id", "absent", undefined, T({}), T({ team_id: "team-1" })],
  ["requester_email", "is", "Ann@BigCustomer.com", T({}), T({ requester_email: "bob@bigcustomer.com" })],
  ["requester_email", "is_not", "bob@bigcustomer.com", T({}), T({ requester_email: "bob@bigcustomer.com" })],
  ["requester_email", "in", ["x@y.z", "ann@bigcustomer.com"], T({}), T({ requester_email: "x@y.zz" })],
  ["requester_email", "not_in", ["ann@bigcustomer.com"], T({ requester_email: "bob@a.b" }), T({})],
  ["requester_email", "contains", "@bigcustomer", T({}), T({ requester_email: "ann@small.com" })],
  ["requester_email", "not_contains", "@bigcustomer", T({ requester_email: "ann@small.com" }), T({})],
  ["requester_domain", "is", "bigcustomer.com", T({}), T({ requester_email: "ann@notbigcustomer.com" })],
  ["requester_domain", "is_not", "bigcustomer.com", T({ requester_email: "a@b.com" }), T({})],
  ["requester_domain", "in", ["bigcustomer.com", "other.com"], T({}), T({ requester_email: "a@b.com" })],
  ["requester_domain", "not_in", ["bigcustomer.com"], T({ requester_email: "a@b.com" }), T({})],
  ["requester_domain", "contains", "customer", T({}), T({ requester_email: "a@b.com" })],
  ["requester_domain", "not_contains", "customer", T({ requester_email: "a@b.com" }), T({})],
  ["subject", "is", "outage in the eu region", T({}), T({ subject: "Outage" })],
  ["subject", "is_not", "Outage", T({}), T({ subject: "outage" })],
  ["subject", "contains", "OUTAGE", T({}), T({ subject: "All fine" })],
  ["subject", "not_contains", "outage", T({ subject: "All fine" }), T({})],
  ["description", "is", "nothing loads since 9:00", T({}), T({ description: "x" })],
  ["description", "is_not", "x", T({}), T({ description: "X" })],
  ["description", "contains", "loads", T({}), T({ description: "works" })],
  ["description", "not_contains", "loads", T({ description: "works" }), T({})],
  ["sla.breached", "is", false, T({}), T({ sla: { breached: true, at_risk: false } })],
  ["sla.breached", "is_not", false, T({ sla: { breached: true, at_risk: false } }), T({})],
  ["sla.at_risk", "is", true, T({}), T({ sla: { breached: false, at_risk: false } })],
  ["sla.at_risk", "is_not", true, T({ sla: { breached: false, at_risk: false } }), T({})],
  ["custom_fields.plan", "is", "GOLD", T({}), T({ custom_fields: { plan: "silver" } })],
  ["custom_fields.plan", "is_not", "gold", T({ custom_fields: {} }), T({})],
  ["custom_fields.plan", "in", ["gold", "platinum"], T({}), T({ custom_fields: { plan: "free" } })],
  ["custom_fields.plan", "not_in", ["gold"], T({ custom_fields: { plan: "free" } }), T({})],
  ["custom_fields.plan", "contains", "ol", T({}), T({ custom_fields: { plan: "free" } })],
  ["custom_fields.plan", "not_contains", "ol", T({ custom_fields: { plan: "free" } }), T({})],
  ["custom_fields.plan", "present", undefined, T({}), T({ custom_fields: {} })],
  ["custom_fields.plan", "absent", undefined, T({ custom_fields: { plan: null } }), T({})],
  ["custom_fields.seats", "greater_than", 20, T({}), T({ custom_fields: { seats: 20 } })],
  ["custom_fields.seats", "less_than", 50, T({}), T({ custom_fields: { seats: 50 } })],
];

/** Changes (triggers only): the field's value before and after the change. */
const CHANGE_ROWS: Row[] = [
  ["status", "changed", undefined, changedFrom({ status: "pending" }, {}), T({})],
  // A custom status of the same category is a change of custom_status alone.
  ["custom_status", "changed", undefined, changedFrom({ status: "pending" }, { status: "pending", custom_status: "waiting_on_vendor" }), T({ status: "pending" })],
  ["custom_status", "changed_to", "waiting_on_vendor", changedFrom({ status: "pending" }, { status: "pending", custom_status: "waiting_on_vendor" }), changedFrom({ status: "pending", custom_status: "waiting_on_vendor" }, { status: "pending" })],
  ["custom_status", "changed_from", "waiting_on_vendor", changedFrom({ status: "pending", custom_status: "waiting_on_vendor" }, { status: "pending" }), changedFrom({ status: "pending" }, { status: "pending", custom_status: "waiting_on_vendor" })],
  ["status", "changed_to", "open", changedFrom({ status: "pending" }, {}), changedFrom({ status: "open" }, { status: "pending" })],
  ["status", "changed_from", "pending", changedFrom({ status: "pending" }, {}), changedFrom({ status: "new" as never }, {})],
  ["priority", "changed", undefined, changedFrom({ priority: "low" }, {}), T({})],
  ["priority", "changed_to", "critical", changedFrom({}, { priority: "critical" }), changedFrom({ priority: "critical" }, { priority: "critical" })],
  ["priority", "changed_from", "low", changedFrom({ priority: "low" }, {}), changedFrom({ priority: "high" }, {})],
  ["category", "changed", undefined, changedFrom({ category: null }, {}), T({})],
  ["category", "changed_to", "billing", changedFrom({ category: null }, {}), T({})],
  ["category", "changed_from", null, changedFrom({ category: null }, {}), changedFrom({ category: "x" }, { category: "x" })],
  ["tags", "changed", undefined, changedFrom({ tags: ["vip"] }, {}), changedFrom({ tags: ["printer", "vip"] }, {})],
  ["subject", "changed_from", "old", changedFrom({ subject: "OLD" }, {}), changedFrom({ subject: "older" }, {})],
  ["description", "changed", undefined, changedFrom({ description: "x" }, {}), T({})],
  ["description", "changed_to", "nothing loads since 9:00", changedFrom({ description: "x" }, {}), T({})],
  ["sla.at_risk", "changed", undefined, changedFrom({ sla: { breached: false, at_risk: false } }, {}), T({})],
  ["custom_fields.plan", "changed", undefined, changedFrom({ custom_fields: { plan: "free" } }, {}), T({})],
  ["custom_fields.plan", "changed_from", "free", changedFrom({ custom_fields: { plan: "free" } }, {}), changedFrom({ custom_fields: {} }, {})],
  ["assignee_id", "changed", undefined, changedFrom({ assignee_id: null }, {}), T({})],
  ["assignee_id", "changed_to", "agent-1", changedFrom({ assignee_id: null }, {}), changedFrom({ assignee_id: null }, { assignee_id: "agent-2" })],
  ["assignee_id", "changed_from", null, changedFrom({ assignee_id: null }, {}), changedFrom({ assignee_id: "agent-2" }, {})],
  ["team_id", "changed", undefined, changedFrom({}, { team_id: "t" }), T({})],
  ["team_id", "changed_to", "t", changedFrom({}, { team_id: "t" }), changedFrom({}, { team_id: "u" })],
  ["team_id", "changed_from", "t", changedFrom({ team_id: "t" }, {}), changedFrom({}, { team_id: "t" })],
  ["subject", "changed", undefined, changedFrom({ subject: "old" }, {}), T({})],
  ["subject", "changed_to", "outage in the eu region", changedFrom({ subject: "old" }, {}), T({})],
  ["description", "changed_from", "old", changedFrom({ description: "Old" }, {}), changedFrom({ description: "new" }, {})],
  ["sla.breached", "changed", undefined, changedFrom({}, { sla: { breached: true, at_risk: false } }), T({})],
  ["sla.breached", "changed_to", true, changedFrom({}, { sla: { breached: true, at_risk: false } }), T({})],
  ["sla.at_risk", "changed_from", false, changedFrom({ sla: { breached: false, at_risk: false } }, {}), T({})],
  ["changed.status", "is", true, changedFrom({ status: "pending" }, {}), T({})],
  ["changed.status", "is_not", true, T({}), changedFrom({ status: "pending" }, {})],
  ["changed.tags", "is", true, changedFrom({ tags: [] }, {}), T({})],
  ["changed.assignee_id", "is", false, T({}), changedFrom({ assignee_id: null }, {})],
  ["changed.priority", "is", true, changedFrom({ priority: "low" }, {}), T({})],
  ["changed.category", "is", true, changedFrom({ category: null }, {}), T({})],
  ["changed.team_id", "is", true, changedFrom({}, { team_id: "t" }), T({})],
  ["changed.subject", "is", true, changedFrom({ subject: "x" }, {}), T({})],
  ["changed.description", "is", true, changedFrom({ description: "x" }, {}), T({})],
  ["changed.sla.breached", "is", true, changedFrom({}, { sla: { breached: true, at_risk: false } }), T({})],
  ["changed.sla.at_risk", "is", true, changedFrom({ sla: { breached: false, at_risk: false } }, {}), T({})],
  ["custom_fields.plan", "changed_to", "gold", changedFrom({ custom_fields: {} }, {}), T({})],
];

/** About the change itself (triggers only): its event types and its comment. */
const EVENT_ROWS: Row[] = [
  ["event", "is", "comment.created", { event: commented("hi") }, { event: updated() }],
  ["event", "is_not", "comment.created", { event: updated() }, { event: commented("hi") }],
  ["event", "in", ["ticket.created", "sla.breached"], { event: { types: ["sla.breached"], comment: null } }, { event: updated() }],
  ["event", "not_in", ["ticket.created"], { event: updated() }, { event: { types: ["ticket.created"], comment: null } }],
  // One change can be several events at once (a reply that reopens: updated and commented).
  ["event", "is", "ticket.updated", { event: { types: ["ticket.updated", "comment.created"], comment: null } }, { event: commented("x") }],
  ["comment.body", "is", "thanks!", { event: commented("Thanks!") }, { event: commented("thanks") }],
  ["comment.body", "is_not", "thanks!", { event: commented("thanks") }, { event: commented("THANKS!") }],
  ["comment.body", "contains", "refund", { event: commented("I want a REFUND now") }, { event: updated() }],
  ["comment.body", "not_contains", "refund", { event: commented("all good") }, { event: updated() }],
  ["comment.body", "present", undefined, { event: commented("x") }, { event: updated() }],
  ["comment.body", "absent", undefined, { event: updated() }, { event: commented("x") }],
  ["comment.internal", "is", true, { event: commented("n", true, "agent") }, { event: commented("n", false, "agent") }],
  ["comment.internal", "is_not", true, { event: commented("n", false) }, { event: updated() }],
  ["comment.author_role", "is", "customer", { event: commented("x") }, { event: commented("x", false, "agent") }],
  ["comment.author_role", "is_not", "customer", { event: commented("x", false, "admin") }, { event: updated() }],
  ["comment.author_role", "in", ["agent", "manager"], { event: commented("x", false, "manager") }, { event: commented("x") }],
  ["comment.author_role", "not_in", ["customer"], { event: commented("x", true, "agent") }, { event: commented("x") }],
];

/** Time (automations only): hours since a maintained column, 24/7 or in business hours. */
const TIME_ROWS: Row[] = [
  // created 96 h before NOW
  ["hours_since_created", "greater_than", 95, {}, { now: "2030-06-05T10:59:59.999Z" }],
  ["hours_since_created", "less_than", 97, {}, { now: "2030-06-05T13:00:00.000Z" }],
  ["hours_since_created", "is", 96, { now: "2030-06-05T12:59:59.999Z" }, { now: "2030-06-05T13:00:00.000Z" }],
  // updated 3 h before NOW
  ["hours_since_updated", "greater_than", 2.5, {}, T({ updated_at: "2030-06-05T09:30:00.000Z" })],
  ["hours_since_updated", "less_than", 4, {}, T({ updated_at: "2030-06-05T08:00:00.000Z" })],
  ["hours_since_updated", "is", 3, {}, T({ updated_at: "2030-06-05T08:00:00.000Z" })],
  ["hours_since_status_changed", "greater_than", 71, {}, T({ status_changed_at: "2030-06-02T13:00:00.000Z" })],
  ["hours_since_status_changed", "less_than", 73, {}, T({ status_changed_at: "2030-06-01T12:00:00.000Z" })],
  ["hours_since_status_changed", "is", 72, {}, T({ status_changed_at: "2030-06-02T12:00:00.001Z" })],
  ["hours_since_requester_update", "greater_than", 23, {}, T({ requester_updated_at: null })],
  ["hours_since_requester_update", "less_than", 25, {}, T({ requester_updated_at: null })],
  ["hours_since_requester_update", "is", 24, {}, T({ requester_updated_at: "2030-06-05T11:00:00.000Z" })],
  // Nobody assigned ever acted: the condition cannot hold.
  ["hours_since_assignee_update", "greater_than", 1, T({ assignee_updated_at: "2030-06-05T10:00:00.000Z" }), {}],
  ["hours_since_assignee_update", "less_than", 3, T({ assignee_updated_at: "2030-06-05T10:00:00.000Z" }), {}],
  ["hours_since_assignee_update", "is", 2, T({ assignee_updated_at: "2030-06-05T10:00:00.000Z" }), {}],
];

// Mon–Fri 09:00–17:00 UTC. NOW is Wednesday 2030-06-05 12:00.
const OFFICE: BusinessCalendar = { timeZone: "UTC", intervals: [1, 2, 3, 4, 5].map((day) => ({ day: day as 1, start: "09:00", end: "17:00" })), holidays: ["2030-06-04"] };
const BUSINESS_ROWS: Row[] = [
  // Created Saturday 2030-06-01 12:00: business time Mon 06-03 9-17 (8 h), Tue is a holiday, Wed 9-12 (3 h) = 11 h.
  ["hours_since_created_business", "greater_than", 10.9, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T11:50:00.000Z" }],
  ["hours_since_created_business", "is", 11, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T11:59:59.000Z" }],
  ["hours_since_created_business", "less_than", 12, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-06T10:00:00.000Z" }],
  // Updated at 09:00 today: 3 business hours; over the evening nothing accrues.
  ["hours_since_updated_business", "greater_than", 2, { calendar: OFFICE }, { calendar: OFFICE, ...T({ updated_at: "2030-06-05T10:30:00.000Z" }) }],
  // Updated Tuesday (a holiday) 08:00: only Wednesday's three hours count.
  ["hours_since_updated_business", "less_than", 3.5, { calendar: OFFICE, ...T({ updated_at: "2030-06-04T08:00:00.000Z" }) }, { calendar: OFFICE, ...T({ updated_at: "2030-06-03T16:00:00.000Z" }) }],
  ["hours_since_status_changed_business", "greater_than", 10, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T10:00:00.000Z" }],
  ["hours_since_status_changed_business", "less_than", 10, { calendar: OFFICE, now: "2030-06-05T10:00:00.000Z" }, { calendar: OFFICE }],
  ["hours_since_status_changed_business", "is", 11, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T13:00:00.000Z" }],
  ["hours_since_created_business", "less_than", 1, { calendar: OFFICE, now: "2030-06-03T09:59:00.000Z" }, { calendar: OFFICE }],
  ["hours_since_updated_business", "is", 3, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T15:00:00.000Z" }],
  ["hours_since_requester_update_business", "is", 3, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-05T13:00:00.000Z" }],
  ["hours_since_requester_update_business", "less_than", 4, { calendar: OFFICE }, { calendar: OFFICE, now: "2030-06-06T10:00:00.000Z" }],
  ["hours_since_assignee_update_business", "is", 0, { calendar: OFFICE, ...T({ assignee_updated_at: "2030-06-05T11:30:00.000Z" }) }, { calendar: OFFICE }],
  ["hours_since_assignee_update_business", "less_than", 2, { calendar: OFFICE, ...T({ assignee_updated_at: "2030-06-05T11:00:00.000Z" }) }, { calendar: OFFICE, ...T({ assignee_updated_at: "2030-06-05T09:00:00.000Z" }) }],
  ["hours_since_assignee_update_business", "greater_than", 2, { calendar: OFFICE, ...T({ assignee_updated_at: "2030-06-04T12:00:00.000Z" }) }, { calendar: OFFICE, ...T({ assignee_updated_at: "2030-06-05T10:00:00.000Z" }) }],
  ["hours_since_requester_update_business", "greater_than", 3, { calendar: OFFICE, ...T({ requester_updated_at: "2030-06-03T12:00:00.000Z" }) }, { calendar: OFFICE }],
];

describe("evaluator: every field × operator holds where it should and nowhere else", () => {
  const run = (kind: "trigger" | "automation", rows: Row[]) =>
    it.each(rows.map((r) => [`${r[0]} ${r[1]} ${JSON.stringify(r[2])}`, ...r] as const))("%s", (_name, fieldName, operator, value, yes, no) => {
      const c = cond(fieldName, operator, value);
      expect(judge(kind, c, situation(yes))).toBe(true);
      expect(judge(kind, c, situation(no))).toBe(false);
    });
  describe("ticket fields (triggers)", () => run("trigger", TICKET_ROWS));
  describe("ticket fields (automations)", () => run("automation", TICKET_ROWS));
  describe("changes (triggers)", () => run("trigger", CHANGE_ROWS));
  describe("the change's event and comment (triggers)", () => run("trigger", EVENT_ROWS));
  describe("hours since (automations)", () => run("automation", TIME_ROWS));
  describe("business hours (automations)", () => run("automation", BUSINESS_ROWS));

  it("covers every operator of every field the language has", () => {
      const custom = (f: string) => f.replace(/^custom_fields\..*/, "custom_fields.<key>");
    const covered = new Set([...TICKET_ROWS, ...CHANGE_ROWS, ...EVENT_ROWS, ...TIME_ROWS, ...BUSINESS_ROWS].map((r) => `${custom(r[0])} ${r[1]}`));
    const missing: string[] = [];
    for (const f of CONDITION_FIELDS.map((x) => x.replace("<key>", "plan"))) {
      for (const op of OPERATORS) {
        const kind = f.startsWith("hours_since") ? "automation" : "trigger";
        const accepted = parseRule(kind, rule1(kind, cond(f, op, sampleValue(op))), ALL_ON).ok;
        const key = `${custom(f)} ${op}`;
        if (accepted && !covered.has(key)) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
  });
});

/** A value each operator accepts for most fields (what is not, the parser refuses and the coverage check skips). */
function sampleValue(op: Operator): unknown {
  if (op === "present" || op === "absent" || op === "changed") return undefined;
  if (op === "in" || op === "not_in") return ["open"];
  if (op === "greater_than" || op === "less_than") return 5;
  return "open";
}
/** A rule of one condition; an automation gets a time condition beside it that holds in every situation here. */
const isDriver = (c: Condition) => c.field.startsWith("hours_since") && (c.operator === "greater_than" || c.operator === "is");
const rule1 = (kind: "trigger" | "automation", c: Condition) => ({
  conditions: { all: kind === "automation" && !isDriver(c) ? [cond("hours_since_created", "greater_than", 1), c] : [c], any: [] },
  actions: [{ type: "add_tags" as const, value: ["x"] }],
});

describe("evaluator: all / any", () => {
  const yes = cond("status", "is", "open");
  const no = cond("priority", "is", "critical");
  const rule = (all: Condition[], any: Condition[]) => ({ conditions: { all, any }, actions: [{ type: "add_tags", value: ["hit"] }] as RuleAction[] });
  it.each([
    ["every all holds, any empty", [yes, yes], [], true],
    ["one all fails", [yes, no], [], false],
    ["all holds, one of any holds", [yes], [no, yes], true],
    ["all holds, none of any holds", [yes], [no, no], false],
    ["no all, one of any holds", [], [no, yes], true],
    ["nothing at all: matches everything", [], [], true],
  ] as const)("%s", (_n, all, any, expected) => {
    const result = evaluate(rule([...all], [...any]), ticket(), ticket(), updated(), NOW, null);
    expect(result.matched).toBe(expected);
    expect(result.actions).toEqual(expected ? [{ type: "add_tags", value: ["hit"] }] : []);
  });

  it("a new ticket: fields it was created with count as changed, changed_from never holds", () => {
    const s = situation({ before: null, event: { types: ["ticket.created"], comment: null } });
    expect(holds(cond("priority", "changed_to", "medium"), s)).toBe(true);
    expect(holds(cond("team_id", "changed"), s)).toBe(false);
    expect(holds(cond("priority", "changed_from", "low"), s)).toBe(false);
    expect(holds(cond("changed.category", "is", true), s)).toBe(true);
  });

  it("without a change (an automation, a dry run) nothing counts as changed", () => {
    expect(holds(cond("status", "changed"), situation({ before: ticket({ status: "pending" }), event: null }))).toBe(false);
  });
});

describe("parseRule: invalid rules refused with the bad entry named", () => {
  const base = { conditions: { all: [cond("status", "is", "open")], any: [] }, actions: [{ type: "set_priority" as const, value: "high" }] };
  const refused = (kind: "trigger" | "automation", input: unknown, options = BARE) => {
    const r = parseRule(kind, input as never, options);
    if (r.ok) throw new Error("accepted");
    return r.issues;
  };
  it.each([
    ["unknown field", { ...base, conditions: { all: [], any: [cond("colour", "is", "red")] } }, "conditions.any.0.field", /unknown field "colour"/],
    ["operator the field does not take", { ...base, conditions: { all: [cond("tags", "greater_than", 3)], any: [] } }, "conditions.all.0.operator", /tags takes: contains/],
    ["value outside the enum", { ...base, conditions: { all: [cond("status", "is", "done")], any: [] } }, "conditions.all.0.value", /must be one of: open/],
    ["missing value", { ...base, conditions: { all: [cond("priority", "is")], any: [] } }, "conditions.all.0.value", /needs a value/],
    ["value on present", { ...base, conditions: { all: [cond("team_id", "present", "x")], any: [] } }, "conditions.all.0.value", /takes no value/],
    ["empty in list", { ...base, conditions: { all: [cond("status", "in", [])], any: [] } }, "conditions.all.0.value", /list of 1 to/],
    ["bad list member", { ...base, conditions: { all: [cond("status", "in", ["open", "nope"])], any: [] } }, "conditions.all.0.value.1", /must be one of/],
    ["time in a trigger", { ...base, conditions: { all: [cond("hours_since_created", "greater_than", 3)], any: [] } }, "conditions.all.0.field", /for automations/],
    ["changed.<x> of an unknown field", { ...base, conditions: { all: [cond("changed.colour", "is", true)], any: [] } }, "conditions.all.0.field", /changed.<field> takes/],
    ["custom fields off without the feature", { ...base, conditions: { all: [cond("custom_fields.plan", "is", "gold")], any: [] } }, "conditions.all.0.field", /not available/],
    ["unknown action value", { ...base, actions: [{ type: "set_status", value: "Done!" }] }, "actions.0.value", /one of: open/],
    ["tag with spaces", { ...base, actions: [{ type: "add_tags", value: ["a b"] }] }, "actions.0.value.0", /letters, digits/],
    ["blank comment", { ...base, actions: [{ type: "add_comment", value: { body: "  " } }] }, "actions.0.value.body", /blank/],
    ["unknown placeholder", { ...base, actions: [{ type: "add_comment", value: { body: "Hi {{requester.password}}" } }] }, "actions.0.value.body", /unknown placeholder\(s\): \{\{requester.password\}\}/],
    ["mail to nowhere", { ...base, actions: [{ type: "send_email", value: { to: "not an address", subject: "s", body: "b" } }] }, "actions.0.value.to", /./],
    ["notify nobody", { ...base, actions: [{ type: "notify", value: { title: "t" } }] }, "actions.0.value", /user_ids or roles/],
    ["notify customers", { ...base, actions: [{ type: "notify", value: { roles: ["customer"], title: "t" } }] }, "actions.0.value.roles.0", /./],
    ["webhook off without the feature", { ...base, actions: [{ type: "webhook", value: { webhook_id: "w" } }] }, "actions.0.type", /not available/],
    ["custom field action off without the feature", { ...base, actions: [{ type: "set_custom_field", value: { key: "plan", value: "x" } }] }, "actions.0.type", /not available/],
    ["two comments", { ...base, actions: [{ type: "add_comment", value: { body: "a" } }, { type: "add_comment", value: { body: "b" } }] }, "actions", /at most one add_comment/],
    ["no action", { ...base, actions: [] }, "actions", /at least one action/],
  ] as const)("%s", (_n, input, path, message) => {
    const issues = refused("trigger", input);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)!.message).toMatch(message);
  });

  it("an automation needs a time condition in all; event and comment fields are triggers'", () => {
    expect(refused("automation", base)).toEqual([{ path: "conditions.all", message: expect.stringMatching(/time condition/) }]);
    expect(refused("automation", { ...base, conditions: { all: [cond("event", "is", "ticket.created"), cond("hours_since_created", "greater_than", 1)], any: [] } })[0]!.path).toBe("conditions.all.0.field");
    expect(refused("automation", { ...base, conditions: { all: [cond("status", "changed"), cond("hours_since_created", "greater_than", 1)], any: [] } })[0]!.path).toBe("conditions.all.0.operator");
    expect(parseRule("automation", { ...base, conditions: { all: [cond("hours_since_updated_business", "greater_than", 72)], any: [] } }, BARE).ok).toBe(true);
  });

  it("names every bad entry at once", () => {
    const issues = refused("trigger", { conditions: { all: [cond("status", "is", "x")], any: [cond("nope", "is", 1)] }, actions: [{ type: "set_priority", value: "urgent" }] });
    expect(issues.map((i) => i.path).sort()).toEqual(["actions.0.value", "conditions.all.0.value", "conditions.any.0.field"]);
  });

  it("macros take neither webhook nor notify", () => {
    const r = parseActions("macro", [{ type: "notify", value: { roles: ["agent"], title: "t" } }], ALL_ON);
    expect(r.ok ? null : r.issues).toEqual([{ path: "actions.0.type", message: "macros cannot notify" }]);
  });

  it("with the features there, custom fields and webhooks parse", () => {
    const r = parseRule("trigger", { conditions: { all: [cond("custom_fields.plan", "is", "gold")], any: [] }, actions: [{ type: "webhook", value: { webhook_id: "w1" } }, { type: "set_custom_field", value: { key: "plan", value: "x" } }] }, ALL_ON);
    expect(r.ok).toBe(true);
  });
});

describe("placeholders: the one renderer, values never re-read as templates", () => {
  it("fills the offered names, leaves unknown ones empty, never runs a value", () => {
    const vars = { "ticket.subject": "{{requester.email}} <b>", "requester.email": "secret@x.y" };
    expect(renderText("Re: {{ticket.subject}} {{constructor}} {{ __proto__ }}", vars)).toBe("Re: {{requester.email}} <b>  {{ __proto__ }}");
  });
});

describe("planActions / fieldChanges", () => {
  it("applies tag actions in order and keeps the last of each field", () => {
    const plan = planActions(
      [
        { type: "add_tags", value: ["a", "vip"] },
        { type: "remove_tags", value: ["printer"] },
        { type: "set_priority", value: "high" },
        { type: "set_priority", value: "critical" },
        { type: "assign", value: "auto" },
        { type: "add_comment", value: { body: "x", internal: true } },
        { type: "send_email", value: { to: "requester", subject: "s", body: "b" } },
      ],
      ticket(),
    );
    expect(plan.edit).toEqual({ priority: "critical", assignee_id: "auto", tags: ["vip", "a"] });
    expect(plan.comment).toEqual({ body: "x", internal: true });
    expect(plan.emails).toHaveLength(1);
    expect(fieldChanges(plan.edit, ticket())).toEqual({ priority: ["medium", "critical"], tags: [["vip", "printer"], ["vip", "a"]] });
  });

  // The plan's tag actions, applied again to the tags of a ticket read again (another writer came first).
  it.each([
    { actions: [], base: ["x"], tags: null },
    { actions: [{ type: "add_tags", value: ["nudged"] }], base: ["vip"], tags: ["vip", "nudged"] },
    { actions: [{ type: "add_tags", value: ["vip"] }], base: ["vip"], tags: ["vip"] },
    { actions: [{ type: "remove_tags", value: ["printer"] }], base: ["vip", "printer", "new"], tags: ["vip", "new"] },
    { actions: [{ type: "add_tags", value: ["a"] }, { type: "remove_tags", value: ["a", "b"] }], base: ["b", "c"], tags: ["c"] },
    { actions: [{ type: "remove_tags", value: ["a"] }, { type: "add_tags", value: ["a"] }], base: ["a", "c"], tags: ["c", "a"] },
    { actions: [{ type: "set_tags", value: ["s", "s"] }, { type: "add_tags", value: ["t"] }], base: ["vip"], tags: ["s", "t"] },
  ] as { actions: Parameters<typeof tagsAfter>[0]; base: string[]; tags: string[] | null }[])("tagsAfter %j", ({ actions, base, tags }) => {
    expect(tagsAfter(actions, base)).toEqual(tags);
    // As the plan made from a ticket with those tags has them.
    if (tags) expect(planActions(actions, { tags: base }).edit.tags).toEqual(tags);
  });
});

describe("the loop guard", () => {
  const trig = (id: string, all: Condition[], actions: RuleAction[]) => ({ id, conditions: { all, any: [] }, actions });
  const flipXY = trig("r1", [cond("tags", "contains", "x")], [{ type: "remove_tags", value: ["x"] }, { type: "add_tags", value: ["y"] }]);
  const flipYX = trig("r2", [cond("tags", "contains", "y")], [{ type: "remove_tags", value: ["y"] }, { type: "add_tags", value: ["x"] }]);

  /** Runs a chain to its end the way the trigger runner does, applying each firing's tag edit. */
  function chain(triggers: ReturnType<typeof trig>[], start: RuleTicket) {
    const fired = new Set<string>();
    let current = start;
    const steps: string[] = [];
    for (;;) {
      const step = nextInChain(triggers, { fired, steps: fired.size }, { before: start, after: current, event: updated(), now: NOW, calendar: null });
      if (step.kind === "done") return { steps, end: "done", current };
      if (step.kind === "stop") return { steps, end: `${step.reason}:${step.rule.id}`, current };
      fired.add(step.rule.id);
      steps.push(step.rule.id);
      current = { ...current, ...planActions(step.rule.actions, current).edit } as RuleTicket;
    }
  }

  it("two rules flipping a tag: each fires once, then the loop is stopped and named", () => {
    const r = chain([flipXY, flipYX], ticket({ tags: ["x"] }));
    expect(r.steps).toEqual(["r1", "r2"]);
    expect(r.end).toBe("loop:r1");
    expect(r.current.tags).toEqual(["x"]);
  });

  it("a trigger that still matches but would change nothing is no loop", () => {
    const vip = trig("vip", [cond("priority", "is", "high")], [{ type: "add_tags", value: ["vip"] }]);
    const note = trig("other", [cond("tags", "contains", "vip")], [{ type: "set_category", value: "vip" }]);
    const r = chain([vip, note], ticket({ priority: "high", tags: [] }));
    expect(r).toMatchObject({ steps: ["vip", "other"], end: "done" });
  });

  it("later triggers see earlier triggers' changes, in position order", () => {
    const a = trig("a", [cond("subject", "contains", "outage")], [{ type: "set_priority", value: "critical" }]);
    const b = trig("b", [cond("priority", "is", "critical")], [{ type: "add_tags", value: ["paged"] }]);
    expect(chain([b, a], ticket()).steps).toEqual(["a", "b"]);
  });

  it(`a chain stops after ${MAX_TRIGGER_CHAIN} steps`, () => {
    const many = Array.from({ length: 12 }, (_, i) => trig(`t${i}`, i === 0 ? [] : [cond("tags", "contains", `s${i - 1}`)], [{ type: "add_tags", value: [`s${i}`] }]));
    const r = chain(many, ticket({ tags: [] }));
    expect(r.steps).toHaveLength(MAX_TRIGGER_CHAIN);
    expect(r.end).toBe("limit:t10");
  });
});

describe("automation windows", () => {
  const conditions = (all: Condition[], any: Condition[] = []): Conditions => ({ all, any });

  it("drivers are the time conditions that turn true as time passes", () => {
    expect(
      timeDrivers(conditions([cond("status", "is", "pending"), cond("hours_since_status_changed_business", "greater_than", 72), cond("hours_since_created", "less_than", 500)], [cond("hours_since_updated", "is", 4)])),
    ).toEqual([
      { column: "status_changed_at", business: true, operator: "greater_than", hours: 72 },
      { column: "updated_at", business: false, operator: "is", hours: 4 },
    ]);
  });

  it("the latest qualifying start agrees with the evaluator to the millisecond", () => {
    for (const [driver, calendar] of [
      [{ column: "updated_at", business: false, operator: "greater_than", hours: 72 }, null],
      [{ column: "updated_at", business: false, operator: "is", hours: 2 }, null],
      [{ column: "updated_at", business: true, operator: "greater_than", hours: 10 }, OFFICE],
      [{ column: "updated_at", business: true, operator: "is", hours: 3 }, OFFICE],
    ] as const) {
      const bound = latestQualifyingStart(driver, NOW, calendar)!;
      const c = cond(`hours_since_updated${driver.business ? "_business" : ""}`, driver.operator, driver.hours);
      const at = (ms: number) => situation({ after: ticket({ updated_at: new Date(Date.parse(bound) + ms).toISOString() }), calendar });
      expect(holds(c, at(0))).toBe(true);
      expect(holds(c, at(1))).toBe(false);
    }
    expect(latestQualifyingStart({ column: "updated_at", business: false, operator: "greater_than", hours: 72 }, NOW, null)).toBe("2030-06-02T11:59:59.999Z");
  });

  it.each([
    ["is on an enum", cond("priority", "is", "high"), [{ column: "priority", operator: "in", values: ["high"] }]],
    ["in on a text, as parsed (lowercase)", cond("category", "in", ["billing", "refunds"]), [{ column: "category", operator: "in", values: ["billing", "refunds"] }]],
    ["is null: no value", cond("category", "is", null), [{ column: "category", operator: "in", values: [null] }]],
    ["an id as given, lowercased as the evaluator compares", cond("assignee_id", "is", "Agent-1"), [{ column: "assignee_id", operator: "in", values: ["agent-1"] }]],
    ["is_not", cond("channel", "is_not", "email"), [{ column: "channel", operator: "not_in", values: ["email"] }]],
    ["not_in", cond("team_id", "not_in", ["t1", "T2"]), [{ column: "team_id", operator: "not_in", values: ["t1", "t2"] }]],
    ["is_not null", cond("team_id", "is_not", null), [{ column: "team_id", operator: "not_in", values: [null] }]],
    ["present", cond("assignee_id", "present"), [{ column: "assignee_id", operator: "present" }]],
    ["absent", cond("category", "absent"), [{ column: "category", operator: "absent" }]],
    ["text operators are the evaluator's", cond("category", "contains", "bill"), []],
    ["fields off the row are the evaluator's", cond("requester_domain", "is", "acme.com"), []],
    ["tags are the evaluator's", cond("tags", "contains", "vip"), []],
    ["time conditions are windows, not filters", cond("hours_since_created", "greater_than", 4), []],
  ] as const)("candidate filters: %s", (_name, c, expected) => {
    expect(candidateFilters(conditions([c]))).toEqual(expected);
  });

  it("candidate filters come from all, never from any (one of several may hold)", () => {
    expect(candidateFilters(conditions([cond("priority", "in", ["high", "critical"]), cond("subject", "contains", "outage")], [cond("category", "is", "billing"), cond("channel", "is", "email")]))).toEqual([
      { column: "priority", operator: "in", values: ["high", "critical"] },
    ]);
  });

  it("every ticket the evaluator matches has the filtered values (table of the evaluator's own cases)", () => {
    const cases: [Condition, Partial<RuleTicket>][] = [
      [cond("category", "is", "billing"), { category: "BILLING" }],
      [cond("category", "is", null), { category: null }],
      [cond("assignee_id", "in", ["AGENT-1"]), { assignee_id: "agent-1" }],
      [cond("team_id", "is_not", "t1"), { team_id: null }],
      [cond("category", "not_in", ["billing"]), { category: null }],
      [cond("category", "absent"), { category: null }],
      [cond("assignee_id", "present"), { assignee_id: "agent-1" }],
    ];
    for (const [c, over] of cases) {
      const t = ticket(over);
      expect(holds(c, situation({ after: t }))).toBe(true);
      const [f] = candidateFilters(conditions([c]));
      const value = (t as unknown as Record<string, string | null>)[f!.column] ?? null;
      const lowered = value === null ? null : value.toLowerCase();
      const passes = f!.operator === "in" ? f!.values.includes(lowered) : f!.operator === "not_in" ? !f!.values.includes(lowered) : f!.operator === "present" ? !!value : !value;
      expect(passes, JSON.stringify(c)).toBe(true);
    }
  });

  it("statuses in scope: the all-conditions on status, never closed or cancelled", () => {
    expect(statusScope(conditions([]))).toEqual(["open", "in_progress", "pending", "resolved"]);
    expect(statusScope(conditions([cond("status", "in", ["pending", "closed"])]))).toEqual(["pending"]);
    expect(statusScope(conditions([cond("status", "is_not", "pending")], [cond("status", "is", "open")]))).toEqual(["open", "in_progress", "resolved"]);
  });
});
