import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./users";

export const TICKET_STATUSES = ["open", "in_progress", "pending", "resolved", "closed", "cancelled"] as const;
export const TICKET_PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const TICKET_CHANNELS = ["web", "email", "chat", "phone", "social", "api"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

/** `sla_next_due_at` of a ticket whose clock is not running. */
export const NO_DUE = "9999-12-31T23:59:59.999Z";

export const teams = sqliteTable("teams", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull(),
});

const live = sql`deleted_at IS NULL`;

export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    subject: text("subject").notNull(),
    description: text("description").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull(),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull(),
    /** 4 = critical … 1 = low: lets `sort=priority` walk an index. */
    priorityRank: integer("priority_rank").notNull(),
    category: text("category"),
    channel: text("channel", { enum: TICKET_CHANNELS }).notNull(),
    /** JSON array; `ticket_tags` is the index for the `tag` filter. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    requesterId: text("requester_id").notNull().references(() => users.id),
    assigneeId: text("assignee_id").references(() => users.id),
    teamId: text("team_id").references(() => teams.id),
    createdById: text("created_by_id").notNull(),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    firstResponseAt: text("first_response_at"),
    resolvedAt: text("resolved_at"),
    closedAt: text("closed_at"),
    deletedAt: text("deleted_at"),
    slaPolicy: text("sla_policy").notNull(),
    firstResponseDueAt: text("first_response_due_at"),
    resolutionDueAt: text("resolution_due_at"),
    /** Set while the ticket is `pending`: the SLA clock is stopped since then. */
    slaPausedAt: text("sla_paused_at"),
    /** Time spent in completed pauses; due dates are creation + target + this. */
    slaPausedMs: integer("sla_paused_ms").notNull().default(0),
    slaBreached: integer("sla_breached", { mode: "boolean" }).notNull().default(false),
    /**
     * The nearest unmet due date while the clock runs, else NO_DUE (sorts last without a NULL case):
     * `sort=sla_due`, the `breached` filter and the cron sweep walk its index.
     */
    slaNextDueAt: text("sla_next_due_at").notNull(),
  },
  (t) => [
    uniqueIndex("tickets_number_uq").on(t.number),
    // Every list walks one of these in sort order and stops after a page; deleted rows are not in them.
    index("tickets_created_idx").on(t.createdAt, t.id).where(live),
    index("tickets_updated_idx").on(t.updatedAt, t.id).where(live),
    index("tickets_priority_idx").on(t.priorityRank, t.createdAt, t.id).where(live),
    index("tickets_sla_due_idx").on(t.slaNextDueAt, t.id).where(live),
    index("tickets_status_created_idx").on(t.status, t.createdAt, t.id).where(live),
    index("tickets_status_priority_created_idx").on(t.status, t.priorityRank, t.createdAt, t.id).where(live),
    index("tickets_requester_created_idx").on(t.requesterId, t.createdAt, t.id).where(live),
    index("tickets_assignee_status_created_idx").on(t.assigneeId, t.status, t.createdAt, t.id).where(live),
    index("tickets_assignee_created_idx").on(t.assigneeId, t.createdAt, t.id).where(live),
    index("tickets_team_created_idx").on(t.teamId, t.createdAt, t.id).where(live),
  ],
);

export const ticketTags = sqliteTable(
  "ticket_tags",
  {
    tag: text("tag").notNull(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
  },
  (t) => [primaryKey({ columns: [t.tag, t.ticketId] }), index("ticket_tags_ticket_idx").on(t.ticketId)],
);

/** Per-UTC-day sequence behind `TICK-YYYYMMDD-NNNN`; one upsert hands out the next number atomically. */
export const ticketCounters = sqliteTable("ticket_counters", {
  day: text("day").primaryKey(),
  seq: integer("seq").notNull(),
});

export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    authorId: text("author_id").notNull().references(() => users.id),
    body: text("body").notNull(),
    internal: integer("internal", { mode: "boolean" }).notNull(),
    channel: text("channel", { enum: TICKET_CHANNELS }).notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("comments_ticket_created_idx").on(t.ticketId, t.createdAt, t.id),
    // Customers page only the public ones, without reading the internal ones.
    index("comments_ticket_public_idx").on(t.ticketId, t.createdAt, t.id).where(sql`internal = 0`),
  ],
);

export const ticketHistory = sqliteTable(
  "ticket_history",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    type: text("type").notNull(),
    actorId: text("actor_id"),
    at: text("at").notNull(),
    /** The ticket's version after this change; the If-Match merge reads the entries after a version. */
    version: integer("version").notNull(),
    changes: text("changes", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /**
     * 1 for the one entry of each version bump. Unique per (ticket, version): of two writers that read
     * the same version, the second one's batch fails whole, so a lost update is impossible.
     */
    bumpsVersion: integer("bumps_version", { mode: "boolean" }).notNull().default(false),
    /** Internal events (internal notes) are never shown to customers. */
    internal: integer("internal", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("ticket_history_ticket_idx").on(t.ticketId, t.version, t.at, t.id),
    uniqueIndex("ticket_history_version_uq").on(t.ticketId, t.version).where(sql`bumps_version = 1`),
  ],
);

export const slaPolicies = sqliteTable("sla_policies", {
  name: text("name").primaryKey(),
  priority: text("priority", { enum: TICKET_PRIORITIES }).notNull(),
  firstResponseMinutes: integer("first_response_minutes").notNull(),
  nextResponseMinutes: integer("next_response_minutes").notNull(),
  resolutionMinutes: integer("resolution_minutes").notNull(),
  escalationMinutes: integer("escalation_minutes").notNull(),
  businessHours: integer("business_hours", { mode: "boolean" }).notNull().default(false),
});
