/**
 * The WEBHOOKS queue consumer (the Worker's `queue` export): signs each delivery the outbox wrote
 * (Standard Webhooks) and POSTs it to its webhook or channel with a 10 s timeout, redirects not
 * followed; records the answer; on failure schedules the next attempt (domain/delivery-schedule.ts)
 * by retrying the queue message with that delay; disables a webhook failing for 3 days. The queue
 * delivers at least once: a conditional claim makes each attempt happen once. A retry is the same
 * delivery, so the same `webhook-id` and body, with a fresh timestamp and signature.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { systemContext } from "../../contexts";
import { createDb, runBatch, type Database } from "../../db/client";
import { channels, webhookDeliveries, webhookEvents, webhooks } from "../../db/schema";
import { afterFailure, shouldDisable } from "../../domain/delivery-schedule";
import type { Bindings } from "../../env";
import { signedHeaders } from "../../lib/standard-webhooks";
import { auditInsert } from "../audit/audit.service";
import { channelMessageBody } from "../channels/channels.outbound";
import { checkEndpoint } from "./endpoint-guard";
import { enqueueDeliveries } from "./webhooks.outbox";
import { signingSecrets } from "./webhooks.secrets";

/** The queue this module consumes (wrangler.toml). */
export const WEBHOOKS_QUEUE = "edgedesk-webhooks";
/** API.md: a 2xx answer within 10 s is a success. */
export const SEND_TIMEOUT_MS = 10_000;
/** A claim older than this belongs to a consumer that died mid-send (well past the send timeout). */
export const CLAIM_TIMEOUT_MS = 60_000;
/** A queue message may arrive this much before its delivery's time (clocks, queue timing) and still send. */
const EARLY_MS = 30_000;
/** Bytes of the receiver's answer kept in the delivery log: enough to read an error message. */
export const MAX_RESPONSE_BYTES = 1_024;
const MAX_ERROR_CHARS = 500;
/** `POST /webhooks/{id}/test`: a ping, tried once, never retried, never counted against the endpoint's health. */
export const TEST_EVENT_TYPE = "webhook.test";
/** Deliveries pulled forward when a failing webhook answers again: the rest follow through the cron. */
const RECOVERY_BATCH = 100;
const USER_AGENT = "edgedesk-webhooks/1 (+https://www.standardwebhooks.com)";

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type EventRow = typeof webhookEvents.$inferSelect;

type Target =
  | { ok: true; kind: "webhook"; id: string; url: string; secrets: string[]; failingSince: string | null; includeInternal: boolean }
  | { ok: true; kind: "channel"; id: string; url: string; secrets: string[] }
  | { ok: false; error: string };

async function loadTarget(env: Bindings, db: Database, row: DeliveryRow, now: Date): Promise<Target> {
  if (row.webhookId) {
    const [w] = await db.select().from(webhooks).where(eq(webhooks.id, row.webhookId)).limit(1);
    if (!w || w.deletedAt) return { ok: false, error: "the webhook was deleted" };
    // A ping is how an admin checks an endpoint before switching it on.
    if (!w.active && row.type !== TEST_EVENT_TYPE) return { ok: false, error: w.disabledReason ? `the webhook is disabled: ${w.disabledReason}` : "the webhook is inactive" };
    return { ok: true, kind: "webhook", id: w.id, url: w.url, secrets: await signingSecrets(env, w.id, w, now), failingSince: w.failingSince, includeInternal: w.includeInternal };
  }
  const [ch] = row.channelId ? await db.select().from(channels).where(eq(channels.id, row.channelId)).limit(1) : [];
  if (!ch || ch.deletedAt) return { ok: false, error: "the channel was deleted" };
  if (!ch.active) return { ok: false, error: "the channel is inactive" };
  if (!ch.outboundUrl) return { ok: false, error: "the channel has no outbound_url" };
  return { ok: true, kind: "channel", id: ch.id, url: ch.outboundUrl, secrets: await signingSecrets(env, ch.id, ch, now) };
}

/**
 * The body of a delivery: `{id, type, created_at, data}` for a webhook, the channel's message for a
 * channel. Internal data needs both the delivery's and the endpoint's include_internal as they are
 * now: a webhook switched off include_internal (perhaps pointed at a new URL) gets none on a retry
 * or a redelivery of a delivery made before.
 */
export async function deliveryBody(db: Database, row: DeliveryRow, event: EventRow, endpointIncludesInternal: boolean): Promise<string | null> {
  if (row.channelId) return channelMessageBody(db, event, row.channelId, row.threadId);
  const data = row.includeInternal && endpointIncludesInternal ? (event.internalPayload ?? event.payload) : event.payload;
  if (!data) return null;
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.createdAt, data });
}

/** At most `max` bytes of a body, decoded leniently; the rest is never read. */
async function readPrefix(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.byteLength) - c.byteLength);
  return new TextDecoder().decode(bytes.subarray(0, max));
}

export interface AttemptResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  response: string | null;
  durationMs: number | null;
  /** Not worth retrying: the endpoint or its URL is gone or refused, not merely unreachable. */
  permanent?: boolean;
}

const failure = (error: string, permanent = false): AttemptResult => ({ delivered: false, statusCode: null, error: error.slice(0, MAX_ERROR_CHARS), response: null, durationMs: null, permanent });

/** One signed POST; never throws. */
async function post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const response = await readPrefix(res, MAX_RESPONSE_BYTES).catch(() => "");
    const durationMs = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { delivered: true, statusCode: res.status, error: null, response, durationMs };
    const location = res.headers.get("location");
    const error = res.status >= 300 && res.status < 400 ? `redirect (HTTP ${res.status}${location ? ` to ${location.slice(0, 200)}` : ""}) not followed` : `HTTP ${res.status}`;
    return { delivered: false, statusCode: res.status, error, response, durationMs };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { ...failure(timedOut ? `no answer within ${SEND_TIMEOUT_MS / 1000} s` : `network error: ${err instanceof Error ? err.message : String(err)}`), durationMs: Date.now() - started };
  }
}

/** Signs and sends a claimed delivery; never throws for the endpoint's sake (a D1 failure does throw). */
async function send(env: Bindings, db: Database, row: DeliveryRow, target: Target & { ok: true }, event: EventRow | undefined, now: Date): Promise<AttemptResult> {
  const body = event ? await deliveryBody(db, row, event, target.kind === "webhook" && target.includeInternal) : null;
  if (!body) return failure("nothing to send: the event is not visible to this endpoint", true);
  // Checked again now: the setting may have changed, or the name may point elsewhere than when it was saved.
  const sendable = await checkEndpoint(env, target.url);
  if (!sendable.ok) return failure(sendable.kind === "refused" ? `URL refused: ${sendable.error}` : sendable.error, sendable.kind === "refused");
  const headers = await signedHeaders(target.secrets, row.id, Math.floor(now.getTime() / 1000), body);
  return post(sendable.url, headers, body);
}

const isTest = (row: DeliveryRow) => row.type === TEST_EVENT_TYPE;

/** After a failed attempt at a webhook: it has been failing since …; 3 days of it disable the webhook. */
async function noteWebhookFailure(env: Bindings, db: Database, webhookId: string, lastError: string, now: Date): Promise<void> {
  const [w] = await db
    .update(webhooks)
    .set({ failingSince: sql`COALESCE(${webhooks.failingSince}, ${now.toISOString()})` })
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.active, true)))
    .returning({ failingSince: webhooks.failingSince });
  if (!w?.failingSince || !shouldDisable(new Date(w.failingSince), now)) return;
  const reason = `every delivery failed since ${w.failingSince} (last: ${lastError})`.slice(0, MAX_ERROR_CHARS);
  const ctx = systemContext(env, "webhooks", { now, db });
  await runBatch(db, [
    db.update(webhooks).set({ active: false, disabledAt: now.toISOString(), disabledReason: reason, updatedAt: now.toISOString() }).where(and(eq(webhooks.id, webhookId), eq(webhooks.active, true))),
    auditInsert(ctx, { action: "webhook.disabled", entityType: "webhook", entityId: webhookId, changes: { active: [true, false], reason } }),
  ]);
}

/** A webhook answering again after failures: its waiting deliveries are due now, the first ones queued at once. */
async function noteWebhookRecovered(env: Bindings, db: Database, webhookId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const waiting = and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.status, "retrying"));
  await runBatch(db, [db.update(webhooks).set({ failingSince: null }).where(eq(webhooks.id, webhookId)), db.update(webhookDeliveries).set({ nextAttemptAt: at }).where(waiting)]);
  const next = await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(waiting).orderBy(asc(webhookDeliveries.createdAt)).limit(RECOVERY_BATCH);
  await enqueueDeliveries(env, next.map((r) => r.id));
}

export interface Settled {
  delivery: DeliveryRow;
  /** The queue message is to come back after this many seconds (another attempt is scheduled). */
  retryInSeconds?: number;
}

/**
 * One attempt of a delivery this consumer has claimed (attempts already counted): send it, record
 * the answer, schedule the next attempt or give up. Used by the queue consumer and by the test ping.
 */
export async function attemptDelivery(env: Bindings, db: Database, row: DeliveryRow, now: Date): Promise<Settled> {
  // Both reads at once: one round trip's wait instead of two before the request goes out.
  const [target, [event]] = await Promise.all([loadTarget(env, db, row, now), db.select().from(webhookEvents).where(eq(webhookEvents.id, row.eventId)).limit(1)]);
  const result = target.ok ? await send(env, db, row, target, event, now) : failure(target.error, true);
  const at = now.toISOString();
  const common = { claimedAt: null, lastStatusCode: result.statusCode, lastError: result.error, lastResponse: result.response, durationMs: result.durationMs, updatedAt: at };
  const mine = and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.claimedAt, row.claimedAt!));
  if (result.delivered) {
    const [delivery] = await db.update(webhookDeliveries).set({ ...common, status: "delivered", deliveredAt: at, nextAttemptAt: null }).where(mine).returning();
    if (target.ok && target.kind === "webhook" && target.failingSince && !isTest(row)) await noteWebhookRecovered(env, db, target.id, now);
    return { delivery: delivery ?? row };
  }
  const next = result.permanent || isTest(row) ? ({ retry: false } as const) : afterFailure(row.attempts, new Date(row.cycleStartedAt ?? at), now);
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({ ...common, status: next.retry ? "retrying" : "failed", nextAttemptAt: next.retry ? next.at.toISOString() : null })
    .where(mine)
    .returning();
  if (target.ok && target.kind === "webhook" && !isTest(row)) await noteWebhookFailure(env, db, target.id, result.error ?? "failed", now);
  return { delivery: delivery ?? row, ...(next.retry ? { retryInSeconds: next.delaySeconds } : {}) };
}

/**
 * Takes a delivery for one attempt: only while pending or retrying, due (give or take
 * {@link EARLY_MS}), and not held by a live claim. The attempt is counted here, so a consumer that
 * dies mid-send still used it up.
 */
export async function claimDelivery(db: Database, id: string, now: Date): Promise<DeliveryRow | null> {
  const at = now.toISOString();
  const dueBy = new Date(now.getTime() + EARLY_MS).toISOString();
  const staleClaim = new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString();
  const [row] = await db
    .update(webhookDeliveries)
    .set({ claimedAt: at, attempts: sql`${webhookDeliveries.attempts} + 1`, cycleStartedAt: sql`COALESCE(${webhookDeliveries.cycleStartedAt}, ${at})`, updatedAt: at })
    .where(
      and(
        eq(webhookDeliveries.id, id),
        inArray(webhookDeliveries.status, ["pending", "retrying"]),
        or(isNull(webhookDeliveries.nextAttemptAt), lte(webhookDeliveries.nextAttemptAt, dueBy)),
        or(isNull(webhookDeliveries.claimedAt), lt(webhookDeliveries.claimedAt, staleClaim)),
      ),
    )
    .returning();
  return row ?? null;
}

/** One queue message: the delivery it names, attempted if it is due. Never throws; acks or retries the message. */
export async function deliverWebhookMessage(message: Message<unknown>, env: Bindings, now = new Date()): Promise<void> {
  const body = message.body as { id?: unknown } | null;
  if (!body || typeof body.id !== "string" || body.id.length > 200) {
    console.error("webhooks: malformed queue message", JSON.stringify(message.body)?.slice(0, 200));
    message.ack();
    return;
  }
  const db = createDb(env.DB);
  try {
    const row = await claimDelivery(db, body.id, now);
    // Delivered, failed, not due yet (a newer message or the cron will bring it), or being sent right now.
    if (!row) return message.ack();
    const settled = await attemptDelivery(env, db, row, now);
    if (settled.retryInSeconds !== undefined) message.retry({ delaySeconds: settled.retryInSeconds });
    else message.ack();
  } catch (err) {
    // D1 failed under us: the claim (if any) goes stale and the message comes back after it.
    console.error(JSON.stringify({ event: "webhook_delivery_failed", id: body.id, error: String(err) }));
    message.retry({ delaySeconds: CLAIM_TIMEOUT_MS / 1000 + 5 });
  }
}

/** The batch: every delivery at once (each waits on its own endpoint, up to the timeout). */
export async function deliverWebhooks(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  await Promise.all(batch.messages.map((m) => deliverWebhookMessage(m, env)));
}
