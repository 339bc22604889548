import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Conditions, RuleAction } from "../../domain/rules";
import { MACRO_SCOPES, RULE_KINDS } from "../../domain/vocabulary";
import { users } from "./users";

/** Triggers and automations (domain/rules.ts is their language). */
/**
 * Where an automation's window stopped: the column's value and the ticket's rowid (the window walks
 * `(status, column)` indexes, whose entries end in the rowid). Marks from before the rowid keyset
 * hold the ticket's id there: read as rowid 0, they judge the ticket tied at that instant again.
 */
export type SweepMark = [string, number | string];

export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    kind: text("kind", { enum: RULE_KINDS }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull(),
    /** Triggers run in this order (then by id); automations too, within one cron run. */
    position: integer("position").notNull(),
    conditions: text("conditions", { mode: "json" }).$type<Conditions>().notNull(),
    actions: text("actions", { mode: "json" }).$type<RuleAction[]>().notNull(),
    /**
     * Automations: how far the cron has read each time window, `{"<driver>|<status>": [column value, ticket rowid]}`
     * (src/jobs/automations.ts). Reset when the conditions change.
     */
    sweep: text("sweep", { mode: "json" }).$type<Record<string, SweepMark>>().notNull().default({}),
    createdById: text("created_by_id").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  // GET /rules in position order (per kind), and the trigger set loaded whole per version.
  (t) => [index("rules_kind_position_idx").on(t.kind, t.position, t.id)],
);

/** Each firing of a rule on a ticket (written in the batch of the rule's change), or its failure. */
export const ruleRuns = sqliteTable(
  "rule_runs",
  {
    id: text("id").primaryKey(),
    ruleId: text("rule_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    at: text("at").notNull(),
    /** `{field: [old, new]}` and what else the rule did (comment, mails, notifications). */
    changes: text("changes", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    error: text("error"),
  },
  (t) => [
    // GET /rules/{id}/runs, newest first.
    index("rule_runs_rule_at_idx").on(t.ruleId, t.at, t.id),
    // Housekeeping drops runs past their retention, oldest first.
    index("rule_runs_at_idx").on(t.at),
  ],
);

/**
 * An automation fired on a ticket and its conditions have held since: it does not fire there again
 * until a later look finds them no longer holding (the row goes). The primary key is the claim:
 * of two overlapping cron runs, the second one's batch fails on it and rolls back whole.
 */
export const ruleFires = sqliteTable(
  "rule_fires",
  {
    ruleId: text("rule_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    firedAt: text("fired_at").notNull(),
  },
  // The cron's look at changed tickets reads their fire records by ticket.
  (t) => [primaryKey({ columns: [t.ruleId, t.ticketId] }), index("rule_fires_ticket_idx").on(t.ticketId)],
);

/** Small named values of the rule machinery: the rule set's version (per-isolate caches), the cron's change watermark. */
export const ruleState = sqliteTable("rule_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Canned responses that may also change fields (API.md "Macro"). */
export const macros = sqliteTable(
  "macros",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    scope: text("scope", { enum: MACRO_SCOPES }).notNull(),
    /** The agent a personal macro belongs to; null for shared ones. */
    ownerId: text("owner_id").references(() => users.id),
    actions: text("actions", { mode: "json" }).$type<RuleAction[]>().notNull(),
    usageCount: integer("usage_count").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // An agent's list is the shared macros and their own, each walked in name order and merged.
    index("macros_shared_name_idx").on(t.name, t.id).where(sql`scope = 'shared'`),
    index("macros_owner_name_idx").on(t.ownerId, t.name, t.id),
  ],
);
