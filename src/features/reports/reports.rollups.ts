/**
 * The report rollups in D1 (tables: migrations 0022_report_rollups.sql and 0028_report_blocks.sql;
 * what they mean: src/domain/rollups.ts). Written by the `reportRollups` consumer in the batch of
 * every ticket write that stores the row, from the rows before and after (`onStored`): the difference
 * of the ticket's contributions, added to three levels of prefix sums, and the moves of the open-ticket
 * counters (report_open, report_open_by: migration 0037_open_counters.sql).
 *
 * Adding a delta at (day d, quarter q) to a key, d in block b ({@link BLOCK_DAYS} days):
 * - `report_blocks`: the key's row of block b is made if missing (the totals before b starts: the
 *   latest earlier block row plus that block's last day row); every later block row takes the delta.
 * - `report_days`: its row of day d (made from the latest earlier row of block b if missing) and the
 *   later day rows of block b.
 * - `report_quarters`: its row of (d, q) (made from the latest earlier quarter of the same day) and
 *   the later quarters of that day.
 * A change happening now touches one day and one quarter row (and a block row once per key and
 * block); one dated back touches at most a block of day rows and one row per block since then (a
 * ticket moved to another team takes along figures dated back to its creation; a breach is dated by
 * its due date).
 *
 * With no rebuild running, a ticket write appends these moves to the journal instead (one row:
 * reports.journal.ts), and a fold writes them for many writes at once with the statements below;
 * readers here add the journal's rows not folded yet (journalRows).
 *
 * While a rebuild runs (reports.rebuild.ts, `report_state`), each statement checks the phase itself:
 * deltas of tickets the rebuild has not read yet are left out (it will read their rows), the others
 * collect in report_staging until their key is converted back into the three tables.
 */
import { sql } from "drizzle-orm";
import { assumed, failAssumption } from "../../db/batch-assumptions";
import { textStatement, type BatchItem, type Database } from "../../db/client";
import {
  backlogDelta,
  BLOCK_DAYS,
  blockOf,
  COUNTERS,
  groupDeltas,
  HISTOGRAMS,
  addMetricsInto,
  bucketBefore,
  journalBody,
  type JournalEntry,
  parseJournalBody,
  openCounterMoves,
  type BacklogCell,
  rollupDelta,
  type Bucket,
  type DeltaGroup,
  type DimKey,
  type Dimension,
  type Histogram,
  type Metrics,
  type TicketFacts,
  type Totals,
  zeroTotals,
} from "../../domain/rollups";
import type { StoredTicket, TicketEventConsumer } from "../../events/ticket-events";
import { AppError } from "../../lib/errors";
import type { ServiceContext } from "../../lib/request-context";

/** An integer as SQL text (written into statements: D1 binds at most 100 parameters). */
const intText = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
};

// The write statements are built as SQL text with `?` placeholders (db/client.ts textStatement):
// a ticket write adds up to 7 of them per delta group, and building them with drizzle's `sql` cost
// more CPU than the rest of the write. Integers (days, quarters, deltas, bucket indexes) are written
// into the text; strings (keys, ids) are bound, pushed onto the statement's parameter list in the
// order their placeholders appear (template literals evaluate left to right).
type Params = unknown[];

const ROLLUP_COLUMNS = [...COUNTERS, ...HISTOGRAMS].join(", ");

/** `base` (a JSON object of bucket → count) plus a histogram delta: one json_set with a path per bucket. */
function histogramPlus(base: string, delta: Histogram | undefined): string {
  const entries = Object.entries(delta ?? {}).filter(([, n]) => n);
  if (!entries.length) return base;
  const pairs = entries.map(([i, n]) => {
    const path = `'$."${intText(Number(i))}"'`;
    return `${path}, coalesce(json_extract(${base}, ${path}), 0) + ${intText(n)}`;
  });
  return `json_set(${base}, ${pairs.join(", ")})`;
}

/** The sum of two histograms held as JSON (either may be null), zero buckets left out. */
const histogramSum = (a: string, b: string) => `(SELECT coalesce(json_group_object(i, n), '{}') FROM (
    SELECT key AS i, sum(value) AS n FROM (SELECT key, value FROM json_each(coalesce(${a}, '{}')) UNION ALL SELECT key, value FROM json_each(coalesce(${b}, '{}')))
    GROUP BY key HAVING n <> 0))`;

/** `col = col + d` for what a delta changes (an UPDATE's SET list). */
function increments(m: Metrics): string {
  const sets: string[] = [];
  for (const c of COUNTERS) if (m.c[c]) sets.push(`${c} = ${c} + ${intText(m.c[c]!)}`);
  for (const h of HISTOGRAMS) if (m.h[h] && Object.keys(m.h[h]!).length) sets.push(`${h} = ${histogramPlus(h, m.h[h])}`);
  return sets.join(", ");
}

/** Every rollup column's value for a new row: `prev` (an alias, or null for zeros) plus the delta. */
function newRowValues(m: Metrics, prev: string | null): string {
  const values = COUNTERS.map((c) => (prev ? `coalesce(${prev}.${c}, 0) + ${intText(m.c[c] ?? 0)}` : intText(m.c[c] ?? 0)));
  for (const h of HISTOGRAMS) values.push(histogramPlus(prev ? `coalesce(${prev}.${h}, '{}')` : `'{}'`, m.h[h]));
  return values.join(", ");
}

/** Bound parameters a statement may spend on its rows (D1 binds at most 100). */
const MAX_ROW_PARAMS = 64;

/**
 * Rows as a table with the given columns: bound VALUES, which cost no rows read, when they fit in
 * {@link MAX_ROW_PARAMS}; else one JSON parameter (json_each reads a row per element: a rebuild's chunk).
 */
function rowsTable(rows: readonly (readonly (string | number)[])[], columns: readonly string[], params: Params): string {
  if (rows.length * columns.length <= MAX_ROW_PARAMS) {
    for (const r of rows) params.push(...r);
    const row = `(${columns.map(() => "?").join(", ")})`;
    return `(SELECT ${columns.map((c, i) => `column${i + 1} AS ${c}`).join(", ")} FROM (VALUES ${rows.map(() => row).join(", ")}))`;
  }
  params.push(JSON.stringify(rows));
  return `(SELECT ${columns.map((c, i) => `json_extract(value, '$[${i}]') AS ${c}`).join(", ")} FROM json_each(?))`;
}

const keysTable = (keys: readonly DimKey[], params: Params) => rowsTable(keys.map((k) => [k.dim, k.key]), ["dim", "key"], params);

/** The rebuild phase: an uncorrelated subquery, so a statement reads it once, not once per key. */
const PHASE = `(SELECT phase FROM report_state WHERE id = 1)`;

/**
 * While a rebuild converts keys, a write's delta for key `alias` goes to the prefix sums if the
 * rebuild converted that key already. With no rebuild the write appends to the journal instead
 * ({@link journalAppend}), so this is false (the phase is read once: an uncorrelated subquery).
 */
const liveKeyDuringRebuild = (alias: string) =>
  `(${PHASE} = 'converting' AND EXISTS (SELECT 1 FROM report_state s WHERE s.phase = 'converting' AND (${alias}.dim, ${alias}.key) <= (s.converted_dim, s.converted_key)))`;

/** A rebuild collects this ticket's delta for key `alias` in report_staging. */
function stagedKey(alias: string, ticketId: string, params: Params): string {
  params.push(ticketId);
  return `(${PHASE} <> 'live' AND EXISTS (SELECT 1 FROM report_state s WHERE (s.phase = 'staging' AND ? <= s.watermark) OR (s.phase = 'converting' AND (${alias}.dim, ${alias}.key) > (s.converted_dim, s.converted_key))))`;
}

/** During a rebuild, the backlog counters take this ticket's move if the rebuild read the ticket already (else the journal has it). */
function backlogLive(ticketId: string, params: Params): string {
  params.push(ticketId);
  return `EXISTS (SELECT 1 FROM report_state s WHERE s.phase <> 'live' AND (s.phase <> 'staging' OR ? <= s.watermark))`;
}

/** One statement: its text from `build`, which pushes the parameters it binds. */
function statement(db: Database, build: (params: Params) => string): BatchItem {
  const params: Params = [];
  const text = build(params);
  return textStatement(db, text, params);
}

/**
 * The statements adding one delta group to the live prefix sums. With `ticketId` (a ticket write
 * during a rebuild) each checks the rebuild phase and, for keys not converted yet, adds to the
 * staging sums instead; without (a fold of the journal, which runs only with no rebuild) none does.
 * Later rows are updated `FROM` the keys: one seek per key (`(dim, key) IN (subquery)` read two).
 */
export function groupWrites(db: Database, g: DeltaGroup, ticketId: string | null): BatchItem[] {
  const liveKey = (alias: string) => (ticketId === null ? "true" : liveKeyDuringRebuild(alias));
  const keys = (p: Params) => keysTable(g.keys, p);
  const day = intText(g.day);
  const quarter = intText(g.quarter);
  const block = intText(blockOf(g.day));
  const blockStart = intText(blockOf(g.day) * BLOCK_DAYS);
  const nextBlockStart = intText((blockOf(g.day) + 1) * BLOCK_DAYS);
  const inc = increments(g.metrics);
  const openingValues = [
    ...COUNTERS.map((c) => `coalesce(p.${c}, 0) + coalesce(l.${c}, 0)`),
    ...HISTOGRAMS.map((h) => histogramSum(`p.${h}`, `l.${h}`)),
  ].join(", ");
  return [
    // The block's row, if the key has none yet: the totals before the block (nothing of this delta).
    statement(db, (p) => `INSERT INTO report_blocks (dim, key, block, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${block}, ${openingValues} FROM ${keys(p)} k
      LEFT JOIN report_blocks p ON p.dim = k.dim AND p.key = k.key
        AND p.block = (SELECT max(e.block) FROM report_blocks e WHERE e.dim = k.dim AND e.key = k.key AND e.block < ${block})
      LEFT JOIN report_days l ON l.dim = k.dim AND l.key = k.key
        AND l.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = k.dim AND e.key = k.key AND e.day < ${blockStart} AND e.day >= p.block * ${intText(BLOCK_DAYS)})
      WHERE ${liveKey("k")} AND NOT EXISTS (SELECT 1 FROM report_blocks x WHERE x.dim = k.dim AND x.key = k.key AND x.block = ${block})
      ON CONFLICT (dim, key, block) DO NOTHING`),
    statement(db, (p) => `UPDATE report_blocks SET ${inc} FROM ${keys(p)} k
      WHERE report_blocks.dim = k.dim AND report_blocks.key = k.key AND report_blocks.block > ${block} AND ${liveKey("report_blocks")}`),
    statement(db, (p) => `INSERT INTO report_days (dim, key, day, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${newRowValues(g.metrics, "p")} FROM ${keys(p)} k
      LEFT JOIN report_days p ON p.dim = k.dim AND p.key = k.key
        AND p.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = k.dim AND e.key = k.key AND e.day < ${day} AND e.day >= ${blockStart})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day) DO UPDATE SET ${inc}`),
    statement(db, (p) => `UPDATE report_days SET ${inc} FROM ${keys(p)} k
      WHERE report_days.dim = k.dim AND report_days.key = k.key AND report_days.day > ${day} AND report_days.day < ${nextBlockStart} AND ${liveKey("report_days")}`),
    statement(db, (p) => `INSERT INTO report_quarters (dim, key, day, quarter, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${quarter}, ${newRowValues(g.metrics, "p")} FROM ${keys(p)} k
      LEFT JOIN report_quarters p ON p.dim = k.dim AND p.key = k.key AND p.day = ${day}
        AND p.quarter = (SELECT max(e.quarter) FROM report_quarters e WHERE e.dim = k.dim AND e.key = k.key AND e.day = ${day} AND e.quarter < ${quarter})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${inc}`),
    statement(db, (p) => `UPDATE report_quarters SET ${inc} FROM ${keys(p)} k
      WHERE report_quarters.dim = k.dim AND report_quarters.key = k.key AND report_quarters.day = ${day} AND report_quarters.quarter > ${quarter} AND ${liveKey("report_quarters")}`),
    ...(ticketId === null
      ? []
      : [
          statement(db, (p) => `INSERT INTO report_staging (dim, key, day, quarter, ${ROLLUP_COLUMNS}, rev)
      SELECT k.dim, k.key, ${day}, ${quarter}, ${newRowValues(g.metrics, null)}, 1 FROM ${keys(p)} k
      WHERE ${stagedKey("k", ticketId, p)}
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${inc}, rev = rev + 1`),
        ]),
  ];
}

/** Adds plain sums (not prefix sums) to report_staging: a rebuild's chunk. */
export function stagingWrites(db: Database, groups: DeltaGroup[]): BatchItem[] {
  return groups.map((g) =>
    statement(db, (p) => `INSERT INTO report_staging (dim, key, day, quarter, ${ROLLUP_COLUMNS}, rev)
      SELECT k.dim, k.key, ${intText(g.day)}, ${intText(g.quarter)}, ${newRowValues(g.metrics, null)}, 1 FROM ${keysTable(g.keys, p)} k WHERE true
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${increments(g.metrics)}, rev = rev + 1`),
  );
}

type BacklogMove = { cell: BacklogCell; n: number };

/**
 * Moves of the open-ticket counters (report_open, report_open_by; domain/rollups.ts openCounterMoves),
 * one statement per table; with `ticketId` they apply only if a running rebuild read that ticket already.
 */
export function backlogWrites(db: Database, moves: readonly BacklogMove[], ticketId?: string): BatchItem[] {
  const { cells, members } = openCounterMoves(moves);
  const condition = (p: Params) => (ticketId === undefined ? "true" : backlogLive(ticketId, p));
  const items: BatchItem[] = [];
  if (cells.length) {
    items.push(
      statement(db, (p) => `INSERT INTO report_open (scope, status, priority, sla, tickets)
        SELECT scope, status, priority, sla, n FROM ${rowsTable(cells.map((m) => [m.scope, m.status, m.priority, m.sla, m.n]), ["scope", "status", "priority", "sla", "n"], p)} WHERE ${condition(p)}
        ON CONFLICT (scope, status, priority, sla) DO UPDATE SET tickets = tickets + excluded.tickets`),
    );
  }
  if (members.length) {
    items.push(
      statement(db, (p) => `INSERT INTO report_open_by (scope, kind, member, tickets)
        SELECT scope, kind, member, n FROM ${rowsTable(members.map((m) => [m.scope, m.kind, m.member, m.n]), ["scope", "kind", "member", "n"], p)} WHERE ${condition(p)}
        ON CONFLICT (scope, kind, member) DO UPDATE SET tickets = tickets + excluded.tickets`),
    );
  }
  return items;
}

/**
 * The journal row of one ticket write, appended if no rebuild runs (the phase read once): one row
 * written, however many keys and counters the write moves (reports.journal.ts folds it later).
 */
function journalAppend(db: Database, entry: JournalEntry): BatchItem {
  return textStatement(db, `INSERT INTO report_journal (body) SELECT ? WHERE ${PHASE} = 'live'`, [journalBody(entry)]);
}

/**
 * The journal row, and the batch fails if a rebuild runs (db/batch-assumptions.ts: the phase names
 * itself in the error). With no report_state row nothing is written, as {@link journalAppend} and the
 * phase's statements would not either.
 */
const JOURNAL_APPEND_IF_LIVE = `INSERT INTO report_journal (body) SELECT ? FROM report_state WHERE id = 1
  AND CASE WHEN phase = 'live' THEN 1 ELSE ${failAssumption("rollups", "phase")} END`;

/**
 * The rollup writes of one ticket write, from the rows it replaced and wrote: with no rebuild, its
 * journal row; during one, its deltas written at once, as the rebuild's phase wants them. Both are
 * sent, each conditioned on the phase its batch finds, so a rebuild starting at any moment is safe.
 * `journalOnly`: the journal row alone, under a check that fails the batch during a rebuild (the
 * writer plans again: db/batch-assumptions.ts). Rebuilds are rare (an admin's request, a migration),
 * and the phase's other statements (7 a delta group, up to 2 for the backlog) write nothing while
 * live: a ticket write takes `journalOnly`.
 */
export function rollupWrites(db: Database, before: TicketFacts | null, after: TicketFacts | null, journalOnly = false): BatchItem[] {
  const ticketId = (after ?? before)?.id;
  if (!ticketId) return [];
  const groups = groupDeltas(rollupDelta(before, after));
  const moves = backlogDelta(before, after);
  if (!groups.length && !moves.length) return [];
  if (journalOnly) return [textStatement(db, JOURNAL_APPEND_IF_LIVE, [journalBody({ groups, moves })])];
  return [
    journalAppend(db, { groups, moves }),
    ...groups.flatMap((g) => groupWrites(db, g, ticketId)),
    ...backlogWrites(db, moves, ticketId),
  ];
}

/** The rollup consumer of ticket writes (src/events/consumers.ts). */
export const reportRollups: TicketEventConsumer<ServiceContext> = {
  name: "report-rollups",
  onStored: (ctx: ServiceContext, stored: StoredTicket) => rollupWrites(ctx.db, stored.before, stored.after, assumed("rollups")),
};

// ---------------------------------------------------------------- reading

/**
 * Journal rows a report reads at most (reports.journal.ts folds it before a report when it holds
 * more than half this; the cron folds it every minute). Each report statement reads them along with
 * its rollup rows, in one snapshot, so a figure counts a write exactly once, folded or not. A
 * report runs up to three such statements: 1,500 rows at worst, within its 5,000.
 */
export const JOURNAL_READ_MAX = 500;

/**
 * The journal's rows as extra rows of a report statement (UNION ALL): its body in the column after
 * `pad` NULLs (with `kind`, a first column of that constant and the row id, for totalsBefore's shape).
 */
function journalRows(kind: number | null, pad = 0) {
  const lead = kind === null ? "NULL, ".repeat(pad) : `NULL, ${intText(kind)}, id, `;
  const tail = kind === null ? "" : ", NULL";
  return sql.raw(`SELECT ${lead}body${tail} FROM (SELECT id, body FROM report_journal ORDER BY id LIMIT ${intText(JOURNAL_READ_MAX + 1)})`);
}

/** The journal rows a statement returned, parsed; more than {@link JOURNAL_READ_MAX} is refused (503: a fold is due). */
function journalOf<R>(rows: readonly R[], body: (r: R) => string | null): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const r of rows) {
    const b = body(r);
    if (b !== null) out.push(parseJournalBody(b));
  }
  if (out.length > JOURNAL_READ_MAX) throw new AppError("SERVICE_UNAVAILABLE", "The report rollups are catching up; try again in a minute", { headers: { "Retry-After": "60" } });
  return out;
}

/** An instant on a quarter-hour boundary as (day, quarter): the totals before it are the rows before it. */
export type Boundary = Bucket;

/**
 * A row read back as a JSON array (parsed): `skip` leading values (its day or block), then the
 * counters and histograms. `own`: the histograms are copied (the result will be added to).
 */
function totalsOf(values: readonly unknown[], skip = 0, own = false): Totals {
  const t = zeroTotals();
  COUNTERS.forEach((c, i) => (t.c[c] = Number(values[skip + i] ?? 0)));
  HISTOGRAMS.forEach((h, i) => {
    const hist = (values[skip + COUNTERS.length + i] as Histogram | null) ?? {};
    t.h[h] = own ? { ...hist } : hist;
  });
  return t;
}

/** Totals summed into `into` (which becomes theirs: a fresh Totals). */
function addInto(into: Totals, t: Totals): Totals {
  for (const c of COUNTERS) into.c[c] += t.c[c];
  for (const h of HISTOGRAMS) {
    const sum = into.h[h];
    for (const i in t.h[h]) sum[i] = (sum[i] ?? 0) + t.h[h][i]!;
  }
  return into;
}

const ROW_VALUES = `${COUNTERS.join(", ")}, ${HISTOGRAMS.map((h) => `json(${h})`).join(", ")}`;

/**
 * The totals of each key before each boundary (day D, quarter Q), in one statement: per key and
 * boundary the latest day row before D and, unless Q is 0, the latest quarter row of D before Q;
 * per key and block the boundaries fall in, the latest block row up to that block. The totals are
 * that block row, plus the day row if it lies in that block's row's block (a day row in an earlier
 * block is counted by the block row already: no key has day rows in a block without its block row),
 * plus the quarter row. Keys cost a row each (json_each); the constant list of boundaries nothing.
 * Returns, per key, one Totals per boundary.
 */
export async function totalsBefore(db: Database, dim: Dimension, keys: readonly string[], boundaries: readonly Boundary[]): Promise<Map<string, Totals[]>> {
  const out = new Map<string, Totals[]>(keys.map((k) => [k, boundaries.map(() => zeroTotals())]));
  if (!keys.length || !boundaries.length) return out;
  const blocks = [...new Set(boundaries.map((b) => blockOf(b.day)))];
  // (kind, index, day or block, quarter): 0 = a boundary, 1 = a block.
  const wanted = [...boundaries.map((b, i) => [0, i, b.day, b.quarter]), ...blocks.map((b) => [1, b, b, 0])];
  const values = sql.raw(`VALUES ${wanted.map((w) => `(${w.map((n) => intText(n)).join(", ")})`).join(", ")}`);
  const rows = await db.all<{ key: string; kind: number; i: number; a: string | null; q: string | null }>(sql`
    SELECT k.value AS key, v.column1 AS kind, v.column2 AS i,
      CASE WHEN v.column1 = 0
        THEN (SELECT json_array(r.day, ${sql.raw(ROW_VALUES)}) FROM report_days r WHERE r.dim = ${dim} AND r.key = k.value AND r.day < v.column3 ORDER BY r.day DESC LIMIT 1)
        ELSE (SELECT json_array(r.block, ${sql.raw(ROW_VALUES)}) FROM report_blocks r WHERE r.dim = ${dim} AND r.key = k.value AND r.block <= v.column3 ORDER BY r.block DESC LIMIT 1)
      END AS a,
      CASE WHEN v.column1 = 0 AND v.column4 > 0
        THEN (SELECT json_array(${sql.raw(ROW_VALUES)}) FROM report_quarters r WHERE r.dim = ${dim} AND r.key = k.value AND r.day = v.column3 AND r.quarter < v.column4 ORDER BY r.quarter DESC LIMIT 1)
      END AS q
    FROM json_each(${JSON.stringify(keys)}) k CROSS JOIN (${values}) v
    UNION ALL ${journalRows(2)}`);
  const journal = journalOf(rows, (r) => (Number(r.kind) === 2 ? r.a : null));
  const opening = new Map<string, { block: number; row: unknown[] }>();
  for (const r of rows) {
    if (Number(r.kind) !== 1 || !r.a) continue;
    const row = JSON.parse(r.a) as unknown[];
    opening.set(`${r.key}\u0000${r.i}`, { block: Number(row[0]), row });
  }
  for (const r of rows) {
    if (Number(r.kind) !== 0) continue;
    const i = Number(r.i);
    const o = opening.get(`${r.key}\u0000${blockOf(boundaries[i]!.day)}`);
    const t = o ? totalsOf(o.row, 1, true) : zeroTotals();
    const day = r.a ? (JSON.parse(r.a) as unknown[]) : null;
    if (o && day && blockOf(Number(day[0])) === o.block) addInto(t, totalsOf(day, 1));
    if (r.q) addInto(t, totalsOf(JSON.parse(r.q) as unknown[]));
    out.get(r.key)![i] = t;
  }
  // The journal's rows not folded yet, read in the same statement (one snapshot with the tables). A
  // row counts before every boundary after its bucket: boundaries in time order, the first one found by
  // bisection (journal rows are recent, a year's series has hundreds of boundaries before them).
  if (!journal.length) return out;
  const order = boundaries.map((_, i) => i).sort((x, y) => boundaries[x]!.day - boundaries[y]!.day || boundaries[x]!.quarter - boundaries[y]!.quarter);
  for (const e of journal) {
    for (const g of e.groups) {
      let lo = 0;
      for (let hi = order.length; lo < hi; ) {
        const mid = (lo + hi) >> 1;
        if (bucketBefore(g, boundaries[order[mid]!]!)) hi = mid;
        else lo = mid + 1;
      }
      if (lo === order.length) continue;
      for (const k of g.keys) {
        if (k.dim !== dim) continue;
        const totals = out.get(k.key);
        if (totals) for (let j = lo; j < order.length; j++) addMetricsInto(totals[order[j]!]!, g.metrics);
      }
    }
  }
  return out;
}

/**
 * The keys a dimension has figures for, one index seek each (categories and policies are open
 * sets), and those only the journal has so far.
 */
export async function keysOf(db: Database, dim: Dimension, limit: number): Promise<string[]> {
  const rows = await db.all<{ key: string | null; body: string | null }>(sql`
    WITH RECURSIVE ks(key, n) AS (
      SELECT (SELECT min(key) FROM report_days WHERE dim = ${dim}), 1
      UNION ALL
      SELECT (SELECT min(key) FROM report_days WHERE dim = ${dim} AND key > ks.key), n + 1 FROM ks WHERE ks.key IS NOT NULL AND n < ${sql.raw(intText(limit))}
    ) SELECT key, NULL AS body FROM ks WHERE key IS NOT NULL
    UNION ALL ${journalRows(null, 1)}`);
  const keys = new Set(rows.flatMap((r) => (r.key === null ? [] : [r.key])));
  for (const e of journalOf(rows, (r) => r.body)) for (const g of e.groups) for (const k of g.keys) if (k.dim === dim && keys.size < limit) keys.add(k.key);
  return [...keys].sort();
}

/** A scope's open tickets in one status × priority × SLA state cell. */
export interface BacklogRow {
  status: string;
  priority: string;
  sla: string;
  tickets: number;
}

/** The open-ticket cells of one scope (domain/rollups.ts openScope; "" = everyone): 36 rows at most. */
export async function backlogRows(db: Database, scope: string): Promise<BacklogRow[]> {
  const rows = await db.all<BacklogRow & { body: string | null }>(
    sql`SELECT status, priority, sla, tickets, NULL AS body FROM report_open WHERE scope = ${scope} AND tickets <> 0 UNION ALL ${journalRows(null, 4)}`,
  );
  const cells = new Map<string, BacklogRow>();
  const add = (r: BacklogRow) => {
    const id = `${r.status}\u0000${r.priority}\u0000${r.sla}`;
    const cell = cells.get(id) ?? { status: r.status, priority: r.priority, sla: r.sla, tickets: 0 };
    cell.tickets += Number(r.tickets);
    cells.set(id, cell);
  };
  for (const r of rows) if (r.body === null) add(r);
  const journal = journalOf(rows, (r) => r.body);
  if (journal.length) for (const m of openCounterMoves(journal.flatMap((e) => e.moves)).cells) if (m.scope === scope) add({ ...m, tickets: m.n });
  return [...cells.values()].filter((c) => c.tickets !== 0);
}

/**
 * Open tickets of a scope per assignee or team: all of them (one row each), or of the given members
 * only (a seek each). Unassigned and no-team tickets are not among them (domain/rollups.ts
 * withoutMember; rows of "" that migration 0038 deleted are ignored).
 */
export async function backlogBy(db: Database, scope: string, kind: "assignee" | "team", members?: readonly string[]): Promise<Map<string, number>> {
  const only = members ? sql`AND member IN (SELECT value FROM json_each(${JSON.stringify(members)}))` : sql``;
  const rows = await db.all<{ member: string; tickets: number; body: string | null }>(
    sql`SELECT member, tickets, NULL AS body FROM report_open_by WHERE scope = ${scope} AND kind = ${kind} ${only} AND member <> '' AND tickets <> 0 UNION ALL ${journalRows(null, 2)}`,
  );
  const out = new Map<string, number>();
  for (const r of rows) if (r.body === null) out.set(r.member, Number(r.tickets));
  const journal = journalOf(rows, (r) => r.body);
  if (journal.length) {
    const wanted = members && new Set(members);
    for (const m of openCounterMoves(journal.flatMap((e) => e.moves)).members) {
      if (m.scope === scope && m.kind === kind && (!wanted || wanted.has(m.member))) out.set(m.member, (out.get(m.member) ?? 0) + m.n);
    }
    for (const [member, n] of out) if (n === 0) out.delete(member);
  }
  return out;
}
