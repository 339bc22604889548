import { and, asc, eq, inArray, isNull, lte, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { runBatch, type BatchItem } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { ruleFires, rules, ruleState, tickets, users } from "../db/schema";
import type { BusinessCalendar } from "../domain/business-hours";
import { driverKey, latestQualifyingStart, matches, planActions, statusScope, timeDrivers, type Conditions, type RuleAction, type RuleTicket, type TimeColumn, type TimeDriver } from "../domain/rules";
import type { TicketStatus } from "../domain/vocabulary";
import { newerThan, type CursorPosition } from "../lib/cursor";
import { newId } from "../lib/ids";
import { ruleContext, type ServiceContext } from "../lib/request-context";
import { recordRunFailure, runInsert } from "../features/rules/rules.service";
import { applyActions, AUTOMATION_USER, ruleTicketOf } from "../features/rules/run-actions";
import { currentCalendar } from "../features/sla/sla.service";
import type { FoundTicket } from "../features/tickets/tickets.service";
import { requesterColumns, type TicketRow } from "../features/tickets/tickets.serialize";

/**
 * Automations (API.md "Automation"), every minute. A rule that did not match a ticket can start
 * matching only when the ticket changes or when one of its time conditions crosses its threshold
 * (the language has no NOT), so the run reads exactly those tickets, each through an index:
 *
 * - tickets changed since the last run (tickets_updated_idx): every automation is judged on them;
 *   a fire record whose conditions no longer hold goes, so the rule may fire there again later;
 * - per automation, time condition and status, the tickets whose condition came true since the
 *   last run: the window (watermark, latest qualifying start] of the column it counts from, walked
 *   in (status, column, id) order (tickets_status_*_idx), the watermark kept on the rule.
 *
 * O(matching) rows, at most {@link AUTOMATION_MAX_PER_RUN} tickets per run (the rest wait a minute).
 * A firing is one ticket write with its fire record (rule_fires): of overlapping runs, the second
 * one's batch fails on that record's primary key and rolls back whole, so each fires once.
 */

/** Tickets judged per run: bounds one invocation; a backlog (a new automation over old tickets) drains over a few minutes. */
export const AUTOMATION_MAX_PER_RUN = 500;
/** Rows of the first look into each window, all windows in one D1 batch; only full windows are paged further. */
export const WINDOW_PROBE = 10;
/** Rows per further page of a window or of the changed tickets. */
export const AUTOMATION_PAGE = 100;
/** Where the run's look at changed tickets starts: `[updated_at, id]` of the last one judged. */
export const CHANGED_AFTER_KEY = "automations_changed_after";

export interface AutomationReport {
  job: "automations";
  at: string;
  automations: number;
  /** Tickets judged because they changed / because a time condition came true. */
  changed: number;
  windowed: number;
  fired: number;
  /** Fire records removed: their conditions stopped holding, so the rule may fire there again. */
  cleared: number;
  /** Firings another run made first (its claim won). */
  contended: number;
  failed: number;
  more: boolean;
  duration_ms: number;
}

interface Automation {
  id: string;
  name: string;
  updatedAt: string;
  conditions: Conditions;
  actions: RuleAction[];
  sweep: Record<string, [string, string]>;
  /** Every time condition that can turn true: each is a window. */
  drivers: TimeDriver[];
  /** Those of `all`: when one's column moves after a firing, the rule stopped holding there (its clock was reset). */
  required: TimeDriver[];
  /** Statuses it may act on (never closed or cancelled). */
  statuses: TicketStatus[];
}

/** The column each time condition counts from, in the query and on the row. */
const COLUMN: Record<TimeColumn, { column: SQLiteColumn; of: (row: TicketRow) => string | null }> = {
  created_at: { column: tickets.createdAt, of: (r) => r.createdAt },
  updated_at: { column: tickets.updatedAt, of: (r) => r.updatedAt },
  status_changed_at: { column: tickets.statusChangedAt, of: (r) => r.statusChangedAt },
  requester_updated_at: { column: tickets.requesterUpdatedAt, of: (r) => r.requesterUpdatedAt },
  assignee_updated_at: { column: tickets.assigneeUpdatedAt, of: (r) => r.assigneeUpdatedAt },
};

type Candidate = FoundTicket;

/**
 * Tickets read with their requesters (one query for the page). The windows' first looks go in one
 * batch, where D1 hands rows back as objects, so they read the ticket table alone: a joined
 * second "id" column would overwrite the ticket's.
 */
async function withRequesters(run: Run, rows: TicketRow[]): Promise<Candidate[]> {
  const ids = [...new Set(rows.map((r) => r.requesterId))];
  const people = new Map<string, Candidate["requester"]>();
  for (let i = 0; i < ids.length; i += AUTOMATION_PAGE) {
    for (const p of await run.ctx.db.select(requesterColumns).from(users).where(inArray(users.id, ids.slice(i, i + AUTOMATION_PAGE)))) people.set(p.id, p);
  }
  return rows.flatMap((row) => {
    const requester = people.get(row.requesterId);
    return requester ? [{ row, requester }] : [];
  });
}

interface Run {
  ctx: ServiceContext;
  report: AutomationReport;
  calendar: BusinessCalendar | null;
  /** Fire records of the tickets judged, `<rule>|<ticket>` → fired_at. */
  fires: Map<string, string>;
  budget: number;
}

export async function runAutomations(ctx: ServiceContext): Promise<AutomationReport> {
  const started = Date.now();
  const now = ctx.now.toISOString();
  const report: AutomationReport = { job: "automations", at: now, automations: 0, changed: 0, windowed: 0, fired: 0, cleared: 0, contended: 0, failed: 0, more: false, duration_ms: 0 };
  const rows = await ctx.db.select().from(rules).where(and(eq(rules.kind, "automation"), eq(rules.active, true))).orderBy(asc(rules.position), asc(rules.id));
  report.automations = rows.length;
  if (!rows.length) return { ...report, duration_ms: Date.now() - started };
  const automations: Automation[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    updatedAt: r.updatedAt,
    conditions: r.conditions,
    actions: r.actions,
    sweep: r.sweep,
    drivers: timeDrivers(r.conditions),
    required: timeDrivers({ all: r.conditions.all, any: [] }),
    statuses: statusScope(r.conditions),
  }));
  const business = automations.some((a) => a.drivers.some((d) => d.business));
  const run: Run = { ctx, report, calendar: business ? await currentCalendar(ctx) : null, fires: new Map(), budget: AUTOMATION_MAX_PER_RUN };
  await judgeChanged(run, automations);
  await judgeWindows(run, automations);
  report.duration_ms = Date.now() - started;
  return report;
}

// ---------------------------------------------------------------- judging one ticket

function situation(run: Run, t: RuleTicket) {
  return { before: t, after: t, event: null, now: run.ctx.now.toISOString(), calendar: run.calendar };
}

async function loadFires(run: Run, ticketIds: string[]) {
  for (let i = 0; i < ticketIds.length; i += AUTOMATION_PAGE) {
    const rows = await run.ctx.db.select().from(ruleFires).where(inArray(ruleFires.ticketId, ticketIds.slice(i, i + AUTOMATION_PAGE)));
    for (const r of rows) run.fires.set(`${r.ruleId}|${r.ticketId}`, r.firedAt);
  }
}

/**
 * An automation's change of one ticket, with its claim: a new fire record (plain insert: the
 * loser of a race fails on its primary key), after removing the one it replaces, if the rule had
 * fired there before its clock was reset.
 */
async function fire(run: Run, a: Automation, found: Candidate, replaces: string | null): Promise<void> {
  const ctx = ruleContext(run.ctx, a);
  const now = ctx.now.toISOString();
  const ticket = ruleTicketOf(found.row, found.requester, ctx.now);
  const runId = newId(ctx.now.getTime());
  const claim = (): BatchItem[] => [
    ...(replaces ? [ctx.db.delete(ruleFires).where(and(eq(ruleFires.ruleId, a.id), eq(ruleFires.ticketId, found.row.id), eq(ruleFires.firedAt, replaces)))] : []),
    ctx.db.insert(ruleFires).values({ ruleId: a.id, ticketId: found.row.id, firedAt: now }),
  ];
  try {
    await applyActions(ctx, found, planActions(a.actions, ticket), {
      author: AUTOMATION_USER,
      automated: true,
      currentUser: "",
      mailId: `action-${runId}`,
      // Judged again on every (re)read: a ticket changed meanwhile may no longer qualify.
      precondition: (row) => matches(a.conditions, situation(run, ruleTicketOf(row, found.requester, ctx.now))),
      extra: (_t, summary) => [...claim(), runInsert(ctx, { id: runId, ruleId: a.id, ticketId: found.row.id, changes: summary })],
    });
    run.fires.set(`${a.id}|${found.row.id}`, now);
    run.report.fired++;
  } catch (err) {
    if (isUniqueViolation(err, "rule_fires")) {
      run.report.contended++;
      return;
    }
    run.report.failed++;
    await recordRunFailure(ctx, { id: runId, ruleId: a.id, ticketId: found.row.id }, err).catch((e: unknown) => console.error("rule run not recorded", String(e)));
  }
}

/**
 * One ticket against one automation: fire if it matches and has not fired since its conditions
 * last held, or since the clock of a time condition was reset (the column moved after the firing).
 */
async function judge(run: Run, a: Automation, found: Candidate, t: RuleTicket) {
  const key = `${a.id}|${found.row.id}`;
  const firedAt = run.fires.get(key) ?? null;
  if (!a.statuses.includes(t.status) || !matches(a.conditions, situation(run, t))) {
    if (firedAt !== null) {
      await run.ctx.db.delete(ruleFires).where(and(eq(ruleFires.ruleId, a.id), eq(ruleFires.ticketId, found.row.id), eq(ruleFires.firedAt, firedAt)));
      run.fires.delete(key);
      run.report.cleared++;
    }
    return;
  }
  const reset = firedAt !== null && a.required.some((d) => (COLUMN[d.column].of(found.row) ?? "") > firedAt);
  if (firedAt === null || reset) await fire(run, a, found, firedAt);
}

// ---------------------------------------------------------------- the changed tickets

async function judgeChanged(run: Run, automations: Automation[]) {
  const { ctx } = run;
  const now = ctx.now.toISOString();
  const [state] = await ctx.db.select({ value: ruleState.value }).from(ruleState).where(eq(ruleState.key, CHANGED_AFTER_KEY)).limit(1);
  // The first run starts now: what came before is every new automation's window backlog anyway.
  let after: CursorPosition = state ? (JSON.parse(state.value) as CursorPosition) : { key: now, id: "" };
  while (run.budget > 0) {
    const rows = await ctx.db
      .select()
      .from(tickets)
      .where(and(isNull(tickets.deletedAt), lte(tickets.updatedAt, now), newerThan(tickets.updatedAt, tickets.id, after)))
      .orderBy(asc(tickets.updatedAt), asc(tickets.id))
      .limit(Math.min(AUTOMATION_PAGE, run.budget));
    if (!rows.length) break;
    const page = await withRequesters(run, rows);
    run.budget -= page.length;
    run.report.changed += page.length;
    await loadFires(run, page.map((c) => c.row.id));
    for (const found of page) {
      const t = ruleTicketOf(found.row, found.requester, ctx.now);
      for (const a of automations) await judge(run, a, found, t);
    }
    const last = rows.at(-1)!;
    after = { key: last.updatedAt, id: last.id };
    if (rows.length < AUTOMATION_PAGE) break;
  }
  if (run.budget <= 0) run.report.more = true;
  await ctx.db
    .insert(ruleState)
    .values({ key: CHANGED_AFTER_KEY, value: JSON.stringify(after) })
    .onConflictDoUpdate({ target: ruleState.key, set: { value: JSON.stringify(after) } });
}

// ---------------------------------------------------------------- the windows of time conditions

interface Window {
  a: Automation;
  key: string;
  driver: TimeDriver;
  status: TicketStatus;
  bound: string;
  after: CursorPosition | null;
}

function windowQuery(run: Run, w: Window, limit: number) {
  const { column } = COLUMN[w.driver.column];
  const where: SQL[] = [isNull(tickets.deletedAt), eq(tickets.status, w.status), lte(column, w.bound)];
  if (w.after) where.push(newerThan(column, tickets.id, w.after));
  return run.ctx.db
    .select()
    .from(tickets)
    .where(and(...where))
    .orderBy(asc(column), asc(tickets.id))
    .limit(limit);
}

async function judgeWindows(run: Run, automations: Automation[]) {
  const { ctx } = run;
  const now = ctx.now.toISOString();
  const windows: Window[] = [];
  for (const a of automations) {
    for (const driver of a.drivers) {
      const bound = latestQualifyingStart(driver, now, driver.business ? run.calendar : null);
      if (!bound) continue;
      for (const status of a.statuses) {
        const key = `${driverKey(driver)}|${status}`;
        const mark = a.sweep[key];
        windows.push({ a, key, driver, status, bound, after: mark ? { key: mark[0], id: mark[1] } : null });
      }
    }
  }
  if (!windows.length) return;
  // The first look into every window in one round trip; most are empty.
  const probes = (await ctx.db.batch(windows.map((w) => windowQuery(run, w, WINDOW_PROBE)) as unknown as Parameters<typeof ctx.db.batch>[0])) as unknown as TicketRow[][];
  const advanced = new Map<Automation, Record<string, [string, string]>>();
  for (const [i, w] of windows.entries()) {
    let page = probes[i]!;
    let limit = WINDOW_PROBE;
    while (page.length) {
      if (run.budget <= 0) {
        run.report.more = true;
        break;
      }
      const taken = page.slice(0, run.budget);
      run.budget -= taken.length;
      run.report.windowed += taken.length;
      await loadFires(run, taken.map((r) => r.id).filter((id) => !run.fires.has(`${w.a.id}|${id}`)));
      for (const found of await withRequesters(run, taken)) await judge(run, w.a, found, ruleTicketOf(found.row, found.requester, ctx.now));
      const last = taken.at(-1)!;
      const mark: [string, string] = [COLUMN[w.driver.column].of(last)!, last.id];
      w.after = { key: mark[0], id: mark[1] };
      advanced.set(w.a, { ...(advanced.get(w.a) ?? w.a.sweep), [w.key]: mark });
      if (taken.length < page.length) run.report.more = true;
      // Cut short by the budget, or the window is read to its end.
      if (taken.length < page.length || page.length < limit) break;
      limit = Math.min(AUTOMATION_PAGE, run.budget);
      if (limit <= 0) {
        run.report.more = true;
        break;
      }
      page = await windowQuery(run, w, limit);
    }
  }
  // Watermarks, unless the rule was edited meanwhile (new conditions start their windows afresh).
  await runBatch(
    ctx.db,
    [...advanced].map(([a, sweep]) => ctx.db.update(rules).set({ sweep }).where(and(eq(rules.id, a.id), eq(rules.updatedAt, a.updatedAt)))),
  );
}

