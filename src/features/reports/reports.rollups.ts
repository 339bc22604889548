/**
 * The report rollups in D1 (tables: migration 0022_report_rollups.sql; what they mean:
 * src/domain/rollups.ts). Written by the `reportRollups` consumer in the batch of every ticket
 * write that stores the row, from the rows before and after (`onStored`): the difference of the ticket's
 * contributions, added to two levels of prefix sums, and the move of its backlog counter.
 *
 * Adding a delta at (day d, quarter q) to a key: its `report_days` row of day d (made from the
 * latest earlier row if missing) and every later day row; its `report_quarters` row of (d, q) (made
 * from the latest earlier quarter of the same day) and the later quarters of that day. A change
 * happening now touches one row of each, plus the rows a past instant's change must carry forward
 * (a ticket moved to another team takes along figures dated back to its creation).
 *
 * While a rebuild runs (reports.rebuild.ts, `report_state`), each statement checks the phase itself:
 * deltas of tickets the rebuild has not read yet are left out (it will read their rows), the others
 * collect in report_staging until their key is converted back into the two tables.
 */
import { sql, type SQL } from "drizzle-orm";
import { batchStatement, type BatchItem, type Database } from "../../db/client";
import {
  backlogDelta,
  COUNTERS,
  groupDeltas,
  HISTOGRAMS,
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

const int = (n: number): SQL => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return sql.raw(String(n));
};

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

const keysTable = (keys: { dim: string; key: string }[]) =>
  sql`(SELECT json_extract(value, '$[0]') AS dim, json_extract(value, '$[1]') AS key FROM json_each(${JSON.stringify(keys.map((k) => [k.dim, k.key]))}))`;

/** The key `alias` is live: no rebuild, or the rebuild converted it already. */
const liveKey = (alias: string) =>
  sql`EXISTS (SELECT 1 FROM report_state s WHERE s.phase = 'live' OR (s.phase = 'converting' AND (${sql.raw(alias)}.dim, ${sql.raw(alias)}.key) <= (s.converted_dim, s.converted_key)))`;

/** A rebuild collects this ticket's delta for key `alias` in report_staging. */
const stagedKey = (alias: string, ticketId: string) =>
  sql`EXISTS (SELECT 1 FROM report_state s WHERE (s.phase = 'staging' AND ${ticketId} <= s.watermark) OR (s.phase = 'converting' AND (${sql.raw(alias)}.dim, ${sql.raw(alias)}.key) > (s.converted_dim, s.converted_key)))`;

/** The backlog counters take this ticket's move: no rebuild, or the rebuild read the ticket already. */
const backlogLive = (ticketId: string) => sql`EXISTS (SELECT 1 FROM report_state s WHERE s.phase <> 'staging' OR ${ticketId} <= s.watermark)`;

/** The statements adding one delta group to the live prefix sums and, during a rebuild, to the staging sums. */
function groupWrites(db: Database, g: DeltaGroup, ticketId: string): BatchItem[] {
  const keys = keysTable(g.keys);
  const day = int(g.day);
  const quarter = int(g.quarter);
  const inc = increments(g.metrics);
  return [
    batchStatement(db, sql`INSERT INTO report_days (dim, key, day, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${newRowValues(g.metrics, "p")} FROM ${keys} k
      LEFT JOIN report_days p ON p.dim = k.dim AND p.key = k.key
        AND p.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = k.dim AND e.key = k.key AND e.day < ${day})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day) DO UPDATE SET ${inc}`),
    batchStatement(db, sql`UPDATE report_days SET ${inc}
      WHERE (dim, key) IN (SELECT dim, key FROM ${keys}) AND day > ${day} AND ${liveKey("report_days")}`),
    batchStatement(db, sql`INSERT INTO report_quarters (dim, key, day, quarter, ${ROLLUP_COLUMNS})
      SELECT k.dim, k.key, ${day}, ${quarter}, ${newRowValues(g.metrics, "p")} FROM ${keys} k
      LEFT JOIN report_quarters p ON p.dim = k.dim AND p.key = k.key AND p.day = ${day}
        AND p.quarter = (SELECT max(e.quarter) FROM report_quarters e WHERE e.dim = k.dim AND e.key = k.key AND e.day = ${day} AND e.quarter < ${quarter})
      WHERE ${liveKey("k")}
      ON CONFLICT (dim, key, day, quarter) DO UPDATE SET ${inc}`),
    batchStatement(db, sql`UPDATE report_quarters SET ${inc}
      WHERE (dim, key) IN (SELECT dim, key FROM ${keys}) AND day = ${day} AND quarter > ${quarter} AND ${liveKey("report_quarters")}`),
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

type BacklogMove = { cell: { team: string; agent: string; channel: string; status: string; priority: string; sla: string }; n: number };

/** Moves of the backlog counters, one statement per table; `condition` decides at run time whether they apply. */
export function backlogWrites(db: Database, moves: BacklogMove[], condition: SQL = sql`true`): BatchItem[] {
  if (!moves.length) return [];
  const rows = JSON.stringify(moves.map((m) => [m.cell.team, m.cell.agent, m.cell.channel, m.cell.status, m.cell.priority, m.cell.sla, m.n]));
  const cells = sql`(SELECT json_extract(value, '$[0]') AS team, json_extract(value, '$[1]') AS agent, json_extract(value, '$[2]') AS channel,
    json_extract(value, '$[3]') AS status, json_extract(value, '$[4]') AS priority, json_extract(value, '$[5]') AS sla, json_extract(value, '$[6]') AS n FROM json_each(${rows}))`;
  return [
    batchStatement(db, sql`INSERT INTO report_backlog (team, channel, status, priority, sla, tickets)
      SELECT team, channel, status, priority, sla, sum(n) FROM ${cells} WHERE ${condition} GROUP BY team, channel, status, priority, sla
      ON CONFLICT (team, channel, status, priority, sla) DO UPDATE SET tickets = tickets + excluded.tickets`),
    batchStatement(db, sql`INSERT INTO report_backlog_agents (agent, team, status, priority, sla, tickets)
      SELECT agent, team, status, priority, sla, sum(n) FROM ${cells} WHERE ${condition} GROUP BY agent, team, status, priority, sla
      ON CONFLICT (agent, team, status, priority, sla) DO UPDATE SET tickets = tickets + excluded.tickets`),
  ];
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

function parseTotals(json: string | null): Totals | null {
  if (!json) return null;
  const values = JSON.parse(json) as unknown[];
  const t = zeroTotals();
  COUNTERS.forEach((c, i) => (t.c[c] = Number(values[i] ?? 0)));
  HISTOGRAMS.forEach((h, i) => (t.h[h] = (values[COUNTERS.length + i] as Histogram | null) ?? {}));
  return t;
}

function plus(a: Totals | null, b: Totals | null): Totals {
  const out = zeroTotals();
  for (const t of [a, b]) {
    if (!t) continue;
    for (const c of COUNTERS) out.c[c] += t.c[c];
    for (const h of HISTOGRAMS) for (const [i, n] of Object.entries(t.h[h])) out.h[h][i] = (out.h[h][i] ?? 0) + n;
  }
  return out;
}

const ROW_JSON = sql.raw(`json_array(${COUNTERS.join(", ")}, ${HISTOGRAMS.map((h) => `json(${h})`).join(", ")})`);

/**
 * The totals of each key before each boundary: one row of report_days (the latest before the
 * boundary's day) and one of report_quarters (the latest of that day before its quarter) per pair,
 * in one statement. Returns, per key, one Totals per boundary.
 */
export async function totalsBefore(db: Database, dim: Dimension, keys: readonly string[], boundaries: readonly Boundary[]): Promise<Map<string, Totals[]>> {
  const out = new Map<string, Totals[]>(keys.map((k) => [k, boundaries.map(() => zeroTotals())]));
  if (!keys.length || !boundaries.length) return out;
  const rows = await db.all<{ key: string; i: number; d: string | null; q: string | null }>(sql`
    WITH k(key) AS (SELECT value FROM json_each(${JSON.stringify(keys)})),
         b(i, day, quarter) AS (SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${JSON.stringify(boundaries.map((b) => [b.day, b.quarter]))}))
    SELECT k.key AS key, b.i AS i,
      (SELECT ${ROW_JSON} FROM report_days r WHERE r.dim = ${dim} AND r.key = k.key AND r.day < b.day ORDER BY r.day DESC LIMIT 1) AS d,
      (SELECT ${ROW_JSON} FROM report_quarters r WHERE r.dim = ${dim} AND r.key = k.key AND r.day = b.day AND r.quarter < b.quarter ORDER BY r.quarter DESC LIMIT 1) AS q
    FROM k, b`);
  for (const r of rows) out.get(r.key)![r.i] = plus(parseTotals(r.d), parseTotals(r.q));
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

export interface BacklogRow {
  team: string;
  agent: string;
  /** "" in an agent's rows (report_backlog_agents has no channel). */
  channel: string;
  status: string;
  priority: string;
  sla: string;
  tickets: number;
}

/** The backlog counters, all or one team's (report_backlog; agent is "" there), or one agent's (report_backlog_agents). */
export async function backlogRows(db: Database, filter: { teamId?: string | undefined; agentId?: string | undefined }): Promise<BacklogRow[]> {
  if (filter.agentId !== undefined) {
    return db.all<BacklogRow>(sql`SELECT agent, team, '' AS channel, status, priority, sla, tickets FROM report_backlog_agents WHERE agent = ${filter.agentId} AND tickets <> 0`);
  }
  if (filter.teamId !== undefined) {
    return db.all<BacklogRow>(sql`SELECT '' AS agent, team, channel, status, priority, sla, tickets FROM report_backlog WHERE team = ${filter.teamId} AND tickets <> 0`);
  }
  return db.all<BacklogRow>(sql`SELECT '' AS agent, team, channel, status, priority, sla, tickets FROM report_backlog WHERE tickets <> 0`);
}

/**
 * Open tickets per assignee ("" = unassigned): of the given agents (a seek each), or of everyone,
 * optionally within one team (the whole table: a cell per assignee, team, status, priority and SLA state).
 */
export async function backlogByAgent(db: Database, filter: { agentIds?: readonly string[]; teamId?: string | undefined }): Promise<Map<string, number>> {
  const where = [
    filter.agentIds ? sql`agent IN (SELECT value FROM json_each(${JSON.stringify(filter.agentIds)}))` : sql`true`,
    filter.teamId !== undefined ? sql`team = ${filter.teamId}` : sql`true`,
  ];
  const rows = await db.all<{ agent: string; tickets: number }>(
    sql`SELECT agent, sum(tickets) AS tickets FROM report_backlog_agents WHERE ${sql.join(where, sql` AND `)} GROUP BY agent`,
  );
  return new Map(rows.filter((r) => Number(r.tickets) !== 0).map((r) => [r.agent, Number(r.tickets)]));
}
