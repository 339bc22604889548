import { and, asc, desc, eq, sql } from "drizzle-orm";
import { importErrors, importParts, imports } from "../../db/schema";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { AppError, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";

/**
 * Imports from another helpdesk (API.md "Import"): an admin creates one, uploads the export's files
 * (each becomes a part in R2), and starts it; a Queue consumer (imports.runner.ts) then works
 * through the parts in chunks, and `GET /imports/{id}` shows how far it got and what it could not take.
 */

export type ImportRow = typeof imports.$inferSelect;

/** One upload: Workers take request bodies up to 100 MB; a bigger export goes up as several files. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const MAX_PARTS = 200;
/** Errors kept per import (all are counted): enough to fix an export, bounded however broken it is. */
export const MAX_STORED_ERRORS = 1_000;
/** Errors shown by GET /imports/{id}. */
const SHOWN_ERRORS = 100;

export const partKey = (importId: string, n: number) => `imports/${importId}/${n}`;

export function toImport(row: ImportRow, origin: string, errors: { part: number; line: number; message: string }[]) {
  return {
    id: row.id,
    source: row.source,
    status: row.status,
    upload_url: `${origin}/api/v1/imports/${row.id}/upload`,
    parts: row.parts,
    bytes: row.bytes,
    progress: { organizations: row.organizations, users: row.users, tickets: row.tickets, comments: row.comments, skipped: row.skipped },
    phase: row.phase,
    errors,
    error_count: row.errorCount,
    created_by_id: row.createdById,
    created_at: row.createdAt,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
  };
}

async function importRow(ctx: ServiceContext, id: string): Promise<ImportRow> {
  const [row] = await ctx.db.select().from(imports).where(eq(imports.id, id)).limit(1);
  if (!row) throw notFound("Import");
  return row;
}

async function shownErrors(ctx: ServiceContext, id: string) {
  return ctx.db
    .select({ part: importErrors.part, line: importErrors.line, message: importErrors.message })
    .from(importErrors)
    .where(eq(importErrors.importId, id))
    .orderBy(asc(importErrors.seq))
    .limit(SHOWN_ERRORS);
}

export async function createImport(ctx: ServiceContext, input: { source: "zendesk" }, origin: string) {
  const actor = actorOf(ctx);
  const now = ctx.now.toISOString();
  const row: ImportRow = {
    id: newId(ctx.now.getTime()),
    source: input.source,
    account: null,
    status: "awaiting_upload",
    createdById: actor.id,
    step: 0,
    phase: "prepare",
    part: 0,
    offset: 0,
    line: 0,
    parts: 0,
    bytes: 0,
    organizations: 0,
    users: 0,
    tickets: 0,
    comments: 0,
    skipped: 0,
    errorCount: 0,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
  };
  await ctx.db.batch([
    ctx.db.insert(imports).values(row),
    auditInsert(ctx, { action: "import.created", entityType: "import", entityId: row.id, changes: { source: [null, row.source] } }),
  ]);
  return toImport(row, origin, []);
}

export async function getImport(ctx: ServiceContext, id: string, origin: string) {
  const row = await importRow(ctx, id);
  return toImport(row, origin, await shownErrors(ctx, id));
}

export async function listImports(ctx: ServiceContext, q: { limit: number; cursor?: string | undefined }, origin: string) {
  const secret = signingSecret(ctx.env);
  const sort = "imports:-created_at";
  const where = q.cursor ? olderThan(imports.createdAt, imports.id, await decodeCursor(secret, sort, q.cursor)) : undefined;
  const rows = await ctx.db.select().from(imports).where(where).orderBy(desc(imports.createdAt), desc(imports.id)).limit(q.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return { data: items.map((r) => toImport(r, origin, [])), next_cursor };
}

/**
 * One file of the export, streamed into R2 as it arrives (never held whole in memory): its part
 * number is handed out by one atomic update, so concurrent uploads each get their own.
 */
export async function uploadPart(ctx: ServiceContext, id: string, body: ReadableStream<Uint8Array> | null, length: number | null, origin: string) {
  const row = await importRow(ctx, id);
  if (row.status !== "awaiting_upload") throw new AppError("CONFLICT", `The import is ${row.status}; files can only be added before it starts`);
  if (!body || length === 0) throw validation("Empty upload", { body: ["send the export file as the request body"] });
  if (length === null) throw new AppError("VALIDATION_ERROR", "Content-Length is required", { errors: { "content-length": ["required: the file is streamed into storage"] } });
  if (length > MAX_UPLOAD_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `One upload holds at most ${MAX_UPLOAD_BYTES} bytes; send a larger export as several files`);
  const [claimed] = await ctx.db
    .update(imports)
    .set({ parts: sql`${imports.parts} + 1`, updatedAt: ctx.now.toISOString() })
    .where(and(eq(imports.id, id), eq(imports.status, "awaiting_upload"), sql`${imports.parts} < ${MAX_PARTS}`))
    .returning({ parts: imports.parts });
  if (!claimed) throw new AppError("CONFLICT", `At most ${MAX_PARTS} files per import, and only before it starts`);
  const n = claimed.parts - 1;
  const key = partKey(id, n);
  // The body is read once, as it streams; a Content-Length that lies makes R2 refuse the write.
  let stored: R2Object | null;
  try {
    stored = await ctx.env.ATTACHMENTS.put(key, body.pipeThrough(new FixedLengthStream(length)));
  } catch (err) {
    // The stream refused a body longer or shorter than its Content-Length: the client's fault, nothing kept.
    if (err instanceof TypeError) throw validation("The body does not match its Content-Length", { "content-length": ["must be the body's exact size in bytes"] });
    throw err;
  }
  if (!stored) throw new Error(`R2 refused ${key}`);
  await ctx.db.batch([
    ctx.db.insert(importParts).values({ importId: id, n, key, size: stored.size, createdAt: ctx.now.toISOString() }),
    ctx.db.update(imports).set({ bytes: sql`${imports.bytes} + ${stored.size}` }).where(eq(imports.id, id)),
    auditInsert(ctx, { action: "import.uploaded", entityType: "import", entityId: id, changes: { part: n, size: stored.size } }),
  ]);
  return { import_id: id, part: n, size: stored.size, upload_url: `${origin}/api/v1/imports/${id}/upload` };
}

/** Starts the import: the Queue consumer takes it from here, one chunk per message. */
export async function startImport(ctx: ServiceContext, id: string, origin: string) {
  const row = await importRow(ctx, id);
  if (row.status !== "awaiting_upload") throw new AppError("CONFLICT", `The import is already ${row.status}`);
  if (row.parts === 0) throw new AppError("CONFLICT", "Upload the export's files first (PUT them to upload_url)");
  const [stored] = await ctx.db.select({ n: sql<number>`count(*)` }).from(importParts).where(eq(importParts.importId, id));
  if (stored!.n !== row.parts) throw new AppError("CONFLICT", "A file is still being uploaded; start the import once it is in");
  const now = ctx.now.toISOString();
  const [started] = await ctx.db
    .update(imports)
    .set({ status: "queued", startedAt: now, updatedAt: now })
    .where(and(eq(imports.id, id), eq(imports.status, "awaiting_upload")))
    .returning();
  if (!started) throw new AppError("CONFLICT", "The import was started already");
  await ctx.db.batch([auditInsert(ctx, { action: "import.started", entityType: "import", entityId: id, changes: { parts: row.parts, bytes: row.bytes } })]);
  await ctx.env.IMPORTS.send({ id, step: 0 });
  return toImport(started, origin, []);
}
