/**
 * Which ticket events send mail, and the outbox rows for them. The rows are written by an inBatch
 * consumer, in the same D1 batch as the change; after commit each new row's id goes to the OUTBOX
 * queue (outbound.ts delivers it). A queue send lost after commit is repaired by the cron's
 * {@link requeueStaleOutbox}. Listed in src/events/consumers.ts.
 */
import { and, asc, inArray, lt, sql } from "drizzle-orm";
import { createDb, type BatchItem } from "../db/client";
import { outboundMessages } from "../db/schema";
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
  // RFC 2606's reserved TLD: the address of an account no mailbox stands behind (a channel's customer, features/channels).
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
    planned = { ...base, id: `resolved-${ticket.id}-v${event.version}`, commentId: null, kind: "ticket_resolved", automatic: true, data: vars };
  }
  if (!planned || isMachineAddress(planned.toAddress, settings)) return null;
  return planned;
}

function outboxInsert(ctx: ServiceContext, event: TicketEvent): BatchItem[] {
  const mail = plannedMail(event, mailSettings(ctx.env));
  if (!mail) return [];
  const now = ctx.now.toISOString();
  return [
    ctx.db
      .insert(outboundMessages)
      .values({ ...mail, status: "pending", attempts: 0, createdAt: now, updatedAt: now })
      .onConflictDoNothing(),
  ];
}

async function enqueueAfterCommit(ctx: ServiceContext, event: TicketEvent): Promise<void> {
  const mail = plannedMail(event, mailSettings(ctx.env));
  if (mail) await ctx.env.OUTBOX.send({ id: mail.id });
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
