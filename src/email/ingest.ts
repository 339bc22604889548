/**
 * The mail service: one inbound message in, at most one change out (a new ticket, a comment, a
 * quarantined message, a delivery-failure event), written in one batch with the message's row,
 * whose unique Message-ID makes a redelivery change nothing.
 *
 * {@link ingestMail} reads as its steps: parse → classify → resolve (sender and ticket) →
 * authenticate → store (attachments, large bodies) → write. Each step returns a tagged result;
 * the first one that settles the mail ends it.
 */
import { eq } from "drizzle-orm";
import { createDb, type BatchItem } from "../db/client";
import { inboundMessages, ticketParticipants, users } from "../db/schema";
import type { Bindings } from "../env";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { attachmentInsert, cleanContentType, cleanFilename, orderedIds, storeBytes } from "../features/attachments/attachments.service";
import { isUniqueViolation } from "../db/errors";
import { mailContext } from "../contexts";
import { addComment } from "../features/comments/comments.service";
import { createTicket } from "../features/tickets/tickets.service";
import { ensureCustomer } from "../features/users/users.service";
import { handleBounce } from "./bounce";
import { MAX_STORED_BODY_CHARS, messageRow, outcomeOf, settle, type Envelope, type IngestOptions, type IngestOutcome, type MailRun, type Settled } from "./mail-run";
import { splitMessage } from "./dkim";
import { txtResolver } from "./dns";
import { InboundMailError, parseInbound, type InboundMail, type MailAddress } from "./parse";
import { knownSender, resolveTicket, type Resolution, type SenderUser } from "./resolve-ticket";
import { checkSenderAuth, type SenderAuthVerdict } from "./sender-auth";
import { mailSettings, type MailSettings } from "./settings";

export { MAX_STORED_BODY_CHARS, type Envelope, type IngestOptions, type IngestOutcome } from "./mail-run";

/** API.md: ticket subjects are 1..200 characters. */
export const MAX_SUBJECT_CHARS = 200;
/** API.md: descriptions and comments are at most 50,000 characters; the full text stays on the message row. */
export const MAX_BODY_CHARS = 50_000;
/** Cc'd addresses that become participants per mail: one mail Cc'ing a mailing list must not enrol hundreds. */
export const MAX_NEW_PARTICIPANTS = 20;


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

// ---------------------------------------------------------------- steps

type Step<T> = { done: IngestOutcome } | T;
const isDone = <T extends object>(s: Step<T>): s is { done: IngestOutcome } => "done" in s;

/** Parse, dedupe by Message-ID, keep the raw mail in R2 (and the whole body when the row cannot hold it). */
async function receive(env: Bindings, raw: Uint8Array, envelope: Envelope, options: IngestOptions): Promise<Step<{ run: MailRun }>> {
  let mail: InboundMail;
  try {
    mail = await parseInbound(raw, { envelopeFrom: envelope.from });
  } catch (err) {
    if (err instanceof InboundMailError) return { done: { status: "refused", reason: `Message not accepted (${err.code}): ${err.message}`.slice(0, 300) } };
    throw err;
  }
  const db = createDb(env.DB);
  const now = options.now ?? new Date();
  const rawSha = await sha256Hex(raw);
  const messageId = mail.messageId ?? `sha256:${rawSha}`;
  const [existing] = await db.select({ id: inboundMessages.id, status: inboundMessages.status }).from(inboundMessages).where(eq(inboundMessages.messageId, messageId)).limit(1);
  const releasing = !!options.release && existing?.id === options.release.inboundId && (existing.status === "quarantined" || existing.status === "failed");
  if (options.release && !releasing) throw new AppError("CONFLICT", "The message is no longer held");
  if (existing && !releasing) return { done: { status: "duplicate", inboundId: existing.id } };

  const rawKey = `mail/inbound/${rawSha}.eml`;
  if (!releasing) await env.ATTACHMENTS.put(rawKey, raw, { httpMetadata: { contentType: "message/rfc822" } });
  const cut = [mail.text, mail.fullText, mail.html ?? ""].some((s) => s.length > MAX_STORED_BODY_CHARS);
  const bodyKey = cut ? `mail/inbound/${rawSha}.body.json` : null;
  if (bodyKey && !releasing) {
    await env.ATTACHMENTS.put(bodyKey, JSON.stringify({ text: mail.text, full_text: mail.fullText, html: mail.html }), { httpMetadata: { contentType: "application/json" } });
  }
  const inboundId = options.release?.inboundId ?? newId(now.getTime());
  return { run: { env, db, settings: mailSettings(env), now, raw, envelope, mail, messageId, rawKey, inboundId, releasing, bodyKey, options } };
}

/** Machine mail (RFC 3834 and API.md) never becomes a ticket or an answer; mail without a From has no one to file it under. */
type Classified = { kind: "machine" } | { kind: "person"; from: MailAddress };
function classify(mail: InboundMail): Classified | { ignore: string } {
  if (mail.auto.isAutoReply || mail.auto.kind) return { kind: "machine" };
  if (!mail.from) return { ignore: "no_from" };
  return { kind: "person", from: mail.from };
}

/** Who the sender is (the known-sender hook) and which ticket, if any, the mail continues. */
type Resolved = { known: SenderUser | null; ticket: Resolution | null };
async function resolve(run: MailRun, from: MailAddress): Promise<Resolved | { ignore: string }> {
  const known = await knownSender(run.db, from.address);
  if (known && !known.active) return { ignore: "sender_deactivated" };
  return { known, ticket: await resolveTicket(run.env, run.db, run.settings, run.mail, known, run.envelope.to) };
}

/**
 * How far the mail is trusted. Authenticated (or relaxed for local demos, or released by a
 * manager): it acts as its sender and enrols its Cc. Not authenticated: a mail that would act as
 * a known account or write into a ticket is held; a stranger may still open a ticket of their
 * own, but nobody they Cc becomes a participant.
 */
type Trust = { authenticated: boolean; /** A DKIM signature of the From domain verified: the sender showed control of the address. */ proven: boolean } | { hold: string };
async function authenticate(run: MailRun, from: MailAddress, resolved: Resolved): Promise<Trust> {
  if (run.releasing) {
    // A manager vouches for a customer, never for a staff member: a released mail acting as staff is a forged colleague.
    if (resolved.known && resolved.known.role !== "customer") {
      throw new AppError("CONFLICT", "Mail from a staff address is never released: it would act as that staff member. Ask them to send it again from their own mailbox.");
    }
    return { authenticated: true, proven: false };
  }
  if (!run.settings.authRequired) return { authenticated: true, proven: false };
  const verdict: SenderAuthVerdict = await checkSenderAuth({
    message: splitMessage(run.raw),
    fromAddress: from.address,
    authenticationResults: [...(run.mail.headers["authentication-results"] ?? []), ...(run.mail.headers["arc-authentication-results"] ?? [])],
    authservId: run.settings.authservId,
    resolver: txtResolver(run.env),
    now: run.now,
  });
  if (verdict.ok) return { authenticated: true, proven: true };
  if (resolved.known || resolved.ticket) return { hold: `sender_not_authenticated:${verdict.reason}: ${verdict.detail}`.slice(0, 1_000) };
  return { authenticated: false, proven: false };
}

/** Attachments to R2 (content-addressed), each within the size limit. */
async function storeAttachments(run: MailRun) {
  const files: { filename: string; contentType: string; size: number; sha256: string }[] = [];
  for (const [i, part] of run.mail.attachments.entries()) {
    if (part.size > run.settings.maxAttachmentBytes || part.size === 0) continue;
    const contentType = cleanContentType(part.contentType);
    const sha256 = await storeBytes(run.env.ATTACHMENTS, part.content, contentType);
    files.push({ filename: cleanFilename(part.filename, contentType, i + 1), contentType, size: part.size, sha256 });
  }
  return files;
}

/**
 * An unknown sender becomes a customer without a password (they may set one later by a reset).
 * Their address counts as proven only when the mail was authenticated (a verified DKIM signature
 * of its domain); from unauthenticated mail it stays unproven until a reset by mail proves it.
 */
async function findOrCreateCustomer(run: MailRun, from: MailAddress, proven: boolean): Promise<SenderUser> {
  const ctx = mailContext(run.env, null, { now: run.now, db: run.db });
  await ensureCustomer(ctx, { email: from.address, name: flat(from.name), proven, source: "email" });
  const user = await knownSender(run.db, from.address);
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

const duplicateOfThis = (err: unknown) => isUniqueViolation(err, "inbound_messages");

/** The one write: a comment on the resolved ticket, or a new ticket; the message row, attachments and participants in its batch. */
async function write(run: MailRun, sender: SenderUser, ticket: Resolution | null, enrolCc: boolean): Promise<IngestOutcome> {
  const files = await storeAttachments(run);
  // The mail acts as its address, never as an unverified account's session: it is the address's
  // owner writing, and what it opens stays out of that account's sight (domain/permissions).
  const ctx = mailContext(run.env, { id: sender.id, name: sender.name, email: sender.email, role: sender.role }, {
    now: run.now,
    db: run.db,
    waitUntil: run.options.waitUntil,
    participantOf: ticket?.as === "participant" ? ticket.ticketId : undefined,
  });
  const body = visibleBody(run.mail, files.length);
  // `enrol`: the mail's other addresses become participants (they may write into the ticket by mail).
  // Never from an internal note by mail: staff answering staff talk Cc'd whom they were talking to,
  // not someone the requester's conversation is shared with.
  const extras = (ticketId: string, commentId: string | null, requesterEmail: string, enrol: boolean): BatchItem[] => [
    ...((ids) => files.map((f, i) => attachmentInsert(ctx, { id: ids[i]!, ticketId, commentId, ...f }).insert))(orderedIds(ctx, files.length)),
    ...(enrol ? newParticipants(run.mail, run.settings, [sender.email, requesterEmail]) : []).map((email) =>
      run.db.insert(ticketParticipants).values({ ticketId, email, addedAt: run.now.toISOString() }).onConflictDoNothing(),
    ),
  ];

  if (ticket) {
    const [requester] = await run.db.select({ email: users.email }).from(users).where(eq(users.id, ticket.requesterId)).limit(1);
    const settled: Settled = { status: "commented", ticketId: ticket.ticketId, threads: true, reason: `via:${ticket.via}` };
    try {
      const result = await addComment(ctx, ticket.ticketId, { body, internal: ticket.internal, channel: "email" }, undefined, {
        extra: (comment) => [...messageRow(run, { ...settled, commentId: comment.id }), ...extras(ticket.ticketId, comment.id, requester?.email ?? "", enrolCc && !ticket.internal)],
      });
      return outcomeOf(run, { ...settled, commentId: result.body.id });
    } catch (err) {
      if (duplicateOfThis(err)) return { status: "duplicate", inboundId: run.inboundId };
      // Closed between resolving and writing: the mail starts a new ticket, like any mail to a closed one.
      if (!(err instanceof AppError && err.code === "INVALID_TRANSITION")) throw err;
    }
  }
  try {
    const result = await createTicket(ctx, { subject: ticketSubject(run.mail), description: body, priority: "medium", channel: "email", tags: [] }, undefined, {
      extra: (row) => [...messageRow(run, { status: "ticket_created", ticketId: row.id, threads: true }), ...extras(row.id, null, sender.email, enrolCc)],
    });
    return outcomeOf(run, { status: "ticket_created", ticketId: result.body.id });
  } catch (err) {
    if (duplicateOfThis(err)) return { status: "duplicate", inboundId: run.inboundId };
    throw err;
  }
}

export async function ingestMail(env: Bindings, raw: Uint8Array, envelope: Envelope, options: IngestOptions = {}): Promise<IngestOutcome> {
  const received = await receive(env, raw, envelope, options);
  if (isDone(received)) return received.done;
  const { run } = received;

  const classified = classify(run.mail);
  if ("ignore" in classified) return settle(run, { status: "ignored", ticketId: null, reason: classified.ignore });
  if (classified.kind === "machine") {
    const { auto } = run.mail;
    if (auto.kind === "bounce" || auto.kind === "feedback_report") return handleBounce(run);
    return settle(run, { status: "ignored", ticketId: null, reason: `auto:${auto.kind ?? "auto_reply"}:${auto.reason ?? "unknown"}` });
  }

  const resolved = await resolve(run, classified.from);
  if ("ignore" in resolved) return settle(run, { status: "ignored", ticketId: null, reason: resolved.ignore });

  const trust = await authenticate(run, classified.from, resolved);
  if ("hold" in trust) return settle(run, { status: "quarantined", ticketId: resolved.ticket?.ticketId ?? null, reason: trust.hold });

  const sender = resolved.known ?? (await findOrCreateCustomer(run, classified.from, trust.proven));
  return write(run, sender, resolved.ticket, trust.authenticated);
}

/**
 * Last resort of the email handler: ingesting threw (a fault of ours, not of the mail). The raw
 * mail is kept in R2 and a `failed` row shows it to admins beside the quarantine, so the sending
 * server gets a 250 and never retries it forever. Returns null when even that row cannot be
 * written (D1 unavailable): then the delivery fails and the server retries, which is right.
 */
export async function recordFailedMail(env: Bindings, raw: Uint8Array, envelope: Envelope, error: unknown, now = new Date()): Promise<IngestOutcome | null> {
  try {
    const db = createDb(env.DB);
    const rawSha = await sha256Hex(raw);
    const rawKey = `mail/inbound/${rawSha}.eml`;
    await env.ATTACHMENTS.put(rawKey, raw, { httpMetadata: { contentType: "message/rfc822" } });
    const head = new TextDecoder("latin1").decode(raw.subarray(0, 64 * 1024));
    const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.{0,500})`, "im").exec(head)?.[1]?.trim() ?? null;
    const messageId = /<([^<>\s]{1,900})>/.exec(header("message-id") ?? "")?.[1] ?? `sha256:${rawSha}`;
    const id = newId(now.getTime());
    const nowIso = now.toISOString();
    const [row] = await db
      .insert(inboundMessages)
      .values({
        id,
        messageId,
        status: "failed",
        reason: `failed:${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 1_000),
        fromAddress: /[^\s<>"]+@[^\s<>"]+/.exec(header("from") ?? "")?.[0]?.toLowerCase().slice(0, 320) ?? null,
        envelopeTo: envelope.to?.toLowerCase() ?? null,
        subject: header("subject"),
        text: "",
        fullText: "",
        rawKey,
        rawSize: raw.byteLength,
        createdAt: nowIso,
        updatedAt: nowIso,
      })
      .onConflictDoNothing()
      .returning({ id: inboundMessages.id });
    return { status: "failed", inboundId: row?.id ?? id, ticketId: null, commentId: null, reason: "failed" };
  } catch (err) {
    console.error("inbound mail: could not even record the failure", err);
    return null;
  }
}
