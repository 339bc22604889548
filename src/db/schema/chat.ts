import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tickets } from "./tickets";
import { users } from "./users";

/**
 * One live chat (features/chat): the ticket it is, the anonymous visitor (a customer account of its
 * own that can never sign in) and the SHA-256 of the visitor token, which reaches this ticket alone.
 * `email` is what the visitor typed: a claim, never an account's address; staff replies they do not
 * see live go there (ticket_participants, follow_up `offline_replies`).
 */
export const chatSessions = sqliteTable("chat_sessions", {
  ticketId: text("ticket_id")
    .primaryKey()
    .references(() => tickets.id),
  visitorId: text("visitor_id")
    .notNull()
    .references(() => users.id),
  tokenHash: text("token_hash").notNull(),
  /** Lower-cased; null until the visitor leaves one. */
  email: text("email"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
