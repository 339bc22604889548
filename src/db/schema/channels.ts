import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { CHANNEL_KINDS } from "../../domain/vocabulary";
import { tickets } from "./tickets";
import { users } from "./users";

/**
 * A connected system (a phone platform, a social inbox, anything that speaks our channel API): it
 * posts signed messages to `/channels/{id}/inbound`, and staff replies go back to its `outbound_url`
 * through the webhook delivery machinery (webhook_deliveries.channel_id).
 */
export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: CHANNEL_KINDS }).notNull(),
    name: text("name").notNull(),
    outboundUrl: text("outbound_url"),
    /** The Standard Webhooks secret (`whsec_…`), sealed with the Worker's key (features/webhooks/webhooks.secrets.ts). */
    secret: text("secret").notNull(),
    /** The secret before the last rotation: still signs and verifies until `previous_secret_expires_at` (24 h). */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdById: text("created_by_id").references(() => users.id),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [index("channels_created_idx").on(t.createdAt, t.id)],
);

/**
 * Who wrote through a channel: a customer account per (channel, external id). The address a
 * channel reports is a claim nobody verified, so it is kept here and never matched to an account.
 */
export const channelIdentities = sqliteTable(
  "channel_identities",
  {
    channelId: text("channel_id").notNull().references(() => channels.id),
    externalId: text("external_id").notNull(),
    userId: text("user_id").notNull().references(() => users.id),
    name: text("name").notNull(),
    /** As the channel reported it: unverified, shown to staff, never used to match or mail. */
    email: text("email"),
    phone: text("phone"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("channel_identities_external_uq").on(t.channelId, t.externalId),
    // Outbound messages name the ticket's requester as the channel knows them.
    index("channel_identities_user_idx").on(t.userId),
  ],
);

/** A conversation of a channel (its `thread_id`) and the ticket it continues. */
export const channelThreads = sqliteTable(
  "channel_threads",
  {
    channelId: text("channel_id").notNull().references(() => channels.id),
    threadId: text("thread_id").notNull(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    /** The customer who last wrote in the thread: a staff reply goes to them there (null on threads from before). */
    userId: text("user_id").references(() => users.id),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("channel_threads_thread_uq").on(t.channelId, t.threadId),
    // A staff reply finds the channel(s) its ticket belongs to (the outbound consumer, in the reply's batch).
    index("channel_threads_ticket_idx").on(t.ticketId),
  ],
);

/** Every inbound message processed once: the same `external_id` again is a duplicate (dedupe). */
export const channelMessages = sqliteTable(
  "channel_messages",
  {
    channelId: text("channel_id").notNull().references(() => channels.id),
    externalId: text("external_id").notNull(),
    threadId: text("thread_id").notNull(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    /** Null when the message opened the ticket (its text is the description). */
    // No foreign key: an archived ticket's comments live in its R2 document (features/archive), and come back with the same ids.
    commentId: text("comment_id"),
    /** When the channel says it was sent (`created_at` of the inbound call), if it said. */
    sentAt: text("sent_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("channel_messages_external_uq").on(t.channelId, t.externalId)],
);
