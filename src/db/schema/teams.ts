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
  },
  (t) => [uniqueIndex("teams_name_uq").on(t.name), index("teams_created_idx").on(t.createdAt, t.id)],
);

export const teamMembers = sqliteTable(
  "team_members",
  {
    teamId: text("team_id").notNull().references(() => teams.id),
    userId: text("user_id").notNull().references(() => users.id),
    createdAt: text("created_at").notNull(),
  },
  // The primary key lists a team's members; the user index finds a user's teams.
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_idx").on(t.userId)],
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
