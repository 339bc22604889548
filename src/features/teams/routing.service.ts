import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { ACTIVE_TICKETS, agentRouting, teamMembers, teams, tickets, userSkills, users } from "../../db/schema";
import { type Availability } from "../../domain/vocabulary";
import { can, isStaff } from "../../domain/permissions";
import { chooseAssignee, MAX_TEAM_MEMBERS, requiredSkill, type AgentCandidate, type RoutingDecision, type RoutingReason } from "../../domain/routing";
import type { TicketEventConsumer } from "../../events/ticket-events";
import { forbidden, validation } from "../../lib/errors";
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

/**
 * The team's active staff with their routing state, their proficiency in `skill` and their load.
 * Two reads, each bounded by the team: the members (primary key of team_members) and their
 * running tickets through tickets_assignee_status_created_idx (never a scan of tickets).
 */
export async function loadCandidates(ctx: ServiceContext, teamId: string, skill: string | null): Promise<AgentCandidate[]> {
  const members = await ctx.db
    .select({
      id: users.id,
      availability: agentRouting.availability,
      maxOpenTickets: agentRouting.maxOpenTickets,
      lastAssignedAt: agentRouting.lastAssignedAt,
      proficiency: userSkills.proficiency,
    })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .leftJoin(agentRouting, eq(agentRouting.userId, teamMembers.userId))
    .leftJoin(userSkills, and(eq(userSkills.userId, teamMembers.userId), eq(userSkills.skill, skill ?? "")))
    .where(and(eq(teamMembers.teamId, teamId), eq(users.active, true), ne(users.role, "customer")))
    .limit(MAX_TEAM_MEMBERS);
  if (!members.length) return [];
  const loads = await ctx.db
    .select({
      id: tickets.assigneeId,
      active: sql<number>`count(*)`,
      critical: sql<number>`coalesce(sum(${tickets.priorityRank} = 4), 0)`,
    })
    .from(tickets)
    .where(and(ACTIVE_TICKETS, inArray(tickets.assigneeId, ctx.db.select({ id: teamMembers.userId }).from(teamMembers).where(eq(teamMembers.teamId, teamId)))))
    .groupBy(tickets.assigneeId);
  const loadOf = new Map(loads.map((l) => [l.id, l]));
  const presence = await presenceOf(ctx, members.map((m) => m.id));
  return members.map((m) => ({
    id: m.id,
    availability: lowerOf(m.availability ?? "online", presence.get(m.id)),
    maxOpenTickets: m.maxOpenTickets ?? DEFAULT_MAX_OPEN_TICKETS,
    activeTickets: Number(loadOf.get(m.id)?.active ?? 0),
    criticalTickets: Number(loadOf.get(m.id)?.critical ?? 0),
    proficiency: m.proficiency ?? 0,
    lastAssignedAt: m.lastAssignedAt ?? null,
  }));
}

const RANK: Record<Availability, number> = { online: 2, away: 1, offline: 0 };
/** The manual status caps the live presence (an agent can be connected and on a break), and vice versa. */
const lowerOf = (manual: Availability, live: Availability | undefined): Availability =>
  live === undefined || RANK[manual] <= RANK[live] ? manual : live;

/** Routes one ticket in its team; the ticket's own load is not held against its current assignee. */
export async function route(ctx: ServiceContext, team: TeamRow, ticket: Pick<TicketRow, "category" | "assigneeId" | "status" | "priority">, exclude: string[] = []): Promise<RoutingDecision> {
  const skill = requiredSkill(ticket.category);
  const candidates = await loadCandidates(ctx, team.id, skill);
  const running = ticket.status === "open" || ticket.status === "in_progress";
  const adjusted = candidates.map((c) =>
    running && c.id === ticket.assigneeId
      ? { ...c, activeTickets: c.activeTickets - 1, criticalTickets: c.criticalTickets - (ticket.priority === "critical" ? 1 : 0) }
      : c,
  );
  return chooseAssignee({ strategy: team.strategy, skill, candidates: adjusted, exclude });
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
 * idle tie-break) is written in the same batch as the assignment, by whatever path it happens.
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
    ];
  },
};
