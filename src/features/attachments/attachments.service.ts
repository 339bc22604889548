import {
  MaxFileSizeExceededError,
  MaxPartsExceededError,
  MaxTotalSizeExceededError,
  MultipartParseError,
  parseMultipartStream,
  type MultipartPart,
} from "@remix-run/multipart-parser";
import { and, asc, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import { attachments, comments, tickets } from "../../db/schema";
import { can } from "../../domain/permissions";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { sha256Hex } from "../../lib/crypto";
import { AppError, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { mailSettings } from "../../email/settings";
import { signingSecret } from "../auth/tokens";
import { toAttachment, type AttachmentSummary } from "./attachments.serialize";
import { findVisibleTicket, recordOnTicket, readVisibleTicket } from "../tickets/tickets.service";
import { archiveHolding, pageInMemory, readArchive } from "../archive/archive.document";

type AttachmentRow = typeof attachments.$inferSelect;

/** Files per upload request: a form of a thousand tiny parts would be a thousand R2 writes and rows. */
export const MAX_FILES_PER_UPLOAD = 10;
/** Parts of an upload form besides its files (a client may add a field or two); more and the form is refused as it streams in. */
const MAX_OTHER_PARTS = 10;
/** One part's headers (Content-Disposition with its file name, Content-Type): far more than any real one needs. */
const MAX_PART_HEADER_BYTES = 8 * 1024;
/** Characters kept of a file name: longer names only serve path-length tricks. */
export const MAX_FILENAME_CHARS = 255;
/** Tickets that take no more replies take no more files either (comments.service's rule). */
const NO_UPLOADS = new Set(["closed", "cancelled"]);

/**
 * Types a browser would render or run even from a download link if it ever ignored
 * Content-Disposition; served as opaque bytes instead (with nosniff, so the browser believes us).
 */
const ACTIVE_TYPES = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript|application\/ecmascript|text\/ecmascript|multipart\/x-mixed-replace)$/;
const VALID_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;


/** R2 key of a mail attachment's bytes: content-addressed, so the same file mailed twice is stored once. */
export const attachmentKey = (sha256: string) => `attachments/${sha256}`;
/** R2 key of an upload's bytes: its own, so a refused upload deletes exactly what it stored and nothing another row shares. */
export const uploadKey = (attachmentId: string) => `attachments/uploads/${attachmentId}`;
/** Where an attachment's bytes are. */
export const objectKeyOf = (row: Pick<AttachmentRow, "storageKey" | "sha256">) => row.storageKey ?? attachmentKey(row.sha256);

/** Stores bytes under their sha256 (skipping the upload when they are already there); returns the hash. */
export async function storeBytes(bucket: R2Bucket, bytes: Uint8Array, contentType: string): Promise<string> {
  const sha256 = await sha256Hex(bytes);
  const key = attachmentKey(sha256);
  if (!(await bucket.head(key))) await bucket.put(key, bytes, { httpMetadata: { contentType }, sha256 });
  return sha256;
}

/** A file name safe to store and show: last path segment, no control or bidi-override characters. */
export function cleanFilename(name: string | null | undefined, contentType: string, fallbackIndex = 1): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim().slice(0, MAX_FILENAME_CHARS);
  if (clean && clean !== "." && clean !== "..") return clean;
  const ext: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf", "text/plain": "txt", "text/calendar": "ics", "message/rfc822": "eml" };
  return `attachment-${fallbackIndex}.${ext[contentType] ?? "bin"}`;
}

export function cleanContentType(type: string | null | undefined): string {
  const t = (type ?? "").split(";")[0]!.trim().toLowerCase();
  return VALID_TYPE.test(t) && t.length <= 255 ? t : "application/octet-stream";
}

/** Ids for the files of one message or upload, ascending: listed in (created_at, id) order they keep the sender's order. */
export function orderedIds(ctx: ServiceContext, n: number): string[] {
  return Array.from({ length: n }, () => newId(ctx.now.getTime())).sort();
}

export function attachmentInsert(
  ctx: ServiceContext,
  file: { id?: string; ticketId: string; commentId: string | null; filename: string; contentType: string; size: number; sha256: string; storageKey?: string },
) {
  const row: AttachmentRow = {
    id: file.id ?? newId(ctx.now.getTime()),
    ticketId: file.ticketId,
    commentId: file.commentId,
    filename: file.filename,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    storageKey: file.storageKey ?? null,
    uploadedById: ctx.actor?.id ?? null,
    createdAt: ctx.now.toISOString(),
    mergedFromTicketId: null,
  };
  return { row, insert: ctx.db.insert(attachments).values(row) };
}

/** Attachments of a page of comments, by comment id, in one indexed query. */
export async function attachmentsByComment(ctx: ServiceContext, commentIds: string[]): Promise<Map<string, AttachmentSummary[]>> {
  const byComment = new Map<string, AttachmentSummary[]>();
  if (!commentIds.length) return byComment;
  const rows = await ctx.db.select().from(attachments).where(inArray(attachments.commentId, commentIds)).orderBy(asc(attachments.createdAt), asc(attachments.id));
  for (const row of rows) {
    const list = byComment.get(row.commentId!) ?? [];
    list.push(toAttachment(row));
    byComment.set(row.commentId!, list);
  }
  return byComment;
}

/** A customer never sees a file of an internal note; files with no comment belong to the ticket itself. */
const visibleToCustomers = or(isNull(attachments.commentId), eq(comments.internal, false))!;

export async function listAttachments(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row: ticket } = await readVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `attachments:${ticket.id}`;
  const seesInternal = can(actor.role, "ticket.see_internal");
  // An archived ticket's notes are in its document: which files are a customer's to see is read there.
  const doc = seesInternal ? null : await archiveHolding(ctx, ticket);
  if (doc) {
    const pos = page.cursor ? await decodeCursor(secret, sort, page.cursor) : null;
    const internal = new Set(doc.comments.filter((c) => c.internal).map((c) => c.id));
    const mine = doc.attachments.filter((a) => (ticket.mergedIntoId ? a.mergedFromTicketId === ticket.id : a.ticketId === ticket.id) && !(a.commentId && internal.has(a.commentId)));
    const rows = pageInMemory(mine, (a) => [a.createdAt, a.id], pos ? [String(pos.key), pos.id] : null, page.limit).map((row) => ({ row }));
    const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.row.createdAt, id: last.row.id }));
    return { data: items.map((r) => toAttachment(r.row)), next_cursor };
  }
  // A merged ticket's files are those it had when it was merged (now on its target), like its comments.
  const where: SQL[] = [ticket.mergedIntoId ? eq(attachments.mergedFromTicketId, ticket.id) : eq(attachments.ticketId, ticket.id)];
  if (!seesInternal) where.push(visibleToCustomers);
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    where.push(newerThan(attachments.createdAt, attachments.id, pos));
  }
  const rows = await ctx.db
    .select({ row: attachments })
    .from(attachments)
    .leftJoin(comments, eq(comments.id, attachments.commentId))
    .where(and(...where))
    .orderBy(asc(attachments.createdAt), asc(attachments.id))
    .limit(page.limit + 1);
  const { items: items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.row.createdAt, id: last.row.id }));
  return {
    data: items.map((r) => toAttachment(r.row)),
    next_cursor,
  };
}

/** The file and its bytes, for whoever may see it; 404 for everyone else (no existence oracle). */
export async function openAttachment(ctx: ServiceContext, id: string) {
  const actor = actorOf(ctx);
  const [found] = await ctx.db
    .select({ row: attachments, internal: comments.internal })
    .from(attachments)
    .leftJoin(comments, eq(comments.id, attachments.commentId))
    .where(eq(attachments.id, id))
    .limit(1);
  if (!found) throw notFound("Attachment");
  // Visible on its ticket, or on the merged ticket it came from (whose requester keeps their own files).
  const homes = [found.row.ticketId, ...(found.row.mergedFromTicketId ? [found.row.mergedFromTicketId] : [])];
  let visible = false;
  for (const home of homes) {
    visible ||= await readVisibleTicket(ctx, home).then(
      () => true,
      () => false,
    );
  }
  if (!visible) throw notFound("Attachment");
  if (!can(actor.role, "ticket.see_internal") && (found.internal || (found.row.commentId && found.internal === null && (await archivedNote(ctx, found.row))))) {
    throw notFound("Attachment");
  }
  const object = await ctx.env.ATTACHMENTS.get(objectKeyOf(found.row));
  if (!object) throw new AppError("INTERNAL_ERROR", `The bytes of attachment ${id} are missing from storage`);
  return { row: found.row, body: object.body };
}

/**
 * Whether the comment of a file is an internal note when the comment is not in D1: the ticket is
 * archived and the document says. A comment found nowhere counts as internal: a customer is never
 * handed a file on a guess.
 */
async function archivedNote(ctx: ServiceContext, file: AttachmentRow): Promise<boolean> {
  const [holder] = await ctx.db.select({ id: tickets.id, revision: tickets.revision, archivedAt: tickets.archivedAt }).from(tickets).where(eq(tickets.id, file.ticketId)).limit(1);
  if (!holder?.archivedAt) return true;
  const comment = (await readArchive(ctx, holder)).comments.find((c) => c.id === file.commentId);
  return comment?.internal ?? true;
}

/** RFC 6266: an ASCII fallback `filename` and the exact name as RFC 5987 `filename*`. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_").replace(/[%;]/g, "_") || "attachment";
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function downloadHeaders(row: AttachmentRow): Record<string, string> {
  return {
    "Content-Type": ACTIVE_TYPES.test(row.contentType) ? "application/octet-stream" : row.contentType,
    "Content-Length": String(row.size),
    "Content-Disposition": contentDisposition(row.filename),
    "X-Content-Type-Options": "nosniff",
    // Even if opened inline by mistake, the document can run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
  };
}

/** The body of an upload: the request's stream and its multipart boundary. */
export interface UploadBody {
  stream: ReadableStream<Uint8Array>;
  boundary: string;
}

/**
 * Writes one part's bytes to R2 as they are (no copy into one buffer), hashing them on the way:
 * a fixed-length stream, because R2 needs to know a streamed object's size up front.
 */
async function putPart(bucket: R2Bucket, key: string, part: MultipartPart, contentType: string): Promise<string> {
  const { readable, writable } = new FixedLengthStream(part.size);
  const digest = new crypto.DigestStream("SHA-256");
  const put = bucket.put(key, readable, { httpMetadata: { contentType } });
  const [file, hash] = [writable.getWriter(), digest.getWriter()];
  const feed = async () => {
    for (const chunk of part.content) await Promise.all([file.write(chunk), hash.write(chunk)]);
    await Promise.all([file.close(), hash.close()]);
  };
  try {
    // Together: a put that fails stops reading, and the writes would otherwise wait for it forever.
    await Promise.all([feed(), put]);
  } catch (err) {
    await file.abort(err).catch(() => {});
    throw err;
  }
  return [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the parser's refusals mean to the client. */
function uploadRefusal(err: unknown, cap: number): unknown {
  if (err instanceof MaxFileSizeExceededError) return new AppError("PAYLOAD_TOO_LARGE", `A file is larger than ${cap} bytes, the limit per file`);
  if (err instanceof MaxTotalSizeExceededError) return new AppError("PAYLOAD_TOO_LARGE", "The upload is too large");
  if (err instanceof MaxPartsExceededError) return validation("Too many parts", { file: [`at most ${MAX_FILES_PER_UPLOAD} files per upload`] });
  if (err instanceof MultipartParseError) return malformedUpload();
  return err;
}

const malformedUpload = () => validation("The multipart body could not be read", { file: ["malformed multipart/form-data"] });

/** A part's name, file name and type; headers that are not UTF-8 make the form malformed. */
function describePart(part: MultipartPart) {
  try {
    return { name: part.name, filename: part.filename, mediaType: part.mediaType, isFile: part.isFile };
  } catch {
    throw malformedUpload();
  }
}

/**
 * POST /tickets/{id}/attachments: files that belong to the ticket itself (comment_id null),
 * streamed. The form is parsed as it arrives and each file goes to R2 as soon as it is complete, so
 * the Worker holds at most one file's bytes, never the form; the size cap is enforced while the
 * bytes stream in (the parser stops at the first byte over it). Anything refused, at any point,
 * leaves nothing: the objects of the files before it are deleted, and no row was written.
 */
export async function uploadAttachments(ctx: ServiceContext, ref: string, body: UploadBody) {
  const found = await findVisibleTicket(ctx, ref);
  const ticket = found.row;
  if (NO_UPLOADS.has(ticket.status)) throw new AppError("INVALID_TRANSITION", `The ticket is ${ticket.status}; reopen it before adding files`);
  const cap = mailSettings(ctx.env).maxAttachmentBytes;
  const ids = orderedIds(ctx, MAX_FILES_PER_UPLOAD);
  const stored: ReturnType<typeof attachmentInsert>[] = [];
  try {
    const parts = parseMultipartStream(body.stream, {
      boundary: body.boundary,
      maxFileSize: cap,
      maxParts: MAX_FILES_PER_UPLOAD + MAX_OTHER_PARTS,
      maxTotalSize: cap * MAX_FILES_PER_UPLOAD,
      maxHeaderSize: MAX_PART_HEADER_BYTES,
    });
    for await (const part of parts) {
      const meta = describePart(part);
      // Other fields of the form are not files: skipped, like a browser's text inputs.
      if (meta.name !== "file" || !meta.isFile) continue;
      if (stored.length === MAX_FILES_PER_UPLOAD) throw validation("Too many files", { file: [`at most ${MAX_FILES_PER_UPLOAD} files per upload`] });
      const id = ids[stored.length]!;
      const contentType = cleanContentType(meta.mediaType);
      const storageKey = uploadKey(id);
      const sha256 = await putPart(ctx.env.ATTACHMENTS, storageKey, part, contentType);
      const filename = cleanFilename(meta.filename, contentType, stored.length + 1);
      stored.push(attachmentInsert(ctx, { id, ticketId: ticket.id, commentId: null, filename, contentType, size: part.size, sha256, storageKey }));
    }
    if (!stored.length) throw validation("No file", { file: ["send one or more parts named `file`"] });
    await recordOnTicket(ctx, found, {
      history: [{ type: "attachments_added", changes: { attachment_ids: stored.map((s) => s.row.id) } }],
      audit: [{ action: "attachment.uploaded", entityType: "ticket", entityId: ticket.id, changes: { attachments: stored.map((s) => ({ id: s.row.id, filename: s.row.filename, size: s.row.size, sha256: s.row.sha256 })) } }],
      extra: stored.map((s) => s.insert),
    });
  } catch (err) {
    if (stored.length) {
      await ctx.env.ATTACHMENTS.delete(stored.map((s) => s.row.storageKey!)).catch((e) => console.error("upload: could not delete the files of a refused upload", e));
    }
    throw uploadRefusal(err, cap);
  }
  return { data: stored.map((s) => toAttachment(s.row)) };
}
