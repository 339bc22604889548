import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "../../db/client";
import { agentRouting, teamMembers, teamMemberSkills, teams, users } from "../../db/schema";
import { type Availability } from "../../domain/vocabulary";
import { can, isStaff } from "../../domain/permissions";
import { chooseAssignee, chooseFromWalk, LOAD_STATUSES, loadDeltas, MAX_TEAM_MEMBERS, proficiencyIn, requiredSkill, WALK_ROWS, type AgentCandidate, type LoadState, type RoutingDecision, type RoutingReason } from "../../domain/routing";
import type { TicketEventConsumer } from "../../events/ticket-events";
import { AppError, forbidden, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import type { TicketRow } from "../tickets/tickets.serialize";
import { presenceOf } from "./availability";

type TeamRow = typeof teams.$inferSelect;

/** Capacity of an agent nobody configured. */
export const DEFAULT_MAX_OPEN_TICKETS = 20;

export async function teamById(ctx: ServiceContext, id: string): Promise<TeamRow | null> {
  const [row] = await ctx.db.select().from(teams).where(eq(teams.id, id)).limit(1);
  return row ?? null;
}

/** A member's routing copy as routing reads it (team_members; skills become a proficiency). */
const MEMBER_COLUMNS = {
  id: teamMembers.userId,
  availability: teamMembers.availability,
  maxOpenTickets: teamMembers.maxOpenTickets,
  activeTickets: teamMembers.activeTickets,
  criticalTickets: teamMembers.criticalTickets,
  skills: teamMembers.skills,
  lastAssignedAt: teamMembers.lastAssignedAt,
};

/**
 * Every member of the team with their routing state, their proficiency in `skill` and their load
 * (small teams, and the walk's fallback): one read of one row per member (team_members carries a
 * maintained copy of all of it, see db/schema/teams.ts), never their running tickets.
 */
export async function loadCandidates(ctx: ServiceContext, teamId: string, skill: string | null): Promise<AgentCandidate[]> {
  const members = await ctx.db
    .select(MEMBER_COLUMNS)
    .from(teamMembers)
    .where(eq(teamMembers.teamId, teamId))
    .limit(MAX_TEAM_MEMBERS);
  if (!members.length) return [];
  const presence = await presenceOf(ctx, members.map((m) => m.id));
  return members.map((m) => ({
    id: m.id,
    availability: lowerOf(m.availability, presence.get(m.id)),
    maxOpenTickets: m.maxOpenTickets,
    activeTickets: m.activeTickets,
    criticalTickets: m.criticalTickets,
    proficiency: proficiencyIn(m.skills, skill),
    lastAssignedAt: m.lastAssignedAt,
  }));
}

const RANK: Record<Availability, number> = { online: 2, away: 1, offline: 0 };
/** The manual status caps the live presence (an agent can be connected and on a break), and vice versa. */
const lowerOf = (manual: Availability, live: Availability | undefined): Availability =>
  live === undefined || RANK[manual] <= RANK[live] ? manual : live;

type RoutedTicket = Pick<TicketRow, "category" | "assigneeId" | "status" | "priority">;

const runs = (ticket: RoutedTicket) => (LOAD_STATUSES as readonly string[]).includes(ticket.status);

/** The ticket's own load is not held against its current assignee (it would not move to them). */
function withoutOwnLoad(c: AgentCandidate, ticket: RoutedTicket): AgentCandidate {
  return runs(ticket) && c.id === ticket.assigneeId
    ? { ...c, activeTickets: c.activeTickets - 1, criticalTickets: c.criticalTickets - (ticket.priority === "critical" ? 1 : 0) }
    : c;
}

/**
 * Routes one ticket in its team; the ticket's own load is not held against its current assignee.
 * Membership outlives a deactivation or a demotion, so the choice is checked against the user
 * (one row) and, if they may no longer work tickets, made again without them. A team larger than
 * WALK_ROWS[0] is walked in the strategy's order (domain/routing chooseFromWalk: the same choice
 * as reading every member, O(rows walked)); only when the walk cannot decide is it read whole.
 */
export async function route(ctx: ServiceContext, team: TeamRow, ticket: RoutedTicket, exclude: string[] = []): Promise<RoutingDecision> {
  if (team.memberCount > WALK_ROWS[0]) {
    for (const limit of WALK_ROWS) {
      const decision = await routeByWalk(ctx, team, ticket, exclude, limit);
      if (decision) return decision;
    }
    console.log(JSON.stringify({ event: "routing.walk_fallback", team_id: team.id, strategy: team.strategy, members: team.memberCount, walked: WALK_ROWS.at(-1) }));
  }
  return routeByFullRead(ctx, team, ticket, exclude);
}

/** The choice over every member (one row each): small teams, and the walk's fallback. */
export async function routeByFullRead(ctx: ServiceContext, team: TeamRow, ticket: RoutedTicket, exclude: string[] = []): Promise<RoutingDecision> {
  const skill = requiredSkill(ticket.category);
  let candidates = (await loadCandidates(ctx, team.id, skill)).map((c) => withoutOwnLoad(c, ticket));
  for (;;) {
    const decision = chooseAssignee({ strategy: team.strategy, skill, candidates, exclude });
    if (!decision.assigneeId || (await isActiveStaff(ctx, decision.assigneeId))) return decision;
    candidates = candidates.filter((c) => c.id !== decision.assigneeId);
  }
}

/** The choice among the first `limit` manually online members in the strategy's order; null when they cannot decide it. */
async function routeByWalk(ctx: ServiceContext, team: TeamRow, ticket: RoutedTicket, exclude: string[], limit: number): Promise<RoutingDecision | null> {
  const skill = requiredSkill(ticket.category);
  const rows = await walkMembers(ctx, team, skill, limit);
  // The ticket's own assignee ranks by their load without this ticket (when it runs): read apart (one row), left out of the walk.
  const own = ticket.assigneeId && runs(ticket) ? await memberRow(ctx, team.id, ticket.assigneeId, skill) : null;
  const presence = await presenceOf(ctx, [...rows.map((r) => r.id), ...(own ? [own.id] : [])]);
  const live = (c: AgentCandidate): AgentCandidate => ({ ...c, availability: lowerOf(c.availability, presence.get(c.id)) });
  let candidates = rows.filter((r) => r.id !== own?.id).map(live);
  let extra = own ? withoutOwnLoad(live(own), ticket) : null;
  let members = team.memberCount;
  for (;;) {
    const decision = chooseFromWalk({ strategy: team.strategy, skill, candidates, exclude, extra, complete: rows.length < limit, members });
    if (!decision) return null;
    if (!decision.assigneeId || (await isActiveStaff(ctx, decision.assigneeId))) return decision;
    candidates = candidates.filter((c) => c.id !== decision.assigneeId);
    if (extra?.id === decision.assigneeId) extra = null;
    members--;
  }
}

/**
 * The first `limit` manually online members in the order domain/routing ranks them for `team`'s
 * strategy, through that order's partial index (db/schema/teams.ts); skill_based with a skill walks
 * the holders of that skill by score (team_member_skills). Presence is applied by the caller.
 */
async function walkMembers(ctx: ServiceContext, team: TeamRow, skill: string | null, limit: number): Promise<AgentCandidate[]> {
  // Literal, not bound: the planner picks a partial index only for a WHERE it can see implies the index's.
  const online = sql`availability = 'online'`;
  if (team.strategy === "skill_based" && skill !== null) {
    const t = teamMemberSkills;
    const rows = await ctx.db
      .select({ id: t.userId, availability: t.availability, maxOpenTickets: t.maxOpenTickets, activeTickets: t.activeTickets, criticalTickets: t.criticalTickets, proficiency: t.proficiency, lastAssignedAt: t.lastAssignedAt })
      .from(t)
      .where(and(eq(t.teamId, team.id), eq(t.skill, skill), online))
      // The expression of team_member_skills_score_idx, verbatim.
      .orderBy(sql`active_tickets + 2 * critical_tickets - 5 * proficiency`, asc(t.lastAssignedAt), asc(t.userId))
      .limit(limit);
    return rows;
  }
  const m = teamMembers;
  const order: Record<TeamRow["strategy"], SQL[]> = {
    least_loaded: [asc(m.activeTickets), asc(m.criticalTickets)],
    round_robin: [],
    // No skill needed: proficiency 0 for everyone, the score is the load (team_members_load_score_idx's expression, verbatim).
    skill_based: [sql`active_tickets + 2 * critical_tickets`],
  };
  const rows = await ctx.db
    .select(MEMBER_COLUMNS)
    .from(m)
    .where(and(eq(m.teamId, team.id), online))
    .orderBy(...order[team.strategy], asc(m.lastAssignedAt), asc(m.userId))
    .limit(limit);
  return rows.map(({ skills, ...r }) => ({ ...r, proficiency: proficiencyIn(skills, skill) }));
}

/** One member's routing copy (primary key), presence not applied; null when `userId` is not in the team. */
async function memberRow(ctx: ServiceContext, teamId: string, userId: string, skill: string | null): Promise<AgentCandidate | null> {
  const m = teamMembers;
  const [row] = await ctx.db
    .select(MEMBER_COLUMNS)
    .from(m)
    .where(and(eq(m.teamId, teamId), eq(m.userId, userId)))
    .limit(1);
  if (!row) return null;
  const { skills, ...r } = row;
  return { ...r, proficiency: proficiencyIn(skills, skill) };
}

/**
 * `assign auto` (a rule's, macro's or bulk's action) and `{strategy: "auto"}`: the team's strategy
 * picks for `ticket` in the team `teamId` (the ticket's own, or the one the same change moves it to),
 * called with the row each plan of the change reads. No team (none set, or taken off the ticket
 * meanwhile: a team goes only once no ticket names it) is refused the same way whichever path asks.
 */
export async function routeInTeam(ctx: ServiceContext, ticket: RoutedTicket, teamId: string | null): Promise<RoutingDecision> {
  const team = teamId ? await teamById(ctx, teamId) : null;
  if (!team) throw new AppError("INVALID_TRANSITION", "The ticket has no team to route in; set its team_id first");
  return route(ctx, team, ticket);
}

/** Where a new ticket goes: its team (manager+ may name one) and, if asked or the team says so, an agent by the team's strategy. */
export interface RoutedAssignment {
  teamId: string;
  assigneeId: string | null;
  /** Null: filed into the team without routing. */
  reason: RoutingReason | null;
}

export async function routeOnCreate(
  ctx: ServiceContext,
  input: { team_id?: string | undefined; auto_assign?: boolean | undefined; category?: string | undefined; priority: TicketRow["priority"] },
): Promise<RoutedAssignment | null> {
  if (input.team_id === undefined) return null;
  const actor = actorOf(ctx);
  // A customer's create body has no such fields: ignored like any other field it does not have.
  if (!isStaff(actor.role)) return null;
  if (!can(actor.role, "ticket.assign_any")) throw forbidden("Only managers and admins file tickets into a team");
  const team = await teamById(ctx, input.team_id);
  if (!team) throw validation("Invalid team", { team_id: ["no such team"] });
  if (!input.auto_assign && !team.autoAssignOnCreate) return { teamId: team.id, assigneeId: null, reason: null };
  const decision = await route(ctx, team, { category: input.category ?? null, assigneeId: null, status: "open", priority: input.priority });
  return { teamId: team.id, assigneeId: decision.assigneeId, reason: decision.reason };
}

/** Whether `userId` is active staff (an escalation target must be). */
export async function isActiveStaff(ctx: ServiceContext, userId: string): Promise<boolean> {
  const [u] = await ctx.db.select({ role: users.role, active: users.active }).from(users).where(eq(users.id, userId)).limit(1);
  return !!u && u.active && isStaff(u.role);
}

/**
 * An assignment makes its assignee busy: the routing state's last assignment (round-robin and the
 * idle tie-break), and its copy on their team memberships, are written in the same batch as the
 * assignment, by whatever path it happens.
 */
export const assignmentStamp: TicketEventConsumer<ServiceContext> = {
  name: "routing",
  inBatch: (ctx, event) => {
    if (event.type !== "ticket.assigned" || !event.assignee_id) return [];
    const now = ctx.now.toISOString();
    return [
      ctx.db
        .insert(agentRouting)
        .values({ userId: event.assignee_id, lastAssignedAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: agentRouting.userId, set: { lastAssignedAt: now, updatedAt: now } }),
      ctx.db.update(teamMembers).set({ lastAssignedAt: now }).where(eq(teamMembers.userId, event.assignee_id)),
    ];
  },
};

/**
 * The load counters of the agents a ticket write concerns (domain/routing loadDeltas), moved in
 * that write's own batch: the counter is exactly as current as the tickets, with no recount.
 * `before` null: a new ticket.
 */
export function agentLoadWrites(ctx: ServiceContext, before: LoadState | null, after: LoadState): BatchItem[] {
  return loadDeltas(before, after).map((d) =>
    ctx.db
      .update(teamMembers)
      .set({ activeTickets: sql`${teamMembers.activeTickets} + ${d.active}`, criticalTickets: sql`${teamMembers.criticalTickets} + ${d.critical}` })
      .where(eq(teamMembers.userId, d.userId)),
  );
}

/**
 * Recomputes the routing copy on `userId`'s memberships from its sources (agent_routing,
 * user_skills, their running tickets through tickets_assignee_status_created_idx): written in the
 * batch that makes someone a member, so a new copy starts right. migrations/*_team_member_routing_backfill.sql
 * is the same for every member.
 */
export function refreshMemberCopy(ctx: ServiceContext, userId: string): BatchItem {
  const routing = (column: string) => sql.raw(`(SELECT ${column} FROM agent_routing WHERE agent_routing.user_id = team_members.user_id)`);
  const running = sql`tickets.assignee_id = ${userId} AND tickets.status IN ('open', 'in_progress') AND tickets.deleted_at IS NULL`;
  return ctx.db
    .update(teamMembers)
    .set({
      availability: sql`coalesce(${routing("availability")}, 'online')`,
      maxOpenTickets: sql`coalesce(${routing("max_open_tickets")}, ${DEFAULT_MAX_OPEN_TICKETS})`,
      lastAssignedAt: sql`${routing("last_assigned_at")}`,
      activeTickets: sql`(SELECT count(*) FROM tickets WHERE ${running})`,
      criticalTickets: sql`(SELECT count(*) FROM tickets WHERE ${running} AND tickets.priority_rank = 4)`,
      skills: sql`coalesce((SELECT json_group_object(skill, proficiency) FROM user_skills WHERE user_skills.user_id = team_members.user_id), '{}')`,
    })
    .where(eq(teamMembers.userId, userId));
}
