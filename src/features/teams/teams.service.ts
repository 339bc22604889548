import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { runBatch, type BatchItem } from "../../db/client";
import { ACTIVE_TICKETS, agentRouting, teamMembers, teams, tickets, userSkills, users } from "../../db/schema";
import { type Availability, type RoutingStrategy } from "../../domain/vocabulary";
import { can, isStaff } from "../../domain/permissions";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { classifyD1Error, isUniqueViolation } from "../../db/errors";
import { yearStores } from "../../db/ticket-stores";
import { signingSecret } from "../auth/tokens";
import { presenceOf } from "./availability";
import { DEFAULT_MAX_OPEN_TICKETS, refreshMemberCopy, teamById } from "./routing.service";

type TeamRow = typeof teams.$inferSelect;

export function toTeam(row: TeamRow, members: string[]) {
  return {
    id: row.id,
    name: row.name,
    manager_id: row.managerId,
    strategy: row.strategy,
    auto_assign_on_create: row.autoAssignOnCreate,
    members,
    created_at: row.createdAt,
  };
}

// D1 binds at most 100 parameters per statement.
const ID_CHUNK = 90;
const chunks = <T>(xs: T[]) => Array.from({ length: Math.ceil(xs.length / ID_CHUNK) }, (_, i) => xs.slice(i * ID_CHUNK, (i + 1) * ID_CHUNK));

async function membersOf(ctx: ServiceContext, teamIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(teamIds.map((id) => [id, []]));
  for (const ids of chunks(teamIds)) {
    const rows = await ctx.db
      .select({ teamId: teamMembers.teamId, userId: teamMembers.userId })
      .from(teamMembers)
      .where(inArray(teamMembers.teamId, ids))
      .orderBy(asc(teamMembers.teamId), asc(teamMembers.createdAt), asc(teamMembers.userId));
    for (const r of rows) out.get(r.teamId)!.push(r.userId);
  }
  return out;
}

/** Every id must be an active staff user (`field` names the offending input). */
async function checkStaff(ctx: ServiceContext, ids: string[], field: string, roles: readonly string[] = ["agent", "manager", "admin"]) {
  const found = new Map<string, { role: string; active: boolean }>();
  for (const part of chunks(ids)) {
    for (const u of await ctx.db.select({ id: users.id, role: users.role, active: users.active }).from(users).where(inArray(users.id, part))) found.set(u.id, u);
  }
  const bad = ids.filter((id) => {
    const u = found.get(id);
    return !u || !u.active || !roles.includes(u.role);
  });
  if (bad.length) throw validation("Invalid users", { [field]: [`not an active ${roles.join(" or ")}: ${bad.slice(0, 5).join(", ")}`] });
}

export async function listTeams(ctx: ServiceContext, q: { limit: number; cursor?: string | undefined }) {
  const secret = signingSecret(ctx.env);
  const sort = "teams:created_at";
  const where = [];
  if (q.cursor) {
    const pos = await decodeCursor(secret, sort, q.cursor);
    where.push(newerThan(teams.createdAt, teams.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(teams)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(teams.createdAt), asc(teams.id))
    .limit(q.limit + 1);
  const { items: page, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  const members = await membersOf(ctx, page.map((t) => t.id));
  return {
    data: page.map((t) => toTeam(t, members.get(t.id) ?? [])),
    next_cursor,
  };
}

export async function getTeam(ctx: ServiceContext, id: string) {
  const row = await teamById(ctx, id);
  if (!row) throw notFound("Team");
  return toTeam(row, (await membersOf(ctx, [id])).get(id) ?? []);
}

export interface TeamInput {
  name?: string | undefined;
  manager_id?: string | null | undefined;
  strategy?: RoutingStrategy | undefined;
  auto_assign_on_create?: boolean | undefined;
  members?: string[] | undefined;
}

const MANAGER_ROLES = ["manager", "admin"] as const;

function memberWrites(ctx: ServiceContext, teamId: string, before: string[], after: string[]): BatchItem[] {
  const now = ctx.now.toISOString();
  const removed = before.filter((id) => !after.includes(id));
  const added = after.filter((id) => !before.includes(id));
  return [
    ...chunks(removed).map((ids) => ctx.db.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), inArray(teamMembers.userId, ids)))),
    // drizzle binds every column (defaults included): nine values per row, so ten rows stay under D1's 100 parameters.
    ...Array.from({ length: Math.ceil(added.length / 10) }, (_, i) =>
      ctx.db.insert(teamMembers).values(added.slice(i * 10, (i + 1) * 10).map((userId) => ({ teamId, userId, createdAt: now }))),
    ),
    // A new member's routing copy, from its sources, in the same batch.
    ...added.map((userId) => refreshMemberCopy(ctx, userId)),
  ];
}

export async function createTeam(ctx: ServiceContext, input: Required<Pick<TeamInput, "name" | "strategy" | "auto_assign_on_create" | "members">> & TeamInput) {
  if (input.manager_id) await checkStaff(ctx, [input.manager_id], "manager_id", MANAGER_ROLES);
  await checkStaff(ctx, input.members, "members");
  const row: TeamRow = {
    id: newId(ctx.now.getTime()),
    name: input.name,
    createdAt: ctx.now.toISOString(),
    managerId: input.manager_id ?? null,
    strategy: input.strategy,
    autoAssignOnCreate: input.auto_assign_on_create,
    // The member inserts below count themselves in (trigger, migrations/0040).
    memberCount: 0,
  };
  try {
    await runBatch(ctx.db, [
      ctx.db.insert(teams).values(row),
      ...memberWrites(ctx, row.id, [], input.members),
      auditInsert(ctx, {
        action: "team.created",
        entityType: "team",
        entityId: row.id,
        changes: { name: [null, row.name], manager_id: [null, row.managerId], strategy: [null, row.strategy], members: [[], input.members] },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "A team with this name already exists");
    throw err;
  }
  return toTeam(row, input.members);
}

export async function patchTeam(ctx: ServiceContext, id: string, input: TeamInput) {
  const before = await getTeam(ctx, id);
  if (input.manager_id) await checkStaff(ctx, [input.manager_id], "manager_id", MANAGER_ROLES);
  if (input.members) await checkStaff(ctx, input.members, "members");
  const set: Partial<TeamRow> = {};
  const changes: Record<string, [unknown, unknown]> = {};
  const fields = [
    ["name", "name"],
    ["manager_id", "managerId"],
    ["strategy", "strategy"],
    ["auto_assign_on_create", "autoAssignOnCreate"],
  ] as const;
  for (const [wire, column] of fields) {
    const value = input[wire];
    if (value !== undefined && value !== before[wire]) {
      (set as Record<string, unknown>)[column] = value;
      changes[wire] = [before[wire], value];
    }
  }
  const members = input.members ?? before.members;
  const membersChanged = input.members !== undefined && [...members].sort().join() !== [...before.members].sort().join();
  if (membersChanged) changes.members = [before.members, members];
  if (!Object.keys(changes).length) return before;
  try {
    await runBatch(ctx.db, [
      ...(Object.keys(set).length ? [ctx.db.update(teams).set(set).where(eq(teams.id, id))] : []),
      ...(membersChanged ? memberWrites(ctx, id, before.members, members) : []),
      auditInsert(ctx, { action: "team.updated", entityType: "team", entityId: id, changes }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "A team with this name already exists");
    throw err;
  }
  return getTeam(ctx, id);
}

const TEAM_IN_USE = "Tickets still belong to this team; move them to another team first";

/** A team that tickets (even deleted ones) still name cannot go: the foreign key refuses, whole. */
export async function deleteTeam(ctx: ServiceContext, id: string) {
  const before = await getTeam(ctx, id);
  // Retired tickets (year databases, db/ticket-stores.ts) are outside main's foreign key but come
  // back into main on any write: they hold their team the same way (index tickets_team_status_created_idx).
  for (const store of yearStores(ctx.env)) {
    const [held] = await store.db.select({ id: tickets.id }).from(tickets).where(and(eq(tickets.teamId, id), sql`${tickets.deletedAt} IS NULL`)).limit(1);
    if (held) throw new AppError("CONFLICT", TEAM_IN_USE);
  }
  try {
    await runBatch(ctx.db, [
      ctx.db.delete(teamMembers).where(eq(teamMembers.teamId, id)),
      ctx.db.delete(teams).where(eq(teams.id, id)),
      auditInsert(ctx, { action: "team.deleted", entityType: "team", entityId: id, changes: { name: [before.name, null], members: [before.members, []] } }),
    ]);
  } catch (err) {
    if (classifyD1Error(err).kind === "foreign_key") {
      throw new AppError("CONFLICT", TEAM_IN_USE);
    }
    throw err;
  }
}

// ---------------------------------------------------------------- an agent's routing profile

async function staffUser(ctx: ServiceContext, id: string) {
  const [u] = await ctx.db.select({ id: users.id, role: users.role, active: users.active }).from(users).where(eq(users.id, id)).limit(1);
  // Customers have no routing profile: the same 404 as a user that does not exist.
  if (!u || !isStaff(u.role)) throw notFound("Agent");
  return u;
}

export async function routingProfile(ctx: ServiceContext, id: string) {
  await staffUser(ctx, id);
  const [state] = await ctx.db.select().from(agentRouting).where(eq(agentRouting.userId, id)).limit(1);
  const skills = await ctx.db
    .select({ skill: userSkills.skill, proficiency: userSkills.proficiency })
    .from(userSkills)
    .where(eq(userSkills.userId, id))
    .orderBy(asc(userSkills.skill));
  // The agent's running tickets through tickets_assignee_status_created_idx.
  const [load] = await ctx.db
    .select({ active: sql<number>`count(*)`, critical: sql<number>`coalesce(sum(${tickets.priorityRank} = 4), 0)` })
    .from(tickets)
    .where(and(ACTIVE_TICKETS, eq(tickets.assigneeId, id)));
  const live = (await presenceOf(ctx, [id])).get(id) ?? null;
  return {
    user_id: id,
    availability: state?.availability ?? "online",
    presence: live,
    max_open_tickets: state?.maxOpenTickets ?? DEFAULT_MAX_OPEN_TICKETS,
    active_tickets: Number(load?.active ?? 0),
    critical_tickets: Number(load?.critical ?? 0),
    last_assigned_at: state?.lastAssignedAt ?? null,
    skills,
  };
}

function routingUpsert(ctx: ServiceContext, userId: string, set: { availability?: Availability; maxOpenTickets?: number }) {
  const now = ctx.now.toISOString();
  return ctx.db
    .insert(agentRouting)
    .values({ userId, ...set, updatedAt: now })
    .onConflictDoUpdate({ target: agentRouting.userId, set: { ...set, updatedAt: now } });
}

export async function putSkills(ctx: ServiceContext, id: string, skills: { skill: string; proficiency: number }[]) {
  await staffUser(ctx, id);
  const before = await ctx.db.select({ skill: userSkills.skill, proficiency: userSkills.proficiency }).from(userSkills).where(eq(userSkills.userId, id));
  await runBatch(ctx.db, [
    ctx.db.delete(userSkills).where(eq(userSkills.userId, id)),
    // Three bound values per row: 30 rows stay under D1's 100 parameters.
    ...Array.from({ length: Math.ceil(skills.length / 30) }, (_, i) =>
      ctx.db.insert(userSkills).values(skills.slice(i * 30, (i + 1) * 30).map((s) => ({ userId: id, skill: s.skill, proficiency: s.proficiency }))),
    ),
    ctx.db.update(teamMembers).set({ skills: Object.fromEntries(skills.map((s) => [s.skill, s.proficiency])) }).where(eq(teamMembers.userId, id)),
    auditInsert(ctx, { action: "user.skills_updated", entityType: "user", entityId: id, changes: { skills: [before, skills] } }),
  ]);
  return { data: [...skills].sort((a, b) => a.skill.localeCompare(b.skill)) };
}

/** Agents set their own status; managers and admins anyone's. */
export async function putAvailability(ctx: ServiceContext, id: string, availability: Availability) {
  const actor = actorOf(ctx);
  if (actor.id !== id && !can(actor.role, "routing.manage")) throw forbidden("You may only set your own availability");
  const user = await staffUser(ctx, id);
  if (!user.active) throw new AppError("CONFLICT", "The user is deactivated");
  await runBatch(ctx.db, [
    routingUpsert(ctx, id, { availability }),
    ctx.db.update(teamMembers).set({ availability }).where(eq(teamMembers.userId, id)),
    auditInsert(ctx, { action: "user.availability_updated", entityType: "user", entityId: id, changes: { availability: [null, availability] } }),
  ]);
  return routingProfile(ctx, id);
}

export async function putCapacity(ctx: ServiceContext, id: string, maxOpenTickets: number) {
  await staffUser(ctx, id);
  await runBatch(ctx.db, [
    routingUpsert(ctx, id, { maxOpenTickets }),
    ctx.db.update(teamMembers).set({ maxOpenTickets }).where(eq(teamMembers.userId, id)),
    auditInsert(ctx, { action: "user.capacity_updated", entityType: "user", entityId: id, changes: { max_open_tickets: [null, maxOpenTickets] } }),
  ]);
  return routingProfile(ctx, id);
}
