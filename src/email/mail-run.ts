/**
 * One delivery as the mail steps share it (ingest.ts, bounce.ts), and the message's own row:
 * every path ends by writing it, alone or in the batch of the change it caused.
 */
import { eq } from "drizzle-orm";
import { runBatch, type BatchItem, type Database } from "../db/client";
import { inboundMessages, mailMessageIds } from "../db/schema";
import type { InboundStatus } from "../domain/vocabulary";
import type { Bindings } from "../env";
import { isUniqueViolation } from "../db/errors";
import type { InboundMail } from "./parse";
import type { MailSettings } from "./settings";

/**
 * Characters of each of text, full text and HTML kept on the message row. D1 rows are at most
 * 2 MB; three columns of this many UTF-16 units stay under 1 MB of UTF-8. The whole body goes to
 * R2 beside the raw mail when anything is cut (`body_key`).
 */
export const MAX_STORED_BODY_CHARS = 100_000;

export interface Envelope {
  /** SMTP MAIL FROM. */
  from: string | null;
  /** SMTP RCPT TO: which address of ours it reached. */
  to: string | null;
}

export interface IngestOptions {
  now?: Date;
  waitUntil?: (promise: Promise<unknown>) => void;
  /** A manager releases a held (quarantined or failed) message: its row is updated instead of inserted, and the manager's decision stands in for sender authentication. */
  release?: { inboundId: string };
}

export type IngestOutcome =
  /** Not accepted at all: the SMTP transaction is refused with this reason. */
  | { status: "refused"; reason: string }
  | { status: "duplicate"; inboundId: string }
  | { status: InboundStatus; inboundId: string; ticketId: string | null; commentId: string | null; reason: string | null };

/** What a step decided about the message's own row. */
export interface Settled {
  status: InboundStatus;
  ticketId: string | null;
  commentId?: string | null;
  reason?: string | null;
  /** Accepted into a ticket: its Message-ID becomes a thread anchor. */
  threads?: boolean;
}

/** Everything the steps share about one delivery. */
export interface MailRun {
  env: Bindings;
  db: Database;
  settings: MailSettings;
  now: Date;
  raw: Uint8Array;
  envelope: Envelope;
  mail: InboundMail;
  messageId: string;
  rawKey: string;
  inboundId: string;
  releasing: boolean;
  bodyKey: string | null;
  options: IngestOptions;
}

// ---------------------------------------------------------------- the message's own row

const clipped = (s: string | null) => (s && s.length > MAX_STORED_BODY_CHARS ? s.slice(0, MAX_STORED_BODY_CHARS) : s);

/** The message's row (inserted, or updated on release) and, once it belongs to a ticket, its Message-ID as a thread anchor. */
export function messageRow(run: MailRun, o: Settled): BatchItem[] {
  const { db, mail } = run;
  const nowIso = run.now.toISOString();
  const values = { status: o.status, ticketId: o.ticketId, commentId: o.commentId ?? null, reason: o.reason ?? null, updatedAt: nowIso };
  const row: BatchItem = run.releasing
    ? db.update(inboundMessages).set(values).where(eq(inboundMessages.id, run.inboundId))
    : db.insert(inboundMessages).values({
        id: run.inboundId,
        messageId: run.messageId,
        fromAddress: mail.from?.address ?? null,
        fromName: mail.from?.name || null,
        envelopeTo: run.envelope.to?.toLowerCase() ?? null,
        subject: mail.subject,
        text: clipped(mail.text)!,
        fullText: clipped(mail.fullText)!,
        html: clipped(mail.html),
        bodyKey: run.bodyKey,
        autoKind: mail.auto.kind,
        rawKey: run.rawKey,
        rawSize: run.raw.byteLength,
        createdAt: nowIso,
        ...values,
      });
  // Only mail accepted into a ticket becomes a thread anchor; quarantined or ignored mail never does.
  const anchor =
    o.threads && o.ticketId && mail.messageId
      ? [db.insert(mailMessageIds).values({ messageId: mail.messageId, ticketId: o.ticketId, direction: "inbound", mailId: run.inboundId, createdAt: nowIso }).onConflictDoNothing()]
      : [];
  return [row, ...anchor];
}

export const outcomeOf = (run: MailRun, o: Settled): IngestOutcome => ({ status: o.status, inboundId: run.inboundId, ticketId: o.ticketId, commentId: o.commentId ?? null, reason: o.reason ?? null });

/** Writes the row alone: the mail changes nothing else. A concurrent delivery of the same Message-ID makes this one a duplicate. */
export async function settle(run: MailRun, o: Settled): Promise<IngestOutcome> {
  try {
    await runBatch(run.db, messageRow(run, o));
  } catch (err) {
    if (isUniqueViolation(err)) return { status: "duplicate", inboundId: run.inboundId };
    throw err;
  }
  return outcomeOf(run, o);
}

