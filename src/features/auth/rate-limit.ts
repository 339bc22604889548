import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem, Database } from "../../db/client";
import { rateLimits } from "../../db/schema";
import { AppError } from "../../lib/errors";

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

/**
 * The client a per-IP limit counts. An IPv6 subscriber is routinely handed a whole /64 and can
 * rotate through it freely, so counting single addresses would give one attacker 2^64 budgets:
 * an IPv6 client is its /64. IPv4 (also IPv4-mapped IPv6) is the address itself.
 */
export function clientBucket(ip: string): string {
  const v4 = ip.match(/(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/);
  if (v4) return v4[1]!;
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("%")[0]!.split("::");
  const front = head ? head.split(":") : [];
  const back = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back] : front;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Counts one attempt against every limit before the attempt runs, atomically (an upsert that returns
 * the new count). A check followed by a count later lets parallel requests all pass the check before
 * any of them is counted: 30 concurrent password guesses would all be tried. Here the 11th of them
 * sees 11 and is refused. `refund` uncounts it again when it turns out not to count (a success).
 */
export async function takeAttempt(
  db: Database,
  limits: Limit[],
  now: Date,
): Promise<{ blocked: boolean; state: LimitState; refund: () => BatchItem[] }> {
  const nowSec = Math.floor(now.getTime() / 1000);
  const counts: BatchItem[] = hitLimits(db, limits, now).map((hit) => hit.returning({ count: rateLimits.count }));
  const counted = counts.length ? await db.batch(counts as [BatchItem, ...BatchItem[]]) : [];
  let tightest: LimitState | null = null;
  let blocked = false;
  limits.forEach((l, i) => {
    const used = (counted[i] as { count: number }[] | undefined)?.[0]?.count ?? 0;
    const start = windowStart(l, nowSec);
    const state = { limit: l.max, remaining: Math.max(0, l.max - used), reset: start + l.windowSeconds - nowSec };
    if (used > l.max) blocked = true;
    if (!tightest || state.remaining < tightest.remaining || (state.remaining === 0 && state.reset > tightest.reset)) tightest = state;
  });
  const refund = () =>
    limits.map((l) =>
      db
        .update(rateLimits)
        .set({ count: sql`${rateLimits.count} - 1` })
        .where(and(eq(rateLimits.key, l.key), eq(rateLimits.windowStart, windowStart(l, nowSec)), gt(rateLimits.count, 0))),
    );
  return { blocked, state: tightest ?? { limit: 0, remaining: 0, reset: 0 }, refund };
}

export function rateLimitHeaders(state: LimitState): Record<string, string> {
  return {
    "RateLimit-Limit": String(state.limit),
    "RateLimit-Remaining": String(state.remaining),
    "RateLimit-Reset": String(state.reset),
  };
}

/** The 429 of a limit that is used up, with when to come back. */
export function rateLimited(state: LimitState): AppError {
  return new AppError("RATE_LIMITED", "Too many attempts; try again later", {
    headers: { "Retry-After": String(Math.max(1, state.reset)), ...rateLimitHeaders(state) },
  });
}
