import { customerChanges, customerTicket } from "../domain/custom-fields";
import { isStaff, type Role } from "../domain/permissions";
import type { TicketEvent } from "../events/ticket-events";
import { MAX_CLIENT_MESSAGES_PER_SECOND, type LiveIdentity, type PresenceUser, type ServerMessage } from "./protocol";

/**
 * Pure rules of the live sockets: who is shown how to whom, which event each audience may see,
 * when typing expires, when an agent is away, when a socket floods. No I/O, `now` passed in.
 */

/** Who a message is for: customers never see anything internal (API.md "Roles"). */
export type Audience = "staff" | "customer";
export const audienceOf = (role: Role): Audience => (isStaff(role) ? "staff" : "customer");
export const AUDIENCES: readonly Audience[] = ["staff", "customer"];

/** A socket in a ticket room: kept in its attachment, so it survives hibernation. */
export interface RoomSession {
  id: string;
  name: string;
  role: Role;
  tokenVersion: number;
  joinedAt: number;
  state: "viewing" | "typing";
  /** Typing an internal note: staff see "typing", customers "viewing". */
  internalTyping: boolean;
  /** When the current typing started or was last confirmed (0 when not typing). */
  typingSince: number;
  /** The socket's last message (auto-answered pings are tracked by the runtime). */
  seenAt: number;
}

export function newRoomSession(identity: LiveIdentity, now: number): RoomSession {
  return { id: identity.id, name: identity.name, role: identity.role, tokenVersion: identity.token_version, joinedAt: now, state: "viewing", internalTyping: false, typingSince: 0, seenAt: now };
}

/** A typing indicator nobody refreshed for this long goes out (a client that crashed mid-sentence). */
export const TYPING_TTL_MS = 15_000;

/**
 * The presence list as `audience` sees it: one entry per user (several tabs count once), in order
 * of arrival; a user is typing if any of their sockets types something the audience may see.
 */
export function roomPresence(sessions: Iterable<RoomSession>, audience: Audience): PresenceUser[] {
  const byUser = new Map<string, PresenceUser & { joinedAt: number }>();
  for (const s of sessions) {
    const typing = s.state === "typing" && (audience === "staff" || !s.internalTyping);
    const seen = byUser.get(s.id);
    if (!seen) byUser.set(s.id, { id: s.id, name: s.name, role: s.role, state: typing ? "typing" : "viewing", joinedAt: s.joinedAt });
    else {
      if (typing) seen.state = "typing";
      seen.joinedAt = Math.min(seen.joinedAt, s.joinedAt);
    }
  }
  return [...byUser.values()].sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id)).map(({ joinedAt: _, ...u }) => u);
}

/** Staff users currently writing a public reply (for the collision notice). */
export function publicTypists(sessions: Iterable<RoomSession>): { id: string; name: string; role: Role }[] {
  const out = new Map<string, { id: string; name: string; role: Role }>();
  for (const s of sessions) if (s.state === "typing" && !s.internalTyping && isStaff(s.role)) out.set(s.id, { id: s.id, name: s.name, role: s.role });
  return [...out.values()];
}

/** The session after a typing message; `typingSince` refreshes even when the state stays. */
export function applyTyping(session: RoomSession, isTyping: boolean, internal: boolean, now: number): RoomSession {
  return isTyping
    ? { ...session, state: "typing", internalTyping: internal, typingSince: now }
    : { ...session, state: "viewing", internalTyping: false, typingSince: 0 };
}

export const typingExpired = (s: RoomSession, now: number) => s.state === "typing" && now - s.typingSince >= TYPING_TTL_MS;

/** When the next typing indicator of these sessions runs out, if any is on. */
export function nextTypingExpiry(sessions: Iterable<RoomSession>): number | null {
  let next: number | null = null;
  for (const s of sessions) if (s.state === "typing") next = Math.min(next ?? Infinity, s.typingSince + TYPING_TTL_MS);
  return next;
}

/**
 * The socket message a ticket event becomes for `audience`, or null when that audience must not see
 * it: internal comments, internal changes (escalations) and their assignments stay with staff.
 */
export function roomMessage(event: TicketEvent, audience: Audience): ServerMessage | null {
  const staff = audience === "staff";
  // Customers see the custom fields marked customer_visible only (the event names them).
  const visible = event.customer_fields ?? [];
  switch (event.type) {
    case "ticket.updated": {
      if (event.internal && !staff) return null;
      if (staff) return { type: "ticket.updated", ticket: event.ticket, changes: event.changes, version: event.version, actor: event.actor, ...(event.rule ? { rule: event.rule } : {}) };
      const changes = customerChanges(event.changes, visible);
      // A change of hidden fields alone is not news to a customer.
      if (!Object.keys(changes).length && Object.keys(event.changes).length) return null;
      return { type: "ticket.updated", ticket: customerTicket(event.ticket, visible), changes, version: event.version, actor: event.actor };
    }
    case "ticket.assigned":
      if (event.internal && !staff) return null;
      return { type: "ticket.assigned", ticket: staff ? event.ticket : customerTicket(event.ticket, visible), assignee_id: event.assignee_id };
    case "comment.created":
      if (event.comment.internal && !staff) return null;
      return { type: "comment.created", comment: event.comment };
    // The answer shows on the ticket for staff and the requester alike (API.md "Satisfaction").
    case "satisfaction.rated":
      return { type: "ticket.updated", ticket: staff ? event.ticket : customerTicket(event.ticket, visible), changes: { satisfaction: [event.previous, event.satisfaction] }, version: event.ticket.version, actor: event.actor };
    // Logged time moves the ticket's total, which only staff see: their open pages follow it.
    case "time_entry.created":
    case "time_entry.updated":
    case "time_entry.deleted":
      if (!staff) return null;
      return { type: "ticket.updated", ticket: event.ticket, changes: { time_spent_minutes: [event.time_spent_before, event.ticket.time_spent_minutes] }, version: event.ticket.version, actor: event.actor };
    // A room opens on an existing ticket; queue events belong to the agents' feed.
    case "ticket.created":
    case "sla.breached":
    case "sla.at_risk":
    case "ticket.deleted":
      return null;
  }
}

/** The agents' feed messages of a ticket event (the feed is staff only); none if it is not a queue event. */
export function feedMessages(event: TicketEvent): ServerMessage[] {
  switch (event.type) {
    case "ticket.created":
      return [{ type: "ticket.created", ticket: event.ticket }, ...(chatWaiting(event.ticket) ? [{ type: "chat.waiting" as const, ticket: event.ticket }] : [])];
    case "ticket.assigned":
      return [{ type: "ticket.assigned", ticket: event.ticket, assignee_id: event.assignee_id }];
    case "sla.breached":
      return [{ type: "sla.breached", ticket: event.ticket, target: event.target }];
    case "sla.at_risk":
      return [{ type: "sla.at_risk", ticket: event.ticket, target: event.target }];
    case "comment.created": {
      // The visitor wrote again and no agent has taken the chat: it is still waiting.
      const byRequester = event.comment.author.id === event.ticket.requester.id && !event.comment.internal;
      return byRequester && chatWaiting(event.ticket) ? [{ type: "chat.waiting", ticket: event.ticket }] : [];
    }
    case "ticket.updated":
    case "ticket.deleted":
    case "satisfaction.rated":
    case "time_entry.created":
    case "time_entry.updated":
    case "time_entry.deleted":
      return [];
  }
}

/** A chat waits on an agent while nobody is assigned and it is not finished. */
const chatWaiting = (ticket: { channel: string; assignee_id: string | null; status: string }) =>
  ticket.channel === "chat" && ticket.assignee_id === null && (ticket.status === "open" || ticket.status === "pending");

// ---------------------------------------------------------------- the agents' feed

/** An agent with no activity on any of their feed sockets for this long shows as away. */
export const AWAY_AFTER_MS = 5 * 60_000;

export interface FeedSession {
  id: string;
  name: string;
  role: Role;
  tokenVersion: number;
  joinedAt: number;
  lastActiveAt: number;
  /** Whether the others were told this socket went away (kept across hibernation, so it is told once). */
  announcedAway: boolean;
  seenAt: number;
}

export function newFeedSession(identity: LiveIdentity, now: number): FeedSession {
  return { id: identity.id, name: identity.name, role: identity.role, tokenVersion: identity.token_version, joinedAt: now, lastActiveAt: now, announcedAway: false, seenAt: now };
}

/** One entry per agent, online if any of their sockets was active in the last 5 minutes. */
export function feedPresence(sessions: Iterable<FeedSession>, now: number): PresenceUser[] {
  const byUser = new Map<string, PresenceUser & { joinedAt: number }>();
  for (const s of sessions) {
    const online = !isAway(s, now);
    const seen = byUser.get(s.id);
    if (!seen) byUser.set(s.id, { id: s.id, name: s.name, role: s.role, state: online ? "online" : "away", joinedAt: s.joinedAt });
    else {
      if (online) seen.state = "online";
      seen.joinedAt = Math.min(seen.joinedAt, s.joinedAt);
    }
  }
  return [...byUser.values()].sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id)).map(({ joinedAt: _, ...u }) => u);
}

export const isAway = (s: FeedSession, now: number) => now - s.lastActiveAt >= AWAY_AFTER_MS;

/** When the next online socket turns away, if any. */
export function nextAway(sessions: Iterable<FeedSession>, now: number): number | null {
  let next: number | null = null;
  for (const s of sessions) {
    const at = s.lastActiveAt + AWAY_AFTER_MS;
    if (at > now) next = Math.min(next ?? Infinity, at);
  }
  return next;
}

// ---------------------------------------------------------------- floods

/** A fixed one-second window of a socket's message count. */
export interface RateWindow {
  start: number;
  count: number;
}

/** Counts one message; `flooding` once a socket sends more than the limit within a second. */
export function countMessage(window: RateWindow | undefined, now: number): { window: RateWindow; flooding: boolean } {
  const next = !window || now - window.start >= 1000 ? { start: now, count: 1 } : { start: window.start, count: window.count + 1 };
  return { window: next, flooding: next.count > MAX_CLIENT_MESSAGES_PER_SECOND };
}
