import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { failAssumption, generation } from "../../db/batch-assumptions";
import { preparedSelect, runBatch, textStatement, type BatchItem } from "../../db/client";
import { businessCalendars, slaPolicies, tickets } from "../../db/schema";
import { type TicketChannel, type TicketPriority } from "../../domain/vocabulary";
import { validateCalendar, type BusinessCalendar, type CalendarErrorReason } from "../../domain/business-hours";
import type { SlaState, SlaTargets, SlaTerms } from "../../domain/sla";
import { slaStateOf } from "../../domain/ticket-update";
import { AppError, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { isUniqueViolation } from "../../db/errors";
import type { TicketRow } from "../tickets/tickets.serialize";

export type PolicyRow = typeof slaPolicies.$inferSelect;
type CalendarRow = typeof businessCalendars.$inferSelect;

/** The terms a ticket is timed with, and the calendar version to record on it. */
export interface TicketTerms extends SlaTerms {
  calendarId: string | null;
  policy: PolicyRow;
}

export const policyTargets = (p: PolicyRow): SlaTargets => ({
  name: p.name,
  firstResponseMinutes: p.firstResponseMinutes,
  nextResponseMinutes: p.nextResponseMinutes,
  resolutionMinutes: p.resolutionMinutes,
  escalationMinutes: p.escalationMinutes,
});

// ---------------------------------------------------------------- writing a ticket's SLA state

const MONOTONIC = new Set<keyof SlaState>(["firstResponseBreached", "nextResponseBreached", "resolutionBreached", "slaBreached"]);
// The sweep's record of what it announced: only the sweep writes it (conditionally), so no other
// writer can make it announce twice or never.
const SWEEP_OWNED = new Set<keyof SlaState>(["slaAnnounced", "slaEscalated", "slaWarned"]);
const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The SLA columns a change writes, from the state it read and the state it computed: only what
 * changed; breach flags only ever go up (a concurrent sweep may have set one this write did not
 * see); the sweep's announcement state is left alone, except that a new next-response cycle clears
 * its at-risk bit (by a bit operation, so the other bits stay as they are).
 */
export function slaWrites(before: SlaState, after: SlaState): SQLiteUpdateSetSource<typeof tickets> {
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof SlaState)[]) {
    if (SWEEP_OWNED.has(key) || same(before[key], after[key])) continue;
    if (MONOTONIC.has(key) && !after[key]) continue;
    set[key] = after[key];
  }
  const cleared = before.slaWarned & ~after.slaWarned;
  if (cleared) set.slaWarned = sql`${tickets.slaWarned} & ${~cleared}`;
  return set as SQLiteUpdateSetSource<typeof tickets>;
}

/**
 * The columns changeTicket writes: those of `after` that differ from `before` (an unchanged subject
 * is not rewritten, so its full-text index is not either), the SLA ones by slaWrites' rules.
 */
export function slaColumnWrites(before: TicketRow, after: TicketRow): SQLiteUpdateSetSource<typeof tickets> {
  const stateBefore = slaStateOf(before);
  const stateAfter = slaStateOf(after);
  // updated_at always: the UPDATE is never empty, and its CAS sees every change move it.
  const set: Record<string, unknown> = { updatedAt: after.updatedAt };
  for (const key of Object.keys(after) as (keyof TicketRow)[]) {
    if (key === "id" || key in stateAfter || same(before[key], after[key])) continue;
    set[key] = after[key];
  }
  return { ...(set as SQLiteUpdateSetSource<typeof tickets>), ...slaWrites(stateBefore, stateAfter) };
}

// ---------------------------------------------------------------- calendars

// Calendar versions never change once written, so an isolate may keep them; the bound keeps a
// long-lived isolate's memory flat however often the hours are edited.
const CALENDAR_CACHE_SIZE = 64;
const calendarCache = new Map<string, BusinessCalendar>();

const toCalendar = (row: CalendarRow): BusinessCalendar => ({
  timeZone: row.timeZone,
  intervals: row.intervals as BusinessCalendar["intervals"],
  holidays: row.holidays,
});

function remember(id: string, calendar: BusinessCalendar) {
  if (calendarCache.size >= CALENDAR_CACHE_SIZE) calendarCache.delete(calendarCache.keys().next().value!);
  calendarCache.set(id, calendar);
}

/** A calendar version by id (null id = 24/7). */
export async function calendarById(ctx: ServiceContext, id: string | null): Promise<BusinessCalendar | null> {
  if (!id) return null;
  const cached = calendarCache.get(id);
  if (cached) return cached;
  const [row] = await ctx.db.select().from(businessCalendars).where(eq(businessCalendars.id, id)).limit(1);
  if (!row) return null;
  const calendar = toCalendar(row);
  remember(id, calendar);
  return calendar;
}

/** The newest calendar version, if hours were ever configured. */
async function currentCalendarRow(ctx: ServiceContext): Promise<CalendarRow | null> {
  const [row] = await ctx.db.select().from(businessCalendars).orderBy(desc(businessCalendars.createdAt), desc(businessCalendars.id)).limit(1);
  return row ?? null;
}

/** The business hours in force now (null: none configured, 24/7): what `…_business` rule conditions count in. */
export async function currentCalendar(ctx: ServiceContext): Promise<BusinessCalendar | null> {
  const row = await currentCalendarRow(ctx);
  if (!row) return null;
  const calendar = toCalendar(row);
  remember(row.id, calendar);
  return calendar;
}

/** "Until business hours are configured the calendar is 24/7" (API.md). */
const ALWAYS_OPEN = { time_zone: "UTC", intervals: [] as { day: number; start: string; end: string }[], holidays: [] as string[] };

export async function getBusinessHours(ctx: ServiceContext) {
  const row = await currentCalendarRow(ctx);
  return row ? { time_zone: row.timeZone, intervals: row.intervals, holidays: row.holidays } : ALWAYS_OPEN;
}

/** `timeZone` → `time_zone`, `intervals[2].end` → `intervals.2.end` (the wire's field paths). */
function wirePath(reason: CalendarErrorReason): string {
  if (!reason.path) return "_";
  return reason.path.replace(/^timeZone/, "time_zone").replace(/\[(\d+)\]/g, ".$1");
}

/** A new calendar version; applies to tickets created or re-prioritised afterwards. */
export async function putBusinessHours(ctx: ServiceContext, input: { time_zone: string; intervals: { day: number; start: string; end: string }[]; holidays: string[] }) {
  const checked = validateCalendar({ timeZone: input.time_zone, intervals: input.intervals, holidays: input.holidays });
  if (!checked.ok) throw validation("Invalid business hours", { [wirePath(checked.reason)]: [checked.reason.message] });
  const holidays = [...new Set(checked.calendar.holidays)].sort();
  const row: CalendarRow = {
    id: newId(ctx.now.getTime()),
    timeZone: checked.calendar.timeZone,
    intervals: checked.calendar.intervals.map((i) => ({ day: i.day, start: i.start, end: i.end })),
    holidays,
    createdAt: ctx.now.toISOString(),
    createdById: ctx.actor?.id ?? null,
  };
  const before = await getBusinessHours(ctx);
  await runBatch(ctx.db, [
    ctx.db.insert(businessCalendars).values(row),
    auditInsert(ctx, {
      action: "business_hours.updated",
      entityType: "business_hours",
      entityId: row.id,
      changes: { time_zone: [before.time_zone, row.timeZone], intervals: [before.intervals, row.intervals], holidays: [before.holidays, row.holidays] },
    }),
  ]);
  remember(row.id, toCalendar(row));
  return { time_zone: row.timeZone, intervals: row.intervals, holidays: row.holidays };
}

// ---------------------------------------------------------------- policies

/** Specificity of a policy's scope: category and channel both > category > channel > neither. */
const specificity = (p: PolicyRow) => (p.category !== null ? 2 : 0) + (p.channel !== null ? 1 : 0);

/** The most specific policy of the priority that fits the ticket's category and channel. */
export async function policyFor(ctx: ServiceContext, scope: { priority: TicketPriority; category: string | null; channel: TicketChannel }, read?: PolicyRow[]): Promise<PolicyRow> {
  const rows = read ?? (await priorityPolicies(ctx.db.$client, [scope.priority])).map((r) => r.policy);
  const category = scope.category?.toLowerCase() ?? null;
  const fits = rows.filter((p) => (p.category === null || p.category === category) && (p.channel === null || p.channel === scope.channel));
  fits.sort((a, b) => specificity(b) - specificity(a) || a.name.localeCompare(b.name));
  const policy = fits[0];
  if (!policy) throw new AppError("INTERNAL_ERROR", `No SLA policy for priority ${scope.priority}`);
  return policy;
}

/**
 * A priority's few policies, read through sla_policies_scope_uq's first column, as prepared text
 * (no query building); `.inBatch` puts it in a create's own D1 batch.
 */
export const priorityPolicies = preparedSelect({ policy: slaPolicies }, 'from "sla_policies" where "sla_policies"."priority" = ?');

// A priority's policies as D1 holds them, as one text: every column of each, in the order of
// sla_policies_scope_uq (no sort), the rowid last (its entries end in it, so still no sort): a total
// order whatever the index holds, so the same rows are always the same text. The copy an isolate
// keeps (its text read by this same SQL) is good while D1's text is the same (an admin's edit, a direct write).
const policiesText = `(select json_group_array(json_array("name", "priority", "first_response_minutes", "next_response_minutes", "resolution_minutes", "escalation_minutes", "business_hours", "category", "channel", "escalation_raise_priority", "escalation_reassign")) from (select * from "sla_policies" where "priority" = ? order by coalesce("category", ''), coalesce("channel", ''), rowid))`;
const POLICIES_TEXT = `select ${policiesText} as "text"`;
/**
 * Fails the batch (db/batch-assumptions.ts, "policies") unless the priority's policies are still
 * the copy's (bound: the priority, the copy's text). The subquery is not constant, so the failure
 * is evaluated only when the texts differ.
 */
const POLICIES_UNCHANGED = `select ${failAssumption("policies", '"text"')} from (select ${policiesText} as "text") where "text" is not ?`;

/**
 * The isolate's copy of each priority's policies, with D1's text of them, and the count of failed
 * "policies" assumptions it was read under (stale once another failed).
 */
const policyCopies = new Map<TicketPriority, { policies: PolicyRow[]; text: string; generation: number }>();

/**
 * A priority's policies for a new ticket, without a D1 call of their own: this isolate's copy, and
 * a statement for the ticket's batch that fails it when the copy is stale (the writer then plans
 * the create again, and this reads them again: features/tickets/ticket-write.ts). Read once per
 * isolate and priority, and after each failure, in one call with their text.
 */
export async function assumedPolicies(ctx: ServiceContext, priority: TicketPriority): Promise<{ policies: PolicyRow[]; check: BatchItem }> {
  let copy = policyCopies.get(priority);
  if (!copy || copy.generation !== generation("policies")) {
    const under = generation("policies");
    const d1 = ctx.db.$client;
    const read = priorityPolicies.inBatch(d1, [priority]);
    const [rows, text] = await d1.batch([read.statement, d1.prepare(POLICIES_TEXT).bind(priority)]);
    copy = { policies: read.rows(rows!).map((r) => r.policy), text: (text!.results[0] as { text: string }).text, generation: under };
    policyCopies.set(priority, copy);
  }
  return { policies: copy.policies, check: textStatement(ctx.db, POLICIES_UNCHANGED, [priority, copy.text]) };
}

/**
 * The terms for a ticket being created or re-prioritised now: its policy, and the current hours if
 * the policy uses them. `policies`: the priority's policies, when the caller read them already.
 */
export async function termsFor(ctx: ServiceContext, scope: { priority: TicketPriority; category: string | null; channel: TicketChannel }, policies?: PolicyRow[]): Promise<TicketTerms> {
  const policy = await policyFor(ctx, scope, policies);
  const row = policy.businessHours ? await currentCalendarRow(ctx) : null;
  if (row) remember(row.id, toCalendar(row));
  return { policy, targets: policyTargets(policy), calendar: row ? toCalendar(row) : null, calendarId: row?.id ?? null };
}

/** A policy by its name, as prepared text: read by every write of a ticket from before the engine (no copied terms). */
const policyByName = preparedSelect({ policy: slaPolicies }, 'from "sla_policies" where "sla_policies"."name" = ? limit 1');

/**
 * The terms a ticket runs on: the copy taken when it was created or re-prioritised. `oldPolicy`: a
 * ticket from before the engine's policy by name, when it was read with the ticket (null: none).
 */
export async function termsOfTicket(
  ctx: ServiceContext,
  row: Pick<TicketRow, "slaTargets" | "slaCalendarId" | "slaPolicy" | "priority" | "category" | "channel">,
  oldPolicy?: PolicyRow | null,
): Promise<SlaTerms> {
  let targets = row.slaTargets;
  if (!targets) {
    // A ticket from before the engine: its policy by name (or its priority's policy if renamed since).
    const byName = oldPolicy !== undefined ? oldPolicy : ((await policyByName(ctx.db.$client, [row.slaPolicy]))[0]?.policy ?? null);
    targets = policyTargets(byName ?? (await policyFor(ctx, row)));
  }
  return { targets, calendar: await calendarById(ctx, row.slaCalendarId) };
}

export function toPolicy(p: PolicyRow) {
  return {
    name: p.name,
    priority: p.priority,
    category: p.category,
    channel: p.channel,
    first_response_minutes: p.firstResponseMinutes,
    next_response_minutes: p.nextResponseMinutes,
    resolution_minutes: p.resolutionMinutes,
    escalation_minutes: p.escalationMinutes,
    business_hours: p.businessHours,
    escalation_raise_priority: p.escalationRaisePriority,
    escalation_reassign: p.escalationReassign,
  };
}
export type Policy = ReturnType<typeof toPolicy>;

// Policies are a handful per priority; the list is one short page by design.
const MAX_POLICIES = 200;

export async function listPolicies(ctx: ServiceContext) {
  const rows = await ctx.db.select().from(slaPolicies).limit(MAX_POLICIES);
  const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
  rows.sort((a, b) => rank[a.priority] - rank[b.priority] || specificity(a) - specificity(b) || a.name.localeCompare(b.name));
  return { data: rows.map(toPolicy) };
}

export interface PolicyInput {
  name?: string | undefined;
  priority: TicketPriority;
  category?: string | null | undefined;
  channel?: TicketChannel | null | undefined;
  first_response_minutes: number;
  next_response_minutes: number;
  resolution_minutes: number;
  escalation_minutes: number;
  business_hours: boolean;
  escalation_raise_priority?: boolean | undefined;
  escalation_reassign?: PolicyRow["escalationReassign"] | undefined;
}

const isBase = (p: Pick<PolicyRow, "category" | "channel">) => p.category === null && p.channel === null;

/**
 * Creates or replaces the policy `name`. Every priority keeps one policy without category and
 * channel (the fallback of every ticket), so a change that would leave a priority without one is a conflict.
 */
export async function putPolicy(ctx: ServiceContext, name: string, input: PolicyInput): Promise<{ created: boolean; policy: Policy }> {
  if (input.name !== undefined && input.name !== name) throw validation("Invalid policy", { name: ["must match the name in the path"] });
  const [before] = await ctx.db.select().from(slaPolicies).where(eq(slaPolicies.name, name)).limit(1);
  const row: PolicyRow = {
    name,
    priority: input.priority,
    category: input.category?.toLowerCase() ?? null,
    channel: input.channel ?? null,
    firstResponseMinutes: input.first_response_minutes,
    nextResponseMinutes: input.next_response_minutes,
    resolutionMinutes: input.resolution_minutes,
    escalationMinutes: input.escalation_minutes,
    businessHours: input.business_hours,
    escalationRaisePriority: input.escalation_raise_priority ?? before?.escalationRaisePriority ?? false,
    escalationReassign: input.escalation_reassign ?? before?.escalationReassign ?? "manager",
  };
  if (before && isBase(before) && (row.priority !== before.priority || !isBase(row))) {
    const [other] = await ctx.db
      .select({ name: slaPolicies.name })
      .from(slaPolicies)
      .where(and(eq(slaPolicies.priority, before.priority), isNull(slaPolicies.category), isNull(slaPolicies.channel), ne(slaPolicies.name, name)))
      .limit(1);
    if (!other) throw new AppError("CONFLICT", `Policy ${name} is the only one for ${before.priority} tickets without category or channel; it must stay so`);
  }
  const changes: Record<string, [unknown, unknown]> = {};
  const wireBefore = before ? toPolicy(before) : null;
  const wireAfter = toPolicy(row);
  for (const [k, v] of Object.entries(wireAfter)) {
    const old = wireBefore ? (wireBefore as Record<string, unknown>)[k] : null;
    if (old !== v) changes[k] = [old, v];
  }
  if (before && !Object.keys(changes).length) return { created: false, policy: wireAfter };
  const { name: _name, ...set } = row;
  try {
    await runBatch(ctx.db, [
      before ? ctx.db.update(slaPolicies).set(set).where(eq(slaPolicies.name, name)) : ctx.db.insert(slaPolicies).values(row),
      auditInsert(ctx, { action: before ? "sla_policy.updated" : "sla_policy.created", entityType: "sla_policy", entityId: name, changes }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "Another policy already covers this priority, category and channel");
    throw err;
  }
  return { created: !before, policy: wireAfter };
}

export async function getPolicy(ctx: ServiceContext, name: string) {
  const [row] = await ctx.db.select().from(slaPolicies).where(eq(slaPolicies.name, name)).limit(1);
  if (!row) throw notFound("SLA policy");
  return toPolicy(row);
}
