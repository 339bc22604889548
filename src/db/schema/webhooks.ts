import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { DELIVERY_STATUSES } from "../../domain/vocabulary";
import { channels } from "./channels";
import { users } from "./users";

/** An integrator's endpoint (API.md "Automation"): events it subscribed to are POSTed to it, signed. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** Internal notes and internal changes go only to webhooks that ask for them. */
    includeInternal: integer("include_internal", { mode: "boolean" }).notNull().default(false),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** The Standard Webhooks secret (`whsec_…`), sealed with the Worker's key (features/webhooks/webhooks.secrets.ts). */
    secret: text("secret").notNull(),
    /** The secret before the last rotation: it still signs (a second signature) until `previous_secret_expires_at` (24 h). */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    /** First failed attempt since the last success; 3 days of failures disable the webhook. */
    failingSince: text("failing_since"),
    disabledAt: text("disabled_at"),
    disabledReason: text("disabled_reason"),
    createdById: text("created_by_id").references(() => users.id),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Deleted webhooks stay as a row so their delivery log keeps its reference until housekeeping purges it. */
    deletedAt: text("deleted_at"),
  },
  (t) => [index("webhooks_created_idx").on(t.createdAt, t.id).where(sql`deleted_at IS NULL`)],
);

/** Which event types a webhook receives: the outbox fans an event out through this index, O(subscribers). */
export const webhookSubscriptions = sqliteTable(
  "webhook_subscriptions",
  {
    eventType: text("event_type").notNull(),
    webhookId: text("webhook_id").notNull().references(() => webhooks.id),
  },
  (t) => [primaryKey({ columns: [t.eventType, t.webhookId] }), index("webhook_subscriptions_webhook_idx").on(t.webhookId)],
);

/**
 * One event as webhooks receive it, written once for all its deliveries (in the batch of the change
 * that caused it). `payload` is what any webhook may see (null: the event is internal);
 * `internal_payload` what a webhook with include_internal sees, when that differs.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    ticketId: text("ticket_id"),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>(),
    internalPayload: text("internal_payload", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: text("created_at").notNull(),
  },
  // Housekeeping purges old events (and their deliveries) oldest first.
  // By ticket: a redaction or an erasure rewrites the payloads that carried the removed text (API.md "Privacy").
  (t) => [index("webhook_events_created_idx").on(t.createdAt), index("webhook_events_ticket_idx").on(t.ticketId).where(sql`ticket_id IS NOT NULL`)],
);

/**
 * One event to one endpoint (a webhook, or a channel's outbound URL): its id is the Standard
 * Webhooks `webhook-id`, the same on every retry, so a receiver dedupes by it. Written in the
 * change's batch (the outbox), sent by the WEBHOOKS queue consumer.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull().references(() => webhookEvents.id),
    webhookId: text("webhook_id").references(() => webhooks.id),
    channelId: text("channel_id").references(() => channels.id),
    /** A channel delivery's thread: a ticket merged from several threads answers in each (null on deliveries from before). */
    threadId: text("thread_id"),
    type: text("type").notNull(),
    /** Which payload it carries: the webhook's include_internal when the event was fanned out. */
    includeInternal: integer("include_internal", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    /** The first bytes of the last answer's body: what the receiver said. */
    lastResponse: text("last_response"),
    durationMs: integer("duration_ms"),
    /** When the next attempt is due; null once delivered or failed. */
    nextAttemptAt: text("next_attempt_at"),
    /** First attempt of the current round of retries (a redeliver starts a new one): 24 h after it, a failure is final. */
    cycleStartedAt: text("cycle_started_at"),
    /** A consumer is sending it; a claim older than the send timeout belongs to a consumer that died. */
    claimedAt: text("claimed_at"),
    deliveredAt: text("delivered_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // One delivery per (event, endpoint): a fan-out that runs twice writes nothing twice. A channel's
    // endpoint is a thread of it: never twice to one thread.
    uniqueIndex("webhook_deliveries_event_webhook_uq").on(t.eventId, t.webhookId),
    uniqueIndex("webhook_deliveries_event_channel_thread_uq").on(t.eventId, t.channelId, t.threadId),
    // GET /webhooks/{id}/deliveries (newest first) and ?status= of it.
    index("webhook_deliveries_webhook_created_idx").on(t.webhookId, t.createdAt, t.id),
    index("webhook_deliveries_webhook_status_idx").on(t.webhookId, t.status, t.createdAt, t.id),
    index("webhook_deliveries_channel_created_idx").on(t.channelId, t.createdAt, t.id),
    // The cron re-enqueues deliveries overdue by minutes (their queue message was lost).
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`status IN ('pending', 'retrying')`),
  ],
);
