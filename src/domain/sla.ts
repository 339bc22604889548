/** The targets of one SLA policy, in minutes (wall-clock until business hours land). */
export interface SlaTargets {
  name: string;
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

/** What a ticket stores about its SLA clock. */
export interface SlaClock {
  createdAt: string;
  /** Total time spent in completed pauses (`pending`). */
  pausedMs: number;
  /** Start of the running pause, if any. */
  pausedAt: string | null;
  firstResponseAt: string | null;
  resolvedAt: string | null;
}

export interface SlaDue {
  firstResponseDueAt: string;
  resolutionDueAt: string;
}

const MINUTE = 60_000;
const at = (ms: number) => new Date(ms).toISOString();

/** Due dates: creation plus the target plus every completed pause (a running pause is added on resume). */
export function dueDates(targets: SlaTargets, clock: Pick<SlaClock, "createdAt" | "pausedMs">): SlaDue {
  const start = Date.parse(clock.createdAt) + clock.pausedMs;
  return {
    firstResponseDueAt: at(start + targets.firstResponseMinutes * MINUTE),
    resolutionDueAt: at(start + targets.resolutionMinutes * MINUTE),
  };
}

/** Leaving `pending`: the paused time is added to the clock. */
export function resume(clock: Pick<SlaClock, "pausedMs" | "pausedAt">, now: string): { pausedMs: number; pausedAt: null } {
  const running = clock.pausedAt ? Math.max(0, Date.parse(now) - Date.parse(clock.pausedAt)) : 0;
  return { pausedMs: clock.pausedMs + running, pausedAt: null };
}

export type SlaTarget = "first_response" | "resolution";

/**
 * Targets breached at `now`: met late, or unmet and past due. While paused the clock stands at the
 * pause's start, so a pause never causes a breach.
 */
export function breaches(due: SlaDue, clock: SlaClock, now: string): SlaTarget[] {
  const clockNow = clock.pausedAt ?? now;
  const late = (doneAt: string | null, dueAt: string) => (doneAt ?? clockNow) > dueAt;
  const out: SlaTarget[] = [];
  if (late(clock.firstResponseAt, due.firstResponseDueAt)) out.push("first_response");
  if (late(clock.resolvedAt, due.resolutionDueAt)) out.push("resolution");
  return out;
}

/** The nearest unmet due date while the clock runs (null when paused or nothing is left to meet). */
export function nextDue(due: SlaDue, clock: SlaClock): string | null {
  if (clock.pausedAt || clock.resolvedAt) return null;
  return clock.firstResponseAt ? due.resolutionDueAt : due.firstResponseDueAt;
}
