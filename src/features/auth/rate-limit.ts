import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { rateLimits } from "../../db/schema";

/** A fixed-window limit: at most `max` counted events per `windowSeconds` per key. */
export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

export interface LimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

const windowStart = (l: Limit, nowSec: number) => nowSec - (nowSec % l.windowSeconds);

/** Reads the counters of several limits in one query; the tightest one is reported. */
export async function checkLimits(db: Database, limits: Limit[], now: Date): Promise<{ blocked: boolean; state: LimitState }> {
  const nowSec = Math.floor(now.getTime() / 1000);
  const rows = limits.length
    ? await db.select().from(rateLimits).where(inArray(rateLimits.key, limits.map((l) => l.key)))
    : [];
  let tightest: LimitState | null = null;
  let blocked = false;
  for (const l of limits) {
    const start = windowStart(l, nowSec);
    const row = rows.find((r) => r.key === l.key);
    const used = row && row.windowStart === start ? row.count : 0;
    const state = { limit: l.max, remaining: Math.max(0, l.max - used), reset: start + l.windowSeconds - nowSec };
    if (used >= l.max) blocked = true;
    if (!tightest || state.remaining < tightest.remaining || (state.remaining === 0 && state.reset > tightest.reset)) tightest = state;
  }
  return { blocked, state: tightest ?? { limit: 0, remaining: 0, reset: 0 } };
}

/** Counts one event against each limit (a new window restarts the count). */
export function hitLimits(db: Database, limits: Limit[], now: Date) {
  const nowSec = Math.floor(now.getTime() / 1000);
  return limits.map((l) =>
    db
      .insert(rateLimits)
      .values({ key: l.key, windowStart: windowStart(l, nowSec), count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`CASE WHEN ${rateLimits.windowStart} = excluded.window_start THEN ${rateLimits.count} + 1 ELSE 1 END`,
          windowStart: sql`excluded.window_start`,
        },
      }),
  );
}

export function rateLimitHeaders(state: LimitState): Record<string, string> {
  return {
    "RateLimit-Limit": String(state.limit),
    "RateLimit-Remaining": String(state.remaining),
    "RateLimit-Reset": String(state.reset),
  };
}
