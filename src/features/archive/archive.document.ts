import { and, eq, inArray, sql } from "drizzle-orm";
import { IDS_PER_STATEMENT, slices, type BatchItem } from "../../db/client";
import { attachments, comments, ticketArchiveAuthors, ticketHistory, tickets } from "../../db/schema";
import { AppError } from "../../lib/errors";
import type { ServiceContext } from "../../lib/request-context";
import type { TicketRow } from "../tickets/tickets.serialize";

/**
 * An archived ticket's document (docs/scale.md "Archive to R2"): what left D1 when it was archived
 * (its comments, internal notes with their flag, and history), with the ticket row and its
 * attachments' metadata as they were, so the document alone tells the whole ticket. Attachment
 * bytes and rows stay where they are. This module reads and restores documents; archiving itself is
 * archive.service.ts (which writes through the one ticket write, which imports this one).
 */
export interface ArchiveDocument {
  format: typeof ARCHIVE_FORMAT;
  ticket: TicketRow;
  comments: (typeof comments.$inferSelect)[];
  history: (typeof ticketHistory.$inferSelect)[];
  attachments: (typeof attachments.$inferSelect)[];
}
export const ARCHIVE_FORMAT = 1;

/**
 * Where a ticket's document is: keyed by the revision the ticket has while archived (the archiving
 * write moves it once; any later write restores the ticket), so a document from an archiving that
 * lost its race can never be taken for the live one, nor deleted in its place.
 */
export const archiveKey = (ticketId: string, revision: number) => `${archivePrefix(ticketId)}${revision}.json.gz`;
export const archivePrefix = (ticketId: string) => `archive/tickets/${ticketId}/`;

export async function gzipJson(value: unknown): Promise<Uint8Array> {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzipJson<T>(body: ReadableStream<Uint8Array>): Promise<T> {
  return JSON.parse(await new Response(body.pipeThrough(new DecompressionStream("gzip"))).text()) as T;
}

// One R2 read per document per request: a page of comments and their ticket's history read it once.
const readCache = new WeakMap<ServiceContext, Map<string, Promise<ArchiveDocument>>>();

/** The document of an archived ticket (as its row says it is archived). */
export function readArchive(ctx: ServiceContext, ticket: Pick<TicketRow, "id" | "revision">): Promise<ArchiveDocument> {
  const key = archiveKey(ticket.id, ticket.revision);
  const cache = readCache.get(ctx) ?? new Map<string, Promise<ArchiveDocument>>();
  readCache.set(ctx, cache);
  let doc = cache.get(key);
  if (!doc) {
    doc = ctx.env.ATTACHMENTS.get(key).then(async (object) => {
      if (!object) throw new AppError("INTERNAL_ERROR", `The archive of ticket ${ticket.id} is missing from storage`);
      return gunzipJson<ArchiveDocument>(object.body);
    });
    cache.set(key, doc);
    doc.catch(() => cache.delete(key));
  }
  return doc;
}

/**
 * The archive that holds a ticket's comments and files, if it is archived: its own, or for a merged
 * ticket (whose comments and files live on the ticket it was merged into) its target's. A ticket's
 * history is always in its own.
 */
export async function archiveHolding(ctx: ServiceContext, ticket: Pick<TicketRow, "id" | "revision" | "archivedAt" | "mergedIntoId">): Promise<ArchiveDocument | null> {
  if (!ticket.mergedIntoId) return ticket.archivedAt ? readArchive(ctx, ticket) : null;
  const [target] = await ctx.db.select({ id: tickets.id, revision: tickets.revision, archivedAt: tickets.archivedAt }).from(tickets).where(eq(tickets.id, ticket.mergedIntoId)).limit(1);
  return target?.archivedAt ? readArchive(ctx, target) : null;
}

/** A keyset page of rows held in memory, in the same order and with the same cursor position as the SQL list it stands for. */
export function pageInMemory<T>(rows: T[], key: (row: T) => (string | number)[], after: (string | number)[] | null, limit: number): T[] {
  const cmp = (a: (string | number)[], b: (string | number)[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return 0;
  };
  return rows
    .filter((r) => !after || cmp(key(r), after) > 0)
    .sort((a, b) => cmp(key(a), key(b)))
    .slice(0, limit + 1);
}

/** The distinct authors of an archive's comments besides its requester, whom the stub names (ticket_archive_authors). */
export const archiveAuthors = (rows: { authorId: string }[], requesterId: string) => [...new Set(rows.map((c) => c.authorId))].filter((id) => id !== requesterId);

// SQLite's one "integer overflow" (src/db/errors.ts classifies it as stale): a batch item that always aborts.
const NEVER_COMMITS = sql.raw("SELECT abs(-9223372036854775807 - 1)");

/** Multi-row inserts within D1's 100 bound values per statement. */
function insertsOf<T extends Record<string, unknown>>(rows: T[], insert: (rows: T[]) => BatchItem): BatchItem[] {
  if (!rows.length) return [];
  const perStatement = Math.max(1, Math.floor(IDS_PER_STATEMENT / Object.keys(rows[0]!).length));
  const items: BatchItem[] = [];
  for (let i = 0; i < rows.length; i += perStatement) items.push(insert(rows.slice(i, i + perStatement)));
  return items;
}

/**
 * The rows that bring an archived ticket back whole, for the batch of the change that restores it
 * (features/tickets/ticket-write.ts): its comments (their search entries follow by trigger) and
 * history, with their own ids, as they were.
 */
export async function restoreRows(ctx: ServiceContext, ticket: Pick<TicketRow, "id" | "revision">): Promise<BatchItem[]> {
  // No document: another write restored the ticket after this one read it (its guard fails anyway),
  // or the document is lost. Either way the batch must not commit: stale, so the write plans again
  // from a fresh read, and a ticket whose document is lost is refused (409), never emptied.
  const doc = await readArchive(ctx, ticket).catch((err) => (err instanceof AppError && err.code === "INTERNAL_ERROR" ? null : Promise.reject(err)));
  if (!doc) return [ctx.db.run(NEVER_COMMITS)];
  const authors = archiveAuthors(doc.comments, doc.ticket.requesterId);
  return [
    ...insertsOf(doc.comments, (rows) => ctx.db.insert(comments).values(rows)),
    ...insertsOf(doc.history, (rows) => ctx.db.insert(ticketHistory).values(rows)),
    ...slices(authors).map((ids) => ctx.db.delete(ticketArchiveAuthors).where(and(inArray(ticketArchiveAuthors.authorId, ids), eq(ticketArchiveAuthors.ticketId, ticket.id)))),
  ];
}

/** Deletes a ticket's documents once its restore committed: the one it came from and any stray of an archiving that lost its race. */
export async function dropArchives(ctx: ServiceContext, ticketId: string): Promise<void> {
  const listed = await ctx.env.ATTACHMENTS.list({ prefix: archivePrefix(ticketId) });
  const keys = listed.objects.map((o) => o.key);
  if (keys.length) await ctx.env.ATTACHMENTS.delete(keys);
}
