import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import {
  attachments,
  auditLogs,
  channelIdentities,
  comments,
  inboundMessages,
  outboundMessages,
  refreshTokens,
  savedSearches,
  ticketParticipants,
  tickets,
  users,
} from "../../db/schema";
import { selectIn } from "../../db/client";
import type { ServiceContext } from "../../lib/request-context";
import { toAttachment } from "../attachments/attachments.serialize";
import { toComment } from "../comments/comments.serialize";
import { ticketView } from "../tickets/ticket-view";
import { requesterColumns, toTicket } from "../tickets/tickets.serialize";
import { restoreArchivedOf } from "../archive/archive.service";
import { toUser } from "../users/users.serialize";

/**
 * A person's data (API.md "Privacy": `GET /users/{id}/export`): the document of the export kind
 * `user` (features/exports/exports.kinds.ts), built by the one export machinery (JOBS queue, R2,
 * `GET /exports/{id}` and its download, admins only). Everything held about the person: the
 * account, the tickets they asked (with every comment and file, internal ones marked), their
 * comments elsewhere, the mail they sent and were sent, where they were Cc'd, their saved searches,
 * sessions, channel identities and the audit entries by or about them.
 */

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Everything held about one person, as the export document. */
export async function personData(ctx: ServiceContext, userId: string) {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new Error(`user ${userId} is gone`);
  // Archived tickets holding their words come back first: the export reads D1 (features/archive).
  await restoreArchivedOf(ctx, userId);
  // Live and deleted tickets through their own (partial) indexes.
  const requestedWhere = async (deleted: boolean) =>
    ctx.db
      .select({ row: tickets, requester: requesterColumns })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(and(eq(tickets.requesterId, userId), deleted ? isNotNull(tickets.deletedAt) : isNull(tickets.deletedAt)));
  const requested = [...(await requestedWhere(false)), ...(await requestedWhere(true))].sort((a, b) => a.row.createdAt.localeCompare(b.row.createdAt));
  const ticketIds = requested.map((t) => t.row.id);
  const author = { id: users.id, name: users.name, role: users.role };
  const onTheirTickets = await selectIn(ticketIds, (slice) =>
    ctx.db.select({ row: comments, author }).from(comments).innerJoin(users, eq(users.id, comments.authorId)).where(inArray(comments.ticketId, slice)).orderBy(asc(comments.createdAt)),
  );
  const theirs = await ctx.db.select({ row: comments, author }).from(comments).innerJoin(users, eq(users.id, comments.authorId)).where(eq(comments.authorId, userId)).orderBy(asc(comments.createdAt));
  const requestedSet = new Set(ticketIds);
  const elsewhere = theirs.filter((c) => !requestedSet.has(c.row.ticketId));
  const files = await selectIn(ticketIds, (slice) => ctx.db.select().from(attachments).where(inArray(attachments.ticketId, slice)));
  const view = await ticketView(ctx, requested.map((t) => t.row));
  // Mail from them: on their tickets and the tickets they wrote on (by ticket), and held mail (by the held index).
  const mailColumns = { id: inboundMessages.id, ticket_id: inboundMessages.ticketId, comment_id: inboundMessages.commentId, status: inboundMessages.status, from: inboundMessages.fromAddress, from_name: inboundMessages.fromName, subject: inboundMessages.subject, text: inboundMessages.text, created_at: inboundMessages.createdAt };
  const theirCommentIds = new Set(theirs.map((c) => c.row.id));
  const mailTickets = [...new Set([...ticketIds, ...elsewhere.map((c) => c.row.ticketId)])];
  const sent = [
    ...(await selectIn(mailTickets, (slice) => ctx.db.select(mailColumns).from(inboundMessages).where(inArray(inboundMessages.ticketId, slice)))).filter(
      (m) => m.from === user.email || (m.comment_id !== null && theirCommentIds.has(m.comment_id)),
    ),
    ...(await ctx.db.select(mailColumns).from(inboundMessages).where(and(sql`status IN ('quarantined', 'failed')`, isNull(inboundMessages.ticketId), eq(inboundMessages.fromAddress, user.email)))),
  ];
  const received = await ctx.db
    .select({ id: outboundMessages.id, ticket_id: outboundMessages.ticketId, kind: outboundMessages.kind, to: outboundMessages.toAddress, subject: outboundMessages.subject, status: outboundMessages.status, created_at: outboundMessages.createdAt, sent_at: outboundMessages.sentAt })
    .from(outboundMessages)
    .where(eq(outboundMessages.toAddress, user.email));
  const ccd = await ctx.db.select({ ticket_id: ticketParticipants.ticketId, added_at: ticketParticipants.addedAt }).from(ticketParticipants).where(eq(ticketParticipants.email, user.email));
  const searches = await ctx.db.select({ name: savedSearches.name, query: savedSearches.query, filters: savedSearches.filters, created_at: savedSearches.createdAt }).from(savedSearches).where(eq(savedSearches.userId, userId));
  const sessions = await ctx.db.select({ created_at: refreshTokens.createdAt, expires_at: refreshTokens.expiresAt, revoked_at: refreshTokens.revokedAt }).from(refreshTokens).where(eq(refreshTokens.userId, userId));
  const identities = await ctx.db
    .select({ channel_id: channelIdentities.channelId, external_id: channelIdentities.externalId, name: channelIdentities.name, email: channelIdentities.email, phone: channelIdentities.phone, created_at: channelIdentities.createdAt })
    .from(channelIdentities)
    .where(eq(channelIdentities.userId, userId));
  const audit = await ctx.db
    .select({ at: auditLogs.at, action: auditLogs.action, entity_type: auditLogs.entityType, entity_id: auditLogs.entityId, actor_id: auditLogs.actorId, changes: auditLogs.changes, ip: auditLogs.ip, user_agent: auditLogs.userAgent })
    .from(auditLogs)
    .where(or(eq(auditLogs.actorId, userId), and(eq(auditLogs.entityType, "user"), eq(auditLogs.entityId, userId))))
    .orderBy(asc(auditLogs.at));
  const filesByTicket = groupBy(files, (f) => f.ticketId);
  const commentsByTicket = groupBy(onTheirTickets, (c) => c.row.ticketId);
  const counts = {
    tickets: requested.length,
    comments: onTheirTickets.length + elsewhere.length,
    attachments: files.length,
    mails: sent.length + received.length,
    total: 0,
  };
  counts.total = counts.tickets + counts.comments + counts.attachments + counts.mails + ccd.length + searches.length + sessions.length + identities.length + audit.length;
  return {
    exported_at: ctx.now.toISOString(),
    user: { ...toUser(user), updated_at: user.updatedAt, email_verified_at: user.emailVerifiedAt },
    tickets: requested.map((t) => ({
      ...toTicket(t.row, t.requester, ctx.now, view),
      deleted_at: t.row.deletedAt,
      comments: (commentsByTicket.get(t.row.id) ?? []).map((c) => toComment(c.row, c.author)),
      attachments: (filesByTicket.get(t.row.id) ?? []).map(toAttachment),
    })),
    comments_on_other_tickets: elsewhere.map((c) => toComment(c.row, c.author)),
    mail_from_them: sent,
    mail_to_them: received,
    copied_on_tickets: ccd,
    saved_searches: searches,
    sessions,
    channel_identities: identities,
    audit,
    counts,
  };
}
