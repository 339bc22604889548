/**
 * The helpdesk's words: every state and kind a ticket, article, mail or team can be in. Storage
 * (db/schema), the wire schemas (features/*.schemas.ts) and the domain rules all take them from
 * here, so a new status is added in one place and the type checker finds every switch it affects.
 */

// ---------------------------------------------------------------- tickets

export const TICKET_STATUSES = ["open", "in_progress", "pending", "resolved", "closed", "cancelled"] as const;
export const TICKET_PRIORITIES = ["low", "medium", "high", "critical"] as const;
export const TICKET_CHANNELS = ["web", "email", "chat", "phone", "social", "api"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export type TicketChannel = (typeof TICKET_CHANNELS)[number];

/**
 * How two tickets are linked (API.md "More channels and data"): a merge closes the source into the
 * target (`merged_into` on the source, `merged_from` on the target); a split moves comments out into
 * a new ticket (`split_into` on the old one, `split_from` on the new one).
 */
export const TICKET_LINK_TYPES = ["merged_into", "merged_from", "split_into", "split_from"] as const;
export type TicketLinkType = (typeof TICKET_LINK_TYPES)[number];

/** 4 = critical … 1 = low: the order of `sort=priority` (stored, so the list walks an index). */
export const PRIORITY_RANK: Record<TicketPriority, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** One step more urgent (an escalation); critical stays critical. */
export function raisedPriority(priority: TicketPriority): TicketPriority {
  return TICKET_PRIORITIES[Math.min(TICKET_PRIORITIES.length - 1, TICKET_PRIORITIES.indexOf(priority) + 1)]!;
}

/** A due date that never comes: `sla_next_due_at` of a ticket whose clock is not running sorts last without a NULL case. */
export const NO_DUE = "9999-12-31T23:59:59.999Z";

/** Custom ticket field types (API.md "Custom fields"); domain/custom-fields.ts validates each. */
export const FIELD_TYPES = ["text", "textarea", "integer", "decimal", "checkbox", "date", "dropdown", "multiselect"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** Types a list filters by (`?cf.<key>=`): each has index rows in `ticket_field_values`. */
export const FILTERABLE_FIELD_TYPES = ["dropdown", "multiselect", "checkbox", "integer", "date"] as const satisfies readonly FieldType[];

/** The statuses a custom status can be a kind of (cancelled is final and has no kinds). */
export const STATUS_CATEGORIES = ["open", "in_progress", "pending", "resolved", "closed"] as const satisfies readonly TicketStatus[];
export type StatusCategory = (typeof STATUS_CATEGORIES)[number];

// ---------------------------------------------------------------- imports

export const IMPORT_STATUSES = ["awaiting_upload", "queued", "running", "done", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
/**
 * The passes of an import over its uploaded parts, in order: normalise the parts, then records of
 * each kind after the kinds they refer to (a ticket names its requester and organization, a comment
 * its ticket and author), whatever order the files came in.
 */
export const IMPORT_PHASES = ["prepare", "organizations", "users", "tickets", "comments", "done"] as const;
export type ImportPhase = (typeof IMPORT_PHASES)[number];

// ---------------------------------------------------------------- SLA and routing

/** What an SLA escalation does besides recording itself: reassign to the team's manager, re-route, or neither. */
export const ESCALATION_REASSIGN = ["manager", "auto", "none"] as const;
export type EscalationReassign = (typeof ESCALATION_REASSIGN)[number];

/** How a team hands out its tickets (domain/routing.ts). */
export const ROUTING_STRATEGIES = ["skill_based", "round_robin", "least_loaded"] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** An agent's manual status (capped by the agents' feed presence); only `online` agents get tickets. */
export const AVAILABILITIES = ["online", "away", "offline"] as const;
export type Availability = (typeof AVAILABILITIES)[number];

// ---------------------------------------------------------------- knowledge base

export const ARTICLE_STATUSES = ["draft", "published"] as const;
export const ARTICLE_VISIBILITIES = ["public", "internal"] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export type ArticleVisibility = (typeof ARTICLE_VISIBILITIES)[number];

// ---------------------------------------------------------------- mail

/** What became of an inbound message (src/email/ingest.ts). */
export const INBOUND_STATUSES = [
  "ticket_created",
  "commented",
  /** Would have acted as a known account (or changed a ticket) but the sender did not authenticate: waits for a manager. */
  "quarantined",
  /** Quarantined, then thrown away by an agent. */
  "rejected",
  /** Auto-reply, report or unusable sender: kept for dedupe and the record, nothing else happens. */
  "ignored",
  /** A delivery failure report about one of our outbound messages. */
  "bounce",
  /** Could not be stored (a fault, not the mail's fault): the raw mail is kept in R2 and admins see it beside the quarantine. */
  "failed",
] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/**
 * Mail about a ticket: to its requester (acknowledgement, staff reply, resolution), or sent by a
 * rule's or macro's send_email action (`action`), or a notification someone asked to get by mail;
 * `chat_reply`: a staff reply to a chat visitor who was not there to see it live (to their own
 * address, features/chat).
 */
export const TICKET_MAIL_KINDS = ["ticket_created", "reply", "ticket_resolved", "action", "notification", "chat_reply"] as const;
/**
 * The kinds of ticket mail that may be staff talk (see {@link isStaffTalkMail}): a notification (a
 * mention quotes the internal note) and a rule's or macro's mail (to staff it may carry internal words).
 */
export const STAFF_TALK_MAIL_KINDS = ["notification", "action"] as const satisfies readonly (typeof TICKET_MAIL_KINDS)[number][];
/**
 * THE rule of staff talk: a ticket's mail outside the conversation with its customers is a
 * notification or a rule's mail (`action`) queued for a staff member (`recipientRole`: the role of
 * the user the mail was queued for, its user_id: a notification's user, a rule's assignee or team
 * manager; null when it went to an address). Such mail carries no
 * subject tag and no reply address of the ticket, the requester's mail never names it in
 * In-Reply-To/References (email/outbound.ts, which states the same rule in SQL), and staff answering
 * it by mail write an internal note (email/resolve-ticket.ts). All other ticket mail is
 * conversation: to the requester, to a customer merged in or following, to an outside address.
 * Decided by whom it was sent to, as recorded then: not by who the ticket's requester is now (a
 * merge), nor by whose address it is now (an address changed since).
 * `kind` null: not one of our mails (an inbound one), never staff talk.
 */
export function isStaffTalkMail(kind: string | null, recipientRole: string | null | undefined): boolean {
  return (STAFF_TALK_MAIL_KINDS as readonly (string | null)[]).includes(kind) && !!recipientRole && recipientRole !== "customer";
}
/** Mail about an account, to its address: a signed link that proves the address or resets the password. */
export const ACCOUNT_MAIL_KINDS = ["verify_email", "password_reset"] as const;
export const OUTBOUND_KINDS = [...TICKET_MAIL_KINDS, ...ACCOUNT_MAIL_KINDS] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];
export type AccountMailKind = (typeof ACCOUNT_MAIL_KINDS)[number];
export const isAccountMail = (kind: OutboundKind): kind is AccountMailKind => (ACCOUNT_MAIL_KINDS as readonly string[]).includes(kind);

/** Channels a customer may open a ticket through by themselves; the others are staff's record of a conversation elsewhere. */
export const SELF_SERVICE_CHANNELS = ["web", "api"] as const satisfies readonly TicketChannel[];
export const OUTBOUND_STATUSES = ["pending", "sending", "sent", "failed", "suppressed", "bounced"] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

// ---------------------------------------------------------------- tags

/** A tag is a label: lowercase letters, digits and `_ . : -`, bounded so a row stays small. */
export const TAG_PATTERN = /^[\p{L}\p{N}_.:-]+$/u;
export const MAX_TAG_CHARS = 50;
export const MAX_TAGS = 20;

// ---------------------------------------------------------------- automation

/** Triggers run after each committed change; automations run on the cron (domain/rules.ts). */
export const RULE_KINDS = ["trigger", "automation"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** The events a trigger's `event` condition names (one change may be several at once: an update with a comment). */
export const RULE_EVENT_TYPES = ["ticket.created", "ticket.updated", "comment.created", "sla.breached", "sla.at_risk"] as const;
export type RuleEventType = (typeof RULE_EVENT_TYPES)[number];

/** Shared macros are everyone's (managers and admins keep them); personal ones their owner's alone. */
export const MACRO_SCOPES = ["shared", "personal"] as const;
export type MacroScope = (typeof MACRO_SCOPES)[number];

// ---------------------------------------------------------------- notifications

/**
 * What a user is notified of (API.md "Notifications"). Staff: a ticket assigned to them, the
 * requester of a ticket they hold replying, an @mention in an internal note, a ticket they hold at
 * risk or breached, a rule's `notify`. Customers: a public staff reply on their ticket, and its resolution.
 */
export const NOTIFICATION_TYPES = [
  "assigned",
  "requester_replied",
  "mentioned",
  "sla_at_risk",
  "sla_breached",
  "rule",
  "agent_replied",
  "ticket_resolved",
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Which staff replies a ticket participant (besides the requester) receives by mail: every public
 * one (`replies`: the requester of a ticket merged into it), or those a chat visitor did not see
 * live (`offline_replies`: the address they left in the chat).
 */
export const FOLLOW_UPS = ["replies", "offline_replies"] as const;
export type FollowUp = (typeof FOLLOW_UPS)[number];
/**
 * The mode that marks a chat session's own participant row: only the session writes it on its
 * ticket (a merge copies it as `replies`; a merged requester's row set over it becomes theirs). A
 * row of the same address with any other mode belongs to someone else (a merged requester, a Cc,
 * the visitor of a chat merged in): the visitor's settings and erasure leave it alone.
 */
export const CHAT_SESSION_FOLLOW_UP = "offline_replies" satisfies FollowUp;

// ---------------------------------------------------------------- webhooks and channels

/**
 * Where a delivery stands (API.md "Automation"): `pending` until its first answer, `retrying` after
 * a failed attempt with another one scheduled, `delivered` on a 2xx, `failed` when the retries ran
 * out (or the endpoint was disabled or deleted meanwhile).
 */
export const DELIVERY_STATUSES = ["pending", "delivered", "retrying", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The systems a channel connects (API.md "More channels and data"); a ticket it opens carries the same channel. */
export const CHANNEL_KINDS = ["phone", "social", "api"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
