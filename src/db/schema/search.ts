import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { TicketPriority, TicketStatus } from "../../domain/vocabulary";
import { users } from "./users";

/** Filters a saved search carries besides its query (the wire shape of GET /search's filters). */
export interface SavedSearchFilters {
  type?: ("tickets" | "comments" | "articles")[];
  status?: TicketStatus[];
  priority?: TicketPriority[];
}

/** A user's saved searches; private to their owner. */
export const savedSearches = sqliteTable(
  "saved_searches",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id),
    name: text("name").notNull(),
    query: text("query").notNull(),
    filters: text("filters", { mode: "json" }).$type<SavedSearchFilters>().notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("saved_searches_user_name_uq").on(t.userId, t.name),
    index("saved_searches_user_created_idx").on(t.userId, t.createdAt, t.id),
  ],
);

/**
 * Daily rollup of searches: one upsert per search instead of a row per search, so analytics read
 * (days × distinct queries) rows and recording costs one row write.
 */
export const searchQueryStats = sqliteTable(
  "search_query_stats",
  {
    day: text("day").notNull(),
    /** The normalised query (its search words, lowercased, space-separated). */
    query: text("query").notNull(),
    searches: integer("searches").notNull().default(0),
    zeroResults: integer("zero_results").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.query] })],
);

/**
 * How many distinct queries each day's rollup holds, kept by a trigger on search_query_stats
 * (migration `0011_search_query_days.sql`): what the cap on new rows reads in one lookup.
 */
export const searchQueryDays = sqliteTable("search_query_days", {
  day: text("day").primaryKey(),
  queries: integer("queries").notNull(),
});
