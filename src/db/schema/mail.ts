import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { FOLLOW_UPS, INBOUND_STATUSES, OUTBOUND_KINDS, OUTBOUND_STATUSES } from "../../domain/vocabulary";
import { tickets } from "./tickets";
import { users } from "./users";


/** Every mail that reached the `email` handler once (the unique Message-ID makes redelivery a no-op). */
export const inboundMessages = sqliteTable(
  "inbound_messages",
  {
    id: text("id").primaryKey(),
    /** The Message-ID header, or `sha256:<hex of the raw bytes>` for mail without one. */
    messageId: text("message_id").notNull(),
    ticketId: text("ticket_id").references(() => tickets.id),
    // No foreign key: an archived ticket's comments live in its R2 document (features/archive), and come back with the same ids.
    commentId: text("comment_id"),
    status: text("status", { enum: INBOUND_STATUSES }).notNull(),
    /** Why it was quarantined or ignored (machine-readable, e.g. `sender_not_authenticated`). */
    reason: text("reason"),
    fromAddress: text("from_address"),
    fromName: text("from_name"),
    /** SMTP envelope recipient (which address of ours it was sent to). */
    envelopeTo: text("envelope_to"),
    subject: text("subject"),
    /** The visible text (quoted history stripped), at most MAX_STORED_BODY_CHARS (src/email/ingest.ts). */
    text: text("text").notNull(),
    /** The whole decoded text, quoted history included, at most MAX_STORED_BODY_CHARS. */
    fullText: text("full_text").notNull(),
    /** Sanitised HTML, for display beside the text, at most MAX_STORED_BODY_CHARS. */
    html: text("html"),
    /** R2 key of the whole text, full text and HTML as JSON when any of the three was cut to fit the row (D1 rows are at most 2 MB). */
    bodyKey: text("body_key"),
    autoKind: text("auto_kind"),
    /** R2 key of the raw .eml. */
    rawKey: text("raw_key").notNull(),
    rawSize: integer("raw_size").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // Dedupe: the same Message-ID delivered twice is processed once.
    uniqueIndex("inbound_messages_message_id_uq").on(t.messageId),
    // GET /tickets/{id}/messages and the References chain of a reply.
    index("inbound_messages_ticket_created_idx").on(t.ticketId, t.createdAt, t.id),
    // GET /mail/quarantine pages the held and the failed mail only.
    index("inbound_messages_held_idx").on(t.createdAt, t.id).where(sql`status IN ('quarantined', 'failed')`),
  ],
);


/**
 * The mail outbox: a row is written in the same D1 batch as the change that causes the mail, so a
 * mail is never lost and never sent for a change that did not commit; the OUTBOX queue delivers it.
 * A ticket's mail names its ticket; an account's mail (address verification, password reset) names
 * its user instead, and carries no secret: its link is signed when the mail is composed.
 */
export const outboundMessages = sqliteTable(
  "outbound_messages",
  {
    /** Derived from what caused it (`reply-<comment id>` …): the same change can never queue two mails. */
    id: text("id").primaryKey(),
    /** The ticket of a ticket's mail; null for an account's mail. */
    ticketId: text("ticket_id").references(() => tickets.id),
    /** The account of an account's mail (verification, password reset); null for a ticket's mail. */
    userId: text("user_id").references(() => users.id),
    // No foreign key: an archived ticket's comments live in its R2 document (features/archive), and come back with the same ids.
    commentId: text("comment_id"),
    kind: text("kind", { enum: OUTBOUND_KINDS }).notNull(),
    /** Acknowledgements and notices (Auto-Submitted: auto-replied); a staff reply is not automatic. */
    automatic: integer("automatic", { mode: "boolean" }).notNull(),
    toAddress: text("to_address").notNull(),
    toName: text("to_name").notNull(),
    /** Template variables captured when the change committed. */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: OUTBOUND_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** Our Message-ID (with its HMAC), set when the mail is first composed. */
    messageId: text("message_id"),
    /** The id the sending service reports, when it replaces ours. */
    providerMessageId: text("provider_message_id"),
    inReplyTo: text("in_reply_to"),
    subject: text("subject"),
    /** When a consumer claimed it (status `sending`); a stale claim is taken over. */
    claimedAt: text("claimed_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    sentAt: text("sent_at"),
  },
  (t) => [
    index("outbound_messages_ticket_created_idx").on(t.ticketId, t.createdAt, t.id),
    // The cron re-enqueues rows that never left (queue send lost after commit, crashed consumer).
    index("outbound_messages_unsent_idx").on(t.status, t.updatedAt).where(sql`status IN ('pending', 'sending')`),
    // At most N automatic mails per recipient per hour; and a bounce names its original recipient.
    index("outbound_messages_to_created_idx").on(t.toAddress, t.createdAt),
  ],
);

/**
 * Every Message-ID we sent or received, per ticket: what In-Reply-To/References are matched against.
 * Our own ids carry an HMAC (src/email/reply-token.ts), so a matching id of ours cannot be made up.
 */
export const mailMessageIds = sqliteTable(
  "mail_message_ids",
  {
    messageId: text("message_id").primaryKey(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    /** The inbound_messages or outbound_messages row. */
    mailId: text("mail_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("mail_message_ids_ticket_idx").on(t.ticketId, t.createdAt)],
);

/**
 * People of a ticket besides its requester, by address: they may write into the ticket by mail
 * (API.md "Email channel"; never read it through the API). Cc'd addresses receive nothing;
 * `follow_up` marks those who also receive staff replies: the requester of a ticket merged into
 * this one (`replies`), a chat visitor's own address (`offline_replies`: only what they did not see live).
 */
export const ticketParticipants = sqliteTable(
  "ticket_participants",
  {
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    /** Lower-cased. */
    email: text("email").notNull(),
    addedAt: text("added_at").notNull(),
    /** Shown in the mails they receive (the merged requester's or the chat visitor's name). */
    name: text("name"),
    followUp: text("follow_up", { enum: FOLLOW_UPS }),
  },
  // A person's participations, for their export and erasure.
  (t) => [primaryKey({ columns: [t.ticketId, t.email] }), index("ticket_participants_email_idx").on(t.email)],
);

/** Files of a ticket (mail attachments and uploads); the bytes live in R2 under `attachments/<sha256>`. */
export const attachments = sqliteTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    /** The comment it came with; null for the ticket's first mail and for uploads. */
    // No foreign key: an archived ticket's comments live in its R2 document (features/archive), and come back with the same ids.
    commentId: text("comment_id"),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /**
     * R2 key of the bytes when they are not at the content-addressed `attachments/<sha256>`: an upload
     * is streamed to its own key (`attachments/uploads/<id>`), so a refused upload deletes exactly what it stored.
     */
    storageKey: text("storage_key"),
    uploadedById: text("uploaded_by_id"),
    createdAt: text("created_at").notNull(),
    /** The ticket a merge took it from: that ticket's requester still sees and downloads it there. */
    mergedFromTicketId: text("merged_from_ticket_id").references(() => tickets.id),
  },
  (t) => [
    index("attachments_ticket_created_idx").on(t.ticketId, t.createdAt, t.id),
    // A merged ticket lists the files it had, now on the ticket it was merged into.
    index("attachments_merged_from_idx").on(t.mergedFromTicketId, t.createdAt, t.id).where(sql`merged_from_ticket_id IS NOT NULL`),
    // A page of comments fetches its attachments in one query.
    index("attachments_comment_idx").on(t.commentId).where(sql`comment_id IS NOT NULL`),
    // Bytes are stored once per content: an erasure deletes them only when no other row names them.
    index("attachments_sha256_idx").on(t.sha256),
  ],
);

/** Admin edits of the outbound mail templates; a kind without a row uses the default in src/email/templates.ts. */
export const emailTemplates = sqliteTable("email_templates", {
  kind: text("kind", { enum: OUTBOUND_KINDS }).primaryKey(),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  updatedAt: text("updated_at").notNull(),
  updatedById: text("updated_by_id"),
});
