import { and, inArray, sql } from "drizzle-orm";
import { webhookDeliveries, webhookEvents } from "../../db/schema";
import type { ServiceContext } from "../../lib/request-context";
import { requeueOverdueDeliveries } from "./webhooks.outbox";

/** How long the delivery log keeps finished deliveries (and their events): long past any retry (~33 h). */
export const DELIVERY_RETENTION_DAYS = 30;
/** Rows deleted per table per run: each delete stays a short write; a backlog drains over minutes. */
export const PURGE_BATCH = 500;

/**
 * Cron: re-enqueues deliveries whose queue message was lost, then purges finished deliveries and
 * their events older than the retention, oldest first through webhook_events_created_idx.
 */
export async function runWebhookHousekeeping(ctx: ServiceContext) {
  const requeued = await requeueOverdueDeliveries(ctx.env, ctx.now);
  const before = new Date(ctx.now.getTime() - DELIVERY_RETENTION_DAYS * 86_400_000).toISOString();
  const old = sql`SELECT id FROM webhook_events WHERE created_at < ${before} ORDER BY created_at LIMIT ${PURGE_BATCH}`;
  const [deliveries, events] = await ctx.db.batch([
    ctx.db.delete(webhookDeliveries).where(and(sql`${webhookDeliveries.eventId} IN (${old})`, inArray(webhookDeliveries.status, ["delivered", "failed"]))),
    // An event goes once none of its deliveries is left (one still retrying keeps it).
    ctx.db.delete(webhookEvents).where(sql`${webhookEvents.id} IN (${old}) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ${webhookEvents.id})`),
  ]);
  return { job: "webhooks", requeued, deliveries_purged: deliveries.meta.changes, events_purged: events.meta.changes };
}
