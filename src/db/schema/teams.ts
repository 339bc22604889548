import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { AVAILABILITIES, ROUTING_STRATEGIES } from "../../domain/vocabulary";
import { users } from "./users";


export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    createdAt: text("created_at").notNull(),
    /** Escalations reassign to them. */
    managerId: text("manager_id").references(() => users.id),
    strategy: text("strategy", { enum: ROUTING_STRATEGIES }).notNull().default("skill_based"),
    /** Tickets created into the team are auto-assigned at once. */
    autoAssignOnCreate: integer("auto_assign_on_create", { mode: "boolean" }).notNull().default(false),
    /**
     * Its team_members rows, kept by triggers on team_members (migrations/0040): routing's
     * `candidates` without counting the members, and whether a team is small enough to read whole.
     */
    memberCount: integer("member_count").notNull().default(0),
  },
  (t) => [uniqueIndex("teams_name_uq").on(t.name), index("teams_created_idx").on(t.createdAt, t.id)],
);

/** Routing's walks read only members whose manual status lets them take tickets (a literal: a bound value would not select a partial index). */
const ONLINE = sql`availability = 'online'`;

/**
 * A team's member, with a copy of what routing needs to know about them, so that routing reads
 * one row per member it looks at (a small team whole, a large one walked in the strategy's order
 * through the partial indexes below: issue 15, ≤ 250 rows among 200 agents) instead of the
 * member, the user, the routing state, the skill and every running ticket. The copy is kept
 * in the batch of every write that changes its source: the load counters by the ticket write
 * (features/teams/routing.service agentLoadWrites), availability and capacity by their routes,
 * `last_assigned_at` by the assignment stamp, the skills by PUT skills; a new member row is
 * filled from the sources when it is inserted.
 */
export const teamMembers = sqliteTable(
  "team_members",
  {
    teamId: text("team_id").notNull().references(() => teams.id),
    userId: text("user_id").notNull().references(() => users.id),
    createdAt: text("created_at").notNull(),
    /** agent_routing.availability. */
    availability: text("availability", { enum: AVAILABILITIES }).notNull().default("online"),
    /** agent_routing.max_open_tickets. */
    maxOpenTickets: integer("max_open_tickets").notNull().default(20),
    /** agent_routing.last_assigned_at. */
    lastAssignedAt: text("last_assigned_at"),
    /** The member's running tickets (open, in progress; not deleted), maintained by every ticket write. */
    activeTickets: integer("active_tickets").notNull().default(0),
    /** Of those, critical ones. */
    criticalTickets: integer("critical_tickets").notNull().default(0),
    /** user_skills as `{skill: proficiency}`. */
    skills: text("skills", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  },
  // The primary key lists a team's members; the user index finds a user's teams (and their copies).
  // The partial indexes are routing's walks (features/teams/routing.service walkCandidates): the
  // manually online members in one strategy's order, ties by the longest idle (NULL sorts first,
  // as never assigned does) then the id, exactly domain/routing's order.
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index("team_members_user_idx").on(t.userId),
    index("team_members_least_loaded_idx").on(t.teamId, t.activeTickets, t.criticalTickets, t.lastAssignedAt, t.userId).where(ONLINE),
    index("team_members_round_robin_idx").on(t.teamId, t.lastAssignedAt, t.userId).where(ONLINE),
    // skill_based for a ticket that needs no skill: proficiency 0 for everyone, the score is the load.
    index("team_members_load_score_idx").on(t.teamId, sql`active_tickets + 2 * critical_tickets`, t.lastAssignedAt, t.userId).where(ONLINE),
  ],
);

/**
 * One row per team member and skill they hold (proficiency ≥ 1): team_members' routing copy split
 * by skill, so that skill_based routing walks the members holding the ticket's skill by their
 * score (active + 2 × critical − 5 × proficiency) and stops at the first eligible ones, instead of
 * reading every member. Derived from team_members by triggers (migrations/0040), so every write of
 * a member row (load counters, availability, capacity, last assignment, skills, membership) keeps
 * it without code of its own; WITHOUT ROWID there (its key is most of the row).
 */
export const teamMemberSkills = sqliteTable(
  "team_member_skills",
  {
    teamId: text("team_id").notNull(),
    userId: text("user_id").notNull(),
    skill: text("skill").notNull(),
    proficiency: integer("proficiency").notNull(),
    availability: text("availability", { enum: AVAILABILITIES }).notNull(),
    maxOpenTickets: integer("max_open_tickets").notNull(),
    activeTickets: integer("active_tickets").notNull(),
    criticalTickets: integer("critical_tickets").notNull(),
    lastAssignedAt: text("last_assigned_at"),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId, t.skill] }),
    index("team_member_skills_score_idx")
      .on(t.teamId, t.skill, sql`active_tickets + 2 * critical_tickets - 5 * proficiency`, t.lastAssignedAt, t.userId)
      .where(ONLINE),
  ],
);

/** What an agent knows: a ticket's category is the skill it needs (routing reads one skill for a team's members). */
export const userSkills = sqliteTable(
  "user_skills",
  {
    userId: text("user_id").notNull().references(() => users.id),
    /** Lowercased, as categories compare. */
    skill: text("skill").notNull(),
    /** 1 (novice) … 5 (expert). */
    proficiency: integer("proficiency").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.skill] })],
);

/** Routing state of a staff member; a user without a row has the defaults (no manual restriction, capacity 20). */
export const agentRouting = sqliteTable("agent_routing", {
  userId: text("user_id").primaryKey().references(() => users.id),
  availability: text("availability", { enum: AVAILABILITIES }).notNull().default("online"),
  /** Open tickets (clock running) beyond which the agent gets no more. */
  maxOpenTickets: integer("max_open_tickets").notNull().default(20),
  /** The latest assignment to them: round-robin and the "longest idle" tie-break. */
  lastAssignedAt: text("last_assigned_at"),
  updatedAt: text("updated_at").notNull(),
});
