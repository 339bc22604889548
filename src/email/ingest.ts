/**
 * The mail service: one parsed inbound message in, at most one change out (a new ticket, a comment,
 * a quarantined message, a delivery-failure event), written in one batch together with the message's
 * row, whose unique Message-ID makes a redelivery change nothing.
 */
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import { createDb, runBatch, type BatchItem, type Database } from "../db/client";
import { inboundMessages, mailMessageIds, outboundMessages, ticketParticipants, users } from "../db/schema";
import { type InboundStatus } from "../domain/vocabulary";
import type { Bindings } from "../env";
import type { Actor } from "../domain/permissions";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { ServiceContext } from "../lib/request-context";
import { attachmentInsert, cleanContentType, cleanFilename, orderedIds, storeBytes } from "../features/attachments/attachments.service";
import { auditInsert } from "../features/audit/audit.service";
import { isUniqueViolation } from "../db/errors";
import { addComment } from "../features/comments/comments.service";
import { createTicket, findVisibleTicket } from "../features/tickets/tickets.service";
import { recordOnTicket } from "../features/tickets/ticket-write";
import { mailContext } from "../contexts";
import { InboundMailError, parseInbound, type InboundMail, type MailAddress } from "./parse";
import { classifyMessageId } from "./reply-token";
import { resolveTicket, type Resolution, type SenderUser } from "./resolve-ticket";
import { checkSenderAuth } from "./sender-auth";
import { mailSettings, type MailSettings } from "./settings";

/** API.md: ticket subjects are 1..200 characters. */
export const MAX_SUBJECT_CHARS = 200;
/** API.md: descriptions and comments are at most 50,000 characters; the full text stays on the message row. */
export const MAX_BODY_CHARS = 50_000;
/** Cc'd addresses that become participants per mail: one mail Cc'ing a mailing list must not enrol hundreds. */
export const MAX_NEW_PARTICIPANTS = 20;
/** A bounce names its original recipient; only our mail to them this recent is taken to be the bounced one. */
export const BOUNCE_MATCH_WINDOW_MS = 14 * 24 * 3_600_000;
/** Bytes of a DSN part scanned for the bounced Message-ID and recipient: the headers are at the top. */
const MAX_DSN_SCAN_BYTES = 64 * 1024;
/** Ids of a bounce tried against our outbound mail. */
const MAX_BOUNCE_IDS = 20;
/** Display names of customers created from mail (users.schemas' limit). */
const MAX_NAME_CHARS = 200;

const DSN_PARTS = new Set(["message/delivery-status", "message/global-delivery-status", "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/global-headers"]);

export interface Envelope {
  /** SMTP MAIL FROM. */
  from: string | null;
  /** SMTP RCPT TO: which address of ours it reached. */
  to: string | null;
}

export interface IngestOptions {
  now?: Date;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** An agent releases a quarantined message: its row is updated instead of inserted, and the sender check is skipped. */
  release?: { inboundId: string };
}

export type IngestOutcome =
  /** Not accepted at all: the SMTP transaction is refused with this reason. */
  | { status: "refused"; reason: string }
  | { status: "duplicate"; inboundId: string }
  | { status: InboundStatus; inboundId: string; ticketId: string | null; commentId: string | null; reason: string | null };

const flat = (s: string) => s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();

/** What the ticket gets as its description or the comment as its body. */
export function visibleBody(mail: InboundMail, attachmentCount: number): string {
  let text = mail.text.trim();
  // Everything was quoted (a forward with no words of its own, a client we misread): the full text beats nothing.
  if (!text) text = mail.fullText.trim();
  if (!text) text = attachmentCount ? "(attachments only)" : "(no text)";
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS - 1)}…` : text;
}

export function ticketSubject(mail: InboundMail): string {
  // Line breaks and other controls go; a tab some clients fold into a subject stays (it is data, harmless in JSON).
  const subject = (mail.subject ?? "").replace(/[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  if (!subject) return "(no subject)";
  return subject.length > MAX_SUBJECT_CHARS ? `${subject.slice(0, MAX_SUBJECT_CHARS - 1)}…` : subject;
}

const senderColumns = { id: users.id, name: users.name, email: users.email, role: users.role, active: users.active };

/** An unknown sender becomes a customer without a password (they may set one later by a reset). */
async function findOrCreateCustomer(ctx: ServiceContext, from: MailAddress): Promise<SenderUser> {
  const now = ctx.now.toISOString();
  const name = flat(from.name).slice(0, MAX_NAME_CHARS) || from.address.split("@")[0]!.slice(0, MAX_NAME_CHARS);
  const id = newId(ctx.now.getTime());
  const created = await ctx.db
    .insert(users)
    .values({ id, name, email: from.address, role: "customer", active: true, passwordHash: null, tokenVersion: 0, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (created.length) {
    await auditInsert(ctx, { action: "user.created", entityType: "user", entityId: id, changes: { email: [null, from.address], role: [null, "customer"], source: "email" } });
  }
  const [user] = await ctx.db.select(senderColumns).from(users).where(eq(users.email, from.address)).limit(1);
  if (!user) throw new Error(`customer ${from.address} vanished after creation`);
  return user;
}

/** Addresses of the mail other than ours, the sender's and the requester's: the new participants. */
function newParticipants(mail: InboundMail, settings: MailSettings, exclude: string[]): string[] {
  const ours = (a: string) => a.endsWith(`@${settings.supportDomain}`) && (a.startsWith(`${settings.supportLocal}@`) || a.startsWith(`${settings.supportLocal}+`));
  const out: string[] = [];
  for (const { address } of [...mail.cc, ...mail.to]) {
    if (ours(address) || exclude.includes(address) || out.includes(address)) continue;
    out.push(address);
    if (out.length >= MAX_NEW_PARTICIPANTS) break;
  }
  return out;
}

export async function ingestMail(env: Bindings, raw: Uint8Array, envelope: Envelope, options: IngestOptions = {}): Promise<IngestOutcome> {
  const settings = mailSettings(env);
  const now = options.now ?? new Date();
  const db = createDb(env.DB);

  let mail: InboundMail;
  try {
    mail = await parseInbound(raw, { envelopeFrom: envelope.from });
  } catch (err) {
    if (err instanceof InboundMailError) return { status: "refused", reason: `Message not accepted (${err.code}): ${err.message}`.slice(0, 300) };
    throw err;
  }

  const rawSha = await sha256Hex(raw);
  const messageId = mail.messageId ?? `sha256:${rawSha}`;
  const [existing] = await db.select({ id: inboundMessages.id, status: inboundMessages.status }).from(inboundMessages).where(eq(inboundMessages.messageId, messageId)).limit(1);
  const releasing = options.release && existing?.id === options.release.inboundId && existing.status === "quarantined";
  if (options.release && !releasing) throw new AppError("CONFLICT", "The message is no longer in quarantine");
  if (existing && !releasing) return { status: "duplicate", inboundId: existing.id };

  const rawKey = `mail/inbound/${rawSha}.eml`;
  if (!releasing) await env.ATTACHMENTS.put(rawKey, raw, { httpMetadata: { contentType: "message/rfc822" } });
  const inboundId = options.release?.inboundId ?? newId(now.getTime());
  const nowIso = now.toISOString();

  /** The message's own row (inserted, or updated on release) and, once it belongs to a ticket, its Message-ID. */
  const record = (o: { status: InboundStatus; ticketId: string | null; commentId?: string | null; reason?: string | null; threads?: boolean }): BatchItem[] => {
    const values = { status: o.status, ticketId: o.ticketId, commentId: o.commentId ?? null, reason: o.reason ?? null, updatedAt: nowIso };
    const row: BatchItem = releasing
      ? db.update(inboundMessages).set(values).where(eq(inboundMessages.id, inboundId))
      : db.insert(inboundMessages).values({
          id: inboundId,
          messageId,
          fromAddress: mail.from?.address ?? null,
          fromName: mail.from?.name || null,
          envelopeTo: envelope.to?.toLowerCase() ?? null,
          subject: mail.subject,
          text: mail.text,
          fullText: mail.fullText,
          html: mail.html,
          autoKind: mail.auto.kind,
          rawKey,
          rawSize: raw.byteLength,
          createdAt: nowIso,
          ...values,
        });
    // Only mail we accepted into a ticket becomes a thread anchor; quarantined or ignored mail never does.
    const anchor = o.threads && o.ticketId && mail.messageId
      ? [db.insert(mailMessageIds).values({ messageId: mail.messageId, ticketId: o.ticketId, direction: "inbound", mailId: inboundId, createdAt: nowIso }).onConflictDoNothing()]
      : [];
    return [row, ...anchor];
  };
  const done = async (o: Parameters<typeof record>[0]): Promise<IngestOutcome> => {
    try {
      await runBatch(db, record(o));
    } catch (err) {
      if (isUniqueViolation(err)) return { status: "duplicate", inboundId };
      throw err;
    }
    return { status: o.status, inboundId, ticketId: o.ticketId, commentId: o.commentId ?? null, reason: o.reason ?? null };
  };

  // Machine mail (RFC 3834 and API.md): never a ticket, never an automatic answer.
  if (mail.auto.isAutoReply || mail.auto.kind) {
    if (mail.auto.kind === "bounce" || mail.auto.kind === "feedback_report") return handleBounce(env, db, settings, mail, now, record, done, inboundId);
    return done({ status: "ignored", ticketId: null, reason: `auto:${mail.auto.kind ?? "auto_reply"}:${mail.auto.reason ?? "unknown"}` });
  }
  if (!mail.from) return done({ status: "ignored", ticketId: null, reason: "no_from" });

  const [known] = await db.select(senderColumns).from(users).where(eq(users.email, mail.from.address)).limit(1);
  if (known && !known.active) return done({ status: "ignored", ticketId: null, reason: "sender_deactivated" });

  let resolution: Resolution | null = await resolveTicket(env, db, settings, mail, known ?? null, envelope.to);
  if (resolution && settings.authRequired && !releasing) {
    const verdict = checkSenderAuth({ authenticationResults: mail.headers["authentication-results"] ?? [], fromAddress: mail.from.address, authservId: settings.authservId });
    if (!verdict.ok) return done({ status: "quarantined", ticketId: resolution.ticketId, reason: `sender_not_authenticated:${verdict.reason}` });
  }

  const sender = known ?? (await findOrCreateCustomer(mailContext(env, null, { now, db }), mail.from));
  const actor: Actor = { id: sender.id, name: sender.name, email: sender.email, role: sender.role };

  const files: { filename: string; contentType: string; size: number; sha256: string }[] = [];
  for (const [i, part] of mail.attachments.entries()) {
    if (part.size > settings.maxAttachmentBytes || part.size === 0) continue;
    const contentType = cleanContentType(part.contentType);
    const sha256 = await storeBytes(env.ATTACHMENTS, part.content, contentType);
    files.push({ filename: cleanFilename(part.filename, contentType, i + 1), contentType, size: part.size, sha256 });
  }

  const ctx = mailContext(env, actor, { now, db, waitUntil: options.waitUntil, participantOf: resolution?.as === "participant" ? resolution.ticketId : undefined });
  const body = visibleBody(mail, files.length);
  const extras = (ticketId: string, commentId: string | null, requesterEmail: string): BatchItem[] => [
    ...((ids) => files.map((f, i) => attachmentInsert(ctx, { id: ids[i]!, ticketId, commentId, ...f }).insert))(orderedIds(ctx, files.length)),
    ...newParticipants(mail, settings, [mail.from!.address, requesterEmail]).map((email) =>
      db.insert(ticketParticipants).values({ ticketId, email, addedAt: nowIso }).onConflictDoNothing(),
    ),
  ];

  if (resolution) {
    const ticket = resolution;
    const [requester] = await db.select({ email: users.email }).from(users).where(eq(users.id, ticket.requesterId)).limit(1);
    try {
      const result = await addComment(ctx, ticket.ticketId, { body, internal: false, channel: "email" }, undefined, {
        extra: (comment) => [
          ...record({ status: "commented", ticketId: ticket.ticketId, commentId: comment.id, threads: true, reason: `via:${ticket.via}` }),
          ...extras(ticket.ticketId, comment.id, requester?.email ?? ""),
        ],
      });
      return { status: "commented", inboundId, ticketId: ticket.ticketId, commentId: result.body.id, reason: `via:${ticket.via}` };
    } catch (err) {
      if (isUniqueViolation(err, "inbound_messages")) return { status: "duplicate", inboundId };
      // Closed between resolving and writing: the mail starts a new ticket, like any mail to a closed one.
      if (!(err instanceof AppError && err.code === "INVALID_TRANSITION")) throw err;
      resolution = null;
    }
  }

  try {
    const result = await createTicket(
      ctx,
      { subject: ticketSubject(mail), description: body, priority: "medium", channel: "email", tags: [] },
      undefined,
      { extra: (row) => [...record({ status: "ticket_created", ticketId: row.id, threads: true }), ...extras(row.id, null, sender.email)] },
    );
    return { status: "ticket_created", inboundId, ticketId: result.body.id, commentId: null, reason: null };
  } catch (err) {
    if (isUniqueViolation(err, "inbound_messages")) return { status: "duplicate", inboundId };
    throw err;
  }
}

/** Text of the parts of a DSN that name the bounced message and its recipient. */
function dsnText(mail: InboundMail): string {
  const decoder = new TextDecoder("utf-8");
  const parts = mail.attachments.filter((a) => DSN_PARTS.has(a.contentType)).map((a) => decoder.decode(a.content.subarray(0, MAX_DSN_SCAN_BYTES)));
  return [mail.fullText.slice(0, MAX_DSN_SCAN_BYTES), ...parts].join("\n");
}

/**
 * A bounce or feedback report: find our outbound mail it is about (by the Message-ID it quotes,
 * else by its original recipient), mark that mail bounced, and put a delivery-failure event on the
 * ticket. No comment, no ticket, no answer.
 */
async function handleBounce(
  env: Bindings,
  db: Database,
  settings: MailSettings,
  mail: InboundMail,
  now: Date,
  record: (o: { status: InboundStatus; ticketId: string | null; reason?: string | null }) => BatchItem[],
  done: (o: { status: InboundStatus; ticketId: string | null; reason?: string | null }) => Promise<IngestOutcome>,
  inboundId: string,
): Promise<IngestOutcome> {
  const text = dsnText(mail);
  const ids = new Set<string>([mail.inReplyTo, ...mail.references].filter((x): x is string => !!x));
  for (const m of text.matchAll(/^(?:original-)?message-id\s*:\s*<([^<>\s]{1,900})>/gim)) ids.add(m[1]!);
  for (const m of text.matchAll(new RegExp(`<([0-9a-z-]{1,80}\\.[0-9a-z]{16}@${settings.supportDomain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})>`, "gi"))) ids.add(m[1]!);
  const candidates: string[] = [];
  for (const id of ids) {
    if (candidates.length >= MAX_BOUNCE_IDS) break;
    if ((await classifyMessageId(env, settings, id)) !== "forged") candidates.push(id);
  }
  let target: { id: string; ticketId: string; toAddress: string } | undefined;
  if (candidates.length) {
    const [hit] = await db
      .select({ id: outboundMessages.id, ticketId: outboundMessages.ticketId, toAddress: outboundMessages.toAddress })
      .from(mailMessageIds)
      .innerJoin(outboundMessages, eq(outboundMessages.id, mailMessageIds.mailId))
      .where(and(inArray(mailMessageIds.messageId, candidates), eq(mailMessageIds.direction, "outbound")))
      .limit(1);
    target = hit;
  }
  if (!target) {
    const recipient = /(?:original|final)-recipient\s*:\s*rfc822\s*;\s*<?([^\s<>;]{3,320})>?/i.exec(text)?.[1]?.toLowerCase();
    if (recipient) {
      [target] = await db
        .select({ id: outboundMessages.id, ticketId: outboundMessages.ticketId, toAddress: outboundMessages.toAddress })
        .from(outboundMessages)
        .where(and(eq(outboundMessages.toAddress, recipient), gte(outboundMessages.createdAt, new Date(now.getTime() - BOUNCE_MATCH_WINDOW_MS).toISOString()), eq(outboundMessages.status, "sent")))
        .orderBy(desc(outboundMessages.createdAt))
        .limit(1);
    }
  }
  if (!target) return done({ status: "bounce", ticketId: null, reason: `${mail.auto.kind}:unmatched` });

  const status = /^status\s*:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(text)?.[1] ?? null;
  const diagnostic = /^diagnostic-code\s*:\s*(.{1,200})/im.exec(text)?.[1]?.trim() ?? null;
  const ctx = mailContext(env, null, { now, db });
  const ticket = await findVisibleTicket(ctx, target.ticketId).catch(() => null);
  if (!ticket) return done({ status: "bounce", ticketId: null, reason: `${mail.auto.kind}:ticket_gone` });
  try {
    await recordOnTicket(ctx, ticket, {
      history: [
        {
          type: "mail_bounced",
          internal: true,
          changes: { outbound_message_id: target.id, recipient: target.toAddress, kind: mail.auto.kind, status, diagnostic, inbound_message_id: inboundId },
        },
      ],
      audit: [{ action: "mail.bounced", entityType: "outbound_message", entityId: target.id, changes: { ticket_id: target.ticketId, status } }],
      extra: [
        ...record({ status: "bounce", ticketId: target.ticketId, reason: mail.auto.kind }),
        db.update(outboundMessages).set({ status: "bounced", lastError: [status, diagnostic].filter(Boolean).join(" ") || mail.auto.kind, updatedAt: now.toISOString() }).where(eq(outboundMessages.id, target.id)),
      ],
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { status: "duplicate", inboundId };
    throw err;
  }
  return { status: "bounce", inboundId, ticketId: target.ticketId, commentId: null, reason: mail.auto.kind };
}
