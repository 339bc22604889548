/**
 * The report journal (migration 0039_report_journal.sql). With no rebuild running, a ticket write
 * does not write the prefix sums itself: its batch appends one row to `report_journal` holding what
 * it moves (domain/rollups.ts JournalEntry; reports.rollups.ts rollupWrites), one row written
 * whatever the number of keys and counters. A fold applies many rows at once, summed per (dimension,
 * key, quarter hour) first, through the same statements a write used (reports.rollups.ts
 * groupWrites, backlogWrites), and deletes them in the same batch. Reports add the rows not folded
 * yet to what they read, in the same statement (reports.rollups.ts journalRows), so every figure is
 * exact at every instant, folded or not.
 *
 * Folds run from the minute cron (until the journal is empty, within a budget), and before a report
 * that finds more than {@link JOURNAL_FOLD_AT} rows waiting. A rebuild's start deletes the journal in
 * the batch that sets its phase: the rebuild recomputes every figure from the ticket rows, which
 * hold every journaled write already; while it runs, writes write their deltas as before.
 *
 * Exactly once: a fold's batch first moves `report_state.folds` from the value it read before it read
 * the journal, and aborts (rolls back) if another fold or a rebuild's start moved it meanwhile; it
 * deletes the rows up to the last id it read, which are the rows it read (ids only grow while those
 * rows exist). So two folds racing, a cron run retried, or a fold crossing a rebuild's start apply
 * each row once or not at all.
 */
import { sql } from "drizzle-orm";
import { textStatement, type BatchItem } from "../../db/client";
import { classifyD1Error } from "../../db/errors";
import { mergeJournal, parseJournalBody, type JournalEntry } from "../../domain/rollups";
import type { ServiceContext } from "../../lib/request-context";
import { backlogWrites, groupWrites, JOURNAL_READ_MAX } from "./reports.rollups";

/** Journal rows one fold reads at most. */
export const FOLD_ROWS = 500;
/**
 * Distinct (dimension, key, quarter hour) points one fold writes at most (six statements each): a
 * fold stops taking rows once their points would pass this, so its batch stays within ~600
 * statements whatever the writes were (back-dated ones spread over many days; a minute's writes
 * now share a few dozen points).
 */
export const FOLD_MAX_POINTS = 100;
/** A report folds first when more rows than this wait (half what it may read: writes land meanwhile). */
export const JOURNAL_FOLD_AT = JOURNAL_READ_MAX / 2;
/** Folds one cron run does at most (a minute's writes of a busy deployment fold in one or two). */
export const CRON_FOLDS = 10;

export interface FoldResult {
  /** Journal rows applied and deleted. */
  rows: number;
  /** Rows left (at least one more fold is due), or the fold lost a race and should be retried. */
  more: boolean;
}

/** Applies the oldest journal rows (up to {@link FOLD_ROWS}) to the rollup tables and deletes them, in one batch. */
export async function foldJournal(ctx: Pick<ServiceContext, "db">): Promise<FoldResult> {
  const [state] = await ctx.db.all<{ phase: string; folds: number }>(sql`SELECT phase, folds FROM report_state WHERE id = 1`);
  if (!state || state.phase !== "live") return { rows: 0, more: false };
  const rows = await ctx.db.all<{ id: number; body: string }>(sql`SELECT id, body FROM report_journal ORDER BY id LIMIT ${FOLD_ROWS + 1}`);
  if (!rows.length) return { rows: 0, more: false };
  const entries: JournalEntry[] = [];
  // Distinct (dimension, key, quarter hour) points: writes of the same minute mostly share theirs.
  const points = new Set<string>();
  let lastId = 0;
  for (const r of rows.slice(0, FOLD_ROWS)) {
    const e = parseJournalBody(r.body);
    const mine = e.groups.flatMap((g) => g.keys.map((k) => `${k.dim}\u0000${k.key}\u0000${g.day}\u0000${g.quarter}`)).filter((id) => !points.has(id));
    if (entries.length && points.size + new Set(mine).size > FOLD_MAX_POINTS) break;
    for (const id of mine) points.add(id);
    entries.push(e);
    lastId = Number(r.id);
  }
  const merged = mergeJournal(entries);
  const items: BatchItem[] = [
    textStatement(ctx.db, `UPDATE report_state SET folds = folds + 1 WHERE id = 1 AND folds = ? AND phase = 'live'`, [Number(state.folds)]),
    // Another fold, or a rebuild's start, since this one read the state: roll back (integer overflow = stale).
    textStatement(ctx.db, `SELECT abs(CASE WHEN changes() = 1 THEN 0 ELSE -9223372036854775807 - 1 END)`, []),
    ...merged.groups.flatMap((g) => groupWrites(ctx.db, g, null)),
    ...backlogWrites(ctx.db, merged.moves),
    textStatement(ctx.db, `DELETE FROM report_journal WHERE id <= ?`, [lastId]),
  ];
  try {
    await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
  } catch (err) {
    if (classifyD1Error(err).kind === "stale") return { rows: 0, more: true };
    throw err;
  }
  return { rows: entries.length, more: rows.length > entries.length };
}

/** Folds until the journal is empty or `maxFolds` folds ran. */
export async function foldAll(ctx: Pick<ServiceContext, "db">, maxFolds = CRON_FOLDS): Promise<{ rows: number; folds: number; more: boolean }> {
  let rows = 0;
  let folds = 0;
  let more = true;
  while (more && folds < maxFolds) {
    const r = await foldJournal(ctx);
    rows += r.rows;
    more = r.more;
    folds++;
  }
  return { rows, folds, more };
}

/** Journal rows waiting: ids are handed out in order and folds delete a prefix, so max − min + 1 (two index seeks). */
export const JOURNAL_LENGTH = sql`((SELECT max(id) FROM report_journal) - (SELECT min(id) FROM report_journal) + 1)`;

export async function journalLength(ctx: Pick<ServiceContext, "db">): Promise<number> {
  const [row] = await ctx.db.all<{ n: number | null }>(sql`SELECT ${JOURNAL_LENGTH} AS n`);
  return Number(row?.n ?? 0);
}

/**
 * Before a report: folds while more than {@link JOURNAL_FOLD_AT} rows wait (the cron fell behind a
 * burst of writes), so the report reads at most {@link JOURNAL_READ_MAX}. Bounded: a report that
 * still finds too many answers 503 (reports.rollups.ts journalOf).
 */
export async function foldBeforeReport(ctx: Pick<ServiceContext, "db">, length: number): Promise<void> {
  for (let i = 0; length > JOURNAL_FOLD_AT && i < 4; i++) {
    await foldJournal(ctx);
    length = await journalLength(ctx);
  }
}

/** The minute cron's part. */
export async function runJournalFold(ctx: ServiceContext) {
  return { job: "report-journal", ...(await foldAll(ctx)) };
}
