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
 * While a rebuild runs (reports.rebuild.ts, `report_state`), each statement checks the phase itself:
 * deltas of tickets the rebuild has not read yet are left out (it will read their rows), the others
 * collect in report_staging until their key is converted back into the three tables.
 */
import { sql, type SQL } from "drizzle-orm";
import { batchStatement, type BatchItem, type Database } from "../../db/client";
import {
  backlogDelta,
  BLOCK_DAYS,
  blockOf,
  COUNTERS,
  groupDeltas,
  HISTOGRAMS,
  openCounterMoves,
  type BacklogCell,
  rollupDelta,
  type Bucket,
  type DeltaGroup,
  type Dimension,
  type Histogram,
  type Metrics,
  type TicketFacts,
  type Totals,
  zeroTotals,
} from "../../domain/rollups";
import type { StoredTicket, TicketEventConsumer } from "../../events/ticket-events";
import type { ServiceContext } from "../../lib/request-context";

/** An integer as SQL text (written into statements: D1 binds at most 100 parameters). */
const intText = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return String(n);
};
const int = (n: number): SQL => sql.raw(intText(n));

const ROLLUP_COLUMNS = sql.raw([...COUNTERS, ...HISTOGRAMS].join(", "));

/** `base` (a JSON object of bucket → count) plus a histogram delta: one json_set with a path per bucket. */
function histogramPlus(base: SQL, delta: Histogram | undefined): SQL {
  const entries = Object.entries(delta ?? {}).filter(([, n]) => n);
  if (!entries.length) return base;
  const pairs = entries.map(([i, n]) => {
    const path = sql.raw(`'$."${Number(i)}"'`);
    return sql`${path}, coalesce(json_extract(${base}, ${path}), 0) + ${int(n)}`;
  });
  return sql`json_set(${base}, ${sql.join(pairs, sql`, `)})`;
}

/** The sum of two histograms held as JSON (either may be null), zero buckets left out. */
function histogramSum(a: SQL, b: SQL): SQL {
  return sql`(SELECT coalesce(json_group_object(i, n), '{}') FROM (
    SELECT key AS i, sum(value) AS n FROM (SELECT key, value FROM json_each(coalesce(${a}, '{}')) UNION ALL SELECT key, value FROM json_each(coalesce(${b}, '{}')))
    GROUP BY key HAVING n <> 0))`;
}

/** `col = col + d` for what a delta changes (an UPDATE's SET list). */
function increments(m: Metrics): SQL {
  const sets: SQL[] = [];
  for (const c of COUNTERS) if (m.c[c]) sets.push(sql`${sql.raw(c)} = ${sql.raw(c)} + ${int(m.c[c]!)}`);
  for (const h of HISTOGRAMS) if (m.h[h] && Object.keys(m.h[h]!).length) sets.push(sql`${sql.raw(h)} = ${histogramPlus(sql.raw(h), m.h[h])}`);
  return sql.join(sets, sql`, `);
}

/** Every rollup column's value for a new row: `prev` (an alias, or null for zeros) plus the delta. */
function newRowValues(m: Metrics, prev: string | null): SQL {
  const values: SQL[] = COUNTERS.map((c) => (prev ? sql`coalesce(${sql.raw(`${prev}.${c}`)}, 0) + ${int(m.c[c] ?? 0)}` : int(m.c[c] ?? 0)));
  for (const h of HISTOGRAMS) values.push(histogramPlus(prev ? sql`coalesce(${sql.raw(`${prev}.${h}`)}, '{}')` : sql`'{}'`, m.h[h]));
  return sql.join(values, sql`, `);
}

/** Bound parameters a statement may spend on its rows (D1 binds at most 100). */
const MAX_ROW_PARAMS = 64;

/**
 * Rows as a table with the given columns: bound VALUES, which cost no rows read, when they fit in
 * {@link MAX_ROW_PARAMS}; else one JSON parameter (json_each reads a row per element: a rebuild's chunk).
 */
function rowsTable(rows: readonly (readonly (string | number)[])[], columns: readonly string[]): SQL {
  if (rows.length * columns.length <= MAX_ROW_PARAMS) {
    const values = sql.join(rows.map((r) => sql`(${sql.join(r.map((v) => sql`${v}`), sql`, `)})`), sql`, `);
    return sql`(SELECT ${sql.raw(columns.map((c, i) => `column${i + 1} AS ${c}`).join(", "))} FROM (VALUES ${values}))`;
  }
  return sql`(SELECT ${sql.raw(columns.map((c, i) => `json_extract(value, '$[${i}]') AS ${c}`).join(", "))} FROM json_each(${JSON.stringify(rows)}))`;
}

const keysTable = (keys: { dim: string; key: string }[]) => rowsTable(keys.map((k) => [k.dim, k.key]), ["dim", "key"]);

/** The rebuild phase: an uncorrelated subquery, so a statement reads it once, not once per key. */
const PHASE = sql`(SELECT phase FROM report_state WHERE id = 1)`;

/** The key `alias` is live: no rebuild, or the rebuild converted it already. */
const liveKey = (alias: string) =>
  sql`(${PHASE} = 'live' OR EXISTS (SELECT 1 FROM report_state s WHERE s.phase = 'converting' AND (${sql.raw(alias)}.dim, ${sql.raw(alias)}.key) <= (s.converted_dim, s.converted_key)))`;

/** A rebuild collects this ticket's delta for key `alias` in report_staging. */
const stagedKey = (alias: string, ticketId: string) =>
  sql`(${PHASE} <> 'live' AND EXISTS (SELECT 1 FROM report_state s WHERE (s.phase = 'staging' AND ${ticketId} <= s.watermark) OR (s.phase = 'converting' AND (${sql.raw(alias)}.dim, ${sql.raw(alias)}.key) > (s.converted_dim, s.converted_key))))`;

/** The backlog counters take this ticket's move: no rebuild, or the rebuild read the ticket already. */
const backlogLive = (ticketId: string) => sql`EXISTS (SELECT 1 FROM report_state s WHERE s.phase <> 'staging' OR ${ticketId} <= s.watermark)`;

/**
 * The statements adding one delta group to the live prefix sums and, during a rebuild, to the staging sums.
 * Later rows are updated `FROM` the keys: one seek per key (`(dim, key) IN (subquery)` read two).
 */
function groupWrites(db: Database, g: DeltaGroup, ticketId: string): BatchItem[] {
  const keys = keysTable(g.keys);
  const day = int(g.day);
  const quarter = int(g.quarter);
  const block = int(blockOf(g.day));
  const blockStart = int(blockOf(g.day) * BLOCK_DAYS);
  const nextBlockStart = int((blockOf(g.day) + 1) * BLOCK_DAYS);
  const inc = increments(g.metrics);
  const openingValues = sql.join(
    [
      ...COUNTERS.map((c) => sql`coalesce(${sql.raw(`p.${c}`)}, 0) + coalesce(${sql.raw(`l.${c}`)}, 0)`),
      ...HISTOGRAMS.map((h) => histogramSum(sql.raw(`p.${h}`), sql.raw(`l.${h}`))),
    ],
    sql`, `,
  );
  return [
    // The block's row, if the key has none yet: the totals before the block (nothing of this delta).
    batchStatement(db, sql`INSERT INTO report_blocks (dim, key, block, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${block}, ${openingValues} FROM ${keys} k
      LEFT JOIN report_blocks p ON p.dim = k.dim AND p.key = k.key
        AND p.block = (SELECT max(e.block) FROM report_blocks e WHERE e.dim = k.dim AND e.key = k.key AND e.block < ${block})
      LEFT JOIN report_days l ON l.dim = k.dim AND l.key = k.key
        AND l.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = k.dim AND e.key = k.key AND e.day < ${blockStart} AND e.day >= p.block * ${int(BLOCK_DAYS)})
      WHERE ${liveKey("k")} AND NOT EXISTS (SELECT 1 FROM report_blocks x WHERE x.dim = k.dim AND x.key = k.key AND x.block = ${block})
      ON CONFLICT (dim, key, block) DO NOTHING`),
    batchStatement(db, sql`UPDATE report_blocks SET ${inc} FROM ${keys} k
      WHERE report_blocks.dim = k.dim AND report_blocks.key = k.key AND report_blocks.block > ${block} AND ${liveKey("report_blocks")}`),
    batchStatement(db, sql`INSERT INTO report_days (dim, key, day, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${newRowValues(g.metrics, "p")} FROM ${keys} k
      LEFT JOIN report_days p ON p.dim = k.dim AND p.key = k.key
        AND p.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = k.dim AND e.key = k.key AND e.day < ${day} AND e.day >= ${blockStart})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day) DO UPDATE SET ${inc}`),
    batchStatement(db, sql`UPDATE report_days SET ${inc} FROM ${keys} k
      WHERE report_days.dim = k.dim AND report_days.key = k.key AND report_days.day > ${day} AND report_days.day < ${nextBlockStart} AND ${liveKey("report_days")}`),
    batchStatement(db, sql`INSERT INTO report_quarters (dim, key, day, quarter, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${quarter}, ${newRowValues(g.metrics, "p")} FROM ${keys} k
      LEFT JOIN report_quarters p ON p.dim = k.dim AND p.key = k.key AND p.day = ${day}
        AND p.quarter = (SELECT max(e.quarter) FROM report_quarters e WHERE e.dim = k.dim AND e.key = k.key AND e.day = ${day} AND e.quarter < ${quarter})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${inc}`),
    batchStatement(db, sql`UPDATE report_quarters SET ${inc} FROM ${keys} k
      WHERE report_quarters.dim = k.dim AND report_quarters.key = k.key AND report_quarters.day = ${day} AND report_quarters.quarter > ${quarter} AND ${liveKey("report_quarters")}`),
    batchStatement(db, sql`INSERT INTO report_staging (dim, key, day, quarter, ${ROLLUP_COLUMNS}, rev)
      SELECT k.dim, k.key, ${day}, ${quarter}, ${newRowValues(g.metrics, null)}, 1 FROM ${keys} k
      WHERE ${stagedKey("k", ticketId)}
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${inc}, rev = rev + 1`),
  ];
}

/** Adds plain sums (not prefix sums) to report_staging: a rebuild's chunk. */
export function stagingWrites(db: Database, groups: DeltaGroup[]): BatchItem[] {
  return groups.map((g) =>
    batchStatement(db, sql`INSERT INTO report_staging (dim, key, day, quarter, ${ROLLUP_COLUMNS}, rev)
      SELECT k.dim, k.key, ${int(g.day)}, ${int(g.quarter)}, ${newRowValues(g.metrics, null)}, 1 FROM ${keysTable(g.keys)} k WHERE true
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${increments(g.metrics)}, rev = rev + 1`),
  );
}

type BacklogMove = { cell: BacklogCell; n: number };

/**
 * Moves of the open-ticket counters (report_open, report_open_by; domain/rollups.ts openCounterMoves),
 * one statement per table; `condition` decides at run time whether they apply.
 */
export function backlogWrites(db: Database, moves: readonly BacklogMove[], condition: SQL = sql`true`): BatchItem[] {
  const { cells, members } = openCounterMoves(moves);
  const items: BatchItem[] = [];
  if (cells.length) {
    const rows = rowsTable(cells.map((m) => [m.scope, m.status, m.priority, m.sla, m.n]), ["scope", "status", "priority", "sla", "n"]);
    items.push(
      batchStatement(db, sql`INSERT INTO report_open (scope, status, priority, sla, tickets)
        SELECT scope, status, priority, sla, n FROM ${rows} WHERE ${condition}
        ON CONFLICT (scope, status, priority, sla) DO UPDATE SET tickets = tickets + excluded.tickets`),
    );
  }
  if (members.length) {
    const rows = rowsTable(members.map((m) => [m.scope, m.kind, m.member, m.n]), ["scope", "kind", "member", "n"]);
    items.push(
      batchStatement(db, sql`INSERT INTO report_open_by (scope, kind, member, tickets)
        SELECT scope, kind, member, n FROM ${rows} WHERE ${condition}
        ON CONFLICT (scope, kind, member) DO UPDATE SET tickets = tickets + excluded.tickets`),
    );
  }
  return items;
}

/** The rollup writes of one ticket write: from the rows it replaced and wrote. */
export function rollupWrites(db: Database, before: TicketFacts | null, after: TicketFacts | null): BatchItem[] {
  const ticketId = (after ?? before)?.id;
  if (!ticketId) return [];
  return [
    ...groupDeltas(rollupDelta(before, after)).flatMap((g) => groupWrites(db, g, ticketId)),
    ...backlogWrites(db, backlogDelta(before, after), backlogLive(ticketId)),
  ];
}

/** The rollup consumer of ticket writes (src/events/consumers.ts). */
export const reportRollups: TicketEventConsumer<ServiceContext> = {
  name: "report-rollups",
  onStored: (ctx: ServiceContext, stored: StoredTicket) => rollupWrites(ctx.db, stored.before, stored.after),
};

// ---------------------------------------------------------------- reading

/** An instant on a quarter-hour boundary as (day, quarter): the totals before it are the rows before it. */
export type Boundary = Bucket;

/** A row read back as a JSON array: `skip` leading values (its day or block), then the counters and histograms. */
function parseTotals(json: string | null, skip = 0): Totals | null {
  if (!json) return null;
  const values = (JSON.parse(json) as unknown[]).slice(skip);
  const t = zeroTotals();
  COUNTERS.forEach((c, i) => (t.c[c] = Number(values[i] ?? 0)));
  HISTOGRAMS.forEach((h, i) => (t.h[h] = (values[COUNTERS.length + i] as Histogram | null) ?? {}));
  return t;
}

function plus(...parts: (Totals | null)[]): Totals {
  const out = zeroTotals();
  for (const t of parts) {
    if (!t) continue;
    for (const c of COUNTERS) out.c[c] += t.c[c];
    for (const h of HISTOGRAMS) for (const [i, n] of Object.entries(t.h[h])) out.h[h][i] = (out.h[h][i] ?? 0) + n;
  }
  return out;
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
    FROM json_each(${JSON.stringify(keys)}) k CROSS JOIN (${values}) v`);
  const opening = new Map<string, { block: number; totals: Totals }>();
  for (const r of rows) if (Number(r.kind) === 1 && r.a) opening.set(`${r.key}\u0000${r.i}`, { block: Number(JSON.parse(r.a)[0]), totals: parseTotals(r.a, 1)! });
  for (const r of rows) {
    if (Number(r.kind) !== 0) continue;
    const i = Number(r.i);
    const o = opening.get(`${r.key}\u0000${blockOf(boundaries[i]!.day)}`);
    const dayRow = r.a ? { block: blockOf(Number(JSON.parse(r.a)[0])), totals: parseTotals(r.a, 1) } : null;
    out.get(r.key)![i] = plus(o?.totals ?? null, o && dayRow?.block === o.block ? dayRow.totals : null, parseTotals(r.q));
  }
  return out;
}

/** The keys a dimension has rows for, one index seek each (categories and policies are open sets). */
export async function keysOf(db: Database, dim: Dimension, limit: number): Promise<string[]> {
  const rows = await db.all<{ key: string }>(sql`
    WITH RECURSIVE ks(key, n) AS (
      SELECT (SELECT min(key) FROM report_days WHERE dim = ${dim}), 1
      UNION ALL
      SELECT (SELECT min(key) FROM report_days WHERE dim = ${dim} AND key > ks.key), n + 1 FROM ks WHERE ks.key IS NOT NULL AND n < ${int(limit)}
    ) SELECT key FROM ks WHERE key IS NOT NULL`);
  return rows.map((r) => r.key);
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
  const rows = await db.all<BacklogRow>(sql`SELECT status, priority, sla, tickets FROM report_open WHERE scope = ${scope} AND tickets <> 0`);
  return rows.map((r) => ({ ...r, tickets: Number(r.tickets) }));
}

/**
 * Open tickets of a scope per assignee or team ("" = unassigned, no team): all of them (one row
 * each), or of the given members only (a seek each).
 */
export async function backlogBy(db: Database, scope: string, kind: "assignee" | "team", members?: readonly string[]): Promise<Map<string, number>> {
  const only = members ? sql`AND member IN (SELECT value FROM json_each(${JSON.stringify(members)}))` : sql``;
  const rows = await db.all<{ member: string; tickets: number }>(
    sql`SELECT member, tickets FROM report_open_by WHERE scope = ${scope} AND kind = ${kind} ${only} AND tickets <> 0`,
  );
  return new Map(rows.map((r) => [r.member, Number(r.tickets)]));
}
