import { and, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { selectIn, type BatchItem } from "../../db/client";
import { comments, idempotencyKeys, inboundMessages, notifications, outboundMessages, searchQueryStats, users, webhookEvents } from "../../db/schema";
import { excerpt } from "../../domain/notifications";
import { searchWords } from "../../domain/search-query";
import { REDACTED, redactedMailCopy, redactJson, redactMaybe, redactPassage } from "../../domain/redaction";
import { outboundRawKey } from "../../email/outbound";
import { mailSettings } from "../../email/settings";
import { notFound, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { attachmentsByComment } from "../attachments/attachments.service";
import { toComment } from "../comments/comments.serialize";
import { findVisibleTicket, recordOnTicket } from "../tickets/tickets.service";
import { createExport } from "../exports/exports.service";
import { restoreTicket } from "../archive/archive.service";
import { newId } from "../../lib/ids";

/**
 * Privacy (API.md "More channels and data"): redaction of a passage, erasure of a person, export
 * of what is held about them. Text changes of tickets and comments go through the one ticket write
 * (recordOnTicket), so they commit with their history and audit rows; copies outside D1 (mail in
 * R2) are rewritten first, so a failure leaves the passage in no more places than before.
 */

type InboundRow = typeof inboundMessages.$inferSelect;
type OutboundRow = typeof outboundMessages.$inferSelect;

/** Stored mail of one inbound row rewritten without the passage (the row's text columns are the source). */
async function rewriteInboundMail(ctx: ServiceContext, row: InboundRow, passage: string) {
  const copy = redactedMailCopy({
    from: row.fromName ? `${redactMaybe(row.fromName, passage)} <${row.fromAddress ?? ""}>` : (row.fromAddress ?? ""),
    to: row.envelopeTo ?? "",
    subject: redactMaybe(row.subject, passage),
    date: row.createdAt,
    messageId: row.messageId.startsWith("sha256:") ? null : row.messageId,
    text: redactPassage(row.fullText, passage).text,
    redactedAt: ctx.now.toISOString(),
  });
  await ctx.env.ATTACHMENTS.put(row.rawKey, copy, { httpMetadata: { contentType: "message/rfc822" } });
  // The whole body kept beside a row that could not hold it: the row's (redacted) texts replace it.
  if (row.bodyKey) await ctx.env.ATTACHMENTS.delete(row.bodyKey);
}

/** The stored copy (R2) of one outbound row, if it has one, replaced by a plain one holding `subject` and `text` (already scrubbed). */
async function rewriteOutboundCopy(ctx: ServiceContext, row: OutboundRow, { subject, text: body }: { subject: string | null; text: string }) {
  const key = outboundRawKey(row.id);
  if (!(await ctx.env.ATTACHMENTS.head(key))) return;
  const copy = redactedMailCopy({
    from: mailSettings(ctx.env).supportAddress,
    to: `${row.toName} <${row.toAddress}>`,
    subject,
    date: row.sentAt ?? row.createdAt,
    messageId: row.messageId,
    inReplyTo: row.inReplyTo,
    text: body,
    redactedAt: ctx.now.toISOString(),
  });
  await ctx.env.ATTACHMENTS.put(key, copy, { httpMetadata: { contentType: "message/rfc822" } });
}

/** As it appears inside a JSON document (a stored response body). */
const inJson = (s: string) => JSON.stringify(s).slice(1, -1);

/**
 * Responses replayed by an Idempotency-Key (kept 24 h) hold what was created then: one user's rows
 * (the key's owner) with `text` in them get it replaced.
 */
function scrubStoredResponses(ctx: ServiceContext, userId: string, text: string, replacement: string) {
  return ctx.db
    .update(idempotencyKeys)
    .set({ body: sql`replace(${idempotencyKeys.body}, ${inJson(text)}, ${inJson(replacement)})` })
    .where(and(eq(idempotencyKeys.userId, userId), sql`instr(${idempotencyKeys.body}, ${inJson(text)}) > 0`));
}

/**
 * Events as webhooks and channels receive them are kept (payloads, for deliveries and their
 * retries): every text in `texts` is replaced in the events of one ticket that carry it.
 */
export function scrubWebhookEvents(ctx: ServiceContext, ticketId: string, texts: { from: string; to: string }[]): BatchItem[] {
  const wanted = texts.filter((t) => t.from && t.from !== t.to);
  if (!wanted.length) return [];
  const replaced = (column: typeof webhookEvents.payload | typeof webhookEvents.internalPayload) => wanted.reduce<SQL>((expr, t) => sql`replace(${expr}, ${inJson(t.from)}, ${inJson(t.to)})`, sql`${column}`);
  const carries = (column: typeof webhookEvents.payload | typeof webhookEvents.internalPayload) => or(...wanted.map((t) => sql`instr(${column}, ${inJson(t.from)}) > 0`))!;
  return [
    ctx.db
      .update(webhookEvents)
      .set({ payload: replaced(webhookEvents.payload), internalPayload: replaced(webhookEvents.internalPayload) })
      .where(and(eq(webhookEvents.ticketId, ticketId), or(carries(webhookEvents.payload), carries(webhookEvents.internalPayload)))),
  ];
}

/**
 * In-app notifications about a ticket quote its texts: each text replaced where it is. A comment's
 * notifications quote its excerpt (domain/notifications.ts: one line, cut at EXCERPT_CHARS), where a
 * passage over a line break or across the cut is not found as written: `quoted` are comment bodies
 * before and after, whose excerpts are replaced whole first.
 */
export function scrubNotifications(ctx: ServiceContext, ticketId: string, texts: { from: string; to: string }[], quoted: { before: string; after: string }[] = []): BatchItem[] {
  return [...quoted.map((q) => ({ from: excerpt(q.before), to: excerpt(q.after) })), ...texts]
    .filter((t) => t.from && t.from !== t.to)
    .flatMap((t) => [
      ctx.db
        .update(notifications)
        .set({ title: sql`replace(${notifications.title}, ${t.from}, ${t.to})`, body: sql`replace(${notifications.body}, ${t.from}, ${t.to})` })
        .where(and(eq(notifications.ticketId, ticketId), or(sql`instr(${notifications.title}, ${t.from}) > 0`, sql`instr(${notifications.body}, ${t.from}) > 0`))),
    ]);
}

/** Every string inside a JSON value passed through `scrub`. */
function scrubJson<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === "string") return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, scrub)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubJson(v, scrub)])) as T;
  return value;
}

/**
 * Staff-bound mails about a ticket quote its comments: a notification mail its excerpt in its data
 * (domain/notifications.ts: one line, cut at EXCERPT_CHARS, as in-app notifications do,
 * {@link scrubNotifications}), a rule's mail (`action`) its whole text where its template put
 * `{{comment.body}}`. For each comment body `before` → `after` (a redaction's, an erasure's), the
 * ticket's notification and rule mails whose data holds the body or its excerpt get `after` (or its
 * excerpt) in its place, then `scrub` over every string of their data and their subject (the
 * passage; the person's name and address). Their stored copies (R2) are rewritten here, first, like
 * every copy outside D1; the rows' updates are returned for the caller's batch. Used by redaction
 * and erasure alike.
 */
export async function requoteQuotingMails(ctx: ServiceContext, ticketId: string, quoted: { before: string; after: string }[], scrub: (text: string) => string): Promise<BatchItem[]> {
  // The whole text first: its excerpt is a prefix of it when it is one short line.
  const pairs = quoted
    .flatMap((q) => [
      { from: q.before, to: q.after },
      { from: excerpt(q.before), to: excerpt(q.after) },
    ])
    .filter((p, i, all) => p.from && p.from !== p.to && all.findIndex((o) => o.from === p.from) === i);
  if (!pairs.length) return [];
  const found = await selectIn(pairs, (slice) =>
    ctx.db
      .select()
      .from(outboundMessages)
      .where(and(eq(outboundMessages.ticketId, ticketId), inArray(outboundMessages.kind, ["notification", "action"]), or(...slice.map((p) => sql`instr(${outboundMessages.data}, ${inJson(p.from)}) > 0`)))),
  );
  const rows = [...new Map(found.map((row) => [row.id, row])).values()];
  // In the values only, never the keys: a short comment ("body") must not rename a template variable.
  const requote = (text: string) => scrub(pairs.reduce((t, p) => t.split(p.from).join(p.to), text));
  const now = ctx.now.toISOString();
  const updates: BatchItem[] = [];
  for (const row of rows) {
    const data = scrubJson(row.data, requote);
    const subject = row.subject === null ? null : requote(row.subject);
    const said = data as { notification?: { body?: unknown }; mail?: { body?: unknown } };
    await rewriteOutboundCopy(ctx, row, { subject, text: String(said.notification?.body ?? said.mail?.body ?? "") });
    updates.push(ctx.db.update(outboundMessages).set({ data, subject, updatedAt: now }).where(eq(outboundMessages.id, row.id)));
  }
  return updates;
}

/** Words shorter than this are too common to say a recorded search was for the removed text. */
const MIN_FORGOTTEN_WORD_CHARS = 4;

/**
 * Search analytics keep what people searched for (a day's rollup of normalised queries): a query
 * with a word of the removed text may be that text (someone searched for the card number, the
 * person's name), so its rows go. No index finds a word inside a query: this reads the rollup
 * (days x distinct queries), once per redaction or erasure.
 */
export function forgetSearches(ctx: ServiceContext, text: string, options: { phrase?: boolean } = {}): BatchItem[] {
  const words = searchWords(text, 64);
  // A phrase (a name, an address) is forgotten where it was searched whole; a passage word by word.
  const needles = options.phrase ? (words.length ? [words.join(" ")] : []) : words.filter((w) => [...w].length >= MIN_FORGOTTEN_WORD_CHARS);
  if (!needles.length) return [];
  const padded = sql`(' ' || ${searchQueryStats.query} || ' ')`;
  return [ctx.db.delete(searchQueryStats).where(or(...needles.map((w) => sql`instr(${padded}, ${` ${w} `}) > 0`)))];
}

/**
 * Removes a passage from a comment and every copy of it: the comment (its search row follows by
 * trigger), the mail it came in with (row and stored .eml), the mail it went out as (row and stored
 * copy), and the stored answer an Idempotency-Key replays. 400 when the passage is not in the comment.
 */
export async function redactComment(ctx: ServiceContext, ticketRef: string, commentId: string, passage: string) {
  actorOf(ctx);
  const visible = await findVisibleTicket(ctx, ticketRef);
  // An archived ticket's comments are in its document: it comes back first (features/archive).
  if (visible.row.archivedAt) await restoreTicket(ctx, visible.row.id);
  const found = visible.row.archivedAt ? await findVisibleTicket(ctx, visible.row.id) : visible;
  const [hit] = await ctx.db
    .select({ row: comments, author: { id: users.id, name: users.name, role: users.role } })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(eq(comments.id, commentId), eq(comments.ticketId, found.row.id)))
    .limit(1);
  if (!hit) throw notFound("Comment");
  const { text: body, count } = redactPassage(hit.row.body, passage);
  if (!count) throw validation("The passage does not occur in the comment", { text: ["must be a passage of the comment's text, exactly as it appears"] });

  const inbound = await ctx.db.select().from(inboundMessages).where(eq(inboundMessages.commentId, commentId));
  const outbound = await ctx.db.select().from(outboundMessages).where(eq(outboundMessages.commentId, commentId));
  for (const row of inbound) await rewriteInboundMail(ctx, row, passage);
  for (const row of outbound) await rewriteOutboundCopy(ctx, row, { subject: redactMaybe(row.subject, passage), text: body });
  // Notification mails quote the comment's excerpt (one line, cut), where the passage may not be found as written.
  const requoted = await requoteQuotingMails(ctx, found.row.id, [{ before: hit.row.body, after: body }], (text) => redactPassage(text, passage).text);

  const now = ctx.now.toISOString();
  const extra: BatchItem[] = [
    ctx.db.update(comments).set({ body }).where(eq(comments.id, commentId)),
    ...inbound.map((row) =>
      ctx.db
        .update(inboundMessages)
        .set({
          text: redactPassage(row.text, passage).text,
          fullText: redactPassage(row.fullText, passage).text,
          html: redactMaybe(row.html, passage),
          subject: redactMaybe(row.subject, passage),
          bodyKey: null,
          updatedAt: now,
        })
        .where(eq(inboundMessages.id, row.id)),
    ),
    ...outbound.map((row) =>
      ctx.db
        .update(outboundMessages)
        .set({ data: redactJson(row.data, passage), subject: redactMaybe(row.subject, passage), lastError: redactMaybe(row.lastError, passage), updatedAt: now })
        .where(eq(outboundMessages.id, row.id)),
    ),
    ...requoted,
    // A create replayed by its Idempotency-Key answers the comment as stored then: the author's keys only.
    scrubStoredResponses(ctx, hit.row.authorId, passage, REDACTED),
    ...forgetSearches(ctx, passage),
    ...scrubWebhookEvents(ctx, found.row.id, [{ from: passage, to: REDACTED }]),
    ...scrubNotifications(ctx, found.row.id, [{ from: passage, to: REDACTED }], [{ before: hit.row.body, after: body }]),
  ];
  await recordOnTicket(ctx, found, {
    history: [{ type: "comment_redacted", changes: { comment_id: commentId }, internal: hit.row.internal }],
    // The audit says that and how often, never what: the passage is exactly what must not be kept.
    audit: [{ action: "comment.redacted", entityType: "comment", entityId: commentId, changes: { ticket_id: found.row.id, passages: count } }],
    extra,
  });
  const files = await attachmentsByComment(ctx, [commentId]);
  return toComment({ ...hit.row, body }, hit.author, files.get(commentId));
}

/**
 * `GET /users/{id}/export` (admin): an export job of kind `user` (features/exports), followed at
 * `GET /exports/{id}` and downloaded there once done; the audit log records that it was asked for.
 */
export async function requestUserExport(ctx: ServiceContext, userId: string, origin: string) {
  const [who] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!who) throw notFound("User");
  const id = newId(ctx.now.getTime());
  return createExport(ctx, { kind: "user", format: "json", filters: { user_id: who.id } }, origin, {
    internal: true,
    id,
    subjectId: who.id,
    audit: { action: "user.exported", entityType: "user", entityId: who.id, changes: { export_id: id } },
  });
}
