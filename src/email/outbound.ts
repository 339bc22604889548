/**
 * The OUTBOX queue consumer (the Worker's `queue` export): builds each outbox row's MIME, sends it
 * through the `send_email` binding (MAILER), records Message-ID and status, and retries with
 * exponential backoff; after MAX_SEND_ATTEMPTS the row is `failed` and an internal history entry
 * shows it on the ticket. At-least-once delivery is made at-most-once sending by a conditional claim.
 */
import { EmailMessage } from "cloudflare:email";
import { and, asc, desc, eq, gte, isNull, lt, lte, or, sql } from "drizzle-orm";
import { createDb, runBatch, type Database } from "../db/client";
import { comments, emailTemplates, inboundMessages, mailMessageIds, outboundMessages, tickets, users } from "../db/schema";
import { isSelfServiceTicket } from "../domain/permissions";
import { isAccountMail, isStaffTalkMail, type AccountMailKind } from "../domain/vocabulary";
import type { Bindings } from "../env";
import { systemContext } from "../contexts";
import { accountLink, ACCOUNT_LINK_TTL_MS, signAccountToken, type LinkSubject } from "../features/auth/account-links";
import { findVisibleTicket, recordOnTicket } from "../features/tickets/tickets.service";
import { ticketRoom } from "../features/live/live.service";
import { buildMime, MAX_REFERENCES_SENT } from "./mime";
import { outboundMessageId, replyAddress } from "./reply-token";
import { mailSettings, type MailSettings } from "./settings";
import { flattenVars, renderHtml, renderText } from "../domain/templates";
import { DEFAULT_TEMPLATES, LINK_VARIABLES, type Template } from "./templates";
import { surveyLinks } from "../features/satisfaction/satisfaction.service";

/** The queue this module consumes (wrangler.toml). */
export const OUTBOX_QUEUE = "edgedesk-outbox";
/** Tries per mail (the first send and four retries): past this the address or the service is not coming back soon. */
export const MAX_SEND_ATTEMPTS = 5;
/** First retry after 30 s, then 60, 120, 240: rides out a rate limit or a short outage without hammering. */
export const BASE_RETRY_DELAY_SECONDS = 30;
export const MAX_RETRY_DELAY_SECONDS = 3_600;
/** A `sending` claim older than this belongs to a consumer that died; another may take it over. */
export const CLAIM_TIMEOUT_MS = 5 * 60_000;
/** Characters of a send error kept on the row: enough to diagnose, bounded against a huge error text. */
const MAX_ERROR_CHARS = 500;
const HOUR_MS = 3_600_000;

type OutboundRow = typeof outboundMessages.$inferSelect;

export const retryDelaySeconds = (attempt: number) => Math.min(MAX_RETRY_DELAY_SECONDS, BASE_RETRY_DELAY_SECONDS * 2 ** Math.max(0, attempt - 1));

export const outboundRawKey = (id: string) => `mail/outbound/${id}.eml`;

type MailIdRow = typeof mailMessageIds.$inferSelect;

/**
 * A ticket's mail that other mail of it may name (In-Reply-To, References): its conversation, not
 * staff talk (domain/vocabulary isStaffTalkMail: a notification or a rule's mail queued for a
 * staff member) nor a staff member's answer to that (an internal note by mail,
 * email/resolve-ticket.ts). Those ids stay recorded, so answers still find the ticket, but the
 * customers' mail never shows them: they would tell that internal talk happened, and whom it named
 * (a notification's id holds the user's).
 */
const CONVERSATION = sql`NOT EXISTS (SELECT 1 FROM ${outboundMessages} o JOIN ${users} u ON u.id = o.user_id WHERE ${mailMessageIds.direction} = 'outbound' AND o.id = ${mailMessageIds.mailId}
    AND o.kind IN ('notification', 'action') AND u.role <> 'customer')
  AND NOT EXISTS (SELECT 1 FROM ${inboundMessages} i JOIN ${comments} c ON c.id = i.comment_id WHERE ${mailMessageIds.direction} = 'inbound' AND i.id = ${mailMessageIds.mailId} AND c.internal = 1)`;
type Thread = { inReplyTo: string | null; references: string[] };

/** In-Reply-To (the customer's latest mail, else our latest) and References (root + newest) of a ticket's thread. */
function threadFrom(root: MailIdRow | undefined, latest: MailIdRow[]): Thread {
  const chain = [...latest].reverse();
  const references = root && !chain.some((r) => r.messageId === root.messageId) ? [root, ...chain] : chain;
  const inReplyTo = latest.find((r) => r.direction === "inbound") ?? latest[0] ?? null;
  return { inReplyTo: inReplyTo?.messageId ?? null, references: references.map((r) => r.messageId) };
}

/**
 * Claims the outbox row and reads, in the same D1 round trip (a batch, in order, so the reads see
 * the claim), what sending it needs: its ticket's requester, its kind's template and its ticket's
 * thread up to `now`, each found through the row itself. A round trip costs the consumer more CPU
 * than these small reads; when the claim finds nothing to do they are simply not used.
 */
async function claimWithContext(db: Database, id: string, now: Date) {
  const stale = new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString();
  const ofRow = (column: string) => sql`(SELECT ${sql.identifier(column)} FROM ${outboundMessages} WHERE ${outboundMessages.id} = ${id})`;
  const thread = and(eq(mailMessageIds.ticketId, ofRow("ticket_id")), lte(mailMessageIds.createdAt, now.toISOString()), CONVERSATION);
  const [claimed, ticketRows, templates, roots, latest, accounts, recipients] = await db.batch([
    db
      .update(outboundMessages)
      .set({ status: "sending", claimedAt: now.toISOString(), updatedAt: now.toISOString(), attempts: sql`${outboundMessages.attempts} + 1` })
      .where(and(eq(outboundMessages.id, id), or(eq(outboundMessages.status, "pending"), and(eq(outboundMessages.status, "sending"), or(isNull(outboundMessages.claimedAt), lt(outboundMessages.claimedAt, stale))))))
      .returning(),
    db
      .select({ deletedAt: tickets.deletedAt, requesterId: tickets.requesterId, requesterEmail: users.email, createdById: tickets.createdById, channel: tickets.channel, verifiedAt: users.emailVerifiedAt, hasPassword: sql<number>`${users.passwordHash} IS NOT NULL` })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(eq(tickets.id, ofRow("ticket_id")))
      .limit(1),
    db.select({ subject: emailTemplates.subject, body: emailTemplates.body }).from(emailTemplates).where(eq(emailTemplates.kind, ofRow("kind"))).limit(1),
    db.select().from(mailMessageIds).where(thread).orderBy(asc(mailMessageIds.createdAt)).limit(1),
    db.select().from(mailMessageIds).where(thread).orderBy(desc(mailMessageIds.createdAt)).limit(MAX_REFERENCES_SENT - 1),
    // The account behind the recipient's address, if any (a follower's, a notified user's).
    db.select({ active: users.active }).from(users).where(eq(users.email, ofRow("to_address"))).limit(1),
    // The staff member or customer the mail was queued for as a user, if any: staff talk is mail to staff.
    db.select({ role: users.role }).from(users).where(eq(users.id, ofRow("user_id"))).limit(1),
  ]);
  const row = claimed[0];
  if (!row) return null;
  // The template an admin saved for the kind, else the default.
  return { row, ticket: ticketRows[0], template: templates[0] ?? DEFAULT_TEMPLATES[row.kind], thread: threadFrom(roots[0], latest), account: accounts[0], recipientRole: recipients[0]?.role ?? null };
}
type TicketRecipientRow = NonNullable<Awaited<ReturnType<typeof claimWithContext>>>["ticket"];

/** The template's text and HTML with `vars` (plus the support name) filled in. */
function render(template: Template, settings: MailSettings, data: Record<string, unknown>) {
  const vars = flattenVars({ ...data, support: { name: settings.fromName } });
  return { vars, subject: renderText(template.subject, vars), text: renderText(template.body, vars), html: renderHtml(template.body, vars, LINK_VARIABLES) };
}

/**
 * Whether a ticket's mail is part of its conversation with its customers: not staff talk
 * (domain/vocabulary isStaffTalkMail, the one rule; {@link CONVERSATION} states it in SQL).
 * `recipientRole`: the role of the user the mail was queued for (its user_id, read with the claim), if any.
 */
export const isConversationMail = (row: Pick<OutboundRow, "kind">, recipientRole: string | null | undefined) => !isStaffTalkMail(row.kind, recipientRole);

/**
 * A ticket's mail: threaded into the ticket's conversation. Conversation mail carries the subject
 * tag and the ticket's signed reply address, so any answer finds the ticket. Other mail (staff talk, isStaffTalkMail,
 * which may quote an internal note) carries neither: only an answer naming its Message-ID finds the
 * ticket (as an internal note when staff write it), and a forward to the support address or an
 * answer whose client dropped the headers starts a ticket of its own, never a public reply.
 */
async function composeTicketMail(env: Bindings, template: Template, thread: Thread, settings: MailSettings, row: OutboundRow & { ticketId: string }, now: Date, conversation: boolean) {
  // The resolution mail carries the satisfaction survey's links, signed now for this ticket (features/satisfaction).
  const resolvedAt = (row.data.ticket as { resolved_at?: unknown } | undefined)?.resolved_at;
  const survey = row.kind === "ticket_resolved" && typeof resolvedAt === "string" ? await surveyLinks(env, row.ticketId, resolvedAt) : undefined;
  const { vars, subject: rendered, text, html } = render(template, settings, survey ? { ...row.data, survey } : row.data);
  const number = vars["ticket.number"] ?? "";
  // The tag is how a reply from a client that drops threading headers still finds its ticket.
  const subject = conversation && number && !rendered.includes(`[${number}]`) ? `[${number}] ${rendered}` : rendered;
  const messageId = await outboundMessageId(env, settings, row.id);
  const raw = buildMime({
    from: { address: settings.supportAddress, name: settings.fromName },
    to: { address: row.toAddress, name: row.toName },
    ...(conversation ? { replyTo: await replyAddress(env, settings, row.ticketId) } : {}),
    subject,
    messageId,
    inReplyTo: thread.inReplyTo,
    references: thread.references.filter((id) => id !== messageId),
    automatic: row.automatic,
    date: now,
    text,
    html,
  });
  return { raw, messageId, subject, inReplyTo: thread.inReplyTo };
}

/** An account's mail: the link, signed now for the account as it is (account-links.ts), and nothing to thread. */
async function composeAccountMail(env: Bindings, template: Template, settings: MailSettings, row: OutboundRow, kind: AccountMailKind, user: LinkSubject, now: Date) {
  const expires = new Date(Date.parse(row.createdAt) + ACCOUNT_LINK_TTL_MS[kind]);
  const token = await signAccountToken(env, kind, user, expires);
  const data = { ...row.data, link: accountLink(settings.publicUrl, kind, token), "link.expires_hours": Math.round(ACCOUNT_LINK_TTL_MS[kind] / 3_600_000) };
  const { subject, text, html } = render(template, settings, data);
  const messageId = await outboundMessageId(env, settings, row.id);
  const raw = buildMime({ from: { address: settings.supportAddress, name: settings.fromName }, to: { address: row.toAddress, name: row.toName }, subject, messageId, automatic: true, date: now, text, html });
  return { raw, messageId, subject, inReplyTo: null };
}

/** Whom a mail is for, as they are now; or why it must not go out after all. */
type Recipient = { ticketId: string; requesterId: string } | { account: AccountMailKind; user: LinkSubject } | { withhold: string };

/** `ticket`: the row's ticket and its requester, `account`: the account of the recipient's address, both read with the claim. */
async function recipientOf(db: Database, row: OutboundRow, ticket: TicketRecipientRow, account: { active: boolean } | undefined, now: Date): Promise<Recipient> {
  if (row.ticketId) {
    if (!ticket || ticket.deletedAt) return { withhold: "ticket_deleted" };
    // Someone else than the requester (a merged ticket's requester following this one, a notified
    // user) whose account was deactivated is done with the helpdesk: nothing of this ticket reaches them.
    if (row.toAddress !== ticket.requesterEmail && account && !account.active) return { withhold: "recipient_inactive" };
    // An unverified account gets no mail about what it opened itself (issue 9): we would be relaying its words to an address it may not own.
    // (A mail about the ticket to someone else, a notification to staff, relays nothing of theirs to that address.)
    if (row.toAddress === ticket.requesterEmail && !ticket.verifiedAt && ticket.hasPassword && isSelfServiceTicket(ticket.requesterId, ticket)) return { withhold: "requester_unverified" };
    return { ticketId: row.ticketId, requesterId: ticket.requesterId };
  }
  if (!row.userId || !isAccountMail(row.kind)) return { withhold: "no_recipient" };
  const kind = row.kind;
  const [user] = await db.select({ id: users.id, email: users.email, active: users.active, tokenVersion: users.tokenVersion, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, row.userId)).limit(1);
  if (!user || !user.active) return { withhold: "account_inactive" };
  if (user.email !== row.toAddress) return { withhold: "address_changed" };
  if (kind === "verify_email" && user.verifiedAt) return { withhold: "already_verified" };
  if (kind === "password_reset" && user.tokenVersion !== row.data.token_version) return { withhold: "superseded: the password changed or the sessions ended since the request" };
  if (Date.parse(row.createdAt) + ACCOUNT_LINK_TTL_MS[kind] <= now.getTime()) return { withhold: "link_expired" };
  return { account: kind, user };
}

async function automaticMailsLastHour(db: Database, address: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.toAddress, address), gte(outboundMessages.createdAt, new Date(now.getTime() - HOUR_MS).toISOString()), eq(outboundMessages.automatic, true), eq(outboundMessages.status, "sent")));
  return Number(row?.n ?? 0);
}

async function finish(db: Database, id: string, set: Partial<OutboundRow>, now: Date) {
  await db.update(outboundMessages).set({ ...set, claimedAt: null, updatedAt: now.toISOString() }).where(eq(outboundMessages.id, id));
}

/** One queue message: deliver the outbox row it names. Never throws; acks or retries the message. */
export async function deliverOne(message: Message<unknown>, env: Bindings, now = new Date()): Promise<void> {
  const body = message.body as { id?: unknown } | null;
  if (!body || typeof body.id !== "string" || body.id.length > 200) {
    console.error("outbox: malformed queue message", JSON.stringify(message.body)?.slice(0, 200));
    message.ack();
    return;
  }
  const db = createDb(env.DB);
  const settings = mailSettings(env);
  const claimed = await claimWithContext(db, body.id, now);
  if (!claimed) {
    // Sent, failed, suppressed, or another consumer holds a fresh claim: nothing to do here.
    message.ack();
    return;
  }
  const { row, template, thread } = claimed;
  const recipient = await recipientOf(db, row, claimed.ticket, claimed.account, now);
  if ("withhold" in recipient) {
    await finish(db, row.id, { status: "suppressed", lastError: recipient.withhold }, now);
    message.ack();
    return;
  }
  // A chat visitor back in the chat has read the reply there (features/chat): no mail for it.
  if (row.kind === "chat_reply" && "requesterId" in recipient && (await ticketRoom(env, recipient.ticketId).present(recipient.requesterId))) {
    await finish(db, row.id, { status: "suppressed", lastError: "seen_live: the visitor was in the chat" }, now);
    message.ack();
    return;
  }
  if (row.automatic && (await automaticMailsLastHour(db, row.toAddress, now)) >= settings.autoMailsPerSenderPerHour) {
    await finish(db, row.id, { status: "suppressed", lastError: "rate_limited: too many automatic mails to this address in the last hour" }, now);
    message.ack();
    return;
  }
  try {
    const ticketId = "ticketId" in recipient ? recipient.ticketId : null;
    const mail =
      "account" in recipient
        ? await composeAccountMail(env, template, settings, row, recipient.account, recipient.user, now)
        : await composeTicketMail(env, template, thread, settings, { ...row, ticketId: recipient.ticketId }, now, isConversationMail(row, claimed.recipientRole));
    // A copy of what a ticket's conversation sent; never of an account's mail, whose link is a live credential.
    if (ticketId) await env.ATTACHMENTS.put(outboundRawKey(row.id), mail.raw, { httpMetadata: { contentType: "message/rfc822" } });
    // Recorded before sending: a reply that arrives while we are still here threads already.
    await runBatch(db, [
      ...(ticketId ? [db.insert(mailMessageIds).values({ messageId: mail.messageId, ticketId, direction: "outbound", mailId: row.id, createdAt: now.toISOString() }).onConflictDoNothing()] : []),
      db.update(outboundMessages).set({ messageId: mail.messageId, subject: mail.subject, inReplyTo: mail.inReplyTo }).where(eq(outboundMessages.id, row.id)),
    ]);
    const result = await env.MAILER.send(new EmailMessage(settings.supportAddress, row.toAddress, mail.raw));
    // The sending service may replace our Message-ID; replies will name its id, so it is recorded too.
    const provider = result?.messageId?.trim().replace(/^<|>$/g, "") || null;
    await runBatch(db, [
      db.update(outboundMessages).set({ status: "sent", sentAt: now.toISOString(), providerMessageId: provider, lastError: null, claimedAt: null, updatedAt: now.toISOString() }).where(eq(outboundMessages.id, row.id)),
      ...(ticketId && provider && provider !== mail.messageId
        ? [db.insert(mailMessageIds).values({ messageId: provider, ticketId, direction: "outbound", mailId: row.id, createdAt: now.toISOString() }).onConflictDoNothing()]
        : []),
    ]);
    message.ack();
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
    if (row.attempts >= MAX_SEND_ATTEMPTS) {
      const failed = db.update(outboundMessages).set({ status: "failed", lastError: error, claimedAt: null, updatedAt: now.toISOString() }).where(eq(outboundMessages.id, row.id));
      const ctx = systemContext(env, "queue", { now, db });
      const ticket = row.ticketId ? await findVisibleTicket(ctx, row.ticketId).catch(() => null) : null;
      // Shown on the ticket; a ticket deleted meanwhile (or an account's mail) has no ticket to show it on.
      if (ticket) {
        await recordOnTicket(ctx, ticket, {
          history: [{ type: "mail_failed", internal: true, changes: { outbound_message_id: row.id, kind: row.kind, to: row.toAddress, attempts: row.attempts, error } }],
          audit: [{ action: "mail.failed", entityType: "outbound_message", entityId: row.id, changes: { ticket_id: row.ticketId, error } }],
          extra: [failed],
        });
      } else await runBatch(db, [failed]);
      message.ack();
    } else {
      await finish(db, row.id, { status: "pending", lastError: error }, now);
      message.retry({ delaySeconds: retryDelaySeconds(row.attempts) });
    }
  }
}

export async function deliverOutbox(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  for (const message of batch.messages) await deliverOne(message, env);
}
