/**
 * Rebuilding the report rollups from the ticket rows (admin: POST /api/v1/reports/rebuild; a database
 * migrated with tickets starts in it), in chunks through the JOBS queue, while tickets keep changing.
 *
 * 1. `staging`: the tables are emptied (in bounded deletes), then tickets are read in id order,
 *    a chunk per step, across main and the bound year databases (retired tickets: db/ticket-stores.ts),
 *    and their contributions added as plain sums per quarter hour to report_staging; the chunk's
 *    batch moves `watermark` to its last id, and holds only if main's tickets of the chunk's range
 *    are exactly those read from main, at their revisions (none changed, none came in). A ticket
 *    write meanwhile adds its delta to report_staging if its ticket is at or below the watermark,
 *    and nothing otherwise (the rebuild will read the row as that write left it); a ticket moving
 *    between databases changes no row, and one not reached yet stays in main (the retire checks
 *    `countedByRebuild`): every ticket is counted exactly once.
 * 2. `converting`: key by key (in (dimension, key) order), the plain sums become the three levels of
 *    prefix sums; the key's batch holds only if its staging rows did not change since they were read
 *    (their count and `rev` sum). Writes to keys already converted go to the prefix sums, the others
 *    to report_staging.
 * 3. `live`: reports answer again (they answer 503 while a rebuild runs).
 *
 * Each step is one queue message carrying the step number; a message for another step (a
 * duplicate, or one the cron re-sent) is dropped. The cron re-sends the step of a rebuild that has
 * not moved for a while (a message lost after a crash).
 */
import { asc, gt, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { batchStatement, type BatchItem, type Database } from "../../db/client";
import { classifyD1Error } from "../../db/errors";
import { tickets } from "../../db/schema";
import { yearBounds, yearStores } from "../../db/ticket-stores";
import {
  backlogCell,
  blockOf,
  COUNTERS,
  contributions,
  groupDeltas,
  HISTOGRAMS,
  pointsOf,
  type Histogram,
  type PointDelta,
} from "../../domain/rollups";
import type { RebuildMessage } from "../../jobs/job-messages";
import type { ServiceContext } from "../../lib/request-context";
import type { TicketRow } from "../tickets/tickets.serialize";
import { backlogWrites, stagingWrites } from "./reports.rollups";

/** Tickets read per step: a batch of their plain sums stays far below D1's limits. */
export const REBUILD_TICKETS_PER_STEP = 500;
/** Rows deleted per statement while emptying the tables. */
export const REBUILD_DELETE_ROWS = 5_000;
/** Staging rows converted per step (a key with more is converted alone, in one step). */
export const REBUILD_CONVERT_ROWS = 20_000;
/** Rows per bulk INSERT (one JSON parameter each). */
const INSERT_ROWS_PER_STATEMENT = 1_000;
/** A rebuild that has not moved for this long lost its queue message: the cron sends it again. */
export const REBUILD_STALL_MS = 2 * 60_000;

export type RebuildPhase = "live" | "staging" | "converting";

export interface RebuildState {
  phase: RebuildPhase;
  watermark: string;
  converted_dim: string;
  converted_key: string;
  tickets_done: number;
  keys_done: number;
  step: number;
  requested_by: string | null;
  started_at: string | null;
  updated_at: string | null;
  finished_at: string | null;
}


export async function rebuildState(ctx: Pick<ServiceContext, "db">): Promise<RebuildState> {
  const [row] = await ctx.db.all<RebuildState>(sql`SELECT phase, watermark, converted_dim, converted_key, tickets_done, keys_done, step, requested_by, started_at, updated_at, finished_at FROM report_state WHERE id = 1`);
  return row ?? { phase: "live", watermark: "", converted_dim: "", converted_key: "", tickets_done: 0, keys_done: 0, step: 0, requested_by: null, started_at: null, updated_at: null, finished_at: null };
}

const sendStep = (ctx: ServiceContext, step: number) => ctx.env.JOBS.send({ kind: "report-rebuild", step } satisfies RebuildMessage);

/** Starts a rebuild (or restarts a running one from the beginning) and queues its first step. */
export async function startRebuild(ctx: ServiceContext): Promise<RebuildState> {
  const now = ctx.now.toISOString();
  await ctx.db.batch([
    batchStatement(ctx.db, sql`UPDATE report_state SET phase = 'staging', watermark = '', converted_dim = '', converted_key = '', tickets_done = 0, keys_done = 0,
      step = step + 1, folds = folds + 1, requested_by = ${ctx.actor?.id ?? null}, started_at = ${now}, updated_at = ${now}, finished_at = NULL WHERE id = 1`),
    // Small: emptied at once (no write changes them while the watermark is at the start).
    batchStatement(ctx.db, sql`DELETE FROM report_open`),
    batchStatement(ctx.db, sql`DELETE FROM report_open_by`),
    // The journal's writes are in the ticket rows the rebuild reads: discarded with the figures they
    // moved, in the batch that ends the live phase (later writes write their deltas themselves), and
    // a fold that read it before aborts (reports.journal.ts: `folds` moved).
    batchStatement(ctx.db, sql`DELETE FROM report_journal`),
  ]);
  const state = await rebuildState(ctx);
  await sendStep(ctx, state.step);
  return state;
}

/** The rollup tables a rebuild empties, with their primary keys. */
const REBUILT_TABLES = {
  report_blocks: "dim, key, block",
  report_days: "dim, key, day",
  report_quarters: "dim, key, day, quarter",
  report_staging: "dim, key, day, quarter",
} as const;

/** Deletes up to REBUILD_DELETE_ROWS rows of a table; true when it found some. */
async function deleteSome(ctx: ServiceContext, table: keyof typeof REBUILT_TABLES): Promise<boolean> {
  const pk = sql.raw(REBUILT_TABLES[table]);
  const res = await ctx.db.run(sql`DELETE FROM ${sql.raw(table)} WHERE (${pk}) IN (SELECT ${pk} FROM ${sql.raw(table)} LIMIT ${REBUILD_DELETE_ROWS})`);
  return (res.meta.changes ?? 0) > 0;
}

/** A batch statement that fails (rolling the batch back as `stale`) unless `condition` holds. */
const abortUnless = (condition: ReturnType<typeof sql>) => sql`SELECT abs(CASE WHEN ${condition} THEN 0 ELSE -9223372036854775807 - 1 END)`;

/** One step of the rebuild; returns whether another step follows. */
export async function rebuildStep(ctx: ServiceContext, step: number): Promise<boolean> {
  const state = await rebuildState(ctx);
  if (state.phase === "live" || state.step !== step) return false;
  const now = ctx.now.toISOString();
  const advance = sql`step = step + 1, updated_at = ${now}`;
  const guard = sql`id = 1 AND step = ${step} AND phase = ${state.phase}`;
  try {
    if (state.phase === "staging") {
      // Empty the tables first; no write reaches them while the watermark is at the start.
      if (state.watermark === "") {
        for (const table of Object.keys(REBUILT_TABLES) as (keyof typeof REBUILT_TABLES)[]) {
          if (await deleteSome(ctx, table)) {
            await ctx.db.run(sql`UPDATE report_state SET ${advance} WHERE ${guard}`);
            return true;
          }
        }
      }
      await stageChunk(ctx, state, advance, guard);
      return true;
    }
    return await convertKeys(ctx, state, advance, guard, now);
  } catch (err) {
    // A ticket or staging row changed under the step: the same step runs again from a fresh read.
    if (classifyD1Error(err).kind === "stale") return true;
    throw err;
  }
}

/**
 * The next chunk of tickets in id order across every database (main and the bound years: retired
 * tickets live in their year's, db/ticket-stores.ts), main read first. A ticket in two databases (a
 * retire's copy not yet deleted from main) is main's. `last` bounds the chunk: every ticket up to it
 * that any database held when it was read is in it.
 */
async function nextTickets(ctx: ServiceContext, after: string): Promise<{ rows: TicketRow[]; inMain: Set<string>; last: string | null }> {
  const page = (db: Database) => db.select().from(tickets).where(gt(tickets.id, after)).orderBy(asc(tickets.id)).limit(REBUILD_TICKETS_PER_STEP);
  const main = await page(ctx.db);
  // A database that returned a full page may hold more before the next one's ids: the chunk ends at its last.
  let bound = main.length === REBUILD_TICKETS_PER_STEP ? main.at(-1)!.id : null;
  const byId = new Map(main.map((r) => [r.id, r]));
  // Oldest year first: ids are time-ordered, so a year whose ids all lie past the bound holds nothing of this chunk.
  for (const store of yearStores(ctx.env).reverse()) {
    const { loId, hiId } = yearBounds(store.year);
    if (hiId <= after || (bound !== null && loId > bound)) continue;
    const rows = await page(store.db);
    if (rows.length === REBUILD_TICKETS_PER_STEP && (bound === null || rows.at(-1)!.id < bound)) bound = rows.at(-1)!.id;
    for (const r of rows) if (!byId.has(r.id)) byId.set(r.id, r);
  }
  const rows = [...byId.values()]
    .filter((r) => bound === null || r.id <= bound)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, REBUILD_TICKETS_PER_STEP);
  return { rows, inMain: new Set(main.map((r) => r.id)), last: rows.at(-1)?.id ?? null };
}

/**
 * One chunk: its tickets' contributions added to report_staging and the watermark moved past them,
 * in one batch of main that holds only if main's tickets of the chunk's range are exactly those
 * read from main, at the revisions read. So a ticket that came into main meanwhile (a retired one
 * brought back, an import with an old id) or changed fails it, and the step reads again. One read
 * from a year database is not in main at commit, so it has been there since before main was read (a
 * ticket the walk has not reached cannot leave main while the rebuild stages: archive.retire.ts
 * `countedByRebuild`), and a retired row does not change (any write brings it back first).
 */
async function stageChunk(ctx: ServiceContext, state: RebuildState, advance: ReturnType<typeof sql>, guard: ReturnType<typeof sql>) {
  const { rows: chunk, inMain, last } = await nextTickets(ctx, state.watermark);
  if (!last) {
    // Nothing left anywhere: unless a ticket came into main past the watermark meanwhile (then the step reads again).
    await ctx.db.batch([
      batchStatement(ctx.db, abortUnless(sql`NOT EXISTS (SELECT 1 FROM ${tickets} WHERE ${tickets.id} > ${state.watermark})`)),
      batchStatement(ctx.db, sql`UPDATE report_state SET phase = 'converting', ${advance} WHERE ${guard} AND watermark = ${state.watermark}`),
    ]);
    return;
  }
  const points = new Map<string, PointDelta>();
  for (const row of chunk) pointsOf(contributions(row), 1, points);
  const cells = chunk.flatMap((row) => {
    const cell = backlogCell(row);
    return cell ? [{ cell, n: 1 }] : [];
  });
  const fromMain = chunk.filter((r) => inMain.has(r.id));
  const revisions = JSON.stringify(fromMain.map((r) => [r.id, r.revision]));
  const items: BatchItem[] = [
    batchStatement(ctx.db,
      abortUnless(sql`(SELECT count(*) FROM json_each(${revisions}) j JOIN tickets t ON t.id = json_extract(j.value, '$[0]') AND t.revision = json_extract(j.value, '$[1]')) = ${fromMain.length}
        AND (SELECT count(*) FROM ${tickets} WHERE ${tickets.id} > ${state.watermark} AND ${tickets.id} <= ${last}) = ${fromMain.length}`),
    ),
    ...stagingWrites(ctx.db, groupDeltas([...points.values()])),
    ...backlogWrites(ctx.db, cells),
    batchStatement(ctx.db, sql`UPDATE report_state SET watermark = ${last}, tickets_done = tickets_done + ${chunk.length}, ${advance} WHERE ${guard} AND watermark = ${state.watermark}`),
    batchStatement(ctx.db, abortUnless(sql`changes() = 1`)),
  ];
  await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
}

/**
 * A batch condition of main (SQL) that holds unless a rebuild is staging and its walk has not
 * reached ticket `id` yet: such a ticket must stay in main until the walk passes it (the retire's
 * delete checks it in its batch). Every ticket the walk passed is counted wherever it lives (a
 * ticket's contribution is its row's, and a move changes no row), and once staging is over all are.
 */
export const countedByRebuild = (id: string | AnySQLiteColumn) =>
  sql`NOT EXISTS (SELECT 1 FROM report_state s WHERE s.id = 1 AND s.phase = 'staging' AND ${id} > s.watermark)`;

interface StagingRow {
  day: number;
  quarter: number;
  values: number[];
  hists: Histogram[];
}

const STAGING_COLUMNS = sql.raw([...COUNTERS, ...HISTOGRAMS].join(", "));

/** Converts keys until REBUILD_CONVERT_ROWS staging rows are done; false when the rebuild finished. */
async function convertKeys(ctx: ServiceContext, state: RebuildState, advance: ReturnType<typeof sql>, guard: ReturnType<typeof sql>, now: string): Promise<boolean> {
  let converted = { dim: state.converted_dim, key: state.converted_key };
  let rowsDone = 0;
  let keysDone = 0;
  const items: BatchItem[] = [];
  while (rowsDone < REBUILD_CONVERT_ROWS) {
    const [next] = await ctx.db.all<{ dim: string; key: string }>(
      sql`SELECT dim, key FROM report_staging WHERE (dim, key) > (${converted.dim}, ${converted.key}) ORDER BY dim, key LIMIT 1`,
    );
    if (!next) break;
    const rows = await ctx.db.all<Record<string, unknown>>(
      sql`SELECT day, quarter, ${STAGING_COLUMNS}, rev FROM report_staging WHERE dim = ${next.dim} AND key = ${next.key} ORDER BY day, quarter`,
    );
    if (rowsDone > 0 && rowsDone + rows.length > REBUILD_CONVERT_ROWS) break;
    const revSum = rows.reduce((s, r) => s + Number(r.rev), 0);
    items.push(
      batchStatement(ctx.db,
        abortUnless(sql`(SELECT count(*) = ${rows.length} AND total(rev) = ${revSum} FROM report_staging WHERE dim = ${next.dim} AND key = ${next.key})`),
      ),
      ...prefixSumWrites(ctx, next.dim, next.key, rows.map(toStagingRow)),
      batchStatement(ctx.db, sql`DELETE FROM report_staging WHERE dim = ${next.dim} AND key = ${next.key}`),
    );
    converted = next;
    rowsDone += rows.length;
    keysDone++;
  }
  if (!keysDone) {
    await ctx.db.run(sql`UPDATE report_state SET phase = 'live', finished_at = ${now}, ${advance} WHERE ${guard}`);
    return false;
  }
  items.push(
    batchStatement(ctx.db,
      sql`UPDATE report_state SET converted_dim = ${converted.dim}, converted_key = ${converted.key}, keys_done = keys_done + ${keysDone}, ${advance}
        WHERE ${guard} AND converted_dim = ${state.converted_dim} AND converted_key = ${state.converted_key}`,
    ),
    batchStatement(ctx.db, abortUnless(sql`changes() = 1`)),
  );
  await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
  return true;
}

function toStagingRow(r: Record<string, unknown>): StagingRow {
  return {
    day: Number(r.day),
    quarter: Number(r.quarter),
    values: COUNTERS.map((c) => Number(r[c] ?? 0)),
    hists: HISTOGRAMS.map((h) => JSON.parse(String(r[h] ?? "{}")) as Histogram),
  };
}

const addInto = (acc: { values: number[]; hists: Histogram[] }, r: { values: number[]; hists: Histogram[] }) => {
  r.values.forEach((v, i) => (acc.values[i]! += v));
  r.hists.forEach((h, i) => {
    for (const [b, n] of Object.entries(h)) acc.hists[i]![b] = (acc.hists[i]![b] ?? 0) + n;
  });
};

const fresh = () => ({ values: COUNTERS.map(() => 0), hists: HISTOGRAMS.map(() => ({}) as Histogram) });
const snapshot = (acc: { values: number[]; hists: Histogram[] }) => [...acc.values, ...acc.hists.map((h) => ({ ...h }))];

/** The prefix-sum rows of one key from its plain sums (ordered by day, quarter): block, day and quarter rows. */
function prefixSumWrites(ctx: ServiceContext, dim: string, key: string, rows: StagingRow[]): BatchItem[] {
  const blocks: unknown[][] = [];
  const days: unknown[][] = [];
  const quarters: unknown[][] = [];
  const total = fresh();
  let inBlock = fresh();
  let today = fresh();
  let block: number | null = null;
  let day: number | null = null;
  for (const r of rows) {
    if (r.day !== day) {
      if (day !== null) days.push([day, ...snapshot(inBlock)]);
      if (blockOf(r.day) !== block) {
        block = blockOf(r.day);
        blocks.push([block, ...snapshot(total)]);
        inBlock = fresh();
      }
      day = r.day;
      today = fresh();
    }
    addInto(today, r);
    addInto(inBlock, r);
    addInto(total, r);
    quarters.push([r.day, r.quarter, ...snapshot(today)]);
  }
  if (day !== null) days.push([day, ...snapshot(inBlock)]);
  const columns = [...COUNTERS, ...HISTOGRAMS];
  const select = (offset: number) =>
    sql.raw(columns.map((c, i) => (i < COUNTERS.length ? `json_extract(value, '$[${i + offset}]')` : `json(json_extract(value, '$[${i + offset}]'))`)).join(", "));
  const out: BatchItem[] = [];
  const insert = (table: string, pk: string[], list: unknown[][]) => {
    const pkSelect = sql.raw(pk.map((_, i) => `json_extract(value, '$[${i}]')`).join(", "));
    for (let i = 0; i < list.length; i += INSERT_ROWS_PER_STATEMENT) {
      out.push(
        batchStatement(ctx.db, sql`INSERT INTO ${sql.raw(table)} (dim, key, ${sql.raw(pk.join(", "))}, ${STAGING_COLUMNS})
          SELECT ${dim}, ${key}, ${pkSelect}, ${select(pk.length)} FROM json_each(${JSON.stringify(list.slice(i, i + INSERT_ROWS_PER_STATEMENT))})`),
      );
    }
  };
  insert("report_blocks", ["block"], blocks);
  insert("report_days", ["day"], days);
  insert("report_quarters", ["day", "quarter"], quarters);
  return out;
}

/** The JOBS consumer's part: one step, then the next step's message. */
export async function runRebuildMessage(ctx: ServiceContext, message: RebuildMessage): Promise<void> {
  if (await rebuildStep(ctx, message.step)) {
    const state = await rebuildState(ctx);
    if (state.phase !== "live") await sendStep(ctx, state.step);
  }
}

/** Cron: a rebuild whose step has not moved for REBUILD_STALL_MS lost its message; send it again. */
export async function resumeStalledRebuild(ctx: ServiceContext): Promise<boolean> {
  const state = await rebuildState(ctx);
  if (state.phase === "live") return false;
  const updated = state.updated_at ? Date.parse(state.updated_at) : 0;
  if (ctx.now.getTime() - updated < REBUILD_STALL_MS) return false;
  await ctx.db.run(sql`UPDATE report_state SET updated_at = ${ctx.now.toISOString()} WHERE id = 1 AND step = ${state.step}`);
  await sendStep(ctx, state.step);
  return true;
}
