import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import type { TimeLogItem } from "../../domain/rollups";
import type { FieldValues } from "../../domain/custom-fields";
import type { SlaTargets } from "../../domain/sla";
import type { TicketLink } from "../../domain/ticket-merge";
import { NO_DUE, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../domain/vocabulary";
import { teams } from "./teams";
import { users } from "./users";


const live = sql`deleted_at IS NULL`;
const rated = sql`deleted_at IS NULL AND satisfaction_rated_at IS NOT NULL`;
const breached = sql`deleted_at IS NULL AND sla_breached = 1`;

/** Closed tickets still whole in D1 (a cancelled ticket has no closed_at): what the archive cron walks (its query repeats this condition). */
export const ARCHIVABLE = sql.raw(`deleted_at IS NULL AND archived_at IS NULL AND status = 'closed'`);

/** Tickets whose SLA clock runs: an agent's load (Freshdesk's rule). */
export const ACTIVE_TICKETS = sql.raw(`deleted_at IS NULL AND status IN ('open', 'in_progress')`);

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
    /** JSON array; `ticket_tag_index` is the index for the `tag` filter. */
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
    // SLA engine (domain/sla.ts). Breach flags are monotonic; the announcement bits belong to the sweep.
    /** Due date of the latest next-response cycle (shown while armed). */
    nextResponseDueAt: text("next_response_due_at"),
    /** The SLA clock (business ms) when a customer message armed the next response; null = not armed. */
    nextResponseStartedMs: integer("next_response_started_ms"),
    firstResponseBreached: integer("first_response_breached", { mode: "boolean" }).notNull().default(false),
    nextResponseBreached: integer("next_response_breached", { mode: "boolean" }).notNull().default(false),
    resolutionBreached: integer("resolution_breached", { mode: "boolean" }).notNull().default(false),
    /** Bits (1 first response, 2 next response, 4 resolution) of breaches the sweep announced. */
    slaAnnounced: integer("sla_announced").notNull().default(0),
    /** Bits of targets the sweep announced at risk. */
    slaWarned: integer("sla_warned").notNull().default(0),
    /** The policy's escalation checkpoint (or a breach) escalated the ticket. */
    slaEscalated: integer("sla_escalated", { mode: "boolean" }).notNull().default(false),
    /** When the nearest unmet, unbreached target reaches 80 % (`sla.at_risk`), else NO_DUE. */
    slaAtRiskAt: text("sla_at_risk_at").notNull().default(NO_DUE),
    /** The next instant the SLA sweep has work for this ticket, else NO_DUE: the sweep walks its index. */
    slaCheckAt: text("sla_check_at").notNull().default(NO_DUE),
    /** SLA clock minutes (business time, pauses excluded) to the first response and to resolution, for reports. */
    firstResponseMinutes: integer("first_response_minutes"),
    resolutionMinutes: integer("resolution_minutes"),
    /** Copy of the policy's targets when the ticket was created or re-prioritised. */
    slaTargets: text("sla_targets", { mode: "json" }).$type<SlaTargets>(),
    /** The business_calendars version the ticket is timed with; null = 24/7. */
    slaCalendarId: text("sla_calendar_id"),
    // When things last happened, for automations' `hours_since_…` (domain/rules.ts); set by changeTicket.
    // Null only on rows from before these columns (read as updated_at / created_at).
    /** The status last changed (creation counts). */
    statusChangedAt: text("status_changed_at"),
    /** The requester last wrote or changed the ticket (creation counts: the request is theirs). */
    requesterUpdatedAt: text("requester_updated_at"),
    /** The assignee last wrote or changed it; null until they do. */
    assigneeUpdatedAt: text("assignee_updated_at"),
    /** Set when the ticket was merged into another: it is closed for good (never reopened, merged or changed again). */
    mergedIntoId: text("merged_into_id").references((): AnySQLiteColumn => tickets.id),
    /**
     * The ticket's merge and split links, both ways (`[{type, ticket_id}]`), null for none: a JSON copy
     * on the row, like `tags`, so every ticket object carries them without a join. At most MAX_LINKS.
     */
    links: text("links", { mode: "json" }).$type<TicketLink[]>(),
    /**
     * Storage revision: every write of the row moves it and every write's guard requires the one it
     * read (features/tickets/ticket-write.ts), so what a write saw before is exactly what it replaced
     * (the report rollups add the difference).
     */
    revision: integer("revision").notNull().default(0),
    /**
     * How many times the ticket came back from a year database (features/archive/archive.retire.ts).
     * With the revision it orders every state of the row: a bring-back keeps the revision (it names
     * the archive document) but moves this, so a retire that read the row before it left and came
     * back finds it changed, and a year copy is known older or newer than main's row.
     */
    returned: integer("returned").notNull().default(0),
    /** When the current assignee got the ticket (reports: assigned per agent); null while unassigned. */
    assignedAt: text("assigned_at"),
    /** When the ticket was reopened, oldest first (reports: reopened). */
    reopens: text("reopens", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /** The requester's satisfaction answer (1..5), replaceable within the survey window. */
    satisfactionScore: integer("satisfaction_score"),
    satisfactionComment: text("satisfaction_comment"),
    satisfactionRatedAt: text("satisfaction_rated_at"),
    /** Minutes of the ticket's time entries. */
    timeSpentMinutes: integer("time_spent_minutes").notNull().default(0),
    /** The time entries summed per (quarter hour, author): what the report rollups count (domain/rollups.ts). */
    timeLog: text("time_log", { mode: "json" }).$type<TimeLogItem[]>().notNull().default(sql`'[]'`),
    /** A `ticket_statuses` key of the status category; null = the category's own name. */
    customStatus: text("custom_status"),
    /** Custom field values by key (JSON, read with the row); `ticket_field_values` is their filter index. */
    customFields: text("custom_fields", { mode: "json" }).$type<FieldValues>().notNull().default({}),
    /** The ticket's id in the system it was imported from (API.md "Import"); null for our own. */
    externalId: text("external_id"),
    /**
     * Set while the ticket is archived (features/archive): its comments and history are one gzip
     * document in R2 (`archive/tickets/<id>/<revision>.json.gz`, the revision the ticket has while
     * archived), and this row is the stub lists, reports, SLA and subject search read. Any write
     * restores it (ticket-write.ts).
     */
    archivedAt: text("archived_at"),
  },
  (t) => [
    uniqueIndex("tickets_number_uq").on(t.number),
    // The list indexes (features/tickets/ticket-list-plan.ts walks them): each is (filters…, sort
    // keys…) and ends there: SQLite appends the rowid to every index entry, and lists break ties by
    // rowid, so no index repeats the 26-character id. Sort keys are (nearly) unique, since SQLite
    // does not seek on that rowid: sla_due is (due date, created_at). A status list is one walk per
    // status, merged.
    index("tickets_created_idx").on(t.createdAt).where(live),
    // `updated_at` alone also serves the incremental export (oldest change first).
    index("tickets_updated_idx").on(t.updatedAt).where(live),
    index("tickets_status_created_idx").on(t.status, t.createdAt).where(live),
    index("tickets_status_updated_idx").on(t.status, t.updatedAt).where(live),
    // Most urgent first, oldest first within a priority: the index stores that mixed order, so both
    // `sort=priority` and its reverse walk it (per status, merged) instead of sorting.
    index("tickets_status_priority_created_idx").on(t.status, sql`${t.priorityRank} desc`, t.createdAt).where(live),
    index("tickets_status_sla_due_idx").on(t.status, t.slaNextDueAt, t.createdAt).where(live),
    // The maintained breach flag: `breached=true` walks only flagged tickets (plus the few the SLA
    // sweep has not flagged yet, from its own work list).
    index("tickets_breached_status_created_idx").on(t.status, t.createdAt).where(breached),
    index("tickets_breached_status_updated_idx").on(t.status, t.updatedAt).where(breached),
    index("tickets_breached_status_priority_created_idx").on(t.status, sql`${t.priorityRank} desc`, t.createdAt).where(breached),
    index("tickets_breached_status_sla_due_idx").on(t.status, t.slaNextDueAt, t.createdAt).where(breached),
    // An agent's queue (`assignee_id=me|none`, by status) in the console's orders.
    index("tickets_assignee_status_created_idx").on(t.assigneeId, t.status, t.createdAt).where(live),
    index("tickets_assignee_status_updated_idx").on(t.assigneeId, t.status, t.updatedAt).where(live),
    index("tickets_assignee_status_priority_created_idx").on(t.assigneeId, t.status, sql`${t.priorityRank} desc`, t.createdAt).where(live),
    index("tickets_assignee_status_sla_due_idx").on(t.assigneeId, t.status, t.slaNextDueAt, t.createdAt).where(live),
    // A team's tickets (`team_id=`, by status; the backlog report's oldest open one, one seek per
    // status): every reader names a team, which implies the column IS NOT NULL, so a ticket in no
    // team (every customer's new ticket) has no entry to write.
    index("tickets_team_status_created_idx").on(t.teamId, t.status, t.createdAt).where(sql`deleted_at IS NULL AND team_id IS NOT NULL`),
    // A customer's own list (the portal shows it most recently updated first).
    index("tickets_requester_created_idx").on(t.requesterId, t.createdAt).where(live),
    index("tickets_requester_updated_idx").on(t.requesterId, t.updatedAt).where(live),
    // A customer's own list by priority (both ways) and by SLA due (migration 0051): the requester
    // bound, it walks in page order, O(page) however many tickets they have (an API integration
    // filing as one customer), where their list sorted by SQLite read all of them.
    index("tickets_requester_priority_created_idx").on(t.requesterId, sql`${t.priorityRank} desc`, t.createdAt).where(live),
    index("tickets_requester_sla_due_idx").on(t.requesterId, t.slaNextDueAt, t.createdAt).where(live),
    // `category=` / `channel=`: a rare or unknown value must not walk the whole table.
    index("tickets_category_created_idx").on(t.category, t.createdAt).where(live),
    index("tickets_channel_created_idx").on(t.channel, t.createdAt).where(live),
    // The sweeps' indexes end at their column too: a sweep's (column, id) keyset seeks on the column
    // and sorts only the tickets tied on it (test/rules/automations.test.ts checks the plans).
    // The SLA sweep reads only tickets with work due (O(due), never all open tickets).
    index("tickets_sla_check_idx").on(t.slaCheckAt).where(live),
    // Auto-close reads only resolved tickets, oldest resolution first (status leads, so the planner prefers it to the status+created index).
    // Only tickets with a resolution: its `resolved_at <= cutoff` implies it, and a new ticket writes no entry.
    index("tickets_status_resolved_idx").on(t.status, t.resolvedAt).where(sql`deleted_at IS NULL AND resolved_at IS NOT NULL`),
    // Automations read the tickets whose time condition just came true, per status, through the
    // column it counts from (created_at and updated_at: the list indexes above): O(matching), never
    // all open tickets.
    index("tickets_status_changed_idx").on(t.status, t.statusChangedAt).where(live),
    index("tickets_status_requester_updated_idx").on(t.status, t.requesterUpdatedAt).where(live),
    // Only tickets the assignee has acted on (a window's `<= bound` implies it): none of a new ticket.
    index("tickets_status_assignee_updated_idx").on(t.status, t.assigneeUpdatedAt).where(sql`deleted_at IS NULL AND assignee_updated_at IS NOT NULL`),
    // Satisfaction answers by period, by agent, by score (GET /satisfaction-ratings): rated tickets only.
    index("tickets_rated_idx").on(t.satisfactionRatedAt, t.id).where(rated),
    index("tickets_assignee_rated_idx").on(t.assigneeId, t.satisfactionRatedAt, t.id).where(rated),
    index("tickets_score_rated_idx").on(t.satisfactionScore, t.satisfactionRatedAt, t.id).where(rated),
    // The incremental export's deletions, in the order they happened (live rows walk tickets_updated_idx).
    index("tickets_deleted_idx").on(t.deletedAt, t.id).where(sql`deleted_at IS NOT NULL`),
    // Erasure finds a person's deleted tickets too (the live ones through tickets_requester_created_idx).
    index("tickets_deleted_requester_idx").on(t.requesterId).where(sql`deleted_at IS NOT NULL`),
    // `custom_status=<key>` in default order; tickets without one are found by their category's status index.
    // The archive's cron: closed tickets not archived yet, oldest closing first (O(chunk) per tick).
    // Status leads although the index holds one status: so the planner prefers it to the other (status, …) indexes.
    index("tickets_archive_due_idx").on(t.status, t.closedAt).where(ARCHIVABLE),
    index("tickets_custom_status_created_idx").on(t.customStatus, t.createdAt).where(sql`deleted_at IS NULL AND custom_status IS NOT NULL`),
  ],
);

/**
 * The `tag` filter's index: one entry per (tag, ticket), ordered as the list is by default
 * (`created_at`, then the ticket's rowid), so `tag=` walks a page of it in order. Entries hold the
 * ticket's rowid (8 bytes, not the 26-character id) and leave with the ticket's deletion; the
 * ticket's own `tags` column is what it shows and what a change diffs against.
 */
export const ticketTagIndex = sqliteTable(
  "ticket_tag_index",
  {
    tag: text("tag").notNull(),
    /** The ticket's created_at. */
    createdAt: text("created_at").notNull(),
    ticketRowid: integer("ticket_rowid").notNull(),
  },
  // WITHOUT ROWID (custom migration tag_index_without_rowid): the key is the row.
  (t) => [primaryKey({ columns: [t.tag, t.createdAt, t.ticketRowid] })],
);

/**
 * Who wrote in an archived ticket besides its requester (features/archive), one row per (author,
 * ticket), written with the archiving and deleted with the restore: a person's erasure and export
 * find the archived tickets holding their words here (their own requests by the stub's
 * requester_id), and bring them back first. WITHOUT ROWID (custom migration 0031_archive_authors_without_rowid): the key is the row.
 */
export const ticketArchiveAuthors = sqliteTable(
  "ticket_archive_authors",
  {
    authorId: text("author_id").notNull(),
    ticketId: text("ticket_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.authorId, t.ticketId] })],
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
    /** The ticket a merge took it from (the first one, if merged on again): that ticket still lists it. */
    mergedFromTicketId: text("merged_from_ticket_id").references(() => tickets.id),
  },
  (t) => [
    index("comments_ticket_created_idx").on(t.ticketId, t.createdAt, t.id),
    // Customers page only the public ones, without reading the internal ones.
    index("comments_ticket_public_idx").on(t.ticketId, t.createdAt, t.id).where(sql`internal = 0`),
    // A merged ticket lists the conversation it had, now on the ticket it was merged into.
    index("comments_merged_from_idx").on(t.mergedFromTicketId, t.createdAt, t.id).where(sql`merged_from_ticket_id IS NOT NULL`),
    // A person's comments, for their export and erasure (API.md "Privacy").
    index("comments_author_idx").on(t.authorId),
  ],
);

/**
 * WITHOUT ROWID on its read order (custom migration history_without_rowid; drizzle-kit cannot declare
 * it): every read is one ticket's entries by `(version, at, id)`, so the table b-tree is that index and
 * holds no second copy of the key (docs/scale.md "Footprint"). `id` is unique by construction
 * (time-ordered random ids).
 */
export const ticketHistory = sqliteTable(
  "ticket_history",
  {
    id: text("id").notNull(),
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
    /** The rule whose change this was (actor null), as it was named then. */
    ruleId: text("rule_id"),
    ruleName: text("rule_name"),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.version, t.at, t.id] }),
    uniqueIndex("ticket_history_version_uq").on(t.ticketId, t.version).where(sql`bumps_version = 1`),
  ],
);
