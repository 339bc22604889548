import { and, desc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { channels } from "../../db/schema";
import type { ChannelKind, DeliveryStatus } from "../../domain/vocabulary";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { AppError, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { newSecret } from "../../lib/standard-webhooks";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { endpointUrl, getEndpointDelivery, listEndpointDeliveries, redeliverEndpoint, ROTATION_OVERLAP_MS } from "../webhooks/webhooks.service";
import { sealSecret } from "../webhooks/webhooks.secrets";

export type ChannelRow = typeof channels.$inferSelect;

/** Channels are systems an admin connects (a phone platform, a social inbox): a handful, bounded. */
export const MAX_CHANNELS = 100;

export function toChannel(row: ChannelRow) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    outbound_url: row.outboundUrl,
    active: row.active,
    inbound_url: `/api/v1/channels/${row.id}/inbound`,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** A channel that is not deleted (active or not). */
export async function findChannel(ctx: Pick<ServiceContext, "db">, id: string): Promise<ChannelRow | null> {
  const [row] = await ctx.db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), isNull(channels.deletedAt)))
    .limit(1);
  return row ?? null;
}

async function channelOr404(ctx: ServiceContext, id: string): Promise<ChannelRow> {
  const row = await findChannel(ctx, id);
  if (!row) throw notFound("Channel");
  return row;
}

export async function listChannels(ctx: ServiceContext, page: { limit: number; cursor?: string | undefined }) {
  const secret = signingSecret(ctx.env);
  const where: SQL[] = [isNull(channels.deletedAt)];
  if (page.cursor) {
    const pos = await decodeCursor(secret, "channels", page.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(channels.createdAt, channels.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(channels)
    .where(and(...where))
    .orderBy(desc(channels.createdAt), desc(channels.id))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, "channels", { key: last.createdAt, id: last.id }));
  return { data: items.map(toChannel), next_cursor };
}

export const getChannel = async (ctx: ServiceContext, id: string) => toChannel(await channelOr404(ctx, id));

export async function createChannel(ctx: ServiceContext, input: { kind: ChannelKind; name: string; outbound_url?: string | null | undefined }) {
  const outboundUrl = input.outbound_url ? await endpointUrl(ctx, input.outbound_url, "outbound_url") : null;
  const [count] = await ctx.db.select({ n: sql<number>`count(*)` }).from(channels).where(isNull(channels.deletedAt));
  if ((count?.n ?? 0) >= MAX_CHANNELS) throw new AppError("CONFLICT", `There are ${MAX_CHANNELS} channels; delete one first`);
  const now = ctx.now.toISOString();
  const id = newId(ctx.now.getTime());
  const secret = newSecret();
  const row: ChannelRow = {
    id,
    kind: input.kind,
    name: input.name,
    outboundUrl,
    secret: await sealSecret(ctx.env, id, secret),
    previousSecret: null,
    previousSecretExpiresAt: null,
    active: true,
    createdById: actorOf(ctx).id,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.batch([
    ctx.db.insert(channels).values(row),
    auditInsert(ctx, { action: "channel.created", entityType: "channel", entityId: id, changes: { kind: [null, row.kind], name: [null, row.name], outbound_url: [null, outboundUrl] } }),
  ]);
  return { ...toChannel(row), secret };
}

export async function patchChannel(ctx: ServiceContext, id: string, patch: { name?: string | undefined; outbound_url?: string | null | undefined; active?: boolean | undefined }) {
  const row = await channelOr404(ctx, id);
  const next: ChannelRow = {
    ...row,
    name: patch.name ?? row.name,
    outboundUrl: patch.outbound_url === undefined ? row.outboundUrl : patch.outbound_url === null ? null : await endpointUrl(ctx, patch.outbound_url, "outbound_url"),
    active: patch.active ?? row.active,
  };
  const before = toChannel(row);
  const after = toChannel(next);
  const changes = Object.fromEntries((["name", "outbound_url", "active"] as const).filter((k) => before[k] !== after[k]).map((k) => [k, [before[k], after[k]]]));
  if (!Object.keys(changes).length) return before;
  next.updatedAt = ctx.now.toISOString();
  await ctx.db.batch([
    ctx.db.update(channels).set({ name: next.name, outboundUrl: next.outboundUrl, active: next.active, updatedAt: next.updatedAt }).where(eq(channels.id, id)),
    auditInsert(ctx, { action: "channel.updated", entityType: "channel", entityId: id, changes }),
  ]);
  return toChannel(next);
}

/** Deleted: its inbound calls are refused (401) and replies are no longer sent; its tickets stay. */
export async function deleteChannel(ctx: ServiceContext, id: string) {
  const row = await channelOr404(ctx, id);
  const now = ctx.now.toISOString();
  await ctx.db.batch([
    ctx.db.update(channels).set({ deletedAt: now, active: false, updatedAt: now }).where(eq(channels.id, row.id)),
    auditInsert(ctx, { action: "channel.deleted", entityType: "channel", entityId: row.id, changes: { name: row.name } }),
  ]);
}

/** A new secret, shown once; the old one still verifies inbound calls and signs replies for 24 h. */
export async function rotateChannelSecret(ctx: ServiceContext, id: string) {
  const row = await channelOr404(ctx, id);
  const secret = newSecret();
  const now = ctx.now.toISOString();
  const next: ChannelRow = { ...row, secret: await sealSecret(ctx.env, row.id, secret), previousSecret: row.secret, previousSecretExpiresAt: new Date(ctx.now.getTime() + ROTATION_OVERLAP_MS).toISOString(), updatedAt: now };
  await ctx.db.batch([
    ctx.db.update(channels).set({ secret: next.secret, previousSecret: next.previousSecret, previousSecretExpiresAt: next.previousSecretExpiresAt, updatedAt: now }).where(eq(channels.id, row.id)),
    auditInsert(ctx, { action: "channel.secret_rotated", entityType: "channel", entityId: row.id, changes: { previous_secret_expires_at: next.previousSecretExpiresAt } }),
  ]);
  return { ...toChannel(next), secret };
}

export const listChannelDeliveries = async (ctx: ServiceContext, id: string, q: { status?: DeliveryStatus | undefined; limit: number; cursor?: string | undefined }) =>
  listEndpointDeliveries(ctx, { channelId: (await channelOr404(ctx, id)).id }, q);

export const getChannelDelivery = async (ctx: ServiceContext, id: string, deliveryId: string) => getEndpointDelivery(ctx, { channelId: (await channelOr404(ctx, id)).id }, deliveryId);

export async function redeliverChannelDelivery(ctx: ServiceContext, id: string, deliveryId: string) {
  const channel = await channelOr404(ctx, id);
  if (!channel.active || !channel.outboundUrl) throw new AppError("CONFLICT", "The channel is not active or has no outbound_url");
  return redeliverEndpoint(ctx, { channelId: channel.id }, deliveryId);
}
