import type { Availability, RoutingStrategy, TicketPriority, TicketStatus } from "./vocabulary";

/**
 * Auto-assignment (issue 5). Pure: the candidates and their loads are read by the caller.
 *
 * Eligible: `online`, below capacity (load = tickets whose SLA clock runs, i.e. open or
 * in_progress: Freshdesk's rule), not excluded; skill_based also needs the ticket's skill when it
 * has one. Then, per the team's strategy:
 * - skill_based: lowest `active + 2 × critical − 5 × proficiency` (proficiency 0 without the skill);
 * - round_robin: whoever was assigned longest ago (never first): the team takes turns;
 * - least_loaded: fewest active tickets, then fewest critical ones.
 * Ties go to the agent idle longest (oldest last assignment; never assigned first), then by id so
 * the choice is deterministic. Nobody eligible: the ticket stays in the team's queue.
 */

/**
 * A member's proficiency in the ticket's skill (null: none needed), from their `{skill: proficiency}`:
 * own keys only, so a category named like an Object property ("constructor") is a skill nobody holds.
 */
export const proficiencyIn = (skills: Readonly<Record<string, number>>, skill: string | null): number =>
  skill !== null && Object.hasOwn(skills, skill) ? skills[skill]! : 0;

/** Members a team may have: bounds the candidate and load reads of one assignment. */
export const MAX_TEAM_MEMBERS = 500;

export interface AgentCandidate {
  id: string;
  availability: Availability;
  /** Load beyond which the agent takes no more tickets. */
  maxOpenTickets: number;
  /** Assigned tickets whose SLA clock runs (open, in_progress). */
  activeTickets: number;
  /** Of those, critical ones. */
  criticalTickets: number;
  /** 1 … 5 in the ticket's skill; 0 without it (or when the ticket needs none). */
  proficiency: number;
  lastAssignedAt: string | null;
}

export interface RoutingRequest {
  strategy: RoutingStrategy;
  /** The skill the ticket needs (its category, lowercased); null: any agent will do. */
  skill: string | null;
  candidates: readonly AgentCandidate[];
  /** Agents not to pick (e.g. the assignee whose ticket breached). */
  exclude?: readonly string[];
}

export interface CandidateScore {
  user_id: string;
  active_tickets: number;
  critical_tickets: number;
  proficiency: number;
  last_assigned_at: string | null;
  /** skill_based only: active + 2 × critical − 5 × proficiency. */
  score?: number;
}

/** Why the ticket went where it went: recorded in history with the assignment. */
export interface RoutingReason {
  strategy: RoutingStrategy;
  skill: string | null;
  candidates: number;
  eligible: number;
  skipped: { unavailable: number; at_capacity: number; lacks_skill: number; excluded: number };
  chosen: CandidateScore | null;
  runner_up: CandidateScore | null;
  /**
   * Set when routing walked the team in the strategy's order instead of reading every member
   * ({@link chooseFromWalk}): the members it looked at. `candidates` is still the whole team, but
   * `eligible` and `skipped` count only these (members further down the order, and those not
   * manually online, were never read). Absent: every member was read and all counts are the team's.
   */
  examined?: number;
  /** Nobody eligible: left unassigned in the team's queue. */
  fallback?: "team_queue";
}

export type RoutingDecision = { assigneeId: string | null; reason: RoutingReason };

/** API.md/issue 5: lower wins. */
export const skillScore = (c: Pick<AgentCandidate, "activeTickets" | "criticalTickets" | "proficiency">) =>
  c.activeTickets + 2 * c.criticalTickets - 5 * c.proficiency;

/** Longest idle first: never assigned, then the oldest last assignment. */
const idleOrder = (a: AgentCandidate, b: AgentCandidate) => {
  if (a.lastAssignedAt === b.lastAssignedAt) return 0;
  if (a.lastAssignedAt === null) return -1;
  if (b.lastAssignedAt === null) return 1;
  return a.lastAssignedAt < b.lastAssignedAt ? -1 : 1;
};

const ORDER: Record<RoutingStrategy, (a: AgentCandidate, b: AgentCandidate) => number> = {
  skill_based: (a, b) => skillScore(a) - skillScore(b),
  round_robin: () => 0,
  least_loaded: (a, b) => a.activeTickets - b.activeTickets || a.criticalTickets - b.criticalTickets,
};

function scoreOf(strategy: RoutingStrategy, c: AgentCandidate): CandidateScore {
  return {
    user_id: c.id,
    active_tickets: c.activeTickets,
    critical_tickets: c.criticalTickets,
    proficiency: c.proficiency,
    last_assigned_at: c.lastAssignedAt,
    ...(strategy === "skill_based" ? { score: skillScore(c) } : {}),
  };
}

type SkipReason = keyof RoutingReason["skipped"];

/** Why `c` may not take the ticket; null: eligible. */
function skipOf(req: RoutingRequest, excluded: ReadonlySet<string>, c: AgentCandidate): SkipReason | null {
  if (excluded.has(c.id)) return "excluded";
  if (c.availability !== "online") return "unavailable";
  if (c.activeTickets >= c.maxOpenTickets) return "at_capacity";
  if (req.strategy === "skill_based" && req.skill !== null && c.proficiency < 1) return "lacks_skill";
  return null;
}

export function chooseAssignee(req: RoutingRequest): RoutingDecision {
  const skipped = { unavailable: 0, at_capacity: 0, lacks_skill: 0, excluded: 0 };
  const excluded = new Set(req.exclude ?? []);
  const eligible = req.candidates.filter((c) => {
    const skip = skipOf(req, excluded, c);
    if (skip) skipped[skip]++;
    return skip === null;
  });
  const order = ORDER[req.strategy];
  const ranked = [...eligible].sort((a, b) => order(a, b) || idleOrder(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const [first, second] = ranked;
  const reason: RoutingReason = {
    strategy: req.strategy,
    skill: req.skill,
    candidates: req.candidates.length,
    eligible: eligible.length,
    skipped,
    chosen: first ? scoreOf(req.strategy, first) : null,
    runner_up: second ? scoreOf(req.strategy, second) : null,
    ...(first ? {} : { fallback: "team_queue" as const }),
  };
  return { assigneeId: first?.id ?? null, reason };
}

// ---------------------------------------------------------------- the walk (issue 15 item 4)

/**
 * How far routing walks a team before reading it whole. A team of at most the first number of
 * members is read whole (no more rows than a walk, and every count in the reason is the team's).
 * A larger team's manually online members are read in the strategy's order (the order above, ties
 * included), first that many rows, then up to the second; the choice is made among those read
 * ({@link chooseFromWalk}). Beyond the second, with still fewer than two eligible among them (more
 * members ahead in the order that are not connected, full or excluded), routing reads the whole
 * team: correct, but one row per member (features/teams/routing.service logs `routing.walk_fallback`).
 */
export const WALK_ROWS = [8, 64] as const;

export interface WalkRequest extends RoutingRequest {
  /** The rows read, in the strategy's order, without {@link extra}. */
  candidates: readonly AgentCandidate[];
  /** A member placed apart from the walk: the ticket's own assignee, whose load without this ticket may rank them earlier than their row. */
  extra: AgentCandidate | null;
  /** The walk read every manually online member (it returned fewer rows than it asked for). */
  complete: boolean;
  /** The team's size (teams.member_count): the reason's `candidates`. */
  members: number;
}

/**
 * The choice among a walked prefix of the team, or null when that prefix cannot decide it. Every
 * member not read ranks after every member read (the walk is the strategy's order) or is not
 * manually online (never eligible), so the two first eligible of the prefix (with `extra`) are the
 * team's chosen and runner-up as soon as the prefix holds two eligible members of its own, or is
 * every online member. Then the choice is exactly {@link chooseAssignee}'s over the whole team.
 */
export function chooseFromWalk(req: WalkRequest): RoutingDecision | null {
  const candidates = req.extra ? [...req.candidates, req.extra] : req.candidates;
  const decision = chooseAssignee({ ...req, candidates });
  const excluded = new Set(req.exclude ?? []);
  const extraEligible = req.extra !== null && skipOf(req, excluded, req.extra) === null ? 1 : 0;
  if (!req.complete && decision.reason.eligible - extraEligible < 2) return null;
  return { ...decision, reason: { ...decision.reason, candidates: req.members, examined: candidates.length } };
}

/** The skill a ticket needs: its category, compared case-insensitively (tickets without one need none). */
export const requiredSkill = (category: string | null) => (category ? category.trim().toLowerCase() : null);

// ---------------------------------------------------------------- the maintained load counter

/** Statuses in which a ticket counts against its assignee's capacity: the SLA clock runs (Freshdesk's rule). */
export const LOAD_STATUSES: readonly TicketStatus[] = ["open", "in_progress"];

/** What of a ticket decides whose load it is and how much. */
export interface LoadState {
  assigneeId: string | null;
  status: TicketStatus;
  priority: TicketPriority;
  deletedAt: string | null;
}

export interface LoadDelta {
  userId: string;
  /** Change of the agent's running tickets. */
  active: number;
  /** Change of the critical ones among them. */
  critical: number;
}

function loadOf(t: LoadState | null): LoadDelta | null {
  if (!t || !t.assigneeId || t.deletedAt !== null || !LOAD_STATUSES.includes(t.status)) return null;
  return { userId: t.assigneeId, active: 1, critical: t.priority === "critical" ? 1 : 0 };
}

/**
 * How one ticket write moves agents' loads (`before` null: a new ticket): the load it no longer
 * adds to its old assignee, the load it now adds to its new one. Only non-zero changes.
 */
export function loadDeltas(before: LoadState | null, after: LoadState | null): LoadDelta[] {
  const out = new Map<string, LoadDelta>();
  const add = (l: LoadDelta | null, sign: 1 | -1) => {
    if (!l) return;
    const d = out.get(l.userId) ?? { userId: l.userId, active: 0, critical: 0 };
    d.active += sign * l.active;
    d.critical += sign * l.critical;
    out.set(l.userId, d);
  };
  add(loadOf(before), -1);
  add(loadOf(after), 1);
  return [...out.values()].filter((d) => d.active !== 0 || d.critical !== 0);
}
