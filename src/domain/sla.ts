import { NO_DUE, type TicketStatus } from "./vocabulary";
import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from "./business-hours";

/**
 * The SLA engine (API.md "SLA and routing"). Pure: no I/O, no clock; `now` is always a parameter.
 *
 * One running clock per ticket. The ticket's SLA clock is the business time since creation
 * (per the ticket's calendar; null = 24/7) minus the business time spent `pending`. Every target is
 * a deadline on that clock:
 *   first response  T_fr                      met by the first public staff reply
 *   resolution      T_res                     met by resolving
 *   next response   B + T_nr                  armed by a customer message once the first response
 *                                             is met (B = the clock at that message), met by the
 *                                             next public staff reply (or resolving)
 *   escalation      T_esc (no breach)         an unresolved ticket is escalated once when reached
 * so a target's due instant is `addBusiness(createdAt, pausedMs + deadline)`, exact under pauses,
 * priority changes and DST, and the same formula as the wall clock when there is no calendar.
 *
 * Resolved and closed tickets stop the clock at `resolved_at`; a reopened ticket's clock runs from
 * where it stood plus the time it spent resolved (the reopening does not forgive the wait).
 *
 * Breach flags (one per target) are monotonic: whoever observes a breach first sets it (an edit
 * at a time a target is overdue or met late, or the sweep). Announcing a breach (history
 * `sla.breached`, the feed event, the escalation) belongs to the sweep alone, once per target,
 * through `slaAnnounced`; `slaWarned` likewise for at-risk announcements and `slaEscalated` for the
 * escalation checkpoint. `slaCheckAt` is the next instant the sweep has anything to do for a ticket.
 */

export const SLA_TARGETS = ["first_response", "next_response", "resolution"] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** Bit of a target in `slaAnnounced` / `slaWarned`. */
export const TARGET_BIT: Record<SlaTarget, number> = { first_response: 1, next_response: 2, resolution: 4 };

/** A target is at risk once this share of its time is used (API.md: 80 %). */
export const AT_RISK_SHARE = 0.8;

/** `sla_next_due_at` / `sla_at_risk_at` / `sla_check_at` when nothing is due (sorts last, no NULL case). */
const NEVER = NO_DUE;

/** The targets of one SLA policy, in business minutes. */
export interface SlaTargets {
  name: string;
  firstResponseMinutes: number;
  /** Defaults to the first response target. */
  nextResponseMinutes?: number;
  resolutionMinutes: number;
  /** Unresolved after this much clock time → escalated once; absent: no such checkpoint. */
  escalationMinutes?: number;
}

/** What the arithmetic of one ticket needs: its policy's targets and its calendar (null = 24/7). */
export interface SlaTerms {
  targets: SlaTargets;
  calendar: BusinessCalendar | null;
}

/** The SLA columns of a ticket, by their TicketState names. */
export interface SlaState {
  status: TicketStatus;
  createdAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  /** Start of the running pause (`pending`). */
  slaPausedAt: string | null;
  /** Business milliseconds of completed pauses. */
  slaPausedMs: number;
  firstResponseDueAt: string | null;
  /** Due date of the latest next-response cycle (kept after it is met). */
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The clock (business ms) when a customer message armed the next response; null = not armed. */
  nextResponseStartedMs: number | null;
  firstResponseBreached: boolean;
  nextResponseBreached: boolean;
  resolutionBreached: boolean;
  /** Any target breached (the list filter's column). */
  slaBreached: boolean;
  /** Bits of targets whose breach the sweep announced (sweep-owned). */
  slaAnnounced: number;
  /** Bits of targets the sweep announced at risk (sweep-owned; a new next-response cycle clears its bit). */
  slaWarned: number;
  /** The escalation checkpoint fired, or a breach escalated the ticket (sweep-owned). */
  slaEscalated: boolean;
  /** Nearest unmet due date while the clock runs, else NEVER (`sort=sla_due`). */
  slaNextDueAt: string;
  /** Earliest instant an unmet, unbreached target reaches AT_RISK_SHARE, else NEVER. */
  slaAtRiskAt: string;
  /** Next instant the sweep has work for this ticket, else NEVER (the sweep's index). */
  slaCheckAt: string;
  /** Clock minutes from creation to the first response (reports). */
  firstResponseMinutes: number | null;
  /** Clock minutes from creation to the (latest) resolution (reports). */
  resolutionMinutes: number | null;
}

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const RUNNING: ReadonlySet<TicketStatus> = new Set(["open", "in_progress"]);
const STOPPED: ReadonlySet<TicketStatus> = new Set(["resolved", "closed", "cancelled"]);
/** Statuses in which a ticket is escalated (a breach, the unresolved checkpoint); a solved or closed one is not. */
export const ESCALATABLE: ReadonlySet<TicketStatus> = new Set(["open", "in_progress", "pending"]);
const minIso = (values: (string | null | undefined)[]) => values.reduce<string>((m, v) => (v && v < m ? v : m), NEVER);
/** The instant right after `at`: a target is breached once the clock is strictly past its due date. */
const justAfter = (at: string) => iso(Date.parse(at) + 1);

// ------------------------------------------------------------------------------------------------
// Clock arithmetic (business time when there is a calendar, wall time otherwise)

/** Business milliseconds in [from, to) (negative when to < from). */
export function businessMsBetween(calendar: BusinessCalendar | null, from: string, to: string): number {
  if (!calendar) return Date.parse(to) - Date.parse(from);
  return Math.round(businessMinutesBetween(calendar, from, to) * MINUTE);
}

/** The instant `ms` business milliseconds after `from`. */
export function addBusinessMs(calendar: BusinessCalendar | null, from: string, ms: number): string {
  if (!calendar) return iso(Date.parse(from) + ms);
  return addBusinessMinutes(calendar, from, ms / MINUTE);
}

const nextResponseMs = (t: SlaTargets) => (t.nextResponseMinutes ?? t.firstResponseMinutes) * MINUTE;

/** The instant a deadline on the ticket's clock falls, if the clock keeps running from now on. */
const instantOf = (terms: SlaTerms, s: SlaState, clockMs: number) => addBusinessMs(terms.calendar, s.createdAt, s.slaPausedMs + clockMs);

/** The ticket's clock at `at` (which must not be inside the running pause). */
export function clockAt(terms: SlaTerms, s: Pick<SlaState, "createdAt" | "slaPausedMs">, at: string): number {
  return businessMsBetween(terms.calendar, s.createdAt, at) - s.slaPausedMs;
}

/** Where the clock stands at `now`: now while it runs, else the instant it stopped (null: cancelled, never again). */
function standingAt(s: SlaState, now: string): string | null {
  if (RUNNING.has(s.status)) return now;
  if (s.status === "pending") return s.slaPausedAt ?? now;
  if (s.status === "cancelled") return null;
  return s.resolvedAt;
}

interface TargetClock {
  target: SlaTarget;
  /** Clock position where the target's time starts and its length. */
  startMs: number;
  spanMs: number;
  /** Still to be met (an unmet target's due date moves with pauses). */
  unmet: boolean;
  dueAt: string | null;
  breached: boolean;
}

function targetClocks(terms: SlaTerms, s: SlaState): TargetClock[] {
  const t = terms.targets;
  return [
    {
      target: "first_response",
      startMs: 0,
      spanMs: t.firstResponseMinutes * MINUTE,
      unmet: !s.firstResponseAt,
      dueAt: s.firstResponseDueAt,
      breached: s.firstResponseBreached,
    },
    {
      target: "next_response",
      startMs: s.nextResponseStartedMs ?? 0,
      spanMs: nextResponseMs(t),
      unmet: s.nextResponseStartedMs !== null,
      dueAt: s.nextResponseDueAt,
      breached: s.nextResponseBreached,
    },
    {
      target: "resolution",
      startMs: 0,
      spanMs: t.resolutionMinutes * MINUTE,
      unmet: !s.resolvedAt,
      dueAt: s.resolutionDueAt,
      breached: s.resolutionBreached,
    },
  ];
}

const BREACH_FIELD = {
  first_response: "firstResponseBreached",
  next_response: "nextResponseBreached",
  resolution: "resolutionBreached",
} as const satisfies Record<SlaTarget, keyof SlaState>;

/** Targets breached by `now` per the stored due dates (flags not consulted). */
function observedBreaches(s: SlaState, now: string): SlaTarget[] {
  const standing = standingAt(s, now);
  const out: SlaTarget[] = [];
  const late = (metAt: string | null, dueAt: string | null) => {
    if (!dueAt) return false;
    const at = metAt ?? standing;
    return at !== null && at > dueAt;
  };
  if (late(s.firstResponseAt, s.firstResponseDueAt)) out.push("first_response");
  if (s.nextResponseStartedMs !== null && late(null, s.nextResponseDueAt)) out.push("next_response");
  if (late(s.resolvedAt, s.resolutionDueAt)) out.push("resolution");
  return out;
}

// ------------------------------------------------------------------------------------------------
// Life of a ticket

/** The SLA state of a ticket created at `createdAt`. */
export function openSla(terms: SlaTerms, createdAt: string): SlaState {
  return settleSla(
    terms,
    {
      status: "open",
      createdAt,
      firstResponseAt: null,
      resolvedAt: null,
      slaPausedAt: null,
      slaPausedMs: 0,
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      nextResponseStartedMs: null,
      firstResponseBreached: false,
      nextResponseBreached: false,
      resolutionBreached: false,
      slaBreached: false,
      slaAnnounced: 0,
      slaWarned: 0,
      slaEscalated: false,
      slaNextDueAt: NEVER,
      slaAtRiskAt: NEVER,
      slaCheckAt: NEVER,
      firstResponseMinutes: null,
      resolutionMinutes: null,
    },
    createdAt,
  );
}

/**
 * A status change's effect on the clock: leaving `pending` adds the pause; `pending` starts one;
 * resolving stops the clock (stamps the resolution time and meets an armed next response);
 * reopening clears the resolution. Call settleSla afterwards.
 */
export function slaOnStatus(terms: SlaTerms, s: SlaState, to: TicketStatus, now: string): SlaState {
  const from = s.status;
  let next: SlaState = { ...s, status: to };
  if (from === to) return next;
  if (from === "pending") {
    const resumed = resume({ pausedMs: next.slaPausedMs, pausedAt: next.slaPausedAt }, now, terms.calendar);
    next = retime(terms, { ...next, slaPausedMs: resumed.pausedMs, slaPausedAt: resumed.pausedAt });
  }
  if (to === "pending") next.slaPausedAt = now;
  if (to === "resolved") {
    next.resolvedAt = now;
    next.resolutionMinutes = Math.round(clockAt(terms, next, now) / MINUTE);
    next = meetNextResponse(next, now);
  }
  if ((to === "open" || to === "in_progress") && (from === "resolved" || from === "closed")) {
    next.resolvedAt = null;
    next.resolutionMinutes = null;
  }
  return next;
}

/** An armed next response met at `now` (late: its breach flag is set). */
function meetNextResponse(s: SlaState, now: string): SlaState {
  if (s.nextResponseStartedMs === null) return s;
  const late = s.nextResponseDueAt !== null && now > s.nextResponseDueAt;
  return { ...s, nextResponseStartedMs: null, nextResponseBreached: s.nextResponseBreached || late };
}

/** The due dates of the unmet targets at the current pause total. */
function retime(terms: SlaTerms, s: SlaState): SlaState {
  const next = { ...s };
  const t = terms.targets;
  if (!next.firstResponseAt) next.firstResponseDueAt = instantOf(terms, next, t.firstResponseMinutes * MINUTE);
  if (next.nextResponseStartedMs !== null) next.nextResponseDueAt = instantOf(terms, next, next.nextResponseStartedMs + nextResponseMs(t));
  if (!next.resolvedAt) next.resolutionDueAt = instantOf(terms, next, t.resolutionMinutes * MINUTE);
  return next;
}

/**
 * A target met while the clock stands (a reply to a pending ticket) is judged by the clock: its due
 * date becomes the one it would have if the pause ended now, so "met after the due date" means
 * "met after its time ran out".
 */
function retimeForMeeting(terms: SlaTerms, s: SlaState, now: string): SlaState {
  if (s.status !== "pending" || !s.slaPausedAt) return s;
  const resumed = retime(terms, { ...s, slaPausedMs: resume({ pausedMs: s.slaPausedMs, pausedAt: s.slaPausedAt }, now, terms.calendar).pausedMs });
  return { ...s, firstResponseDueAt: resumed.firstResponseDueAt, nextResponseDueAt: resumed.nextResponseDueAt };
}

/** The clock now: it stands still at the start of a running pause. */
function clockNow(terms: SlaTerms, s: SlaState, now: string): number {
  return clockAt(terms, s, s.status === "pending" && s.slaPausedAt ? s.slaPausedAt : now);
}

/**
 * A public message on the ticket. Staff: meets the first response (stamping its clock minutes) or
 * an armed next response. Customer: once the first response is met, arms the next response unless
 * it is already armed (the wait counts from the first unanswered message). Call settleSla afterwards.
 */
export function slaOnMessage(terms: SlaTerms, s: SlaState, by: "staff" | "customer", now: string): SlaState {
  if (by === "staff") {
    const judged = retimeForMeeting(terms, s, now);
    if (!s.firstResponseAt) return { ...judged, firstResponseAt: now, firstResponseMinutes: Math.round(clockNow(terms, s, now) / MINUTE) };
    return meetNextResponse(judged, now);
  }
  if (!s.firstResponseAt || s.nextResponseStartedMs !== null || !RUNNING.has(s.status)) return s;
  return { ...s, nextResponseStartedMs: clockAt(terms, s, now), slaWarned: s.slaWarned & ~TARGET_BIT.next_response };
}

/**
 * Due dates of the unmet targets, breach flags for targets breached by `now`, and the derived
 * instants (next due, at risk, next check). The end of every change of a ticket's SLA state.
 */
export function settleSla(terms: SlaTerms, s: SlaState, now: string): SlaState {
  const next = retime(terms, s);
  for (const target of observedBreaches(next, now)) next[BREACH_FIELD[target]] = true;
  next.slaBreached = next.slaBreached || next.firstResponseBreached || next.nextResponseBreached || next.resolutionBreached;
  return { ...next, ...schedule(terms, next) };
}

function riskAt(terms: SlaTerms, s: SlaState, c: TargetClock): string {
  return instantOf(terms, s, c.startMs + Math.round(c.spanMs * AT_RISK_SHARE));
}

function escalationAt(terms: SlaTerms, s: SlaState): string | null {
  const minutes = terms.targets.escalationMinutes;
  return minutes === undefined ? null : instantOf(terms, s, minutes * MINUTE);
}

/** The derived instants of a settled state. */
function schedule(terms: SlaTerms, s: SlaState): Pick<SlaState, "slaNextDueAt" | "slaAtRiskAt" | "slaCheckAt"> {
  const clocks = targetClocks(terms, s);
  const running = RUNNING.has(s.status);
  const paused = s.status === "pending";
  const pausedAt = s.slaPausedAt ?? NEVER;
  // A paused clock still owes what happened before the pause; nothing new happens while it stands.
  const owed = (at: string | null) => (at === null ? null : running || (paused && at <= pausedAt) ? at : null);

  const nextDue = running ? minIso(clocks.filter((c) => c.unmet).map((c) => c.dueAt)) : NEVER;
  const risky = clocks.filter((c) => c.unmet && !c.breached && (running || paused));
  const risks = new Map(risky.map((c) => [c.target, riskAt(terms, s, c)]));
  const atRisk = minIso([...risks.values()]);

  // Every check is an instant at which sweepSla changes something (so the sweep never reads a
  // ticket twice for nothing): a breach from just past its due date (a standing clock owes one
  // only if it stopped past it, and then settleSla has flagged it already), a warning and an
  // escalation from their instant on.
  const breachOwed = (at: string | null) => (at === null ? null : running || (paused && at < pausedAt) ? justAfter(at) : null);
  const checks: (string | null)[] = [];
  for (const c of clocks) {
    const bit = TARGET_BIT[c.target];
    if (c.breached && !(s.slaAnnounced & bit)) checks.push(c.dueAt ?? s.createdAt);
    if (c.unmet && !c.breached) {
      checks.push(breachOwed(c.dueAt));
      if (!(s.slaWarned & bit)) checks.push(owed(risks.get(c.target) ?? null));
    }
  }
  if (!s.slaEscalated && !s.resolvedAt) checks.push(owed(escalationAt(terms, s)));
  return { slaNextDueAt: nextDue, slaAtRiskAt: atRisk, slaCheckAt: minIso(checks) };
}

/** A change of policy or calendar (re-prioritised): the unmet targets run to the new deadlines. */
export function retargetSla(terms: SlaTerms, s: SlaState, now: string): SlaState {
  return settleSla(terms, s, now);
}

// ------------------------------------------------------------------------------------------------
// The sweep

export type Escalation = { cause: "breach"; targets: SlaTarget[] } | { cause: "unresolved"; minutes: number };

export interface SweepStep {
  /** The state to write (breach flags, announcement bits, derived instants). */
  next: SlaState;
  /** Breaches to announce now (history `sla.breached`, feed, escalation). */
  breached: SlaTarget[];
  /** Targets that just reached AT_RISK_SHARE. */
  atRisk: SlaTarget[];
  escalation: Escalation | null;
}

/** What the sweep does for one ticket at `now`: each breach and warning exactly once. */
export function sweepSla(terms: SlaTerms, s: SlaState, now: string): SweepStep {
  const settled = settleSla(terms, s, now);
  const standing = standingAt(settled, now);
  const breached: SlaTarget[] = [];
  const atRisk: SlaTarget[] = [];
  let announced = settled.slaAnnounced;
  let warned = settled.slaWarned;
  for (const c of targetClocks(terms, settled)) {
    const bit = TARGET_BIT[c.target];
    if (c.breached) {
      if (!(announced & bit)) breached.push(c.target);
      // A breached target is past being at risk.
      announced |= bit;
      warned |= bit;
    } else if (c.unmet && !(warned & bit) && standing !== null && settled.status !== "resolved" && settled.status !== "closed") {
      if (riskAt(terms, settled, c) <= standing) {
        atRisk.push(c.target);
        warned |= bit;
      }
    }
  }
  let escalation: Escalation | null = null;
  let escalated = settled.slaEscalated;
  // A breach announced on a ticket that is over escalates nothing, and leaves the checkpoint for a reopen.
  if (breached.length && ESCALATABLE.has(settled.status)) {
    escalation = { cause: "breach", targets: breached };
    escalated = true;
  } else if (!escalated && !settled.resolvedAt && standing !== null && terms.targets.escalationMinutes !== undefined) {
    const at = escalationAt(terms, settled);
    if (at && at <= standing) {
      escalation = { cause: "unresolved", minutes: terms.targets.escalationMinutes };
      escalated = true;
    }
  }
  const marked = { ...settled, slaAnnounced: announced, slaWarned: warned, slaEscalated: escalated };
  return { next: { ...marked, ...schedule(terms, marked) }, breached, atRisk, escalation };
}

// ------------------------------------------------------------------------------------------------
// The wire

export interface SlaView {
  /** Breached targets: flagged, or observed from the due dates before the sweep got to them. */
  breaches: SlaTarget[];
  atRisk: boolean;
  /** The running next-response cycle's due date, if armed. */
  nextResponseDueAt: string | null;
}

export function slaView(s: SlaState, now: string): SlaView {
  const observed = new Set(observedBreaches(s, now));
  const breaches = SLA_TARGETS.filter((t) => s[BREACH_FIELD[t]] || observed.has(t));
  const standing = STOPPED.has(s.status) ? null : standingAt(s, now);
  return {
    breaches,
    atRisk: standing !== null && s.slaAtRiskAt !== NEVER && s.slaAtRiskAt <= standing,
    nextResponseDueAt: s.nextResponseStartedMs !== null ? s.nextResponseDueAt : null,
  };
}

// ------------------------------------------------------------------------------------------------
// The two-target clock of the foundation (first response and resolution from creation), kept as
// the building blocks the engine above is made of.

/** What a ticket stores about its SLA clock (the foundation's view). */
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

/** Due dates: creation plus the target plus every completed pause (a running pause is added on resume). */
export function dueDates(targets: SlaTargets, clock: Pick<SlaClock, "createdAt" | "pausedMs">, calendar: BusinessCalendar | null = null): SlaDue {
  return {
    firstResponseDueAt: addBusinessMs(calendar, clock.createdAt, clock.pausedMs + targets.firstResponseMinutes * MINUTE),
    resolutionDueAt: addBusinessMs(calendar, clock.createdAt, clock.pausedMs + targets.resolutionMinutes * MINUTE),
  };
}

/** Leaving `pending`: the paused (business) time is added to the clock. */
export function resume(
  clock: Pick<SlaClock, "pausedMs" | "pausedAt">,
  now: string,
  calendar: BusinessCalendar | null = null,
): { pausedMs: number; pausedAt: null } {
  const running = clock.pausedAt ? Math.max(0, businessMsBetween(calendar, clock.pausedAt, now)) : 0;
  return { pausedMs: clock.pausedMs + running, pausedAt: null };
}

/**
 * First response and resolution breached at `now`: met late, or unmet and past due. While paused
 * the clock stands at the pause's start, so a pause never causes a breach.
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
