// The SLA engine of src/domain/sla.ts, mirrored in plain JS for the seed (Node runs the bench
// without a TypeScript step), for tickets timed 24/7: the bench configures no business hours, so
// every ticket's calendar is null and business time is wall time. Same names, same rules, same
// order of operations; test/bench/seed-sla.test.ts seeds a small state with it and replays every
// ticket through the real domain functions, column for column. A change to domain/sla.ts that this
// mirror does not follow fails that test.
//
// replaySla() is what the seed needs: a ticket's SLA state after its life (messages and status
// changes, each write settled as changeTicket does) with the SLA sweep having run at every instant
// it had work (sweepSla at each sla_check_at), so past breaches, warnings and escalation
// checkpoints are announced (their bits set; the announcements' history rows are not written, as
// the Zendesk importer's replay writes none) and sla_check_at is the next instant still to come.

export const NO_DUE = "9999-12-31T23:59:59.999Z";
const NEVER = NO_DUE;
const MINUTE = 60_000;
export const TARGET_BIT = { first_response: 1, next_response: 2, resolution: 4 };
const AT_RISK_SHARE = 0.8;
const RUNNING = new Set(["open", "in_progress"]);
const ESCALATABLE = new Set(["open", "in_progress", "pending"]);
const BREACH_FIELD = { first_response: "firstResponseBreached", next_response: "nextResponseBreached", resolution: "resolutionBreached" };
/** Sweep steps per gap between two events: each step moves sla_check_at forward, a ticket has a handful of checkpoints. */
const MAX_SWEEPS = 32;

const iso = (ms) => new Date(ms).toISOString();
const minIso = (values) => values.reduce((m, v) => (v && v < m ? v : m), NEVER);
const justAfter = (at) => iso(Date.parse(at) + 1);
// Business time with no calendar: wall time.
const msBetween = (from, to) => Date.parse(to) - Date.parse(from);
const addMs = (from, ms) => iso(Date.parse(from) + ms);
const nextResponseMs = (t) => (t.nextResponseMinutes ?? t.firstResponseMinutes) * MINUTE;
const instantOf = (t, s, clockMs) => addMs(s.createdAt, s.slaPausedMs + clockMs);
const clockAt = (s, at) => msBetween(s.createdAt, at) - s.slaPausedMs;

function standingAt(s, now) {
  if (RUNNING.has(s.status)) return now;
  if (s.status === "pending") return s.slaPausedAt ?? now;
  if (s.status === "cancelled") return null;
  return s.resolvedAt;
}

function targetClocks(t, s) {
  return [
    { target: "first_response", startMs: 0, spanMs: t.firstResponseMinutes * MINUTE, unmet: !s.firstResponseAt, dueAt: s.firstResponseDueAt, breached: s.firstResponseBreached },
    { target: "next_response", startMs: s.nextResponseStartedMs ?? 0, spanMs: nextResponseMs(t), unmet: s.nextResponseStartedMs !== null, dueAt: s.nextResponseDueAt, breached: s.nextResponseBreached },
    { target: "resolution", startMs: 0, spanMs: t.resolutionMinutes * MINUTE, unmet: !s.resolvedAt, dueAt: s.resolutionDueAt, breached: s.resolutionBreached },
  ];
}

function observedBreaches(s, now) {
  const standing = standingAt(s, now);
  const out = [];
  const late = (metAt, dueAt) => {
    if (!dueAt) return false;
    const at = metAt ?? standing;
    return at !== null && at > dueAt;
  };
  if (late(s.firstResponseAt, s.firstResponseDueAt)) out.push("first_response");
  if (s.nextResponseStartedMs !== null && late(null, s.nextResponseDueAt)) out.push("next_response");
  if (late(s.resolvedAt, s.resolutionDueAt)) out.push("resolution");
  return out;
}

export function openSla(t, createdAt) {
  return settleSla(
    t,
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

function resume(s, now) {
  const running = s.slaPausedAt ? Math.max(0, msBetween(s.slaPausedAt, now)) : 0;
  return { pausedMs: s.slaPausedMs + running, pausedAt: null };
}

export function slaOnStatus(t, s, to, now) {
  const from = s.status;
  let next = { ...s, status: to };
  if (from === to) return next;
  if (from === "pending") {
    const resumed = resume(next, now);
    next = retime(t, { ...next, slaPausedMs: resumed.pausedMs, slaPausedAt: resumed.pausedAt });
  }
  if (to === "pending") next.slaPausedAt = now;
  if (to === "resolved") {
    next.resolvedAt = now;
    next.resolutionMinutes = Math.round(clockAt(next, now) / MINUTE);
    next = meetNextResponse(next, now);
  }
  if ((to === "open" || to === "in_progress") && (from === "resolved" || from === "closed")) {
    next.resolvedAt = null;
    next.resolutionMinutes = null;
  }
  return next;
}

function meetNextResponse(s, now) {
  if (s.nextResponseStartedMs === null) return s;
  const late = s.nextResponseDueAt !== null && now > s.nextResponseDueAt;
  return { ...s, nextResponseStartedMs: null, nextResponseBreached: s.nextResponseBreached || late };
}

function retime(t, s) {
  const next = { ...s };
  if (!next.firstResponseAt) next.firstResponseDueAt = instantOf(t, next, t.firstResponseMinutes * MINUTE);
  if (next.nextResponseStartedMs !== null) next.nextResponseDueAt = instantOf(t, next, next.nextResponseStartedMs + nextResponseMs(t));
  if (!next.resolvedAt) next.resolutionDueAt = instantOf(t, next, t.resolutionMinutes * MINUTE);
  return next;
}

function retimeForMeeting(t, s, now) {
  if (s.status !== "pending" || !s.slaPausedAt) return s;
  const resumed = retime(t, { ...s, slaPausedMs: resume(s, now).pausedMs });
  return { ...s, firstResponseDueAt: resumed.firstResponseDueAt, nextResponseDueAt: resumed.nextResponseDueAt };
}

const clockNow = (s, now) => clockAt(s, s.status === "pending" && s.slaPausedAt ? s.slaPausedAt : now);

export function slaOnMessage(t, s, by, now) {
  if (by === "staff") {
    const judged = retimeForMeeting(t, s, now);
    if (!s.firstResponseAt) return { ...judged, firstResponseAt: now, firstResponseMinutes: Math.round(clockNow(s, now) / MINUTE) };
    return meetNextResponse(judged, now);
  }
  if (!s.firstResponseAt || s.nextResponseStartedMs !== null || !RUNNING.has(s.status)) return s;
  return { ...s, nextResponseStartedMs: clockAt(s, now), slaWarned: s.slaWarned & ~TARGET_BIT.next_response };
}

export function settleSla(t, s, now) {
  const next = retime(t, s);
  for (const target of observedBreaches(next, now)) next[BREACH_FIELD[target]] = true;
  next.slaBreached = next.slaBreached || next.firstResponseBreached || next.nextResponseBreached || next.resolutionBreached;
  return { ...next, ...schedule(t, next) };
}

const riskAt = (t, s, c) => instantOf(t, s, c.startMs + Math.round(c.spanMs * AT_RISK_SHARE));
const escalationAt = (t, s) => (t.escalationMinutes === undefined || t.escalationMinutes === null ? null : instantOf(t, s, t.escalationMinutes * MINUTE));

function schedule(t, s) {
  const clocks = targetClocks(t, s);
  const running = RUNNING.has(s.status);
  const paused = s.status === "pending";
  const pausedAt = s.slaPausedAt ?? NEVER;
  const owed = (at) => (at === null ? null : running || (paused && at <= pausedAt) ? at : null);
  const nextDue = running ? minIso(clocks.filter((c) => c.unmet).map((c) => c.dueAt)) : NEVER;
  const risky = clocks.filter((c) => c.unmet && !c.breached && (running || paused));
  const risks = new Map(risky.map((c) => [c.target, riskAt(t, s, c)]));
  const atRisk = minIso([...risks.values()]);
  const breachOwed = (at) => (at === null ? null : running || (paused && at < pausedAt) ? justAfter(at) : null);
  const checks = [];
  for (const c of clocks) {
    const bit = TARGET_BIT[c.target];
    if (c.breached && !(s.slaAnnounced & bit)) checks.push(c.dueAt ?? s.createdAt);
    if (c.unmet && !c.breached) {
      checks.push(breachOwed(c.dueAt));
      if (!(s.slaWarned & bit)) checks.push(owed(risks.get(c.target) ?? null));
    }
  }
  if (!s.slaEscalated && !s.resolvedAt) checks.push(owed(escalationAt(t, s)));
  return { slaNextDueAt: nextDue, slaAtRiskAt: atRisk, slaCheckAt: minIso(checks) };
}

/** The state the sweep writes for a ticket at `now` (its announcements: their bits only). */
export function sweepSla(t, s, now) {
  const settled = settleSla(t, s, now);
  const standing = standingAt(settled, now);
  let announced = settled.slaAnnounced;
  let warned = settled.slaWarned;
  let breachedNow = false;
  for (const c of targetClocks(t, settled)) {
    const bit = TARGET_BIT[c.target];
    if (c.breached) {
      if (!(announced & bit)) breachedNow = true;
      announced |= bit;
      warned |= bit;
    } else if (c.unmet && !(warned & bit) && standing !== null && settled.status !== "resolved" && settled.status !== "closed") {
      if (riskAt(t, settled, c) <= standing) warned |= bit;
    }
  }
  let escalated = settled.slaEscalated;
  if (breachedNow && ESCALATABLE.has(settled.status)) escalated = true;
  else if (!escalated && !settled.resolvedAt && standing !== null && escalationAt(t, settled) !== null) {
    if (escalationAt(t, settled) <= standing) escalated = true;
  }
  const marked = { ...settled, slaAnnounced: announced, slaWarned: warned, slaEscalated: escalated };
  return { ...marked, ...schedule(t, marked) };
}

/**
 * A ticket's SLA state at `now` after `events` (in order; `{ at, message: "staff" | "customer" }` or
 * `{ at, status }`), with the sweep run at every check instant before each event and before `now`.
 * `t`: the policy's targets as tickets store them (sla_targets).
 */
export function replaySla(t, createdAt, events, now) {
  let s = openSla(t, createdAt);
  const sweepUntil = (at) => {
    for (let i = 0; i < MAX_SWEEPS && s.slaCheckAt <= at; i++) {
      const from = s.slaCheckAt;
      s = sweepSla(t, s, from);
      // The domain promises a later check after every step; the seed does not loop on a broken promise.
      if (s.slaCheckAt <= from) break;
    }
  };
  for (const e of events) {
    sweepUntil(e.at);
    s = e.status ? slaOnStatus(t, s, e.status, e.at) : slaOnMessage(t, s, e.message, e.at);
    s = settleSla(t, s, e.at);
  }
  sweepUntil(now);
  return s;
}
