/**
 * Which ticket events send mail, and the outbox rows for them. The rows are written by an inBatch
 * consumer, in the same D1 batch as the change; after commit each new row's id goes to the OUTBOX
 * queue (outbound.ts delivers it). A queue send lost after commit is repaired by the cron's
 * {@link requeueStaleOutbox}. Listed in src/events/consumers.ts.
 */
import { and, asc, eq, inArray, isNotNull, lt, ne, sql } from "drizzle-orm";
import { batchStatement, createDb, insertRow, rowsWritten, type BatchItem } from "../db/client";
import { outboundMessages, ticketParticipants } from "../db/schema";
import { type AccountMailKind, type OutboundKind } from "../domain/vocabulary";
import type { Bindings } from "../env";
import { newId } from "../lib/ids";
import type { ServiceContext } from "../lib/request-context";
import type { TicketEvent, TicketEventConsumer } from "../events/ticket-events";
import { mailSettings, type MailSettings } from "./settings";

/** A row still `pending` (or `sending`) this long after its last change lost its queue message or its consumer. */
export const STALE_OUTBOX_MS = 5 * 60_000;
/** Rows re-enqueued per cron run: the queue absorbs a backlog over a few runs instead of one huge batch. */
export const MAX_REQUEUE_PER_RUN = 50;
/** Literal, not bound: SQLite uses the partial index outbound_messages_unsent_idx only when the query repeats its predicate. */
const UNSENT = sql`${outboundMessages.status} IN ('pending', 'sending')`;

/**
 * Addresses no mail goes to (RFC 3834 section 2 spirit): answering a robot starts a loop or lands
 * in a void. The local part up to its first `+`, `-` suffix or `.` tag is compared.
 */
const MACHINE_LOCAL_PART = /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?|auto[-_.]?reply)(?:[+._-].*)?$/i;

export function isMachineAddress(address: string, settings: MailSettings): boolean {
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at <= 0) return true;
  const local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  if (MACHINE_LOCAL_PART.test(local)) return true;
  // RFC 2606's reserved TLD: the address of an account no mailbox stands behind (a chat visitor's own
  // account, features/chat; a channel's customer, features/channels).
  if (domain === "invalid" || domain.endsWith(".invalid")) return true;
  // Our own support address or one of its reply addresses: mailing ourselves is a loop.
  return domain === settings.supportDomain && (local === settings.supportLocal || local.startsWith(`${settings.supportLocal}+`));
}

interface PlannedMail {
  id: string;
  ticketId: string;
  commentId: string | null;
  kind: OutboundKind;
  automatic: boolean;
  toAddress: string;
  toName: string;
  data: Record<string, unknown>;
}

/** The mail an event causes, if any (pure: the same answer in the batch and after commit). */
export function plannedMail(event: TicketEvent, settings: MailSettings): PlannedMail | null {
  if (event.type === "ticket.deleted" || event.type === "sla.breached" || event.type === "ticket.assigned") return null;
  const { ticket } = event;
  const base = {
    ticketId: ticket.id,
    toAddress: ticket.requester.email,
    toName: ticket.requester.name,
  };
  const vars = { ticket: { number: ticket.number, subject: ticket.subject, status: ticket.status }, requester: { name: ticket.requester.name } };
  let planned: PlannedMail | null = null;
  if (event.type === "ticket.created" && ticket.channel === "email") {
    planned = { ...base, id: `ack-${ticket.id}`, commentId: null, kind: "ticket_created", automatic: true, data: vars };
  } else if (event.type === "comment.created") {
    const { comment } = event;
    // Only staff's public replies go out; internal notes never leave, a customer's own words are not echoed.
    if (comment.internal || comment.author.role === "customer" || comment.author.id === ticket.requester.id) return null;
    planned = { ...base, id: `reply-${comment.id}`, commentId: comment.id, kind: "reply", automatic: false, data: { ...vars, comment: { body: comment.body }, agent: { name: comment.author.name } } };
  } else if (event.type === "ticket.updated" && !event.internal) {
    const status = event.changes.status as [string, string] | undefined;
    if (status?.[1] !== "resolved") return null;
    // resolved_at: the survey's links (made when the mail is composed) expire 14 days after it.
    planned = { ...base, id: `resolved-${ticket.id}-v${event.version}`, commentId: null, kind: "ticket_resolved", automatic: true, data: { ...vars, ticket: { ...vars.ticket, resolved_at: ticket.resolved_at } } };
  }
  if (!planned || isMachineAddress(planned.toAddress, settings)) return null;
  return planned;
}

function outboxInsert(ctx: ServiceContext, event: TicketEvent): BatchItem[] {
  const mail = plannedMail(event, mailSettings(ctx.env));
  const now = ctx.now.toISOString();
  const rows: BatchItem[] = mail ? [insertRow(ctx.db, outboundMessages, { ...mail, status: "pending", attempts: 0, createdAt: now, updatedAt: now }, { onConflictDoNothing: true })] : [];
  const reply = followerReply(event);
  if (reply) {
    const insert = followerInsert(ctx, reply, now);
    followerInserts.set(event, insert);
    rows.push(insert);
  }
  return rows;
}

// A reply's follower mail insert, so after commit the followers are looked up only when it wrote rows.
const followerInserts = new WeakMap<TicketEvent, BatchItem>();

/**
 * A staff public reply also goes to the ticket's followers (participants with a `follow_up`: the
 * requester of a ticket merged into this one, a chat visitor's own address), each with their own
 * name in it and nothing else of anyone's. One INSERT … SELECT, so the followers are those of the
 * moment the reply commits; the row ids end in the participant row's rowid, which after commit
 * names the same rows again ({@link enqueueFollowerMail}).
 */
function followerReply(event: TicketEvent) {
  if (event.type !== "comment.created") return null;
  const { comment, ticket } = event;
  if (comment.internal || comment.author.role === "customer" || comment.author.id === ticket.requester.id) return null;
  const data = { ticket: { number: ticket.number, subject: ticket.subject, status: ticket.status }, requester: { name: ticket.requester.name }, comment: { body: comment.body }, agent: { name: comment.author.name } };
  return { ticketId: ticket.id, commentId: comment.id, requesterEmail: ticket.requester.email, data };
}

const followerMailId = (commentId: string, rowid: number) => `reply-${commentId}-${rowid}`;

function followerInsert(ctx: ServiceContext, reply: NonNullable<ReturnType<typeof followerReply>>, now: string): BatchItem {
  const p = ticketParticipants;
  return batchStatement(ctx.db, sql`
    INSERT INTO outbound_messages (id, ticket_id, comment_id, kind, automatic, to_address, to_name, data, status, attempts, created_at, updated_at)
    SELECT ${`reply-${reply.commentId}-`} || ${p}.rowid, ${reply.ticketId}, ${reply.commentId},
      CASE ${p.followUp} WHEN 'offline_replies' THEN 'chat_reply' ELSE 'reply' END, 0,
      ${p.email}, coalesce(${p.name}, ''), json_set(${JSON.stringify(reply.data)}, '$.requester.name', coalesce(${p.name}, ${p.email})),
      'pending', 0, ${now}, ${now}
    FROM ${p}
    WHERE ${p.ticketId} = ${reply.ticketId} AND ${p.followUp} IS NOT NULL AND ${p.email} <> ${reply.requesterEmail}
    ON CONFLICT DO NOTHING`);
}

/**
 * A chat visitor's follow-up waits this long before it is sent, and is dropped if the visitor is
 * back in the chat by then (they read it there): a visitor who steps away for a minute is not
 * mailed every line of the conversation.
 */
export const OFFLINE_REPLY_DELAY_SECONDS = 60;

async function enqueueFollowerMail(ctx: ServiceContext, event: TicketEvent): Promise<void> {
  const reply = followerReply(event);
  if (!reply) return;
  // No follower mail was written (most tickets have no followers): nothing to queue.
  const insert = followerInserts.get(event);
  if (insert && rowsWritten(insert) === 0) return;
  const p = ticketParticipants;
  const followers = await ctx.db
    .select({ rowid: sql<number>`${p}.rowid`, followUp: p.followUp })
    .from(p)
    .where(and(eq(p.ticketId, reply.ticketId), isNotNull(p.followUp), ne(p.email, reply.requesterEmail)));
  for (const f of followers) {
    const id = followerMailId(reply.commentId, f.rowid);
    await ctx.env.OUTBOX.send({ id }, f.followUp === "offline_replies" ? { delaySeconds: OFFLINE_REPLY_DELAY_SECONDS } : {});
  }
}

async function enqueueAfterCommit(ctx: ServiceContext, event: TicketEvent): Promise<void> {
  const mail = plannedMail(event, mailSettings(ctx.env));
  if (mail) await ctx.env.OUTBOX.send({ id: mail.id });
  await enqueueFollowerMail(ctx, event);
}

/**
 * An account's mail (address verification, password reset): its outbox row, for the batch of the
 * change that causes it, and the after-commit step that queues it. The row holds no link: the
 * link is signed when the mail is composed (outbound.ts), so the outbox holds no credential.
 */
export function accountMail(
  ctx: ServiceContext,
  kind: AccountMailKind,
  user: { id: string; name: string; email: string; tokenVersion: number },
): { insert: BatchItem; enqueue: () => Promise<void> } {
  const id = `${kind === "verify_email" ? "verify" : "reset"}-${newId(ctx.now.getTime())}`;
  const now = ctx.now.toISOString();
  const insert = ctx.db.insert(outboundMessages).values({
    id,
    ticketId: null,
    userId: user.id,
    commentId: null,
    kind,
    automatic: true,
    toAddress: user.email,
    toName: user.name,
    // The token version a reset link is bound to: a password change before delivery makes the mail moot.
    data: { user: { name: user.name }, token_version: user.tokenVersion },
    status: "pending",
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  });
  // A lost queue send is repaired by the cron's requeueStaleOutbox, as for ticket mail.
  const enqueue = async () => {
    await ctx.env.OUTBOX.send({ id }).catch((err) => console.error("outbox: queue send failed; the cron requeues it", err));
  };
  return { insert, enqueue };
}

/** The mail consumer of ticket events (src/events/consumers.ts). */
export const mailOutbox: TicketEventConsumer<ServiceContext> = { name: "mail", inBatch: outboxInsert, afterCommit: enqueueAfterCommit };

/**
 * Cron housekeeping: re-enqueues outbox rows whose queue message was lost (the send after commit
 * failed) or whose consumer died mid-send. Delivery is idempotent (outbound.ts claims a row before
 * sending), so enqueueing a row twice sends it once. Returns how many rows were enqueued.
 */
export async function requeueStaleOutbox(env: Bindings, now: Date): Promise<number> {
  const db = createDb(env.DB);
  const cutoff = new Date(now.getTime() - STALE_OUTBOX_MS).toISOString();
  const stale = await db
    .select({ id: outboundMessages.id })
    .from(outboundMessages)
    .where(and(UNSENT, lt(outboundMessages.updatedAt, cutoff)))
    .orderBy(asc(outboundMessages.updatedAt))
    .limit(MAX_REQUEUE_PER_RUN);
  if (!stale.length) return 0;
  await env.OUTBOX.sendBatch(stale.map((r) => ({ body: { id: r.id } })));
  // Touched, so the next run does not enqueue them again before the consumer had its chance.
  await db
    .update(outboundMessages)
    .set({ updatedAt: now.toISOString() })
    .where(and(inArray(outboundMessages.id, stale.map((r) => r.id)), UNSENT));
  return stale.length;
}
