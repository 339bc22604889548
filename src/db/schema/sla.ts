import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ESCALATION_REASSIGN, TICKET_CHANNELS, TICKET_PRIORITIES } from "../../domain/vocabulary";


/**
 * Targets per priority (defaults from API.md seeded by 0001), optionally narrowed to a category
 * and/or channel: a ticket gets the most specific policy of its priority. Tickets keep a copy of
 * the targets (`tickets.sla_targets`), so an edit applies to tickets created or re-prioritised afterwards.
 */
export const slaPolicies = sqliteTable(
  "sla_policies",
  {
    name: text("name").primaryKey(),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull(),
    firstResponseMinutes: integer("first_response_minutes").notNull(),
    nextResponseMinutes: integer("next_response_minutes").notNull(),
    resolutionMinutes: integer("resolution_minutes").notNull(),
    escalationMinutes: integer("escalation_minutes").notNull(),
    businessHours: integer("business_hours", { mode: "boolean" }).notNull().default(false),
    category: text("category"),
    channel: text("channel", { enum: TICKET_CHANNELS }),
    escalationRaisePriority: integer("escalation_raise_priority", { mode: "boolean" }).notNull().default(false),
    escalationReassign: text("escalation_reassign", { enum: ESCALATION_REASSIGN }).notNull().default("manager"),
  },
  // One policy per scope; a ticket's lookup reads the (at most four) policies of its priority.
  (t) => [uniqueIndex("sla_policies_scope_uq").on(t.priority, sql`coalesce(${t.category}, '')`, sql`coalesce(${t.channel}, '')`)],
);

/**
 * Business hours, one immutable row per version: a PUT adds a row and the newest is current.
 * Tickets name the version they were timed with (`tickets.sla_calendar_id`), so a change applies to
 * tickets created or re-prioritised afterwards and an old version can be cached forever.
 */
export const businessCalendars = sqliteTable(
  "business_calendars",
  {
    id: text("id").primaryKey(),
    timeZone: text("time_zone").notNull(),
    intervals: text("intervals", { mode: "json" }).$type<{ day: number; start: string; end: string }[]>().notNull(),
    holidays: text("holidays", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: text("created_at").notNull(),
    createdById: text("created_by_id"),
  },
  (t) => [index("business_calendars_created_idx").on(t.createdAt, t.id)],
);
