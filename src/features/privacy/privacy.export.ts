import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { systemContext } from "../../contexts";
import {
  attachments,
  auditLogs,
  channelIdentities,
  comments,
  exports,
  inboundMessages,
  outboundMessages,
  refreshTokens,
  savedSearches,
  ticketParticipants,
  tickets,
  users,
} from "../../db/schema";
import type { Bindings } from "../../env";
import { AppError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { toAttachment } from "../attachments/attachments.serialize";
import { toComment } from "../comments/comments.serialize";
import { ticketView } from "../tickets/ticket-view";
import { requesterColumns, toTicket } from "../tickets/tickets.serialize";
import { toUser } from "../users/users.serialize";

/**
 * A person's data (API.md "Privacy": `GET /users/{id}/export`), as an export job: the request
 * queues it, a Queue consumer writes one JSON document into R2, `GET /exports/{id}` says when it is
 * done and `GET /exports/{id}/download` hands it to the admin. Everything held about the person:
 * the account, the tickets they asked (with every comment and file, internal ones marked), their
 * comments elsewhere, the mail they sent and were sent, where they were Cc'd, their saved searches,
 * sessions, channel identities and the audit entries by or about them.
 */

export const EXPORTS_QUEUE = "edgedesk-exports";
/** Export files are kept this long (API.md "Exports"). */
export const EXPORT_TTL_MS = 7 * 24 * 3_600_000;
/** Delivery attempts before the export is marked failed (wrangler.toml max_retries agrees). */
export const MAX_EXPORT_ATTEMPTS = 3;
// D1 binds at most 100 values per statement.
const IDS_PER_STATEMENT = 90;

type ExportRow = typeof exports.$inferSelect;
export const exportKey = (id: string) => `exports/${id}.json`;

export function toExport(row: ExportRow, origin: string) {
  return {
    id: row.id,
    kind: row.kind,
    format: row.format,
    subject_id: row.subjectId,
    status: row.status,
    progress: { rows_done: row.rowsDone, rows_estimated: row.rowsEstimated },
    download_url: row.status === "done" ? `${origin}/api/v1/exports/${row.id}/download` : null,
    size: row.size,
    error: row.error,
    created_by_id: row.createdById,
    created_at: row.createdAt,
    finished_at: row.finishedAt,
    expires_at: row.expiresAt,
  };
}

export async function requestUserExport(ctx: ServiceContext, userId: string, origin: string) {
  const actor = actorOf(ctx);
  const [who] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!who) throw notFound("User");
  const now = ctx.now.toISOString();
  const row: ExportRow = {
    id: newId(ctx.now.getTime()),
    kind: "user",
    format: "json",
    subjectId: who.id,
    status: "queued",
    rowsDone: 0,
    rowsEstimated: 0,
    fileKey: null,
    size: null,
    error: null,
    createdById: actor.id,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    expiresAt: new Date(ctx.now.getTime() + EXPORT_TTL_MS).toISOString(),
  };
  await ctx.db.batch([ctx.db.insert(exports).values(row), auditInsert(ctx, { action: "user.exported", entityType: "user", entityId: who.id, changes: { export_id: row.id } })]);
  await ctx.env.EXPORTS.send({ id: row.id });
  return toExport(row, origin);
}

async function exportRow(ctx: ServiceContext, id: string): Promise<ExportRow> {
  const [row] = await ctx.db.select().from(exports).where(eq(exports.id, id)).limit(1);
  if (!row || row.expiresAt <= ctx.now.toISOString()) throw notFound("Export");
  return row;
}

export async function getExport(ctx: ServiceContext, id: string, origin: string) {
  return toExport(await exportRow(ctx, id), origin);
}

export async function downloadExport(ctx: ServiceContext, id: string): Promise<{ body: ReadableStream; size: number; filename: string }> {
  const row = await exportRow(ctx, id);
  if (row.status !== "done" || !row.fileKey) throw new AppError("CONFLICT", `The export is ${row.status}; download it once it is done`);
  const object = await ctx.env.ATTACHMENTS.get(row.fileKey);
  if (!object) throw notFound("Export file");
  return { body: object.body, size: object.size, filename: `user-${row.subjectId}-${row.id}.json` };
}

// ---------------------------------------------------------------- the consumer

export async function runExportBatch(batch: MessageBatch<{ id: string }>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    const ctx = systemContext(env, `export:${message.body.id}`, { now: new Date() });
    try {
      await build(ctx, message.body.id);
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ event: "export_failed", export_id: message.body.id, attempt: message.attempts, error: String(err) }));
      if (message.attempts >= MAX_EXPORT_ATTEMPTS) {
        await ctx.db.update(exports).set({ status: "failed", error: "the export could not be built", updatedAt: ctx.now.toISOString() }).where(eq(exports.id, message.body.id));
        message.ack();
      } else {
        message.retry({ delaySeconds: 5 * message.attempts });
      }
    }
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

async function inSlices<T>(ids: string[], query: (slice: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) out.push(...(await query(ids.slice(i, i + IDS_PER_STATEMENT))));
  return out;
}

async function build(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select().from(exports).where(eq(exports.id, id)).limit(1);
  if (!row || row.status === "done" || row.status === "failed" || !row.subjectId) return;
  await ctx.db.update(exports).set({ status: "running", updatedAt: ctx.now.toISOString() }).where(eq(exports.id, id));
  const document = await personData(ctx, row.subjectId);
  const text = JSON.stringify(document, null, 2);
  const key = exportKey(id);
  const stored = await ctx.env.ATTACHMENTS.put(key, text, { httpMetadata: { contentType: "application/json" } });
  const rows = document.counts.total;
  const now = ctx.now.toISOString();
  await ctx.db.update(exports).set({ status: "done", fileKey: key, size: stored!.size, rowsDone: rows, rowsEstimated: rows, finishedAt: now, updatedAt: now }).where(eq(exports.id, id));
}

/** Everything held about one person, as the export document. */
export async function personData(ctx: ServiceContext, userId: string) {
  const [user] = await ctx.db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new Error(`user ${userId} is gone`);
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
  const onTheirTickets = await inSlices(ticketIds, (slice) =>
    ctx.db.select({ row: comments, author }).from(comments).innerJoin(users, eq(users.id, comments.authorId)).where(inArray(comments.ticketId, slice)).orderBy(asc(comments.createdAt)),
  );
  const theirs = await ctx.db.select({ row: comments, author }).from(comments).innerJoin(users, eq(users.id, comments.authorId)).where(eq(comments.authorId, userId)).orderBy(asc(comments.createdAt));
  const requestedSet = new Set(ticketIds);
  const elsewhere = theirs.filter((c) => !requestedSet.has(c.row.ticketId));
  const files = await inSlices(ticketIds, (slice) => ctx.db.select().from(attachments).where(inArray(attachments.ticketId, slice)));
  const view = await ticketView(ctx, requested.map((t) => t.row));
  // Mail from them: on their tickets and the tickets they wrote on (by ticket), and held mail (by the held index).
  const mailColumns = { id: inboundMessages.id, ticket_id: inboundMessages.ticketId, comment_id: inboundMessages.commentId, status: inboundMessages.status, from: inboundMessages.fromAddress, from_name: inboundMessages.fromName, subject: inboundMessages.subject, text: inboundMessages.text, created_at: inboundMessages.createdAt };
  const theirCommentIds = new Set(theirs.map((c) => c.row.id));
  const mailTickets = [...new Set([...ticketIds, ...elsewhere.map((c) => c.row.ticketId)])];
  const sent = [
    ...(await inSlices(mailTickets, (slice) => ctx.db.select(mailColumns).from(inboundMessages).where(inArray(inboundMessages.ticketId, slice)))).filter(
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
