import { and, asc, eq, gt, inArray, isNull, lte, sql, type SQL } from "drizzle-orm";
import { unionAll, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { D1_MAX_PARAMS, runBatch, type BatchItem } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { ruleFires, rules, ruleState, tickets, users } from "../db/schema";
import type { SweepMark } from "../db/schema/rules";
import type { BusinessCalendar } from "../domain/business-hours";
import {
  candidateFilters,
  driverKey,
  latestQualifyingStart,
  matches,
  planActions,
  statusScope,
  timeDrivers,
  type CandidateColumn,
  type CandidateFilter,
  type Conditions,
  type RuleAction,
  type RuleTicket,
  type TimeColumn,
  type TimeDriver,
} from "../domain/rules";
import type { TicketStatus } from "../domain/vocabulary";
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
 *   in (status, column, rowid) order, which is the order of its index (tickets_status_*_idx, whose
 *   entries end in the rowid), the watermark kept on the rule. The rule's `all` conditions on
 *   plain ticket columns (priority, channel, category, team, assignee) mark which rows are
 *   candidates; only those are judged.
 *
 * Each walk is keyed by (column, rowid), so it is one index search in index order: no sort. Past a
 * position it reads two arms of one compound, each seeked ({@link pastPosition}): the rest of the
 * position's tie (column = at AND rowid > r) and what lies beyond (column > at). One row value
 * `(column, rowid) > (at, r)` seeks on the column only, so a walk paging inside a tie read the tie's
 * head again on every page: 700 tickets with one updated_at cost the changed walk 1,500 + 2,000 rows
 * in two runs, 2,500 with one created_at a window 21,200 + 13,551; now 505 + 204 and 2,020 + 507
 * (test/rules/automations-ties). An empty tie arm may cost a row: a quiet window with a mark reads
 * 2 rows as before, the changed walk 1–2 → 2 (a quiet run of test/rules/automations 5 → 6).
 * Per run at most {@link AUTOMATION_MAX_PER_RUN} tickets are judged, {@link WINDOW_SCAN_MAX} window
 * rows read, and tickets changed until their writes have read {@link FIRING_ROWS_MAX} rows by D1's
 * own count or {@link AUTOMATION_MAX_FIRINGS_PER_RUN} tickets changed (the rest wait a minute).
 * A firing is one ticket write with its fire record (rule_fires): of overlapping runs, the second
 * one's batch fails on that record's primary key and rolls back whole, so each fires once.
 */

/** Tickets judged per run: bounds one invocation; a backlog (a new automation over old tickets) drains over a few minutes. */
export const AUTOMATION_MAX_PER_RUN = 500;
/**
 * Window rows read per run, candidates or not: a new automation whose filters pass few tickets
 * walks its backlog this fast (2,000 rows a minute), leaving room for the firings in the 5,000
 * rows a run may read (issue 11).
 */
export const WINDOW_SCAN_MAX = 2_000;
/**
 * Rows the run's ticket changes may read, by D1's count of their batches. A firing is a ticket
 * write with its history, events and report rollups: about 60 rows in a help desk whose SLA sweep
 * keeps up, ~420 when the write is the first to record weeks-old breaches (the rules bench's seeded
 * tickets). Counting what D1 reports, not firings, keeps a run near the 5,000-row goal in both
 * cases (issue 11), and a backlog of cheap firings is worked off about 40 a minute, not 10.
 */
export const FIRING_ROWS_MAX = 2_500;
/** Tickets an automation run changes at most, however cheap: bounds one invocation's writes. */
export const AUTOMATION_MAX_FIRINGS_PER_RUN = 50;
/** Rows of the first look into each window, all windows in one D1 batch; only full windows are paged further. */
export const WINDOW_PROBE = 10;
/** Rows per further page of a window or of the changed tickets. */
export const AUTOMATION_PAGE = 100;
/** Where the run's look at changed tickets starts: `{key: updated_at, rowid}` of the last one judged. */
export const CHANGED_AFTER_KEY = "automations_changed_after";

export interface AutomationReport {
  job: "automations";
  at: string;
  automations: number;
  /** Tickets judged because they changed / because a time condition came true. */
  changed: number;
  windowed: number;
  fired: number;
  /**
   * Firings that wrote nothing: the ticket changed after the run read it and no longer qualified on
   * the write's re-read. Once per rule and ticket in a run (its other windows do not try it again). No
   * fire record: a later change of the ticket has it judged again.
   */
  skipped: number;
  /** Fire records removed: their conditions stopped holding, so the rule may fire there again. */
  cleared: number;
  /** Firings another run made first (its claim won). */
  contended: number;
  failed: number;
  /** D1 rows the run's ticket changes read, by D1's count (bounded by FIRING_ROWS_MAX plus one firing). */
  firing_rows_read: number;
  more: boolean;
  duration_ms: number;
}

interface Automation {
  id: string;
  name: string;
  updatedAt: string;
  conditions: Conditions;
  actions: RuleAction[];
  sweep: Record<string, SweepMark>;
  /** Every time condition that can turn true: each is a window. */
  drivers: TimeDriver[];
  /** Those of `all`: when one's column moves after a firing, the rule stopped holding there (its clock was reset). */
  required: TimeDriver[];
  /** Statuses it may act on (never closed or cancelled). */
  statuses: TicketStatus[];
  /** 1 for a window row the rule's column conditions let through (a candidate), else 0. */
  candidate: SQL;
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

/** The ticket's rowid: the last key of every index on tickets, so the sweep's keysets end in it. */
const ROWID = sql<number>`"tickets"."rowid"`;
/** The rowid's name in a walk's rows: a compound's ORDER BY names its result columns. */
const ROWID_AS = "__rowid";
/** A position in a walk of tickets: the walk's column value, then the rowid. */
interface Position {
  at: string;
  rowid: number;
}
/**
 * The rows past a position, in (column, rowid) order, as two conditions each an index seeks on:
 * the rest of its tie (`column = at AND rowid > r`: SQLite seeks the rowid at the index entries'
 * end) and what lies beyond (`column > at`). A row value `(column, rowid) > (at, r)` seeks on the
 * column only and filters the rowid row by row: a walk paging inside a tie of one column value (a
 * bulk edit stamps 100 tickets with one updated_at, an import thousands with one created_at) read
 * the tie's head again on every page, rows read growing as tie² / page.
 */
const pastPosition = (column: SQLiteColumn, p: Position): [tie: SQL, beyond: SQL] => [and(eq(column, p.at), gt(ROWID, p.rowid))!, gt(column, p.at)];
/** A walk's order: (column, rowid), as its index holds it, named as a compound's ORDER BY needs. */
const walkOrder = (column: SQLiteColumn) => [asc(column), asc(sql.identifier(ROWID_AS))] as const;

const CANDIDATE_COLUMN: Record<CandidateColumn, SQLiteColumn> = {
  priority: tickets.priority,
  channel: tickets.channel,
  category: tickets.category,
  team_id: tickets.teamId,
  assignee_id: tickets.assigneeId,
};
/** A value with a character outside printable ASCII, where SQLite's lower() and JavaScript's toLowerCase() differ. */
const NOT_ASCII = "*[^ -~]*";

/**
 * One filter as SQL that is true for every row the evaluator could match (1/0/NULL). Printable
 * ASCII compares as the evaluator does (case-insensitively); a value with other characters always
 * passes, and the evaluator judges it.
 */
function candidateSql(f: CandidateFilter): SQL {
  const col = CANDIDATE_COLUMN[f.column];
  switch (f.operator) {
    case "present":
      return sql`(${col} IS NOT NULL AND ${col} <> '')`;
    case "absent":
      return sql`(${col} IS NULL OR ${col} = '')`;
    case "in":
    case "not_in": {
      const texts = f.values.filter((v): v is string => v !== null);
      const hasNull = texts.length < f.values.length;
      const listed = texts.length ? sql`lower(${col}) IN (${sql.join(texts.map((t) => sql`${t}`), sql`, `)})` : sql`0`;
      if (f.operator === "in") return sql`(${hasNull ? sql`${col} IS NULL OR ` : sql``}${listed} OR ${col} GLOB ${NOT_ASCII})`;
      // not_in: out only when surely one of the values.
      const surely = sql`coalesce(${listed} AND NOT ${col} GLOB ${NOT_ASCII}, 0)`;
      return hasNull ? sql`(${col} IS NOT NULL AND NOT ${surely})` : sql`(NOT ${surely})`;
    }
  }
}

const candidateOf = (filters: CandidateFilter[]): SQL => (filters.length ? sql`coalesce(${sql.join(filters.map(candidateSql), sql` AND `)}, 0)` : sql`1`);

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
  /** `<rule>|<ticket>` judged in this run: its entry in `fires` is current. */
  judged: Set<string>;
  /**
   * `<rule>|<ticket>` whose firing this run skipped (its write's re-read no longer qualified): not
   * tried again in the run (another window of the rule read the ticket before that change), and
   * counted once. A later change of the ticket has it judged again.
   */
  skipped: Set<string>;
  /** Tickets left to judge, window rows left to read, and ticket changes left, in this run. */
  budget: number;
  scan: number;
  firings: number;
  /** D1 rows read by the run's ticket changes (the run's context tallies them: ServiceContext.rowsRead). */
  firingRows: { total: number };
}

export async function runAutomations(ctx: ServiceContext): Promise<AutomationReport> {
  const started = Date.now();
  const now = ctx.now.toISOString();
  const report: AutomationReport = { job: "automations", at: now, automations: 0, changed: 0, windowed: 0, fired: 0, skipped: 0, cleared: 0, contended: 0, failed: 0, firing_rows_read: 0, more: false, duration_ms: 0 };
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
    candidate: candidateOf(candidateFilters(r.conditions)),
  }));
  const business = automations.some((a) => a.drivers.some((d) => d.business));
  const firingRows = { total: 0 };
  const run: Run = {
    ctx: { ...ctx, rowsRead: firingRows },
    firingRows,
    report,
    calendar: business ? await currentCalendar(ctx) : null,
    fires: new Map(),
    judged: new Set(),
    skipped: new Set(),
    budget: AUTOMATION_MAX_PER_RUN,
    scan: WINDOW_SCAN_MAX,
    firings: AUTOMATION_MAX_FIRINGS_PER_RUN,
  };
  await judgeChanged(run, automations);
  await judgeWindows(run, automations);
  report.firing_rows_read = firingRows.total;
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
  run.firings--;
  const claim = (): BatchItem[] => [
    ...(replaces ? [ctx.db.delete(ruleFires).where(and(eq(ruleFires.ruleId, a.id), eq(ruleFires.ticketId, found.row.id), eq(ruleFires.firedAt, replaces)))] : []),
    ctx.db.insert(ruleFires).values({ ruleId: a.id, ticketId: found.row.id, firedAt: now }),
  ];
  try {
    const applied = await applyActions(ctx, found, planActions(a.actions, ticket), {
      author: AUTOMATION_USER,
      automated: true,
      currentUser: "",
      mailId: `action-${runId}`,
      // Judged again on every (re)read: a ticket changed meanwhile may no longer qualify.
      // The status scope too, as judge has it: a ticket closed or cancelled meanwhile is out of every automation's reach.
      precondition: (row, requester) => a.statuses.includes(row.status) && matches(a.conditions, situation(run, ruleTicketOf(row, requester, ctx.now))),
      extra: (_t, summary) => [...claim(), runInsert(ctx, { id: runId, ruleId: a.id, ticketId: found.row.id, changes: summary })],
    });
    // Skipped on a re-read (the ticket no longer qualified): nothing written, so `fires` keeps what the database holds.
    if (!applied.written) {
      run.skipped.add(`${a.id}|${found.row.id}`);
      run.report.skipped++;
      return;
    }
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
  run.judged.add(key);
  if (!a.statuses.includes(t.status) || !matches(a.conditions, situation(run, t))) {
    if (firedAt !== null) {
      await run.ctx.db.delete(ruleFires).where(and(eq(ruleFires.ruleId, a.id), eq(ruleFires.ticketId, found.row.id), eq(ruleFires.firedAt, firedAt)));
      run.fires.delete(key);
      run.report.cleared++;
    }
    return;
  }
  const reset = firedAt !== null && a.required.some((d) => (COLUMN[d.column].of(found.row) ?? "") > firedAt);
  if ((firedAt === null || reset) && !run.skipped.has(key)) await fire(run, a, found, firedAt);
}

// ---------------------------------------------------------------- the changed tickets

/** A ticket row with its rowid (the walks' last key). */
const withRowid = { row: tickets, rowid: ROWID.as(ROWID_AS) };

/** Whether the run may judge (and perhaps change) one more ticket. */
const canJudge = (run: Run) => run.budget > 0 && run.firings > 0 && run.firingRows.total < FIRING_ROWS_MAX;

async function judgeChanged(run: Run, automations: Automation[]) {
  const { ctx } = run;
  const now = ctx.now.toISOString();
  const [state] = await ctx.db.select({ value: ruleState.value }).from(ruleState).where(eq(ruleState.key, CHANGED_AFTER_KEY)).limit(1);
  // The first run starts now: what came before is every new automation's window backlog anyway.
  // A position saved before the rowid keyset (`{key, id}`) goes on from rowid 0 of its instant.
  const saved = state ? (JSON.parse(state.value) as { key: string; rowid?: number }) : { key: now };
  let from: Position = { at: saved.key, rowid: saved.rowid ?? 0 };
  const arm = (past: SQL) => ctx.db.select(withRowid).from(tickets).where(and(isNull(tickets.deletedAt), lte(tickets.updatedAt, now), past));
  page: while (canJudge(run)) {
    const [tie, beyond] = pastPosition(tickets.updatedAt, from);
    const rows = await unionAll(arm(tie), arm(beyond))
      .orderBy(...walkOrder(tickets.updatedAt))
      .limit(Math.min(AUTOMATION_PAGE, run.budget));
    if (!rows.length) break;
    const found = await withRequesters(run, rows.map((r) => r.row));
    await loadFires(run, found.map((c) => c.row.id));
    const byId = new Map(found.map((c) => [c.row.id, c]));
    for (const { row, rowid } of rows) {
      // Each ticket against every automation, then past it: a run that stops goes on from the next.
      if (!canJudge(run)) break page;
      const c = byId.get(row.id);
      if (c) {
        run.budget--;
        run.report.changed++;
        const t = ruleTicketOf(c.row, c.requester, ctx.now);
        for (const a of automations) await judge(run, a, c, t);
      }
      from = { at: row.updatedAt, rowid };
    }
    if (rows.length < AUTOMATION_PAGE) break;
  }
  if (!canJudge(run)) run.report.more = true;
  const value = JSON.stringify({ key: from.at, rowid: from.rowid });
  await ctx.db.insert(ruleState).values({ key: CHANGED_AFTER_KEY, value }).onConflictDoUpdate({ target: ruleState.key, set: { value } });
}

// ---------------------------------------------------------------- the windows of time conditions

interface Window {
  a: Automation;
  key: string;
  driver: TimeDriver;
  status: TicketStatus;
  bound: string;
  from: Position | null;
  /** The rule's candidate filters do not fit D1's parameters in the walk ({@link windowWalk}): every row is judged. */
  everyRow: boolean;
}

/** The next `limit` rows of a window ({@link windowWalk}), judged by the rule's candidate filters unless they do not fit. */
function windowQuery(run: Run, w: Window, limit: number) {
  return windowWalk(run, w, w.everyRow ? sql`1` : w.a.candidate, limit);
}

/**
 * The next `limit` rows of a window in its index's order, each with whether it is a candidate and
 * the rule's fire record there (a primary-key look-up: free where there is none). Past a position,
 * two arms of one compound ({@link pastPosition}), each with the join and the candidate expression:
 * SQLite merges them in order (MERGE (UNION ALL), no sort) and stops at the LIMIT, and the probes
 * stay one statement per window in one batch.
 */
function windowWalk(run: Run, w: Omit<Window, "everyRow">, candidate: SQL, limit: number) {
  const { column } = COLUMN[w.driver.column];
  const arm = (past?: SQL) =>
    run.ctx.db
      .select({ ...withRowid, candidate: sql<number>`${candidate}`.as("__candidate"), firedAt: ruleFires.firedAt })
      .from(tickets)
      .leftJoin(ruleFires, and(eq(ruleFires.ruleId, w.a.id), eq(ruleFires.ticketId, tickets.id)))
      .where(and(isNull(tickets.deletedAt), eq(tickets.status, w.status), lte(column, w.bound), past));
  if (!w.from) return arm().orderBy(...walkOrder(column)).limit(limit);
  const [tie, beyond] = pastPosition(column, w.from);
  return unionAll(arm(tie), arm(beyond))
    .orderBy(...walkOrder(column))
    .limit(limit);
}

/**
 * Whether the rule's candidate filters pass D1's 100 parameters in a walk past a mark, which binds
 * them twice (a condition's list takes up to 100 values: from ~45 values on). Such a window judges
 * every row (the evaluator decides each anyway) instead of failing every window's probes each
 * minute; the run walks it after the others, so its backlog does not take their budget (its
 * actions then come after those of rules below it, where both reach a ticket in one run).
 */
const judgesEveryRow = (run: Run, w: Omit<Window, "everyRow">) => windowWalk(run, { ...w, from: w.from ?? { at: w.bound, rowid: 0 } }, w.a.candidate, 1).toSQL().params.length > D1_MAX_PARAMS;
type WindowRow = Awaited<ReturnType<typeof windowQuery>>[number];

/** A mark as saved on the rule, or as saved before the rowid keyset (the ticket's id: rowid 0 of that instant). */
const positionOf = (mark: SweepMark | undefined): Position | null => (mark ? { at: mark[0], rowid: typeof mark[1] === "number" ? mark[1] : 0 } : null);

/** Judges a window page's candidates in order; returns how many rows it got through (all unless the run's budget ran out). */
async function judgeWindowPage(run: Run, w: Window, page: WindowRow[]): Promise<number> {
  const candidates = page.filter((r) => r.candidate);
  const found = new Map((await withRequesters(run, candidates.slice(0, Math.max(run.budget, 0)).map((r) => r.row))).map((c) => [c.row.id, c]));
  for (const [i, r] of page.entries()) {
    if (!r.candidate) continue;
    if (!canJudge(run)) return i;
    run.budget--;
    run.report.windowed++;
    const key = `${w.a.id}|${r.row.id}`;
    // Read with the page: current unless this run judged the pair already (then `fires` is).
    if (!run.judged.has(key)) {
      if (r.firedAt) run.fires.set(key, r.firedAt);
      else run.fires.delete(key);
    }
    const c = found.get(r.row.id);
    if (c) await judge(run, w.a, c, ruleTicketOf(c.row, c.requester, run.ctx.now));
  }
  return page.length;
}

async function judgeWindows(run: Run, automations: Automation[]) {
  const { ctx } = run;
  const now = ctx.now.toISOString();
  const windows: Window[] = [];
  for (const a of automations) {
    // One answer for all of a rule's windows: their statements differ in values, not in how many.
    let everyRow: boolean | undefined;
    for (const driver of a.drivers) {
      const bound = latestQualifyingStart(driver, now, driver.business ? run.calendar : null);
      if (!bound) continue;
      for (const status of a.statuses) {
        const key = `${driverKey(driver)}|${status}`;
        const w = { a, key, driver, status, bound, from: positionOf(a.sweep[key]) };
        everyRow ??= judgesEveryRow(run, w);
        windows.push({ ...w, everyRow });
      }
    }
  }
  // Windows that judge every row last (stable: rule order otherwise), so their backlog cannot take the others' budget.
  windows.sort((x, y) => Number(x.everyRow) - Number(y.everyRow));
  if (!windows.length || !canJudge(run)) {
    if (windows.length) run.report.more = true;
    return;
  }
  // The first look into every window in one round trip; most are empty.
  const probes = (await ctx.db.batch(windows.map((w) => windowQuery(run, w, WINDOW_PROBE)) as unknown as Parameters<typeof ctx.db.batch>[0])) as unknown as WindowRow[][];
  run.scan -= probes.reduce((n, p) => n + p.length, 0);
  const advanced = new Map<Automation, Record<string, SweepMark>>();
  for (const [i, w] of windows.entries()) {
    let page = probes[i]!;
    let limit = WINDOW_PROBE;
    while (page.length) {
      const done = await judgeWindowPage(run, w, page);
      if (done > 0) {
        const last = page[done - 1]!;
        w.from = { at: COLUMN[w.driver.column].of(last.row)!, rowid: last.rowid };
        advanced.set(w.a, { ...(advanced.get(w.a) ?? w.a.sweep), [w.key]: [w.from.at, w.from.rowid] });
      }
      // Cut short by the budget, or the window is read to its end.
      if (done < page.length) {
        run.report.more = true;
        break;
      }
      if (page.length < limit) break;
      limit = Math.min(AUTOMATION_PAGE, run.scan);
      if (limit <= 0 || !canJudge(run)) {
        run.report.more = true;
        break;
      }
      page = await windowQuery(run, w, limit);
      run.scan -= page.length;
    }
  }
  // Watermarks, unless the rule was edited meanwhile (new conditions start their windows afresh).
  await runBatch(
    ctx.db,
    [...advanced].map(([a, sweep]) => ctx.db.update(rules).set({ sweep }).where(and(eq(rules.id, a.id), eq(rules.updatedAt, a.updatedAt)))),
  );
}
