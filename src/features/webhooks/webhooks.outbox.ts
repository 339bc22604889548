/**
 * The webhook outbox (ARCHITECTURE.md "One write = one atomic batch"). In the batch of every ticket
 * change, for each of its events: one `webhook_events` row (when anyone receives it) and one
 * `webhook_deliveries` row per active webhook subscribed to its type, both as single statements
 * (`INSERT … SELECT` through webhook_subscriptions' primary key), so the fan-out is decided inside
 * the transaction: a change that rolls back leaves no delivery, and a committed one always has its
 * deliveries. After commit their ids go to the WEBHOOKS queue (webhooks.delivery.ts sends them);
 * a lost queue send is repaired by the cron ({@link requeueOverdueDeliveries}).
 */
import { and, asc, eq, inArray, lt, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { assumed, doubt, failAssumption } from "../../db/batch-assumptions";
import { createDb, rowsWritten, textStatement, type BatchItem, type Database } from "../../db/client";
import { insertSelect as insertSelectAny, type SelectValue } from "../../db/insert-select";
import { webhookDeliveries, webhookEvents } from "../../db/schema";
import type { Bindings } from "../../env";
import type { TicketEvent, TicketEventConsumer } from "../../events/ticket-events";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { eventPayloads, staffOnlyEvent } from "./webhooks.payload";

/** A delivery still due this long after its time lost its queue message (or its consumer died): the cron sends it again. */
export const OVERDUE_MS = 5 * 60_000;
/** Deliveries re-enqueued per cron run; a backlog drains over a few runs. */
export const MAX_REQUEUE_PER_RUN = 100;
/** Queues take at most 100 messages per sendBatch. */
const QUEUE_BATCH = 100;
/** Literal, not bound: SQLite uses the partial index webhook_deliveries_due_idx only when the query repeats its predicate. */
const DUE = sql.raw(`status IN ('pending', 'retrying')`);

/** A new delivery's id, made inside the INSERT … SELECT (one per endpoint); it is the Standard Webhooks `webhook-id`. */
const NEW_DELIVERY_ID = sql.raw(`'msg_' || lower(hex(randomblob(16)))`);

/**
 * `INSERT … SELECT <one value per column> <rest>` (db/insert-select.ts) with every column named (the
 * type checker insists), so the SELECT always lines up with the table's columns, which a
 * hand-written `batchStatement` (src/db/client.ts) would not check.
 */
const insertSelect = <T extends SQLiteTable>(db: Database, table: T, values: { [K in keyof T["$inferSelect"]]: SelectValue }, rest: SQL): BatchItem => insertSelectAny(db, table, values, rest);

// One id per event object: every consumer of the same event (and a rule acting on it after
// commit) names the same webhook event, so its rows are written once per endpoint.
const eventIds = new WeakMap<TicketEvent, string>();

/** The id of an event as webhooks know it (`evt_…`), the same for every consumer of that event object. */
export function webhookEventId(event: TicketEvent): string {
  let id = eventIds.get(event);
  if (!id) eventIds.set(event, (id = `evt_${newId()}`));
  return id;
}

/**
 * `copy`, a rewrite of `event` (a rule's webhook action sending it with its requester as erased since:
 * rules/run-actions.ts), is the same webhook event: one id, so a webhook that got `event` gets no second one.
 */
export function sameWebhookEvent<E extends TicketEvent>(copy: E, event: TicketEvent): E {
  eventIds.set(copy, webhookEventId(event));
  return copy;
}

export interface OutboxEvent {
  id: string;
  type: string;
  ticketId: string | null;
  payload: string | null;
  internalPayload: string | null;
  createdAt: string;
}

// The event's payloads as JSON, made once per event object (the webhook and channel consumers both write its row).
const payloadJson = new WeakMap<TicketEvent, { payload: string | null; internalPayload: string | null }>();
// The statements that may write an event's row, so after commit {@link enqueueEventDeliveries} knows whether any did.
const sourceOf = new WeakMap<OutboxEvent, TicketEvent>();
const eventRowWrites = new WeakMap<TicketEvent, BatchItem[]>();

export function outboxEvent(ctx: ServiceContext, event: TicketEvent): OutboxEvent {
  let json = payloadJson.get(event);
  if (!json) {
    const { payload, internalPayload } = eventPayloads(event);
    json = { payload: payload ? JSON.stringify(payload) : null, internalPayload: internalPayload ? JSON.stringify(internalPayload) : null };
    payloadJson.set(event, json);
  }
  const e: OutboxEvent = { id: webhookEventId(event), type: event.type, ticketId: "ticket" in event ? event.ticket.id : event.ticket_id, ...json, createdAt: ctx.now.toISOString() };
  sourceOf.set(e, event);
  return e;
}

/** The event's row, written when `when` holds (someone receives it); a second writer of the same event is ignored. */
export function eventRowWhen(db: Database, e: OutboxEvent, when: SQL): BatchItem {
  const write = insertSelect(db, webhookEvents, { id: e.id, type: e.type, ticketId: e.ticketId, payload: e.payload, internalPayload: e.internalPayload, createdAt: e.createdAt }, sql`WHERE ${when}`);
  const event = sourceOf.get(e);
  if (event) eventRowWrites.set(event, [...(eventRowWrites.get(event) ?? []), write]);
  return write;
}

/** A new delivery of the event row `e` (aliased `e` in `rest`) to the endpoint `to`, due at once. */
export function newDeliveries(db: Database, at: string, to: { webhookId: SQL; channelId: SQL; threadId: SQL; includeInternal: SQL }, rest: SQL): BatchItem {
  const nothing = sql`NULL`;
  return insertSelect(
    db,
    webhookDeliveries,
    {
      id: NEW_DELIVERY_ID,
      eventId: sql`e.id`,
      webhookId: to.webhookId,
      channelId: to.channelId,
      threadId: to.threadId,
      type: sql`e.type`,
      includeInternal: to.includeInternal,
      status: "pending",
      attempts: 0,
      lastStatusCode: nothing,
      lastError: nothing,
      lastResponse: nothing,
      durationMs: nothing,
      nextAttemptAt: at,
      cycleStartedAt: nothing,
      claimedAt: nothing,
      deliveredAt: nothing,
      createdAt: at,
      updatedAt: at,
    },
    rest,
  );
}

/**
 * A webhook (`w`) that may receive an event: active, not deleted, and allowed to see it (staff-only
 * events, webhooks.payload.ts staffOnlyEvent, only with include_internal). The one predicate of both
 * the outbox's inserts and its check for a subscriber, so the check fails a batch exactly when the
 * inserts would deliver.
 */
const receiving = (staffOnly: boolean) => `w.active = 1 AND w.deleted_at IS NULL${staffOnly ? " AND w.include_internal = 1" : ""}`;
const RECEIVES_PUBLIC = sql.raw(receiving(false));
const RECEIVES_STAFF_ONLY = sql.raw(receiving(true));
/** A webhook that may receive this event (its payload for webhooks without include_internal is null when it is staff-only). */
const receives = (e: OutboxEvent) => (e.payload === null ? RECEIVES_STAFF_ONLY : RECEIVES_PUBLIC);

/** Deliveries of the event row `e` to the webhooks `from` (SQL joining `w`) selects. */
function deliveriesInsert(db: Database, e: OutboxEvent, from: SQL): BatchItem {
  return newDeliveries(db, e.createdAt, { webhookId: sql`w.id`, channelId: sql`NULL`, threadId: sql`NULL`, includeInternal: sql`w.include_internal` }, sql`FROM webhook_events e ${from} WHERE e.id = ${e.id} AND ${receives(e)}`);
}

/**
 * Fails the batch when a webhook that would receive the event subscribes to its type
 * (db/batch-assumptions.ts): the writer plans again with {@link subscribedRows}' statements. A
 * staff-only event (an internal note) whose subscribers all lack include_internal leaves the
 * assumption standing, as the inserts would write nothing. The id is not constant (SQLite evaluates
 * the failure only on a subscription's row).
 */
const noSubscriber = (staffOnly: boolean) => `SELECT (SELECT ${failAssumption("webhooks", "s.webhook_id")} FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
  WHERE s.event_type = ? AND ${receiving(staffOnly)} LIMIT 1)`;
const NO_SUBSCRIBER = noSubscriber(false);
const NO_STAFF_SUBSCRIBER = noSubscriber(true);

/** Event rows written for a subscription (not a channel's reply or a rule's action): they keep the isolate doubting "webhooks". */
const subscriberEventRows = new WeakSet<BatchItem>();

/**
 * Rows for every active webhook subscribed to the event's type (the outbox consumer). Where no
 * webhook subscribes to anything (most tenants, most of the time) the two inserts write nothing: this
 * isolate then sends one read that fails the batch if one does (no event id, payloads or rows made).
 */
function subscribedRows(ctx: ServiceContext, event: TicketEvent): BatchItem[] {
  if (assumed("webhooks")) return [textStatement(ctx.db, staffOnlyEvent(event) ? NO_STAFF_SUBSCRIBER : NO_SUBSCRIBER, [event.type])];
  const e = outboxEvent(ctx, event);
  const subscribed = sql`EXISTS (SELECT 1 FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id WHERE s.event_type = ${e.type} AND ${receives(e)})`;
  const eventRow = eventRowWhen(ctx.db, e, subscribed);
  subscriberEventRows.add(eventRow);
  return [eventRow, deliveriesInsert(ctx.db, e, sql`JOIN webhook_subscriptions s ON s.event_type = e.type JOIN webhooks w ON w.id = s.webhook_id`)];
}

/**
 * Rows that send one event to one webhook, whatever it subscribed to (a rule's `webhook` action),
 * for the batch of the write that decides it; then {@link enqueueEventDeliveries} after commit. An
 * inactive webhook, or an internal event for a webhook without include_internal, gets nothing; the
 * same event to the same webhook twice is one delivery.
 */
export function webhookDeliveryRows(ctx: ServiceContext, event: TicketEvent, webhookId: string): BatchItem[] {
  const e = outboxEvent(ctx, event);
  const target = sql`EXISTS (SELECT 1 FROM webhooks w WHERE w.id = ${webhookId} AND ${receives(e)})`;
  return [eventRowWhen(ctx.db, e, target), deliveriesInsert(ctx.db, e, sql`JOIN webhooks w ON w.id = ${webhookId}`)];
}

/** Puts the new deliveries of an event on the WEBHOOKS queue (after the batch that wrote them committed). */
export async function enqueueEventDeliveries(ctx: Pick<ServiceContext, "db" | "env">, event: TicketEvent): Promise<void> {
  const eventId = eventIds.get(event);
  if (!eventId) return;
  // Deliveries hang off the event's row: when every statement that could write it committed without
  // writing it (nobody receives the event, the usual case), there is nothing to look for.
  const writes = eventRowWrites.get(event);
  if (writes?.length && writes.every((w) => rowsWritten(w) === 0)) return;
  // A webhook subscribes to this tenant's events: this isolate keeps sending the statements that decide it.
  if (writes?.some((w) => subscriberEventRows.has(w) && (rowsWritten(w) ?? 0) > 0)) doubt("webhooks");
  const rows = await ctx.db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.status, "pending")));
  await enqueueDeliveries(ctx.env, rows.map((r) => r.id));
}

export async function enqueueDeliveries(env: Bindings, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += QUEUE_BATCH) {
    await env.WEBHOOKS.sendBatch(ids.slice(i, i + QUEUE_BATCH).map((id) => ({ body: { id } })));
  }
}

/**
 * The webhook consumer of ticket events (src/events/consumers.ts). Its after-commit work enqueues
 * every delivery of the event, the channels' replies (features/channels) included.
 */
export const webhookOutbox: TicketEventConsumer<ServiceContext> = { name: "webhooks", inBatch: subscribedRows, afterCommit: enqueueEventDeliveries };

/**
 * Cron: deliveries due for {@link OVERDUE_MS} and still not sent lost their queue message (the send
 * after commit failed, the consumer died mid-send): enqueued again. A delivery enqueued twice is
 * sent once (the consumer claims it first). Returns how many were enqueued.
 */
export async function requeueOverdueDeliveries(env: Bindings, now: Date): Promise<number> {
  const db = createDb(env.DB);
  const cutoff = new Date(now.getTime() - OVERDUE_MS).toISOString();
  const overdue = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(DUE, lt(webhookDeliveries.nextAttemptAt, cutoff)))
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(MAX_REQUEUE_PER_RUN);
  if (!overdue.length) return 0;
  const ids = overdue.map((r) => r.id);
  await enqueueDeliveries(env, ids);
  // Due now: the next run leaves them to the queue for another OVERDUE_MS.
  await db.update(webhookDeliveries).set({ nextAttemptAt: now.toISOString() }).where(and(inArray(webhookDeliveries.id, ids), DUE));
  return ids.length;
}
