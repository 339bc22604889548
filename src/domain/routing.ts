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

export function chooseAssignee(req: RoutingRequest): RoutingDecision {
  const skipped = { unavailable: 0, at_capacity: 0, lacks_skill: 0, excluded: 0 };
  const excluded = new Set(req.exclude ?? []);
  const eligible = req.candidates.filter((c) => {
    if (excluded.has(c.id)) return skipped.excluded++, false;
    if (c.availability !== "online") return skipped.unavailable++, false;
    if (c.activeTickets >= c.maxOpenTickets) return skipped.at_capacity++, false;
    if (req.strategy === "skill_based" && req.skill !== null && c.proficiency < 1) return skipped.lacks_skill++, false;
    return true;
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
