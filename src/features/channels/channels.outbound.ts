/**
 * Staff replies back to the channel a ticket came from (API.md "More channels and data"): a public
 * comment by staff on a ticket that a channel thread continues becomes a delivery to the channel's
 * `outbound_url`, written in the reply's own batch, then sent, signed and retried by the webhook
 * machinery (features/webhooks/webhooks.delivery.ts). Internal notes and the customer's own words
 * never go back. A ticket that other tickets' threads were merged into answers in every one of
 * them, each to the customer who wrote there (API.md: merge keeps the duplicate's requester in the
 * loop): one delivery per (event, thread), never two.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { BatchItem, Database } from "../../db/client";
import { channelIdentities, channelThreads, type webhookEvents } from "../../db/schema";
import type { TicketEvent, TicketEventConsumer } from "../../events/ticket-events";
import type { ServiceContext } from "../../lib/request-context";
import type { Comment } from "../comments/comments.serialize";
import type { Ticket } from "../tickets/tickets.serialize";
import { eventRowWhen, newDeliveries, outboxEvent } from "../webhooks/webhooks.outbox";

/** The channel `c` of a thread `ct` takes replies: active, not deleted, with an outbound URL. */
const REPLYING = sql`JOIN channels c ON c.id = ct.channel_id AND c.active = 1 AND c.deleted_at IS NULL AND c.outbound_url IS NOT NULL`;

/** A reply the channel should carry: public, and written by staff (or a rule), not by the customer. */
function isStaffReply(event: TicketEvent): event is Extract<TicketEvent, { type: "comment.created" }> {
  return event.type === "comment.created" && !event.comment.internal && event.comment.author.role !== "customer";
}

function replyRows(ctx: ServiceContext, event: TicketEvent): BatchItem[] {
  if (!isStaffReply(event)) return [];
  const e = outboxEvent(ctx, event);
  return [
    eventRowWhen(ctx.db, e, sql`EXISTS (SELECT 1 FROM channel_threads ct ${REPLYING} WHERE ct.ticket_id = ${event.ticket.id})`),
    newDeliveries(ctx.db, e.createdAt, { webhookId: sql`NULL`, channelId: sql`c.id`, threadId: sql`ct.thread_id`, includeInternal: sql`0` }, sql`FROM webhook_events e JOIN channel_threads ct ON ct.ticket_id = e.ticket_id ${REPLYING} WHERE e.id = ${e.id}`),
  ];
}

/** The channel consumer of ticket events (src/events/consumers.ts); the webhook consumer enqueues its rows after commit. */
export const channelReplies: TicketEventConsumer<ServiceContext> = { name: "channel-replies", inBatch: replyRows };

/**
 * What a channel receives for a staff reply: `{id, type: "message.created", created_at, data:
 * {channel_id, thread_id, ticket, to, message}}`, `to` being the customer as the channel knows them.
 */
export async function channelMessageBody(db: Database, event: typeof webhookEvents.$inferSelect, channelId: string, threadId: string | null): Promise<string | null> {
  const data = event.payload as { ticket?: Ticket; comment?: Comment } | null;
  if (event.type !== "comment.created" || !data?.ticket || !data.comment || data.comment.internal) return null;
  const { ticket, comment } = data;
  // The delivery's own thread; one from before threads were named goes to the ticket's latest.
  const [thread] = await db
    .select({ threadId: channelThreads.threadId, userId: channelThreads.userId })
    .from(channelThreads)
    .where(and(eq(channelThreads.channelId, channelId), threadId === null ? eq(channelThreads.ticketId, ticket.id) : eq(channelThreads.threadId, threadId)))
    .orderBy(desc(channelThreads.updatedAt))
    .limit(1);
  if (!thread) return null;
  const [to] = await db
    .select({ external_id: channelIdentities.externalId, name: channelIdentities.name })
    .from(channelIdentities)
    .where(and(eq(channelIdentities.channelId, channelId), eq(channelIdentities.userId, thread.userId ?? ticket.requester.id)))
    .limit(1);
  return JSON.stringify({
    id: event.id,
    type: "message.created",
    created_at: event.createdAt,
    data: {
      channel_id: channelId,
      thread_id: thread.threadId,
      ticket: { id: ticket.id, number: ticket.number, subject: ticket.subject, status: ticket.status },
      to: to ?? null,
      message: {
        id: comment.id,
        text: comment.body,
        author: { name: comment.author.name, role: comment.author.role },
        created_at: comment.created_at,
        attachments: (comment.attachments ?? []).map((a) => ({ filename: a.filename, content_type: a.content_type, size: a.size })),
      },
    },
  });
}
