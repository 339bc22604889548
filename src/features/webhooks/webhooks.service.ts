import { and, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "../../db/client";
import { webhookDeliveries, webhookEvents, webhooks, webhookSubscriptions } from "../../db/schema";
import type { DeliveryStatus } from "../../domain/vocabulary";
import { AppError, notFound, validation } from "../../lib/errors";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { newSecret } from "../../lib/standard-webhooks";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { checkEndpoint } from "./endpoint-guard";
import { attemptDelivery, claimDelivery, deliveryBody, TEST_EVENT_TYPE } from "./webhooks.delivery";
import { enqueueDeliveries } from "./webhooks.outbox";
import { sealSecret } from "./webhooks.secrets";

type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** An admin's webhooks are integrations, not a mailing list: this bounds the fan-out of every ticket event. */
export const MAX_WEBHOOKS = 100;
/** After a rotation the old secret signs beside the new one this long, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export function toWebhook(row: WebhookRow, events: string[]) {
  return {
    id: row.id,
    url: row.url,
    events,
    include_internal: row.includeInternal,
    active: row.active,
    description: row.description,
    failing_since: row.failingSince,
    disabled_at: row.disabledAt,
    disabled_reason: row.disabledReason,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function toDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.eventId,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    last_response: row.lastResponse,
    duration_ms: row.durationMs,
    next_attempt_at: row.nextAttemptAt,
    delivered_at: row.deliveredAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** A delivery id as the outbox makes them in SQL (`msg_` + 32 hex digits): the `webhook-id` header. */
export function newDeliveryId(): string {
  return `msg_${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A URL an endpoint may be saved with (domain/endpoint-url.ts and DNS), as stored. A name DNS
 * cannot answer for right now is accepted: every send checks it again.
 */
export async function endpointUrl(ctx: ServiceContext, raw: string, field: string): Promise<string> {
  const checked = await checkEndpoint(ctx.env, raw);
  if (checked.ok) return checked.url;
  if (checked.kind === "unresolved") return new URL(raw).href;
  throw validation("This URL may not receive webhooks", { [field]: [checked.error] });
}

async function findWebhook(ctx: ServiceContext, id: string): Promise<WebhookRow> {
  const [row] = await ctx.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt)))
    .limit(1);
  if (!row) throw notFound("Webhook");
  return row;
}

async function eventsOf(ctx: ServiceContext, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return out;
  const rows = await ctx.db.select().from(webhookSubscriptions).where(inArray(webhookSubscriptions.webhookId, ids));
  for (const r of rows) out.get(r.webhookId)?.push(r.eventType);
  for (const list of out.values()) list.sort();
  return out;
}

const subscriptionRows = (ctx: ServiceContext, webhookId: string, events: string[]): BatchItem[] =>
  events.length ? [ctx.db.insert(webhookSubscriptions).values(events.map((eventType) => ({ eventType, webhookId })))] : [];

export async function listWebhooks(ctx: ServiceContext, page: { limit: number; cursor?: string | undefined }) {
  const secret = signingSecret(ctx.env);
  const where: SQL[] = [isNull(webhooks.deletedAt)];
  if (page.cursor) {
    const pos = await decodeCursor(secret, "webhooks", page.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(webhooks.createdAt, webhooks.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(webhooks)
    .where(and(...where))
    .orderBy(desc(webhooks.createdAt), desc(webhooks.id))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, "webhooks", { key: last.createdAt, id: last.id }));
  const events = await eventsOf(ctx, items.map((r) => r.id));
  return { data: items.map((r) => toWebhook(r, events.get(r.id) ?? [])), next_cursor };
}

export async function getWebhook(ctx: ServiceContext, id: string) {
  const row = await findWebhook(ctx, id);
  return toWebhook(row, (await eventsOf(ctx, [row.id])).get(row.id) ?? []);
}

export interface WebhookInput {
  url: string;
  events: string[];
  include_internal: boolean;
  active: boolean;
  description: string;
}

export async function createWebhook(ctx: ServiceContext, input: WebhookInput) {
  const url = await endpointUrl(ctx, input.url, "url");
  const [count] = await ctx.db.select({ n: sql<number>`count(*)` }).from(webhooks).where(isNull(webhooks.deletedAt));
  if ((count?.n ?? 0) >= MAX_WEBHOOKS) throw new AppError("CONFLICT", `There are ${MAX_WEBHOOKS} webhooks; delete one first`);
  const now = ctx.now.toISOString();
  const id = newId(ctx.now.getTime());
  const secret = newSecret();
  const row: WebhookRow = {
    id,
    url,
    description: input.description,
    includeInternal: input.include_internal,
    active: input.active,
    secret: await sealSecret(ctx.env, id, secret),
    previousSecret: null,
    previousSecretExpiresAt: null,
    failingSince: null,
    disabledAt: null,
    disabledReason: null,
    createdById: actorOf(ctx).id,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.batch([
    ctx.db.insert(webhooks).values(row),
    ...subscriptionRows(ctx, id, input.events),
    auditInsert(ctx, { action: "webhook.created", entityType: "webhook", entityId: id, changes: { url: [null, url], events: [null, input.events], include_internal: [null, input.include_internal], active: [null, input.active] } }),
  ]);
  return { ...toWebhook(row, [...input.events].sort()), secret };
}

export async function patchWebhook(ctx: ServiceContext, id: string, patch: Partial<WebhookInput>) {
  const row = await findWebhook(ctx, id);
  const before = toWebhook(row, (await eventsOf(ctx, [id])).get(id) ?? []);
  const url = patch.url !== undefined ? await endpointUrl(ctx, patch.url, "url") : row.url;
  const events = patch.events ? [...patch.events].sort() : before.events;
  const now = ctx.now.toISOString();
  const next: WebhookRow = {
    ...row,
    url,
    includeInternal: patch.include_internal ?? row.includeInternal,
    active: patch.active ?? row.active,
    description: patch.description ?? row.description,
  };
  // Switched on again: a clean slate (3 more days before it could be disabled again).
  if (patch.active === true && !row.active) Object.assign(next, { failingSince: null, disabledAt: null, disabledReason: null });
  const after = toWebhook(next, events);
  const changes = Object.fromEntries(
    (["url", "events", "include_internal", "active", "description"] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((k) => [k, [before[k], after[k]]]),
  );
  if (!Object.keys(changes).length) return before;
  next.updatedAt = now;
  await ctx.db.batch([
    ctx.db
      .update(webhooks)
      .set({ url: next.url, includeInternal: next.includeInternal, active: next.active, description: next.description, failingSince: next.failingSince, disabledAt: next.disabledAt, disabledReason: next.disabledReason, updatedAt: now })
      .where(eq(webhooks.id, id)),
    ...(patch.events ? [ctx.db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.webhookId, id)), ...subscriptionRows(ctx, id, events)] : []),
    auditInsert(ctx, { action: "webhook.updated", entityType: "webhook", entityId: id, changes }),
  ]);
  return toWebhook(next, events);
}

/** Deleted: no new deliveries (its subscriptions go), queued ones fail; the row stays for the log until housekeeping. */
export async function deleteWebhook(ctx: ServiceContext, id: string) {
  const row = await findWebhook(ctx, id);
  const now = ctx.now.toISOString();
  await ctx.db.batch([
    ctx.db.update(webhooks).set({ deletedAt: now, active: false, updatedAt: now }).where(eq(webhooks.id, row.id)),
    ctx.db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.webhookId, row.id)),
    auditInsert(ctx, { action: "webhook.deleted", entityType: "webhook", entityId: row.id, changes: { url: row.url } }),
  ]);
}

/**
 * A new secret, shown once. The one it replaces keeps signing (a second signature in
 * `webhook-signature`) for 24 h; a rotation within those 24 h drops the oldest.
 */
export async function rotateWebhookSecret(ctx: ServiceContext, id: string) {
  const row = await findWebhook(ctx, id);
  const secret = newSecret();
  const now = ctx.now.toISOString();
  const next: WebhookRow = {
    ...row,
    secret: await sealSecret(ctx.env, row.id, secret),
    previousSecret: row.secret,
    previousSecretExpiresAt: new Date(ctx.now.getTime() + ROTATION_OVERLAP_MS).toISOString(),
    updatedAt: now,
  };
  await ctx.db.batch([
    ctx.db.update(webhooks).set({ secret: next.secret, previousSecret: next.previousSecret, previousSecretExpiresAt: next.previousSecretExpiresAt, updatedAt: now }).where(eq(webhooks.id, row.id)),
    auditInsert(ctx, { action: "webhook.secret_rotated", entityType: "webhook", entityId: row.id, changes: { previous_secret_expires_at: next.previousSecretExpiresAt } }),
  ]);
  return { ...toWebhook(next, (await eventsOf(ctx, [id])).get(id) ?? []), secret };
}

// ---------------------------------------------------------------- the delivery log (webhooks and channels)

/** Whose deliveries: a webhook's, or a channel's replies. */
export type Endpoint = { webhookId: string } | { channelId: string };
const ofEndpoint = (e: Endpoint) => ("webhookId" in e ? eq(webhookDeliveries.webhookId, e.webhookId) : eq(webhookDeliveries.channelId, e.channelId));

export async function listEndpointDeliveries(ctx: ServiceContext, endpoint: Endpoint, q: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined }) {
  const secret = signingSecret(ctx.env);
  const sort = `deliveries:${"webhookId" in endpoint ? endpoint.webhookId : endpoint.channelId}:${q.status ?? ""}`;
  const where: SQL[] = [ofEndpoint(endpoint)];
  if (q.status) where.push(eq(webhookDeliveries.status, q.status));
  if (q.cursor) {
    const pos = await decodeCursor(secret, sort, q.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(webhookDeliveries.createdAt, webhookDeliveries.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(q.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return { data: items.map(toDelivery), next_cursor };
}

async function findDelivery(ctx: ServiceContext, endpoint: Endpoint, deliveryId: string): Promise<DeliveryRow> {
  const [row] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), ofEndpoint(endpoint)))
    .limit(1);
  if (!row) throw notFound("Delivery");
  return row;
}

export async function getEndpointDelivery(ctx: ServiceContext, endpoint: Endpoint, deliveryId: string) {
  const row = await findDelivery(ctx, endpoint, deliveryId);
  const [event] = await ctx.db.select().from(webhookEvents).where(eq(webhookEvents.id, row.eventId)).limit(1);
  // The delivery as it was made (an admin reads the log); what a retry sends now is decided at send time.
  const body = event ? await deliveryBody(ctx.db, row, event, true) : null;
  return { ...toDelivery(row), payload: body ? (JSON.parse(body) as unknown) : null };
}

/** Another attempt now, with the same `webhook-id`; failing, it retries for 24 h from now. */
export async function redeliverEndpoint(ctx: ServiceContext, endpoint: Endpoint, deliveryId: string) {
  const row = await findDelivery(ctx, endpoint, deliveryId);
  const now = ctx.now.toISOString();
  const [updated] = await ctx.db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now, cycleStartedAt: null, updatedAt: now })
    .where(eq(webhookDeliveries.id, row.id))
    .returning();
  await enqueueDeliveries(ctx.env, [row.id]);
  return toDelivery(updated ?? row);
}

export const listWebhookDeliveries = async (ctx: ServiceContext, id: string, q: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined }) =>
  listEndpointDeliveries(ctx, { webhookId: (await findWebhook(ctx, id)).id }, q);

export const getWebhookDelivery = async (ctx: ServiceContext, id: string, deliveryId: string) => getEndpointDelivery(ctx, { webhookId: (await findWebhook(ctx, id)).id }, deliveryId);

export async function redeliverWebhookDelivery(ctx: ServiceContext, id: string, deliveryId: string) {
  const webhook = await findWebhook(ctx, id);
  if (!webhook.active) throw new AppError("CONFLICT", "The webhook is not active; switch it on (PATCH active: true) before redelivering");
  return redeliverEndpoint(ctx, { webhookId: webhook.id }, deliveryId);
}

/**
 * A ping (`type: "webhook.test"`), sent now, inactive webhooks included: the answer is in the
 * returned delivery and the log. It is tried once and does not count toward disabling the webhook.
 */
export async function testWebhook(ctx: ServiceContext, id: string) {
  const webhook = await findWebhook(ctx, id);
  const now = ctx.now.toISOString();
  const eventId = `evt_${newId(ctx.now.getTime())}`;
  const deliveryId = newDeliveryId();
  const payload = { webhook_id: webhook.id, message: "A test delivery from edgedesk: verify its signature with your webhook's secret." };
  await ctx.db.batch([
    ctx.db.insert(webhookEvents).values({ id: eventId, type: TEST_EVENT_TYPE, ticketId: null, payload, internalPayload: null, createdAt: now }),
    ctx.db.insert(webhookDeliveries).values({ id: deliveryId, eventId, webhookId: webhook.id, type: TEST_EVENT_TYPE, status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now }),
  ]);
  const claimed = await claimDelivery(ctx.db, deliveryId, ctx.now);
  if (!claimed) throw new Error("a new test delivery could not be claimed");
  return toDelivery((await attemptDelivery(ctx.env, ctx.db, claimed, ctx.now)).delivery);
}
