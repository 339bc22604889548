/**
 * A bounce or feedback report about our outbound mail: mark that mail bounced and put a
 * delivery-failure event on its ticket. No comment, no ticket, no answer.
 *
 * The bounced mail is found only through a Message-ID whose HMAC shows we minted it
 * (reply-token.ts). A recipient address (`Final-Recipient`), a foreign Message-ID or a subject is
 * something anyone can write, so none of them may mark someone's mail bounced.
 */
import { and, eq, inArray } from "drizzle-orm";
import { mailContext } from "../contexts";
import { isUniqueViolation } from "../db/errors";
import { mailMessageIds, outboundMessages } from "../db/schema";
import { findVisibleTicket, recordOnTicket } from "../features/tickets/tickets.service";
import { messageRow, settle, type IngestOutcome, type MailRun } from "./mail-run";
import type { InboundMail } from "./parse";
import { classifyMessageId } from "./reply-token";

/** Bytes of a DSN part scanned for the bounced Message-ID and status: the headers are at the top. */
const MAX_DSN_SCAN_BYTES = 64 * 1024;
/** Ids of a bounce tried against our outbound mail: each costs an HMAC. */
const MAX_BOUNCE_IDS = 20;

const DSN_PARTS = new Set(["message/delivery-status", "message/global-delivery-status", "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/global-headers"]);

/** Text of the parts of a DSN that name the bounced message and its recipient. */
function dsnText(mail: InboundMail): string {
  const decoder = new TextDecoder("utf-8");
  const parts = mail.attachments.filter((a) => DSN_PARTS.has(a.contentType)).map((a) => decoder.decode(a.content.subarray(0, MAX_DSN_SCAN_BYTES)));
  return [mail.fullText.slice(0, MAX_DSN_SCAN_BYTES), ...parts].join("\n");
}

/** Message-IDs the report names that carry our valid HMAC. */
async function ourIds(run: MailRun, text: string): Promise<string[]> {
  const named = new Set<string>([run.mail.inReplyTo, ...run.mail.references].filter((x): x is string => !!x));
  for (const m of text.matchAll(/<([^<>\s]{1,900})>/g)) named.add(m[1]!);
  const ours: string[] = [];
  let tried = 0;
  for (const id of named) {
    if (tried++ >= MAX_BOUNCE_IDS) break;
    if ((await classifyMessageId(run.env, run.settings, id)) === "ours") ours.push(id);
  }
  return ours;
}

export async function handleBounce(run: MailRun): Promise<IngestOutcome> {
  const { db, mail } = run;
  const text = dsnText(mail);
  const ids = await ourIds(run, text);
  const [target] = ids.length
    ? await db
        .select({ id: outboundMessages.id, ticketId: outboundMessages.ticketId, toAddress: outboundMessages.toAddress })
        .from(mailMessageIds)
        .innerJoin(outboundMessages, eq(outboundMessages.id, mailMessageIds.mailId))
        .where(and(inArray(mailMessageIds.messageId, ids), eq(mailMessageIds.direction, "outbound")))
        .limit(1)
    : [];
  // Account mail has no ticket to show a failure on (and is never recorded in mail_message_ids anyway).
  if (!target?.ticketId) return settle(run, { status: "bounce", ticketId: null, reason: `${mail.auto.kind}:unmatched` });

  const status = /^status\s*:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(text)?.[1] ?? null;
  const diagnostic = /^diagnostic-code\s*:\s*(.{1,200})/im.exec(text)?.[1]?.trim() ?? null;
  const ctx = mailContext(run.env, null, { now: run.now, db });
  const ticketId = target.ticketId;
  const ticket = await findVisibleTicket(ctx, ticketId).catch(() => null);
  // Deleted since: nobody is left to see the failure on it.
  if (!ticket) return settle(run, { status: "bounce", ticketId: null, reason: `${mail.auto.kind}:ticket_gone` });
  try {
    await recordOnTicket(ctx, ticket, {
      history: [
        {
          type: "mail_bounced",
          internal: true,
          changes: { outbound_message_id: target.id, recipient: target.toAddress, kind: mail.auto.kind, status, diagnostic, inbound_message_id: run.inboundId },
        },
      ],
      audit: [{ action: "mail.bounced", entityType: "outbound_message", entityId: target.id, changes: { ticket_id: ticketId, status } }],
      extra: [
        ...messageRow(run, { status: "bounce", ticketId, reason: mail.auto.kind }),
        db
          .update(outboundMessages)
          .set({ status: "bounced", lastError: [status, diagnostic].filter(Boolean).join(" ") || mail.auto.kind, updatedAt: run.now.toISOString() })
          .where(eq(outboundMessages.id, target.id)),
      ],
    });
  } catch (err) {
    if (isUniqueViolation(err, "inbound_messages")) return { status: "duplicate", inboundId: run.inboundId };
    throw err;
  }
  return { status: "bounce", inboundId: run.inboundId, ticketId, commentId: null, reason: mail.auto.kind };
}
