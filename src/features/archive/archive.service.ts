import { and, asc, eq, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { batchStatement } from "../../db/client";
import { attachments, comments, ticketArchiveAuthors, ticketHistory, tickets } from "../../db/schema";
import { ARCHIVABLE } from "../../db/schema/tickets";
import { sha256Hex } from "../../lib/crypto";
import { AppError, nullIfNotFound } from "../../lib/errors";
import type { ServiceContext } from "../../lib/request-context";
import { retryTicketWrite, writeTicket } from "../tickets/ticket-write";
import { findVisibleTicket } from "../tickets/tickets.service";
import { returnRetiredOf } from "./archive.retire";
import { ARCHIVE_FORMAT, archiveAuthors, archiveKey, gzipJson, type ArchiveDocument } from "./archive.document";

/** Closed tickets move to the archive this many days after closing (issue 15: "older than a setting"; a year of a support team's lookbacks stays in D1). */
export const DEFAULT_ARCHIVE_AFTER_DAYS = 365;
/** Tickets found per cron tick: a minute's worth for the queue, so a backlog drains over ticks instead of flooding it. */
export const ARCHIVE_TICKETS_PER_TICK = 500;
/** Tickets per queue message: each is ~6 D1 statements and one R2 put, well inside one invocation's limits. */
export const ARCHIVE_CHUNK = 25;

/** ARCHIVE_AFTER_DAYS: a positive number of days; anything else (a typo) is the default, never "archive everything". */
export function archiveAfterDays(setting: string | undefined): number {
  const days = Number(setting);
  return Number.isFinite(days) && days > 0 ? days : DEFAULT_ARCHIVE_AFTER_DAYS;
}

/** Ids of closed tickets due for the archive, oldest closing first, through tickets_archive_due_idx. */
export async function archiveDue(ctx: ServiceContext, before: string, limit: number): Promise<string[]> {
  const rows = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(ARCHIVABLE, eq(tickets.status, "closed"), lte(tickets.closedAt, before)))
    .orderBy(asc(tickets.closedAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

// Fails the batch (classified stale, src/db/errors.ts) unless the ticket still has exactly the rows
// the document holds: an internal note leaves the ticket row as it is, so the row's guard alone
// would not see one written between the read and the batch.
const INT_MIN = sql.raw("-9223372036854775807 - 1");
const stillHolds = (table: typeof comments | typeof ticketHistory, ticketId: string, count: number) =>
  sql`SELECT abs(CASE WHEN (SELECT count(*) FROM ${table} WHERE ${table.ticketId} = ${ticketId}) = ${count} THEN 0 ELSE ${INT_MIN} END)`;

export type ArchiveOutcome = "archived" | "skipped";

/**
 * Moves one closed ticket to the archive: its document to R2, then ONE guarded write through the
 * one ticket write that marks the row archived and deletes its comments (their search entries go by
 * trigger) and history. Idempotent and resumable: the document's key is the revision the write will
 * give the ticket, so a run killed between the put and the batch puts the same object again and
 * writes the batch; a ticket changed meanwhile (reopened, commented) fails the guard and is skipped,
 * its document deleted.
 */
export async function archiveTicket(ctx: ServiceContext, ticketId: string, before: string): Promise<ArchiveOutcome> {
  // Deleted meanwhile: nothing to archive.
  const found = await findVisibleTicket(ctx, ticketId).catch((err) => (err instanceof AppError && err.code === "NOT_FOUND" ? null : Promise.reject(err)));
  if (!found) return "skipped";
  const { row, requester } = found;
  if (row.archivedAt || row.status !== "closed" || !row.closedAt || row.closedAt > before) return "skipped";
  const [commentRows, historyRows, attachmentRows] = await Promise.all([
    ctx.db.select().from(comments).where(eq(comments.ticketId, row.id)),
    ctx.db.select().from(ticketHistory).where(eq(ticketHistory.ticketId, row.id)),
    ctx.db.select().from(attachments).where(eq(attachments.ticketId, row.id)),
  ]);
  const doc: ArchiveDocument = { format: ARCHIVE_FORMAT, ticket: row, comments: commentRows, history: historyRows, attachments: attachmentRows };
  const bytes = await gzipJson(doc);
  const key = archiveKey(row.id, row.revision + 1);
  await ctx.env.ATTACHMENTS.put(key, bytes, {
    httpMetadata: { contentType: "application/json", contentEncoding: "gzip" },
    customMetadata: { sha256: await sha256Hex(bytes), comments: String(commentRows.length), history: String(historyRows.length) },
  });
  const now = ctx.now.toISOString();
  const authors = archiveAuthors(commentRows, row.requesterId);
  const outcome = await writeTicket(ctx, {
    kind: "update",
    before: row,
    // Storage only: version, updated_at and everything a user sees stay as they are.
    after: { ...row, archivedAt: now },
    set: { archivedAt: now },
    requester,
    history: [],
    audit: [],
    extra: [
      batchStatement(ctx.db, stillHolds(comments, row.id, commentRows.length)),
      batchStatement(ctx.db, stillHolds(ticketHistory, row.id, historyRows.length)),
      ctx.db.delete(comments).where(eq(comments.ticketId, row.id)),
      ctx.db.delete(ticketHistory).where(eq(ticketHistory.ticketId, row.id)),
      ...(authors.length ? [ctx.db.insert(ticketArchiveAuthors).values(authors.map((authorId) => ({ authorId, ticketId: row.id })))] : []),
    ],
  });
  // A stray of an earlier run that lost its race stays until the ticket is restored (which deletes
  // every object under its prefix): listing per archived ticket would cost an R2 list each.
  if (outcome.ok) return "archived";
  // Changed meanwhile. The key is live only if another run archived this very revision.
  const [current] = await ctx.db.select({ revision: tickets.revision, archivedAt: tickets.archivedAt }).from(tickets).where(eq(tickets.id, row.id)).limit(1);
  if (!(current?.archivedAt && current.revision === row.revision + 1)) await ctx.env.ATTACHMENTS.delete(key);
  return "skipped";
}

/**
 * Brings an archived ticket back whole without changing it (what the one write does with any change
 * of an archived ticket): for work that needs its rows in D1, a redaction or a person's erasure.
 */
export async function restoreTicket(ctx: ServiceContext, ticketId: string): Promise<void> {
  await retryTicketWrite(ctx, async () => {
    const { row, requester } = await findVisibleTicket(ctx, ticketId);
    if (!row.archivedAt) return { skip: undefined };
    return { write: { kind: "update", before: row, after: row, set: {}, requester, history: [], audit: [] }, done: () => undefined };
  });
}

/**
 * Restores every archived ticket that holds a person's words (their requests, their comments) or
 * their mail, so their export and erasure read and rewrite D1 as for any other ticket. Erasure and
 * export are rare; the cron archives the tickets again later.
 */
export async function restoreArchivedOf(ctx: ServiceContext, userId: string): Promise<number> {
  const written = await ctx.db.select({ id: ticketArchiveAuthors.ticketId }).from(ticketArchiveAuthors).where(eq(ticketArchiveAuthors.authorId, userId));
  // Retired ones (in a year's database) come back into main first (archive.retire.ts). Each is
  // restored below even if nothing else names it here: a retire pass could move an archived one out
  // again before the caller rewrites main; restoring (through findVisibleTicket) brings it back once
  // more and un-archives it, and the retire takes only archived tickets.
  const returned = await returnRetiredOf(ctx, userId, written.map((w) => w.id));
  const requested = await ctx.db.select({ id: tickets.id }).from(tickets).where(and(eq(tickets.requesterId, userId), isNull(tickets.deletedAt), isNotNull(tickets.archivedAt)));
  const ids = [...new Set([...requested.map((t) => t.id), ...written.map((t) => t.id), ...returned])];
  // A ticket deleted since it was found answers 404 here: there is nothing to restore.
  for (const id of ids) await restoreTicket(ctx, id).catch(nullIfNotFound);
  return ids.length;
}
