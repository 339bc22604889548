/**
 * `POST /channels/{id}/inbound` (API.md "More channels and data"): a message from a connected
 * system, signed with the channel's secret exactly as our webhooks are signed (Standard Webhooks;
 * the one implementation in lib/standard-webhooks.ts). Verified over the raw bytes before the body
 * is even parsed; then the sender (a customer per channel and external id), the thread (a new
 * ticket, or a public comment on the thread's ticket through the one ticket write), files into R2,
 * and the message's `external_id` recorded in the same batch, so the same message twice is
 * processed once.
 */
import { and, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { channelContext } from "../../contexts";
import { createDb, type Database } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { channelIdentities, channelMessages, channelThreads, tickets, users } from "../../db/schema";
import type { Actor } from "../../domain/permissions";
import { mailSettings } from "../../email/settings";
import type { AppEnv, Bindings } from "../../env";
import { sha256Hex } from "../../lib/crypto";
import { AppError, unauthorized } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { RequestMeta } from "../../lib/request-meta";
import { HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, verifySigned } from "../../lib/standard-webhooks";
import { attachmentInsert, cleanContentType, cleanFilename, storeBytes } from "../attachments/attachments.service";
import { auditInsert } from "../audit/audit.service";
import { addComment } from "../comments/comments.service";
import { createTicket } from "../tickets/tickets.service";
import { signingSecrets } from "../webhooks/webhooks.secrets";
import type { z } from "@hono/zod-openapi";
import type { InboundMessageBody } from "./channels.schemas";
import { findChannel, type ChannelRow } from "./channels.service";

/** Largest inbound call: ten files of base64 on top of 50,000 characters of text, well inside a Worker's memory. */
export const MAX_INBOUND_BYTES = 15 * 1024 * 1024;
/** A new ticket's subject: the message's first line, cut here (a chat line is not a title). */
const SUBJECT_CHARS = 120;
/** A thread whose ticket ended continues as a new ticket. */
const ENDED = new Set(["closed", "cancelled"]);
/** Reserved by RFC 2606: no mail is ever sent there (src/email/outbox.ts drops such addresses). */
const NO_MAIL_DOMAIN = "channel.invalid";

type InboundMessage = z.infer<typeof InboundMessageBody>;
export type InboundResult = { status: "ticket_created" | "commented" | "duplicate"; ticket_id: string; comment_id: string | null };

/**
 * Route middleware, before the body is parsed: the channel exists, is active, and signed these
 * exact bytes within the timestamp tolerance. Anything else is 401, the same for an unknown
 * channel as for a bad signature. The verified channel's id is handed on in `c.var.channelId`.
 */
export const verifyChannelSignature = createMiddleware<AppEnv>(async (c, next) => {
  const raw = await c.req.text();
  const now = new Date();
  const channel = await findChannel({ db: createDb(c.env.DB) }, c.req.param("id") ?? "");
  const secrets = channel?.active ? await signingSecrets(c.env, channel.id, channel, now) : [];
  const verdict = await verifySigned(secrets, { id: c.req.header(HEADER_ID), timestamp: c.req.header(HEADER_TIMESTAMP), signature: c.req.header(HEADER_SIGNATURE) }, raw, now);
  if (!channel?.active || !verdict.ok) {
    throw unauthorized(`The call is not signed by this channel (${channel?.active ? (verdict.ok ? "ok" : verdict.reason) : "bad_signature"})`);
  }
  c.set("channelId", channel.id);
  await next();
});

/** The reserved address a channel's customer account carries: unique per (channel, sender), never a real mailbox. */
async function accountAddress(channelId: string, externalId: string): Promise<string> {
  return `${(await sha256Hex(`${channelId}\n${externalId}`)).slice(0, 32)}@${channelId.toLowerCase()}.${NO_MAIL_DOMAIN}`;
}

/**
 * The customer a channel knows as `from.external_id`, made on first contact. An email the channel
 * reports is kept on the identity and never used to find an account: nobody proved it (issue 9).
 */
async function senderOf(env: Bindings, db: Database, channel: ChannelRow, from: InboundMessage["from"], meta: RequestMeta, now: Date): Promise<Actor> {
  const find = async () => {
    const [row] = await db
      .select({ id: users.id, name: users.name, email: users.email, role: users.role, active: users.active, identityName: channelIdentities.name, identityEmail: channelIdentities.email, identityPhone: channelIdentities.phone })
      .from(channelIdentities)
      .innerJoin(users, eq(users.id, channelIdentities.userId))
      .where(and(eq(channelIdentities.channelId, channel.id), eq(channelIdentities.externalId, from.external_id)))
      .limit(1);
    return row;
  };
  const at = now.toISOString();
  let known = await find();
  if (!known) {
    const id = newId(now.getTime());
    const email = await accountAddress(channel.id, from.external_id);
    const ctx = channelContext(env, { id, name: from.name, email, role: "customer" }, meta, { now, db });
    try {
      await db.batch([
        db.insert(users).values({ id, name: from.name, email, role: "customer", active: true, passwordHash: null, tokenVersion: 0, createdAt: at, updatedAt: at }),
        db.insert(channelIdentities).values({ channelId: channel.id, externalId: from.external_id, userId: id, name: from.name, email: from.email ?? null, phone: from.phone ?? null, createdAt: at, updatedAt: at }),
        auditInsert(ctx, { action: "user.created", entityType: "user", entityId: id, changes: { role: [null, "customer"], channel_id: channel.id, external_id: from.external_id } }),
      ]);
    } catch (err) {
      // The same sender's first two messages at once: the other one made the account.
      if (!isUniqueViolation(err)) throw err;
    }
    known = await find();
    if (!known) throw new Error("channel identity vanished");
  } else if (known.identityName !== from.name || (from.email && from.email !== known.identityEmail) || (from.phone && from.phone !== known.identityPhone)) {
    await db
      .update(channelIdentities)
      .set({ name: from.name, email: from.email ?? known.identityEmail, phone: from.phone ?? known.identityPhone, updatedAt: at })
      .where(and(eq(channelIdentities.channelId, channel.id), eq(channelIdentities.externalId, from.external_id)));
  }
  if (!known.active) throw new AppError("FORBIDDEN", "This sender's account is deactivated");
  return { id: known.id, name: known.name, email: known.email, role: known.role };
}

interface DecodedFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

function decodeFiles(env: Bindings, files: InboundMessage["attachments"]): DecodedFile[] {
  const cap = mailSettings(env).maxAttachmentBytes;
  return files.map((f, i) => {
    // 4 base64 characters carry 3 bytes: refuse before decoding what is over the cap.
    if (Math.floor((f.content_base64.length * 3) / 4) > cap + 2) throw new AppError("PAYLOAD_TOO_LARGE", `attachments.${i} is larger than ${cap} bytes`);
    let binary: string;
    try {
      binary = atob(f.content_base64);
    } catch {
      throw new AppError("VALIDATION_ERROR", "Invalid attachment", { errors: { [`attachments.${i}.content_base64`]: ["not valid base64"] } });
    }
    if (binary.length > cap) throw new AppError("PAYLOAD_TOO_LARGE", `attachments.${i} is larger than ${cap} bytes`);
    const contentType = cleanContentType(f.content_type);
    return { filename: cleanFilename(f.filename, contentType, i + 1), contentType, bytes: Uint8Array.from(binary, (ch) => ch.charCodeAt(0)) };
  });
}

function subjectOf(message: InboundMessage, channel: ChannelRow): string {
  const line = message.text.split(/\r?\n/).find((l) => l.trim())?.trim() ?? "";
  if (!line) return `${channel.name}: message from ${message.from.name}`.slice(0, 200);
  return line.length > SUBJECT_CHARS ? `${line.slice(0, SUBJECT_CHARS - 1)}…` : line;
}

async function earlier(db: Database, channelId: string, externalId: string): Promise<InboundResult | null> {
  const [row] = await db
    .select()
    .from(channelMessages)
    .where(and(eq(channelMessages.channelId, channelId), eq(channelMessages.externalId, externalId)))
    .limit(1);
  return row ? { status: "duplicate", ticket_id: row.ticketId, comment_id: row.commentId } : null;
}

/** Processes one verified message; `duplicate` when its external_id was processed before. */
export async function receiveChannelMessage(env: Bindings, channelId: string, message: InboundMessage, meta: RequestMeta, now = new Date()): Promise<InboundResult> {
  const db = createDb(env.DB);
  const channel = await findChannel({ db }, channelId);
  if (!channel?.active) throw unauthorized("The channel is not active");
  const seen = await earlier(db, channel.id, message.external_id);
  if (seen) return seen;
  const files = decodeFiles(env, message.attachments);
  const actor = await senderOf(env, db, channel, message.from, meta, now);
  const stored = await Promise.all(files.map(async (f) => ({ ...f, sha256: await storeBytes(env.ATTACHMENTS, f.bytes, f.contentType) })));
  const at = now.toISOString();
  const messageRow = (ticketId: string, commentId: string | null) =>
    db.insert(channelMessages).values({ channelId: channel.id, externalId: message.external_id, threadId: message.thread_id, ticketId, commentId, sentAt: message.created_at ?? null, createdAt: at });
  const [thread] = await db
    .select({ ticketId: channelThreads.ticketId, status: tickets.status, deletedAt: tickets.deletedAt })
    .from(channelThreads)
    .innerJoin(tickets, eq(tickets.id, channelThreads.ticketId))
    .where(and(eq(channelThreads.channelId, channel.id), eq(channelThreads.threadId, message.thread_id)))
    .limit(1);
  const body = message.text.trim() ? message.text : `[${files.length} attachment${files.length === 1 ? "" : "s"}]`;
  try {
    if (thread && !thread.deletedAt && !ENDED.has(thread.status)) {
      const ctx = channelContext(env, actor, meta, { now, db, threadTicket: thread.ticketId });
      const fileRows = (ticketId: string, commentId: string | null) => stored.map((f) => attachmentInsert(ctx, { ticketId, commentId, filename: f.filename, contentType: f.contentType, size: f.bytes.byteLength, sha256: f.sha256 }).insert);
      const res = await addComment(ctx, thread.ticketId, { body, internal: false, channel: channel.kind }, undefined, {
        extra: (comment, ticket) => [
          messageRow(ticket.id, comment.id),
          ...fileRows(ticket.id, comment.id),
          db.update(channelThreads).set({ userId: actor.id, updatedAt: at }).where(and(eq(channelThreads.channelId, channel.id), eq(channelThreads.threadId, message.thread_id))),
        ],
      });
      return { status: "commented", ticket_id: thread.ticketId, comment_id: res.body.id };
    }
    const ctx = channelContext(env, actor, meta, { now, db });
    const threadRow = (ticketId: string) =>
      thread
        ? // The thread's ticket ended: the conversation goes on in a new one.
          db.update(channelThreads).set({ ticketId, userId: actor.id, updatedAt: at }).where(and(eq(channelThreads.channelId, channel.id), eq(channelThreads.threadId, message.thread_id)))
        : db.insert(channelThreads).values({ channelId: channel.id, threadId: message.thread_id, ticketId, userId: actor.id, createdAt: at, updatedAt: at });
    const created = await createTicket(ctx, { subject: subjectOf(message, channel), description: body, priority: "medium", channel: channel.kind, tags: [] }, undefined, {
      extra: (row) => [threadRow(row.id), messageRow(row.id, null), ...stored.map((f) => attachmentInsert(ctx, { ticketId: row.id, commentId: null, filename: f.filename, contentType: f.contentType, size: f.bytes.byteLength, sha256: f.sha256 }).insert)],
    });
    return { status: "ticket_created", ticket_id: created.body.id, comment_id: null };
  } catch (err) {
    // The same message twice at once: the other call processed it.
    if (isUniqueViolation(err, "channel_messages")) {
      const other = await earlier(db, channel.id, message.external_id);
      if (other) return other;
    }
    // Two first messages of a new thread at once: the other opened the ticket; this one continues it.
    if (isUniqueViolation(err, "channel_threads")) return receiveChannelMessage(env, channelId, message, meta, now);
    throw err;
  }
}
