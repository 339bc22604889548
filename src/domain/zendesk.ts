import type { Role } from "./permissions";
import type { TicketChannel, TicketPriority, TicketStatus } from "./vocabulary";

/**
 * Zendesk's export formats, read (API.md "Import"): what a record is, and what its fields become
 * here. Written from Zendesk's published API documentation: the Tickets, Users, Organizations,
 * Ticket Comments, Ticket Audits and Incremental Export references. Pure: records in, plain data
 * out; the importer (features/imports) does the I/O.
 *
 * A file is NDJSON (one record or one API page per line: the full JSON export, saved incremental
 * pages) or one JSON document (an API response page, an array, or one wrapped record). Records:
 *   ticket        {id, subject, description, status, priority, requester_id, assignee_id, organization_id,
 *                  tags, via: {channel}, created_at, updated_at, comments?: [comment]}
 *   user          {id, name, email, role: "end-user"|"agent"|"admin", organization_id, created_at}
 *   organization  {id, name, domain_names, created_at}
 *   comment       {id, ticket_id?, author_id, body, plain_body?, public, created_at} (a ticket's
 *                  `comments`, the Ticket Comments API; standalone ones need `ticket_id`)
 *   audit         {id, ticket_id, author_id, created_at, events: [{type: "Comment", id, body, public, author_id}, …]}
 *   ticket event  {id, ticket_id, created_at, updater_id, child_events: [{event_type: "Comment", id, body, public, author_id}]}
 *                 (the incremental ticket events export with include=comment_events)
 */

export type RecordKind = "organization" | "user" | "ticket" | "comment";
export type ZendeskId = string;

export interface ZendeskComment {
  id: ZendeskId;
  ticketId: ZendeskId | null;
  authorId: ZendeskId | null;
  body: string;
  public: boolean;
  createdAt: string | null;
  attachments: number;
}

export interface ZendeskTicket {
  id: ZendeskId;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  requesterId: ZendeskId | null;
  submitterId: ZendeskId | null;
  assigneeId: ZendeskId | null;
  organizationId: ZendeskId | null;
  tags: string[];
  channel: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  comments: ZendeskComment[];
}

export interface ZendeskUser {
  id: ZendeskId;
  name: string;
  email: string | null;
  role: string;
  /** Zendesk's own proof of the address (the user verified it there). */
  verified: boolean;
  createdAt: string | null;
}

export interface ZendeskOrganization {
  id: ZendeskId;
  name: string;
}

export type ZendeskRecord =
  | { kind: "ticket"; value: ZendeskTicket }
  | { kind: "user"; value: ZendeskUser }
  | { kind: "organization"; value: ZendeskOrganization }
  | { kind: "comment"; value: ZendeskComment };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const idOf = (v: unknown): ZendeskId | null => (typeof v === "number" && Number.isFinite(v) ? String(v) : typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
/**
 * Times a helpdesk record can hold (ms since 1970). Outside them a time is taken as unreadable (the
 * import's own time stands in): the search index keys a ticket by its created_at and holds 1830..2109
 * (migrations/0045_ticket_search_created_order.sql), and no ticket was written before 1970 or after 2100.
 */
const RECORD_TIMES = { from: Date.UTC(1970, 0, 1), to: Date.UTC(2100, 0, 1) };
const time = (v: unknown): string | null => {
  const s = str(v);
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || ms < RECORD_TIMES.from || ms >= RECORD_TIMES.to ? null : new Date(ms).toISOString();
};

/** Envelope keys of Zendesk's list responses and incremental pages, and the kind each holds. */
const LIST_KEYS: Record<string, "organization" | "user" | "ticket" | "comment" | "audit" | "event"> = {
  organizations: "organization",
  users: "user",
  tickets: "ticket",
  comments: "comment",
  audits: "audit",
  ticket_events: "event",
};
const SINGLE_KEYS: Record<string, "organization" | "user" | "ticket" | "comment" | "audit"> = {
  organization: "organization",
  user: "user",
  ticket: "ticket",
  comment: "comment",
  audit: "audit",
};

/** The list keys of an API page; a record (it has an id) is no page, though a ticket holds `comments`. */
const listKeysOf = (value: Json) => ("id" in value ? [] : Object.keys(value).filter((k) => k in LIST_KEYS && Array.isArray(value[k])));

/** The records of a value, and why any part of it was not one (a page with one bad item keeps the rest). */
export interface Parsed {
  records: ZendeskRecord[];
  errors: string[];
}

const one = (r: ZendeskRecord | ZendeskRecord[] | string): Parsed =>
  typeof r === "string" ? { records: [], errors: [r] } : { records: Array.isArray(r) ? r : [r], errors: [] };
const merge = (parts: Parsed[]): Parsed => ({ records: parts.flatMap((p) => p.records), errors: parts.flatMap((p) => p.errors) });

/**
 * The records of one JSON value (a line of NDJSON or a whole document): an API page (`{tickets:
 * [...], users: [...]}` side-loads included), a wrapped record (`{ticket: {...}}`), an array, or a
 * bare record whose kind is told by its fields.
 */
export function recordsOf(value: unknown): Parsed {
  if (Array.isArray(value)) return merge(value.map((v) => recordsOf(v)));
  if (!isObject(value)) return one("not a JSON object");
  const lists = listKeysOf(value);
  if (lists.length) return merge(lists.flatMap((k) => (value[k] as unknown[]).map((item) => one(typed(LIST_KEYS[k]!, item)))));
  const single = Object.keys(value).find((k) => k in SINGLE_KEYS && isObject(value[k]));
  if (single) return one(typed(SINGLE_KEYS[single]!, value[single]));
  const kind = kindOf(value);
  return one(kind ? typed(kind, value) : "not a Zendesk ticket, user, organization, comment, audit or ticket event");
}

/**
 * The Zendesk account a value came from: the host of the first API `url` in it (records carry
 * their own), so the ids of two accounts imported here never meet. Null when it has none.
 */
export function accountOf(value: unknown): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (!isObject(first)) return null;
  const url = str(first.url);
  if (url) {
    try {
      return new URL(url).host.toLowerCase();
    } catch {
      return null;
    }
  }
  for (const k of [...Object.keys(LIST_KEYS), ...Object.keys(SINGLE_KEYS)]) {
    const found = k in first ? accountOf(first[k]) : null;
    if (found) return found;
  }
  return null;
}

/** A bare record's kind, by the fields only it has. */
function kindOf(v: Json): "organization" | "user" | "ticket" | "comment" | "audit" | "event" | null {
  if (Array.isArray(v.child_events) && "ticket_id" in v) return "event";
  if (Array.isArray(v.events) && "ticket_id" in v) return "audit";
  if ("subject" in v || "requester_id" in v) return "ticket";
  if ("role" in v && ("email" in v || "name" in v)) return "user";
  if ("domain_names" in v || ("name" in v && "shared_tickets" in v)) return "organization";
  if (("body" in v || "plain_body" in v) && "author_id" in v) return "comment";
  return null;
}

function typed(kind: "organization" | "user" | "ticket" | "comment" | "audit" | "event", raw: unknown): ZendeskRecord | ZendeskRecord[] | string {
  if (!isObject(raw)) return `a ${kind} that is not an object`;
  const id = idOf(raw.id);
  if (!id) return `a ${kind} without an id`;
  switch (kind) {
    case "organization":
      return { kind, value: { id, name: str(raw.name)?.trim() || `Organization ${id}` } };
    case "user":
      return { kind, value: { id, name: str(raw.name)?.trim() || "", email: str(raw.email)?.trim().toLowerCase() || null, role: str(raw.role) ?? "end-user", verified: raw.verified === true, createdAt: time(raw.created_at) } };
    case "comment": {
      const comment = commentOf(raw, idOf(raw.ticket_id));
      return comment ? { kind, value: comment } : `comment ${id} has no body`;
    }
    case "audit": {
      const ticketId = idOf(raw.ticket_id);
      const events = Array.isArray(raw.events) ? raw.events.filter(isObject) : [];
      const comments = events
        .filter((e) => e.type === "Comment" || e.type === "VoiceComment")
        .map((e) => commentOf({ ...e, author_id: e.author_id ?? raw.author_id, created_at: e.created_at ?? raw.created_at }, ticketId))
        .filter((c): c is ZendeskComment => c !== null);
      return comments.map((value) => ({ kind: "comment" as const, value }));
    }
    case "event": {
      const ticketId = idOf(raw.ticket_id);
      const children = Array.isArray(raw.child_events) ? raw.child_events.filter(isObject) : [];
      const comments = children
        .filter((e) => e.event_type === "Comment" || e.type === "Comment")
        .map((e) => commentOf({ ...e, author_id: e.author_id ?? raw.updater_id, created_at: e.created_at ?? raw.created_at }, ticketId))
        .filter((c): c is ZendeskComment => c !== null);
      return comments.map((value) => ({ kind: "comment" as const, value }));
    }
    case "ticket": {
      const comments = Array.isArray(raw.comments) ? raw.comments.filter(isObject).map((c) => commentOf(c, id)).filter((c): c is ZendeskComment => c !== null) : [];
      const via = isObject(raw.via) ? raw.via : {};
      return {
            kind,
            value: {
              id,
              subject: str(raw.raw_subject) ?? str(raw.subject) ?? "",
              description: str(raw.description) ?? "",
              status: str(raw.status) ?? "open",
              priority: str(raw.priority),
              requesterId: idOf(raw.requester_id),
              submitterId: idOf(raw.submitter_id),
              assigneeId: idOf(raw.assignee_id),
              organizationId: idOf(raw.organization_id),
              tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === "string") : [],
              channel: str(via.channel),
              createdAt: time(raw.created_at),
              updatedAt: time(raw.updated_at),
              comments,
            },
      };
    }
  }
}

function commentOf(raw: Json, ticketId: ZendeskId | null): ZendeskComment | null {
  const id = idOf(raw.id);
  const body = str(raw.plain_body) ?? str(raw.body) ?? (str(raw.html_body) ? htmlToPlain(str(raw.html_body)!) : null);
  if (!id || body === null || body.trim() === "") return null;
  return {
    id,
    ticketId,
    authorId: idOf(raw.author_id),
    body,
    public: raw.public !== false,
    createdAt: time(raw.created_at),
    attachments: Array.isArray(raw.attachments) ? raw.attachments.length : 0,
  };
}

/** Tags dropped, entities of the five XML ones decoded: enough for a comment that came as HTML only. */
function htmlToPlain(html: string): string {
  return html
    .replace(/<br\s*\/?>|<\/p>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

// ---------------------------------------------------------------- what the fields become

/**
 * Zendesk's statuses as ours. `hold` (waiting on a third party) is a kind of pending: with a
 * custom status `on_hold` defined, the ticket gets it. `deleted` tickets are not imported.
 */
export function statusOf(status: string): { status: TicketStatus; customStatus: string | null } | null {
  switch (status) {
    case "new":
    case "open":
      return { status: "open", customStatus: null };
    case "pending":
      return { status: "pending", customStatus: null };
    case "hold":
      return { status: "pending", customStatus: "on_hold" };
    case "solved":
      return { status: "resolved", customStatus: null };
    case "closed":
      return { status: "closed", customStatus: null };
    default:
      return null;
  }
}

export function priorityOf(priority: string | null): TicketPriority {
  switch (priority) {
    case "urgent":
      return "critical";
    case "high":
      return "high";
    case "low":
      return "low";
    default:
      return "medium";
  }
}

/** Zendesk's `via.channel` as our channel: social networks and messaging apps are `social`, voice is `phone`. */
export function channelOf(channel: string | null): TicketChannel {
  switch (channel) {
    case "email":
    case "web":
    case "api":
      return channel;
    case "chat":
    case "native_messaging":
    case "chat_transcript":
      return "chat";
    case "voice":
    case "phone_call_inbound":
    case "phone_call_outbound":
    case "sms":
      return "phone";
    case "twitter":
    case "facebook":
    case "instagram_dm":
    case "whatsapp":
    case "line":
    case "wechat":
    case "telegram":
    case "any_channel":
      return "social";
    default:
      return "web";
  }
}

/** Zendesk roles as ours: imported staff become agents (an export never grants admin rights here). */
export function roleOf(role: string): Role {
  return role === "agent" || role === "admin" ? "agent" : "customer";
}

// Our tags are lowercase words of letters, digits and _ . : - (lib/openapi.ts Tag), at most 20 of 50 characters.
const MAX_TAGS = 20;
const MAX_TAG_CHARS = 50;

/** Zendesk tags as ours: lowercased, other characters as `_`, cut to 50, at most 20, no duplicates. */
export function tagsOf(tags: readonly string[], extra: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const raw of [...extra, ...tags]) {
    const tag = raw
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_.:-]+/gu, "_")
      .slice(0, MAX_TAG_CHARS);
    if (tag && tag !== "_") out.add(tag);
    if (out.size === MAX_TAGS) break;
  }
  return [...out];
}

/** The organization's tag on its tickets (we have no organizations): `org:<name as a tag>`. */
export const organizationTag = (name: string) => tagsOf([`org:${name}`])[0] ?? "org:unnamed";

/**
 * A JSON document as NDJSON lines, one record each (an API page's items wrapped as `{ticket: …}`,
 * an array's elements, or the document itself), so every part is read the same way, in chunks.
 */
export function linesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (!isObject(value)) return [value];
  const lists = listKeysOf(value);
  if (!lists.length) return [value];
  return lists.flatMap((k) => {
    const single = Object.keys(SINGLE_KEYS).find((s) => SINGLE_KEYS[s] === LIST_KEYS[k]);
    return (value[k] as unknown[]).map((item) => (single ? { [single]: item } : item));
  });
}
