import { z } from "@hono/zod-openapi";
import { AVAILABILITIES, ROUTING_STRATEGIES } from "../../domain/vocabulary";
import { IsoDate, PageQuery, pageOf, Id, matching } from "../../lib/openapi";
import { MAX_TEAM_MEMBERS } from "../../domain/routing";

const Name = z.string().trim().min(1).max(100);

export const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    manager_id: z.string().nullable().openapi({ description: "SLA escalations reassign to them" }),
    strategy: z.enum(ROUTING_STRATEGIES),
    auto_assign_on_create: z.boolean(),
    members: z.array(z.string()).openapi({ description: "user ids of the team's staff" }),
    created_at: IsoDate,
  })
  .openapi("Team");

const Members = z
  .array(Id)
  .max(MAX_TEAM_MEMBERS)
  .transform((ids) => [...new Set(ids)]);

export const CreateTeamBody = z
  .object({
    name: Name,
    manager_id: Id.nullable().optional(),
    strategy: z.enum(ROUTING_STRATEGIES).default("skill_based"),
    auto_assign_on_create: z.boolean().default(false),
    members: Members.default([]),
  })
  .strict()
  .openapi("CreateTeam");

export const PatchTeamBody = z
  .object({
    name: Name,
    manager_id: Id.nullable(),
    strategy: z.enum(ROUTING_STRATEGIES),
    auto_assign_on_create: z.boolean(),
    members: Members.openapi({ description: "replaces the member list" }),
  })
  .partial()
  .strict()
  .openapi("PatchTeam");

export const TeamId = z.object({ id: Id });
export const TeamPage = pageOf(TeamSchema).openapi("TeamPage");
export const TeamListQuery = PageQuery;

// A skill is the category a ticket needs; the same charset as tags, compared lowercased.
const Skill = matching(z.string().trim().toLowerCase().min(1).max(100), /^[\p{L}\p{N}_.:\- ]+$/u, "letters, digits, spaces, _ . : - only");
// More skills than this per agent says nothing routing could use.
const MAX_SKILLS = 50;

export const SkillSchema = z.object({ skill: z.string(), proficiency: z.number().int() }).openapi("Skill");
export const PutSkillsBody = z
  .array(z.object({ skill: Skill, proficiency: z.number().int().min(1).max(5) }).strict())
  .max(MAX_SKILLS)
  .refine((skills) => new Set(skills.map((s) => s.skill)).size === skills.length, { message: "each skill at most once" })
  .openapi("PutSkills");
export const SkillList = z.object({ data: z.array(SkillSchema) }).openapi("SkillList");

export const UserRef = z.object({ id: Id });

export const RoutingProfileSchema = z
  .object({
    user_id: z.string(),
    availability: z.enum(AVAILABILITIES).openapi({ description: "manual status; only online agents get tickets" }),
    presence: z
      .enum(AVAILABILITIES)
      .nullable()
      .openapi({ description: "live, from the agents' feed (connected and active, idle 5 minutes, not connected); null if the feed did not answer. Routing takes the lower of the two." }),
    max_open_tickets: z.number().int(),
    active_tickets: z.number().int().openapi({ description: "assigned tickets whose SLA clock runs" }),
    critical_tickets: z.number().int(),
    last_assigned_at: IsoDate.nullable(),
    skills: z.array(SkillSchema),
  })
  .openapi("RoutingProfile");

export const PutAvailabilityBody = z.object({ availability: z.enum(AVAILABILITIES) }).strict().openapi("PutAvailability");
// Beyond this no one works tickets in parallel; 0 takes an agent out of routing.
const MAX_CAPACITY = 1_000;
export const PutCapacityBody = z.object({ max_open_tickets: z.number().int().min(0).max(MAX_CAPACITY) }).strict().openapi("PutCapacity");
