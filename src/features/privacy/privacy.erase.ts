import { and, eq, inArray, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { runBatch, selectIn, slices, type BatchItem } from "../../db/client";
import {
  attachments,
  auditLogs,
  channelIdentities,
  chatSessions,
  comments,
  idempotencyKeys,
  inboundMessages,
  notifications,
  outboundMessages,
  rateLimits,
  savedSearches,
  ticketHistory,
  ticketParticipants,
  tickets,
  users,
  webhookEvents,
} from "../../db/schema";
import { CHAT_SESSION_FOLLOW_UP } from "../../domain/vocabulary";
import { ERASED_NAME, ERASED_TEXT, erasedEmail, erasureReplacements, MIN_REPLACED_NAME_CHARS, redactedMailCopy } from "../../domain/redaction";
import { outboundRawKey } from "../../email/outbound";
import { AppError, notFound, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { revokeRefreshTokens } from "../auth/sessions";
import { attachmentKey } from "../attachments/attachments.service";
import { closeLiveSessions } from "../live/live.service";
import { retryTicketWrite, type TicketWrite } from "../tickets/ticket-write";
import { requesterColumns, type Requester, type TicketRow } from "../tickets/tickets.serialize";
import { toUser } from "../users/users.serialize";
import { restoreArchivedOf } from "../archive/archive.service";
import { forgetSearches, requoteQuotingMails, scrubNotifications, scrubWebhookEvents } from "./privacy.service";

/**
 * Erasure of a person (API.md "More channels and data"): their name and email replaced, the texts
 * they wrote (comments, and the description of the tickets they asked) replaced, the files they
 * sent and the mails they sent or were sent deleted from storage, their search rows gone (by the
 * FTS triggers, with secure-delete on), their sessions ended. What stays is the shape: tickets,
 * their staff replies, times and statuses (reports and the other people on the ticket keep theirs),
 * and one audit row saying that an erasure happened and by whom.
 *
 * Ticket and comment texts change through the one ticket write, one ticket at a time, so each
 * ticket's history says it was erased. The account row is changed last: an erasure cut short (a
 * failure half way) is finished by asking again with the same address.
 */

/** JSON-escaped, as a string appears inside a stored JSON document. */
const inJson = (s: string) => JSON.stringify(s).slice(1, -1);

interface Person {
  id: string;
  name: string;
  email: string;
}

/** `column` with every occurrence of the person's name and email (as JSON holds them) replaced. */
function scrubbed(column: { getSQL(): SQL }, who: Person, json: boolean): SQL {
  const enc = json ? inJson : (s: string) => s;
  let expr = sql`replace(${column}, ${enc(who.email)}, ${enc(erasedEmail(who.id))})`;
  if (who.name.length >= MIN_REPLACED_NAME_CHARS) expr = sql`replace(${expr}, ${enc(who.name)}, ${enc(ERASED_NAME)})`;
  return expr;
}
function mentions(column: { getSQL(): SQL }, who: Person, json: boolean): SQL {
  const enc = json ? inJson : (s: string) => s;
  const terms = [who.email, ...(who.name.length >= MIN_REPLACED_NAME_CHARS ? [who.name] : [])];
  return or(...terms.map((t) => sql`instr(${column}, ${enc(t)}) > 0`))!;
}

/** R2 deletes at most this many keys in one call. */
const R2_DELETE_KEYS = 1000;

export interface ErasureCounts {
  tickets: number;
  comments: number;
  attachments: number;
  mails: number;
}

export async function eraseUser(ctx: ServiceContext, userId: string, confirm: string) {
  const actor = actorOf(ctx);
  const [who] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!who) throw notFound("User");
  if (who.id === actor.id) throw new AppError("CONFLICT", "Admins cannot erase themselves");
  if (who.email === erasedEmail(who.id)) throw new AppError("CONFLICT", "This person was erased already");
  if (confirm.trim().toLowerCase() !== who.email) throw validation("The confirmation does not match", { confirm: ["must be the email address of the person being erased"] });
  const person: Person = { id: who.id, name: who.name, email: who.email };

  // Archived tickets holding their words come back first, so what follows finds and rewrites them in D1.
  await restoreArchivedOf(ctx, who.id);
  // What they wrote and asked: their comments (by ticket) and the tickets they requested.
  const own = await ctx.db.select({ id: comments.id, ticketId: comments.ticketId }).from(comments).where(eq(comments.authorId, who.id));
  const requested = [
    ...(await ctx.db.select({ id: tickets.id }).from(tickets).where(and(eq(tickets.requesterId, who.id), isNull(tickets.deletedAt)))),
    ...(await ctx.db.select({ id: tickets.id }).from(tickets).where(and(eq(tickets.requesterId, who.id), isNotNull(tickets.deletedAt)))),
  ];
  const ticketIds = [...new Set([...requested.map((t) => t.id), ...own.map((c) => c.ticketId)])];
  const requestedIds = new Set(requested.map((t) => t.id));
  const commentIds = new Set(own.map((c) => c.id));

  // Files they sent: with their comments, uploaded by them, or with the first mail of a ticket they asked.
  const files = (
    await selectIn(ticketIds, (slice) =>
      ctx.db.select({ id: attachments.id, sha256: attachments.sha256, storageKey: attachments.storageKey, commentId: attachments.commentId, uploadedById: attachments.uploadedById, ticketId: attachments.ticketId }).from(attachments).where(inArray(attachments.ticketId, slice)),
    )
  ).filter((f) => (f.commentId && commentIds.has(f.commentId)) || f.uploadedById === who.id || (!f.commentId && !f.uploadedById && requestedIds.has(f.ticketId)));
  // Mail they sent (on those tickets, or held without one) and mail sent to them.
  const inbound = [
    ...(await selectIn(ticketIds, (slice) => ctx.db.select().from(inboundMessages).where(inArray(inboundMessages.ticketId, slice)))),
    ...(await ctx.db.select().from(inboundMessages).where(and(sql`status IN ('quarantined', 'failed')`, eq(inboundMessages.fromAddress, who.email)))),
  ].filter((m) => m.fromAddress === who.email || (m.commentId && commentIds.has(m.commentId)) || (!m.commentId && m.ticketId && requestedIds.has(m.ticketId)));
  // A visitor's chat sessions are on the tickets they requested (by its primary key, not a scan of visitor_id).
  const chatTickets = (
    await selectIn([...requestedIds], (slice) =>
      ctx.db.select({ ticketId: chatSessions.ticketId }).from(chatSessions).where(and(inArray(chatSessions.ticketId, slice), eq(chatSessions.visitorId, who.id))),
    )
  ).map((c) => c.ticketId);
  // The address their chat session follows by: its own row, 'offline_replies', on the chat's own ticket (an address typed
  // that someone else already follows by stays theirs, and is not the session's).
  const ownFollowUps = await selectIn(chatTickets, (slice) =>
    ctx.db
      .select({ ticketId: chatSessions.ticketId, email: ticketParticipants.email, name: ticketParticipants.name })
      .from(chatSessions)
      .innerJoin(ticketParticipants, and(eq(ticketParticipants.ticketId, chatSessions.ticketId), eq(ticketParticipants.email, chatSessions.email)))
      .where(and(inArray(chatSessions.ticketId, slice), eq(ticketParticipants.followUp, CHAT_SESSION_FOLLOW_UP))),
  );
  const typed = [...new Set(ownFollowUps.map((p) => p.email))].filter((e) => e !== who.email);
  // Where a chat was merged, the merge copied the session's row as 'replies', which looks like any follower's. Only a
  // copy can be told apart: an address that is no account's, with the name the session's row has (a row the target
  // already had, ON CONFLICT DO NOTHING, or an account holder's own subscription, stays).
  const accounts = new Set((await selectIn(typed, (slice) => ctx.db.select({ email: users.email }).from(users).where(inArray(users.email, slice)))).map((u) => u.email));
  const copied = ownFollowUps.filter((p) => typed.includes(p.email) && !accounts.has(p.email));
  const ownChat = new Set(chatTickets);
  const mergedInto = ticketIds.filter((t) => !ownChat.has(t));
  const copyName = (name: string | null) => (name === null ? isNull(ticketParticipants.name) : eq(ticketParticipants.name, name));
  const copies = copied.length
    ? await selectIn(mergedInto, (slice) =>
        ctx.db
          .select({ ticketId: ticketParticipants.ticketId, email: ticketParticipants.email, name: ticketParticipants.name })
          .from(ticketParticipants)
          .where(and(inArray(ticketParticipants.ticketId, slice), or(...copied.map((p) => and(eq(ticketParticipants.email, p.email), copyName(p.name)))))),
      )
    : [];
  // The rows of the typed address that go: the session's own row on its chat's ticket, and the merge's copies of it.
  const typedRows = [
    ...(typed.length ? slices(chatTickets).map((slice) => and(inArray(ticketParticipants.ticketId, slice), inArray(ticketParticipants.email, typed), eq(ticketParticipants.followUp, CHAT_SESSION_FOLLOW_UP))!) : []),
    ...copies.map((c) => and(eq(ticketParticipants.ticketId, c.ticketId), eq(ticketParticipants.email, c.email), copyName(c.name))!),
  ];
  // The mails those rows produced: on their chats' tickets every 'chat_reply' (only the session's 'offline_replies' row
  // makes that kind: email/outbox.ts), to whatever address the visitor had typed then; and the copy's mails on the
  // ticket merged into.
  const typedMails = [
    ...slices(chatTickets).map((slice) => and(inArray(outboundMessages.ticketId, slice), eq(outboundMessages.kind, "chat_reply"))!),
    ...copies.map((c) => and(eq(outboundMessages.ticketId, c.ticketId), eq(outboundMessages.toAddress, c.email))!),
  ];
  const outbound = [
    ...new Set([
      ...(await ctx.db.select({ id: outboundMessages.id }).from(outboundMessages).where(eq(outboundMessages.toAddress, who.email))),
      ...(await Promise.all(typedMails.map((cond) => ctx.db.select({ id: outboundMessages.id }).from(outboundMessages).where(cond)))).flat(),
    ].map((o) => o.id)),
  ].map((id) => ({ id }));
  // Others' mail on these tickets and on tickets they were Cc'd on names them in its headers or text.
  const participated = await ctx.db.select({ ticketId: ticketParticipants.ticketId }).from(ticketParticipants).where(eq(ticketParticipants.email, who.email));
  const mailTickets = [...new Set([...ticketIds, ...participated.map((p) => p.ticketId)])];
  const theirMail = new Set(inbound.map((m) => m.id));
  const othersMail = (await selectIn(mailTickets, (slice) => ctx.db.select().from(inboundMessages).where(inArray(inboundMessages.ticketId, slice)))).filter((m) => !theirMail.has(m.id));

  // Storage first: a failure later leaves less behind, never more.
  for (const m of inbound) {
    await ctx.env.ATTACHMENTS.delete(m.rawKey);
    if (m.bodyKey) await ctx.env.ATTACHMENTS.delete(m.bodyKey);
  }
  await Promise.all(outbound.map((o) => ctx.env.ATTACHMENTS.delete(outboundRawKey(o.id))));
  const mentioning: typeof othersMail = [];
  for (const m of othersMail) {
    const raw = await ctx.env.ATTACHMENTS.get(m.rawKey);
    const text = raw ? await raw.text() : "";
    if (!text.toLowerCase().includes(who.email) && !(who.name.length >= MIN_REPLACED_NAME_CHARS && text.includes(who.name))) continue;
    mentioning.push(m);
    const copy = redactedMailCopy({
      from: m.fromName ? `${replaceAll(m.fromName, who)} <${m.fromAddress ?? ""}>` : (m.fromAddress ?? ""),
      to: m.envelopeTo ?? "",
      subject: m.subject === null ? null : replaceAll(m.subject, who),
      date: m.createdAt,
      messageId: m.messageId.startsWith("sha256:") ? null : m.messageId,
      text: replaceAll(m.fullText, who),
      redactedAt: ctx.now.toISOString(),
    });
    await ctx.env.ATTACHMENTS.put(m.rawKey, copy, { httpMetadata: { contentType: "message/rfc822" } });
    if (m.bodyKey) await ctx.env.ATTACHMENTS.delete(m.bodyKey);
  }

  // Each ticket once, through the one write: their texts on it replaced, their name gone from its history.
  for (let i = 0; i < ticketIds.length; i += ERASED_TICKETS_PER_BATCH) await eraseOnTickets(ctx, ticketIds.slice(i, i + ERASED_TICKETS_PER_BATCH), person, requestedIds);

  const now = ctx.now.toISOString();
  const fileIds = files.map((f) => f.id);
  const inboundIds = [...new Set(inbound.map((m) => m.id))];
  const mailErased = {
    toAddress: erasedEmail(who.id),
    toName: ERASED_NAME,
    data: {},
    subject: null,
    lastError: sql`CASE WHEN ${outboundMessages.status} IN ('pending', 'sending') THEN 'recipient_erased' ELSE ${outboundMessages.lastError} END`,
    status: sql`CASE WHEN ${outboundMessages.status} IN ('pending', 'sending') THEN 'suppressed' ELSE ${outboundMessages.status} END`,
    updatedAt: now,
  };
  const counts: ErasureCounts = { tickets: ticketIds.length, comments: commentIds.size, attachments: fileIds.length, mails: inboundIds.length + outbound.length };
  await runBatch(ctx.db, [
    ...slices(fileIds).map((slice) => ctx.db.delete(attachments).where(inArray(attachments.id, slice))),
    ...slices(inboundIds).map((slice) =>
          ctx.db
            .update(inboundMessages)
            .set({
              fromAddress: erasedEmail(who.id),
              fromName: null,
              subject: null,
              text: ERASED_TEXT,
              fullText: ERASED_TEXT,
              html: null,
              bodyKey: null,
              // A held mail of theirs can no longer be released: its raw message is gone.
              status: sql`CASE WHEN ${inboundMessages.status} IN ('quarantined', 'failed') THEN 'rejected' ELSE ${inboundMessages.status} END`,
              reason: sql`CASE WHEN ${inboundMessages.status} IN ('quarantined', 'failed') THEN 'sender_erased' ELSE ${inboundMessages.reason} END`,
              updatedAt: now,
            })
            .where(inArray(inboundMessages.id, slice)),
    ),
    ...slices(mentioning.map((m) => m.id)).map((slice) =>
          ctx.db
            .update(inboundMessages)
            .set({
              text: scrubbed(inboundMessages.text, person, false),
              fullText: scrubbed(inboundMessages.fullText, person, false),
              html: scrubbed(inboundMessages.html, person, false),
              subject: scrubbed(inboundMessages.subject, person, false),
              bodyKey: null,
              updatedAt: now,
            })
            .where(inArray(inboundMessages.id, slice)),
    ),
    ctx.db.update(outboundMessages).set(mailErased).where(eq(outboundMessages.toAddress, who.email)),
    // By their condition, not the ids read above: a mail queued since then goes nowhere either.
    ...typedMails.map((cond) => ctx.db.update(outboundMessages).set(mailErased).where(cond)),
    ctx.db.delete(ticketParticipants).where(eq(ticketParticipants.email, who.email)),
    // The erased visitor's typed address: their session's own 'offline_replies' row on the chat's ticket, and on tickets
    // the chat was merged into the 'replies' copies of it (an address of no account, with the session row's name).
    ...typedRows.map((cond) => ctx.db.delete(ticketParticipants).where(cond)),
    // Chats they opened, and those where they left their address for follow-up, forget it.
    ...slices(chatTickets).map((slice) => ctx.db.update(chatSessions).set({ email: null, updatedAt: now }).where(inArray(chatSessions.ticketId, slice))),
    ctx.db.update(chatSessions).set({ email: null, updatedAt: now }).where(eq(chatSessions.email, who.email)),
    ctx.db.delete(savedSearches).where(eq(savedSearches.userId, who.id)),
    ctx.db.delete(notifications).where(eq(notifications.userId, who.id)),
    // How channels know them (a phone number, a social handle's name and address).
    ctx.db.update(channelIdentities).set({ name: ERASED_NAME, email: null, phone: null, updatedAt: now }).where(eq(channelIdentities.userId, who.id)),
    // Throttling windows keyed by their address (login, reset): short-lived, but named after them.
    ctx.db.delete(rateLimits).where(sql`instr(${rateLimits.key}, ${who.email}) > 0`),
    ctx.db.delete(idempotencyKeys).where(or(eq(idempotencyKeys.userId, who.id), mentions(idempotencyKeys.body, person, true))),
    ...forgetSearches(ctx, who.email, { phrase: true }),
    ...(who.name.length >= MIN_REPLACED_NAME_CHARS ? forgetSearches(ctx, who.name, { phrase: true }) : []),
    // The audit keeps who did what and when; the name, address and network details of this person go.
    ctx.db
      .update(auditLogs)
      .set({ changes: scrubbed(auditLogs.changes, person, true) })
      .where(and(or(and(eq(auditLogs.entityType, "user"), eq(auditLogs.entityId, who.id)), eq(auditLogs.actorId, who.id)), mentions(auditLogs.changes, person, true))),
    ctx.db.update(auditLogs).set({ ip: null, userAgent: null }).where(eq(auditLogs.actorId, who.id)),
    ctx.db
      .update(users)
      .set({ name: ERASED_NAME, email: erasedEmail(who.id), passwordHash: null, active: false, emailVerifiedAt: null, tokenVersion: who.tokenVersion + 1, updatedAt: now })
      .where(eq(users.id, who.id)),
    revokeRefreshTokens(ctx, who.id),
    auditInsert(ctx, { action: "user.erased", entityType: "user", entityId: who.id, changes: { ...counts } }),
  ]);
  await closeLiveSessions(ctx.env, who.id, who.tokenVersion + 1);
  // Files stored once for everyone who sent the same bytes: deleted when nobody else's row names them.
  // An upload has an object of its own (storage_key); a mail file's content address goes when no other row names it.
  const uploads = files.flatMap((f) => (f.storageKey ? [f.storageKey] : []));
  const shared = [...new Set(files.filter((f) => !f.storageKey).map((f) => f.sha256))];
  const named = await selectIn(shared, (slice) =>
    ctx.db.select({ sha256: attachments.sha256 }).from(attachments).where(and(inArray(attachments.sha256, slice), isNull(attachments.storageKey))),
  );
  const stillNamed = new Set(named.map((r) => r.sha256));
  const objects = [...uploads, ...shared.filter((sha256) => !stillNamed.has(sha256)).map(attachmentKey)];
  for (let i = 0; i < objects.length; i += R2_DELETE_KEYS) await ctx.env.ATTACHMENTS.delete(objects.slice(i, i + R2_DELETE_KEYS));
  const [erased] = await ctx.db.select().from(users).where(eq(users.id, who.id)).limit(1);
  return { user: toUser(erased!), erased: counts };
}

/**
 * Tickets an erasure rewrites in one batch: each is its own guarded write, so a chunk commits whole
 * or is planned again from a fresh read; a person with thousands of tickets costs a few hundred
 * round trips instead of two per ticket.
 */
const ERASED_TICKETS_PER_BATCH = 25;

/** Some tickets' part of an erasure, as one batch of ticket writes (retried from a fresh read when one races). */
async function eraseOnTickets(ctx: ServiceContext, ticketIds: string[], who: Person, requestedIds: Set<string>) {
  await retryTicketWrite(ctx, async () => {
    const found = await ctx.db
      .select({ row: tickets, requester: requesterColumns })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(inArray(tickets.id, ticketIds));
    const theirComments = await ctx.db
      .select({ ticketId: comments.ticketId, body: comments.body })
      .from(comments)
      .where(and(inArray(comments.ticketId, ticketIds), eq(comments.authorId, who.id)));
    const writes: TicketWrite[] = [];
    for (const { row, requester } of found) {
      const bodies = theirComments.filter((c) => c.ticketId === row.id).map((c) => c.body);
      // Staff's notification and rule mails quote their replies (requester_replied, {{comment.body}}): stored copies rewritten now, rows in the write.
      const mails = await requoteQuotingMails(ctx, row.id, bodies.map((body) => ({ before: body, after: ERASED_TEXT })), (text) => replaceAll(text, who));
      writes.push(erasureWrite(ctx, row, requester, who, requestedIds.has(row.id), bodies, mails));
    }
    const [write, ...together] = writes;
    return write ? { write, together, done: () => undefined } : { skip: undefined };
  });
}

/**
 * One ticket's part of an erasure: their texts on it replaced, their name gone from its history. A
 * deleted ticket gets the same write, guarded on staying deleted (no events: nobody follows it).
 */
function erasureWrite(ctx: ServiceContext, before: TicketRow, requesterOnRow: Requester, who: Person, requested: boolean, theirComments: string[], notificationMails: BatchItem[]): TicketWrite {
  const ticketId = before.id;
  const subject = requested ? replaceAll(before.subject, who) : before.subject;
  const description = requested ? ERASED_TEXT : before.description;
  // Their satisfaction remark is their words too (only the requester rates).
  const satisfactionComment = requested && before.satisfactionComment !== null ? ERASED_TEXT : before.satisfactionComment;
  const changed = subject !== before.subject || description !== before.description || satisfactionComment !== before.satisfactionComment;
  const after: TicketRow = changed ? { ...before, subject, description, satisfactionComment, version: before.version + 1 } : before;
  const set = changed ? { subject, description, satisfactionComment, version: after.version } : {};
  const requester = requested ? { id: who.id, name: ERASED_NAME, email: erasedEmail(who.id) } : requesterOnRow;
  // What webhooks and channels were sent about this ticket carries the same texts and names.
  const carried = erasureReplacements(who, [...theirComments, ...(requested ? [before.description] : [])]);
  return {
    kind: "update",
    before,
    after,
    set,
    ...(before.deletedAt ? { deleted: true as const } : {}),
    requester,
    history: [{ type: "person_erased", changes: { user_id: who.id }, bumpsVersion: changed }],
    audit: [],
    extra: [
      ctx.db.update(comments).set({ body: ERASED_TEXT }).where(and(eq(comments.ticketId, ticketId), eq(comments.authorId, who.id))),
      // Others' words stay, with the person's name and address taken out ("Hi Jane," in a reply).
      ctx.db.update(comments).set({ body: scrubbed(comments.body, who, false) }).where(and(eq(comments.ticketId, ticketId), mentions(comments.body, who, false))),
      ctx.db.update(ticketHistory).set({ changes: scrubbed(ticketHistory.changes, who, true) }).where(and(eq(ticketHistory.ticketId, ticketId), mentions(ticketHistory.changes, who, true))),
      // Every remark they rated with, earlier ones included: in the ratings' history entries and the
      // events stored for webhooks, replaced where it stands (a remark of "1" or "ok" replaced as a
      // text would break the JSON around it and others' words).
      ...(requested
        ? [
            ctx.db.update(ticketHistory).set({ changes: remarksErased(ticketHistory.changes, HISTORY_REMARKS) }).where(and(eq(ticketHistory.ticketId, ticketId), eq(ticketHistory.type, "satisfaction.rated"))),
            ctx.db.update(webhookEvents).set({ payload: remarksErased(webhookEvents.payload, EVENT_REMARKS), internalPayload: remarksErased(webhookEvents.internalPayload, EVENT_REMARKS) }).where(eq(webhookEvents.ticketId, ticketId)),
          ]
        : []),
      ...scrubWebhookEvents(ctx, ticketId, carried),
      // Their replies are quoted as excerpts in staff's notifications (requester_replied).
      ...scrubNotifications(ctx, ticketId, carried, theirComments.map((body) => ({ before: body, after: ERASED_TEXT }))),
      ...notificationMails,
    ],
  };
}

/** Where a rating's remark stands: a `satisfaction.rated` history entry's changes, a stored event's data. */
const HISTORY_REMARKS = ["$.satisfaction[0].comment", "$.satisfaction[1].comment"];
const EVENT_REMARKS = ["$.satisfaction.comment", "$.previous.comment", "$.ticket.satisfaction.comment"];

/** JSON `column` with the text at each path (when one stands there) set to ERASED_TEXT; nothing else touched. */
const remarksErased = (column: AnySQLiteColumn, paths: string[]): SQL =>
  paths.reduce<SQL>((json, path) => sql`CASE WHEN json_type(${json}, ${path}) = 'text' THEN json_set(${json}, ${path}, ${ERASED_TEXT}) ELSE ${json} END`, sql`${column}`);

function replaceAll(text: string, who: Person): string {
  let out = text.split(who.email).join(erasedEmail(who.id));
  if (who.name.length >= MIN_REPLACED_NAME_CHARS) out = out.split(who.name).join(ERASED_NAME);
  return out;
}
