/**
 * When a failed webhook delivery is tried again, when it gives up, and when its endpoint is
 * switched off (API.md "Automation"). Pure: `now` is a parameter.
 *
 * Backoff 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then every 12 h (a Queue message's delay is
 * capped at 12 h) until 24 h have passed since the round's first attempt: 8 attempts over ~33 h.
 * An endpoint that has failed every attempt for 3 days is disabled.
 */

const MINUTE_S = 60;
const HOUR_S = 3_600;
export const RETRY_DELAYS_S = [1 * MINUTE_S, 5 * MINUTE_S, 30 * MINUTE_S, 2 * HOUR_S, 6 * HOUR_S, 12 * HOUR_S] as const;
/** Cloudflare Queues refuse a longer `delaySeconds`. */
export const MAX_QUEUE_DELAY_S = 12 * HOUR_S;
/** Retries continue until this much time has passed since the round's first attempt. */
export const RETRY_WINDOW_MS = 24 * HOUR_S * 1000;
/** An endpoint failing for this long (no success in between) is disabled. */
export const DISABLE_AFTER_MS = 3 * 24 * HOUR_S * 1000;

export type AfterFailure = { retry: true; delaySeconds: number; at: Date } | { retry: false };

/**
 * After the `attempts`-th attempt of a round that started at `cycleStartedAt` failed: the next
 * attempt, or none (the delivery has failed for good).
 */
export function afterFailure(attempts: number, cycleStartedAt: Date, now: Date): AfterFailure {
  if (now.getTime() - cycleStartedAt.getTime() >= RETRY_WINDOW_MS) return { retry: false };
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_S, RETRY_DELAYS_S[Math.max(0, attempts - 1)] ?? MAX_QUEUE_DELAY_S);
  return { retry: true, delaySeconds, at: new Date(now.getTime() + delaySeconds * 1000) };
}

/** Whether an endpoint failing since `failingSince` (null: its last attempt succeeded) is to be disabled now. */
export function shouldDisable(failingSince: Date | null, now: Date): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_MS;
}
