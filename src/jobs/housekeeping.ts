import { sql } from "drizzle-orm";
import { idempotencyKeys, rateLimits } from "../db/schema";
import { IDEMPOTENCY_TTL_MS } from "../lib/idempotency";
import type { ServiceContext } from "../lib/request-context";

/** Rows deleted per table per run: each delete stays a short write; a backlog drains over minutes. */
export const PURGE_BATCH = 500;
/** A rate-limit window older than this is over whatever the limit (the longest window is 15 minutes). */
export const RATE_LIMIT_RETENTION_SECONDS = 86_400;

export interface HousekeepingReport {
  job: "housekeeping";
  idempotency_keys: number;
  rate_limits: number;
}

/**
 * Deletes idempotency keys past their 24 h and rate-limit windows long over, oldest first, through
 * their indexes on the timestamp (idempotency_keys_created_idx, rate_limits_window_idx).
 */
export async function runHousekeeping(ctx: ServiceContext): Promise<HousekeepingReport> {
  const keysBefore = new Date(ctx.now.getTime() - IDEMPOTENCY_TTL_MS).toISOString();
  const windowsBefore = Math.floor(ctx.now.getTime() / 1000) - RATE_LIMIT_RETENTION_SECONDS;
  const [keys, windows] = await ctx.db.batch([
    ctx.db
      .delete(idempotencyKeys)
      .where(sql`rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ${keysBefore} ORDER BY created_at LIMIT ${PURGE_BATCH})`),
    ctx.db.delete(rateLimits).where(sql`rowid IN (SELECT rowid FROM rate_limits WHERE window_start < ${windowsBefore} ORDER BY window_start LIMIT ${PURGE_BATCH})`),
  ]);
  return { job: "housekeeping", idempotency_keys: keys.meta.changes, rate_limits: windows.meta.changes };
}
