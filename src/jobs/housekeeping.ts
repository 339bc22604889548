import { lt, sql } from "drizzle-orm";
import { idempotencyKeys, notifications, rateLimits, ruleRuns, searchQueryDays, searchQueryStats } from "../db/schema";
import { SEARCH_STATS_RETENTION_DAYS } from "../features/search/search.service";
import { IDEMPOTENCY_TTL_MS } from "../lib/idempotency";
import type { ServiceContext } from "../lib/request-context";

/** Rows deleted per table per run: each delete stays a short write; a backlog drains over minutes. */
export const PURGE_BATCH = 500;
/** A rate-limit window older than this is over whatever the limit (the longest window is an hour). */
export const RATE_LIMIT_RETENTION_SECONDS = 86_400;
/** A rule's runs are for seeing what it did lately; a month is plenty, and every firing writes one. */
export const RULE_RUN_RETENTION_MS = 30 * 86_400_000;
/** Read notifications stay in the bell this long; unread ones stay until read (the counter counts them). */
export const READ_NOTIFICATION_RETENTION_MS = 90 * 86_400_000;

export interface HousekeepingReport {
  job: "housekeeping";
  idempotency_keys: number;
  rate_limits: number;
  rule_runs: number;
  notifications: number;
  search_query_stats: number;
}

/**
 * Deletes idempotency keys past their 24 h, rate-limit windows long over, rule runs past a month,
 * read notifications past 90 days and search analytics older than anyone can ask for, oldest
 * first, through their indexes on the timestamp (idempotency_keys_created_idx,
 * rate_limits_window_idx, rule_runs_at_idx, notifications_read_idx, the (day, query) key of
 * search_query_stats).
 */
export async function runHousekeeping(ctx: ServiceContext): Promise<HousekeepingReport> {
  const keysBefore = new Date(ctx.now.getTime() - IDEMPOTENCY_TTL_MS).toISOString();
  const windowsBefore = Math.floor(ctx.now.getTime() / 1000) - RATE_LIMIT_RETENTION_SECONDS;
  const runsBefore = new Date(ctx.now.getTime() - RULE_RUN_RETENTION_MS).toISOString();
  const readBefore = new Date(ctx.now.getTime() - READ_NOTIFICATION_RETENTION_MS).toISOString();
  const daysBefore = new Date(ctx.now.getTime() - SEARCH_STATS_RETENTION_DAYS * 86_400_000).toISOString().slice(0, 10);
  const [keys, windows, runs, read, searches] = await ctx.db.batch([
    ctx.db
      .delete(idempotencyKeys)
      .where(sql`rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ${keysBefore} ORDER BY created_at LIMIT ${PURGE_BATCH})`),
    ctx.db.delete(rateLimits).where(sql`rowid IN (SELECT rowid FROM rate_limits WHERE window_start < ${windowsBefore} ORDER BY window_start LIMIT ${PURGE_BATCH})`),
    ctx.db.delete(ruleRuns).where(sql`rowid IN (SELECT rowid FROM rule_runs WHERE at < ${runsBefore} ORDER BY at LIMIT ${PURGE_BATCH})`),
    // Read ones only (their partial index): an unread notification is still counted by its user's counter.
    ctx.db.delete(notifications).where(sql`rowid IN (SELECT rowid FROM notifications WHERE read_at IS NOT NULL AND read_at < ${readBefore} ORDER BY read_at LIMIT ${PURGE_BATCH})`),
    ctx.db.delete(searchQueryStats).where(sql`rowid IN (SELECT rowid FROM search_query_stats WHERE day < ${daysBefore} ORDER BY day LIMIT ${PURGE_BATCH})`),
    // A day's counter goes with the last of its rows.
    ctx.db.delete(searchQueryDays).where(sql`${lt(searchQueryDays.day, daysBefore)} AND NOT EXISTS (SELECT 1 FROM search_query_stats WHERE day = ${searchQueryDays.day})`),
  ]);
  return {
    job: "housekeeping",
    idempotency_keys: keys.meta.changes,
    rate_limits: windows.meta.changes,
    rule_runs: runs.meta.changes,
    notifications: read.meta.changes,
    search_query_stats: searches.meta.changes,
  };
}
