import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { NOTIFICATION_TYPES } from "../../domain/vocabulary";
import { users } from "./users";

/**
 * In-app notifications (API.md "Notifications"). Written in the batch of the change that causes
 * them, with the recipient's preferences applied inside the statement (src/features/notifications).
 * Ids are `<time-ordered id>.<user id>`: one change's notifications share the prefix.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    ticketId: text("ticket_id"),
    title: text("title").notNull(),
    body: text("body").notNull(),
    readAt: text("read_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    // A user's list, newest first.
    index("notifications_user_created_idx").on(t.userId, t.createdAt, t.id),
    // `?unread=true` and "mark all read" touch unread rows only.
    index("notifications_user_unread_idx").on(t.userId, t.createdAt, t.id).where(sql`read_at IS NULL`),
    // A deleted ticket takes its notifications with it (they quote it).
    index("notifications_ticket_idx").on(t.ticketId),
    // Housekeeping drops read notifications past their retention, oldest first.
    index("notifications_read_idx").on(t.readAt).where(sql`read_at IS NOT NULL`),
  ],
);

/** Per user, how many notifications are unread: kept in the same batches that add or read them (never counted). */
export const notificationCounters = sqliteTable("notification_counters", {
  userId: text("user_id").primaryKey(),
  unread: integer("unread").notNull(),
});

/** A user's choice per notification type; no row = the type's default (domain/notifications.ts). */
export const notificationPreferences = sqliteTable(
  "notification_preferences",
  {
    userId: text("user_id").notNull(),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    inApp: integer("in_app", { mode: "boolean" }).notNull(),
    email: integer("email", { mode: "boolean" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.type] })],
);
