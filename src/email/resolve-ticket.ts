/**
 * Which existing ticket an inbound mail continues, if any (API.md "Email channel").
 *
 * Signals, strongest first: In-Reply-To, then References, against every Message-ID we sent or
 * received (mail_message_ids); the ticket's HMAC-signed reply address; a `[TICK-…]` subject tag.
 * Each is only a candidate: the sender must also be the requester, a participant (an address Cc'd
 * on the ticket's mail) or staff, else the mail starts a ticket of its own. Closed and cancelled
 * tickets take no replies, so mail to them starts a new ticket too; a merged ticket's thread leads
 * to the ticket it was merged into.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { mailMessageIds, outboundMessages, ticketParticipants, tickets, users } from "../db/schema";
import { isSelfServiceTicket, type TicketAccess } from "../domain/permissions";
import { isStaffTalkMail } from "../domain/vocabulary";
import type { Bindings } from "../env";
import type { InboundMail } from "./parse";
import { classifyMessageId, ticketOfReplyAddress } from "./reply-token";
import type { MailSettings } from "./settings";

/** Candidate tickets checked per mail: each costs a lookup, and a real reply names one or two. */
export const MAX_CANDIDATES = 5;
/** Merges followed from a ticket a mail names: a target may be merged on into another ticket, but not endlessly. */
export const MAX_MERGE_HOPS = 5;
const SUBJECT_TAG = /\[(TICK-\d{8}-\d{4,6})\]/i;
const CLOSED_TO_REPLIES = new Set(["closed", "cancelled"]);

export type Via = "in_reply_to" | "references" | "reply_address" | "subject_tag";
export type SenderUser = Pick<typeof users.$inferSelect, "id" | "name" | "email" | "role" | "active"> & {
  /** A self-registered account that has not proven the address: its session may belong to someone else than the mailbox's owner. */
  unproven: boolean;
};

export interface Resolution {
  ticketId: string;
  number: string;
  requesterId: string;
  via: Via;
  /** How the sender belongs to the ticket. */
  as: "requester" | "staff" | "participant";
  /**
   * Staff answering staff talk (a mail the mail names: a notification or a rule's mail queued for a
   * staff member, domain/vocabulary isStaffTalkMail): an internal note. Staff answering the
   * conversation (mail to a customer or an outside address) reply publicly.
   */
  internal: boolean;
}

const senderColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  active: users.active,
  unproven: sql<boolean>`${users.emailVerifiedAt} IS NULL AND ${users.passwordHash} IS NOT NULL`.mapWith(Boolean),
};

/**
 * KNOWN-SENDER HOOK — the one place that decides whether a mail's From address belongs to an
 * account (customer or staff). A known sender's mail acts as that address's account, so it must
 * authenticate or it is quarantined (ingest.ts). An address whose account is unverified still
 * has one row (emails are unique): the mail is the mailbox owner's, filed under the address, and
 * the account's sessions do not see it until the address is proven (domain/permissions
 * canSeeTicket); {@link senderRole} keeps such mail out of the tickets that account opened itself.
 * Other inbound channels that name a person by address follow the same rules.
 */
export async function knownSender(db: Database, address: string): Promise<SenderUser | null> {
  const [user] = await db.select(senderColumns).from(users).where(eq(users.email, address)).limit(1);
  return user ?? null;
}

async function senderRole(db: Database, ticket: TicketAccess & { id: string }, from: string, sender: SenderUser | null): Promise<Resolution["as"] | null> {
  if (sender?.active && sender.role !== "customer") return "staff";
  // An unverified account's own tickets are its registrant's, who may not own the mailbox: mail from the address never writes into them.
  if (sender?.active && sender.id === ticket.requesterId && !(sender.unproven && isSelfServiceTicket(sender.id, ticket))) return "requester";
  if (sender && !sender.active) return null;
  const [cc] = await db
    .select({ email: ticketParticipants.email })
    .from(ticketParticipants)
    .where(and(eq(ticketParticipants.ticketId, ticket.id), eq(ticketParticipants.email, from)))
    .limit(1);
  return cc ? "participant" : null;
}

/** Candidates in signal order, without duplicates. */
async function candidates(env: Bindings, db: Database, settings: MailSettings, mail: InboundMail, envelopeTo: string | null) {
  const found: { ticket: { by: "id" | "number"; ref: string }; via: Via; staffTalk: boolean }[] = [];
  const add = (by: "id" | "number", ref: string, via: Via, staffTalk = false) => {
    const seen = found.find((c) => c.ticket.by === by && c.ticket.ref === ref);
    if (seen) seen.staffTalk ||= staffTalk;
    else found.push({ ticket: { by, ref }, via, staffTalk });
  };

  const ids: string[] = [];
  for (const id of [mail.inReplyTo, ...[...mail.references].reverse()]) {
    if (id && !ids.includes(id) && (await classifyMessageId(env, settings, id)) !== "forged") ids.push(id);
  }
  if (ids.length) {
    const rows = await db
      .select({ messageId: mailMessageIds.messageId, ticketId: mailMessageIds.ticketId, kind: outboundMessages.kind, recipientRole: users.role })
      .from(mailMessageIds)
      .leftJoin(outboundMessages, and(eq(mailMessageIds.direction, "outbound"), eq(outboundMessages.id, mailMessageIds.mailId)))
      // The account the mail was sent to as a user (a notification's; a rule's mail to the assignee or
      // the team's manager): recorded when it was queued, so a later change of their address changes nothing.
      .leftJoin(users, eq(users.id, outboundMessages.userId))
      .where(inArray(mailMessageIds.messageId, ids));
    const byId = new Map(rows.map((r) => [r.messageId, r]));
    for (const id of ids) {
      const row = byId.get(id);
      // Any named mail of ours that was staff talk marks the answer, wherever it stands in the chain.
      if (row) add("id", row.ticketId, id === mail.inReplyTo ? "in_reply_to" : "references", isStaffTalkMail(row.kind, row.recipientRole));
    }
  }

  const addresses = [envelopeTo, ...mail.to.map((a) => a.address), ...mail.cc.map((a) => a.address)].filter((a): a is string => !!a);
  for (const address of new Set(addresses.map((a) => a.toLowerCase()))) {
    const ticketId = await ticketOfReplyAddress(env, settings, address);
    if (ticketId) add("id", ticketId, "reply_address");
  }

  const tag = mail.subject ? SUBJECT_TAG.exec(mail.subject) : null;
  if (tag) add("number", tag[1]!.toUpperCase(), "subject_tag");
  return found.slice(0, MAX_CANDIDATES);
}

/** The ticket this mail continues, or null: the mail starts a new ticket. */
export async function resolveTicket(
  env: Bindings,
  db: Database,
  settings: MailSettings,
  mail: InboundMail,
  sender: SenderUser | null,
  envelopeTo: string | null,
): Promise<Resolution | null> {
  const from = mail.from?.address;
  if (!from) return null;
  const load = async (by: "id" | "number", ref: string) => {
    const [ticket] = await db
      .select({ id: tickets.id, number: tickets.number, requesterId: tickets.requesterId, createdById: tickets.createdById, channel: tickets.channel, status: tickets.status, mergedIntoId: tickets.mergedIntoId })
      .from(tickets)
      .where(and(by === "id" ? eq(tickets.id, ref) : eq(tickets.number, ref), isNull(tickets.deletedAt)))
      .limit(1);
    return ticket;
  };
  for (const candidate of await candidates(env, db, settings, mail, envelopeTo)) {
    let ticket = await load(candidate.ticket.by, candidate.ticket.ref);
    // A merged ticket's thread continues on the ticket it was merged into (its Message-IDs moved
    // there with the merge; its reply address and subject tag are followed here).
    for (let hop = 0; ticket?.mergedIntoId && hop < MAX_MERGE_HOPS; hop++) ticket = await load("id", ticket.mergedIntoId);
    if (!ticket || ticket.mergedIntoId || CLOSED_TO_REPLIES.has(ticket.status)) continue;
    const as = await senderRole(db, ticket, from, sender);
    if (as) return { ticketId: ticket.id, number: ticket.number, requesterId: ticket.requesterId, via: candidate.via, as, internal: as === "staff" && candidate.staffTalk };
  }
  return null;
}
