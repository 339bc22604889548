import { z } from "zod";
import { ROLES, type Actor } from "../domain/permissions";
import type { TicketEdit } from "../domain/ticket-update";
import type { TicketEvent } from "../events/ticket-events";
import type { Ticket } from "../features/tickets/tickets.serialize";
import type { ErrorCode, ProblemOptions } from "../lib/errors";
import type { RequestMeta } from "../lib/request-meta";

/**
 * The socket protocol of a ticket room and of the agents' feed (API.md "Live collaboration").
 * Client messages are parsed with these schemas; server messages are typed by them, so the
 * tests and the black-box client can check what they receive against the same definitions.
 */

// ---------------------------------------------------------------- limits

/** Larger messages are refused (with an error message): the protocol's biggest client message is ~60 bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/** A socket sending more than this per second is closed with 1008: no human types that fast. */
export const MAX_CLIENT_MESSAGES_PER_SECOND = 20;
/** Close code for a policy violation (RFC 6455 §7.4.1): floods. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** Close code when the caller's session ended (deactivated, password or role changed): reconnecting needs a new token. */
export const CLOSE_SESSION_ENDED = 4401;
/** Close code when the ticket was deleted: it is 404 for everyone now. */
export const CLOSE_TICKET_GONE = 4404;

/** The exact ping the runtime answers without waking the object (WebSocket auto-response). */
export const PING = JSON.stringify({ type: "ping" });
export const PONG = JSON.stringify({ type: "pong" });

// ---------------------------------------------------------------- who is on a socket

/**
 * The caller's identity as the Worker hands it to a room or the feed with the upgrade. The objects
 * are reachable only through their bindings, so only the Worker can set it.
 */
export const LiveIdentity = z.object({
  id: z.string().min(1),
  name: z.string(),
  role: z.enum(ROLES),
  /** The token version the caller authenticated with: a later bump (deactivation, new password) ends the socket. */
  token_version: z.number().int().nonnegative(),
});
export type LiveIdentity = z.infer<typeof LiveIdentity>;
export const IDENTITY_HEADER = "X-Edgedesk-Live-Identity";

// ---------------------------------------------------------------- client → server

export const TypingMessage = z.object({
  type: z.literal("typing"),
  is_typing: z.boolean(),
  internal: z.boolean().default(false),
});
export const PingMessage = z.object({ type: z.literal("ping") });
/** Agents' feed only: the user did something, so they are not away. */
export const ActivityMessage = z.object({ type: z.literal("activity") });

/** What a ticket room accepts; other members of a message (a `user_id` for instance) are ignored. */
export const RoomClientMessage = z.discriminatedUnion("type", [TypingMessage, PingMessage]);
export type RoomClientMessage = z.infer<typeof RoomClientMessage>;
/** What the agents' feed accepts. */
export const FeedClientMessage = z.discriminatedUnion("type", [PingMessage, ActivityMessage]);
export type FeedClientMessage = z.infer<typeof FeedClientMessage>;

// ---------------------------------------------------------------- server → client

export const PresenceUser = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  /** In a room: `viewing` or `typing`; in the agents' feed: `online` or `away` (idle 5 minutes). */
  state: z.enum(["viewing", "typing", "online", "away"]),
});
export type PresenceUser = z.infer<typeof PresenceUser>;
export const PresenceMessage = z.object({ type: z.literal("presence"), users: z.array(PresenceUser) });

const EventActor = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }).nullable();
// The ticket and comment objects are the REST ones (tickets.schemas.ts, comments.schemas.ts).
const WireObject = z.record(z.string(), z.unknown());

export const ServerMessage = z.discriminatedUnion("type", [
  PresenceMessage,
  z.object({ type: z.literal("typing"), user_id: z.string(), is_typing: z.boolean(), internal: z.boolean() }),
  z.object({
    type: z.literal("ticket.updated"),
    ticket: WireObject,
    changes: z.record(z.string(), z.unknown()),
    version: z.number(),
    actor: EventActor,
    /** Staff only: the rule whose change it was (the actor is then null). */
    rule: z.object({ id: z.string(), name: z.string() }).optional(),
  }),
  z.object({ type: z.literal("comment.created"), comment: WireObject }),
  z.object({ type: z.literal("ticket.assigned"), ticket: WireObject, assignee_id: z.string().nullable() }),
  z.object({ type: z.literal("ticket.created"), ticket: WireObject }),
  /** Agents' feed: a chat visitor is waiting for an agent (a new chat, or a new message on an unassigned one). */
  z.object({ type: z.literal("chat.waiting"), ticket: WireObject }),
  z.object({ type: z.literal("sla.breached"), ticket: WireObject, target: z.string() }),
  z.object({ type: z.literal("sla.at_risk"), ticket: WireObject, target: z.string() }),
  /** Agents' feed, to its one recipient: a notification of theirs (API.md "Notifications"). */
  z.object({ type: z.literal("notification"), notification: WireObject }),
  /** Staff only: two or more staff are writing a public reply to the same ticket at once. */
  z.object({ type: z.literal("collision"), users: z.array(z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) })) }),
  z.object({ type: z.literal("pong") }),
  /** A message that was refused; the socket stays open. `code` is one of the REST error codes. */
  z.object({ type: z.literal("error"), code: z.string(), detail: z.string() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

// ---------------------------------------------------------------- parsing

export type Parsed<T> = { ok: true; message: T } | { ok: false; code: "VALIDATION_ERROR" | "PAYLOAD_TOO_LARGE"; detail: string };

/** Whether a string's UTF-8 form exceeds the limit; encodes it only when its length cannot tell. */
function tooLarge(text: string): boolean {
  // A UTF-16 code unit takes 1 to 3 bytes in UTF-8 (a surrogate pair 4 for 2 units).
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return true;
  if (text.length * 3 <= MAX_CLIENT_MESSAGE_BYTES) return false;
  return new TextEncoder().encode(text).byteLength > MAX_CLIENT_MESSAGE_BYTES;
}

/** A raw socket frame → a client message of `schema`, or the reason it was refused. */
export function parseClientMessage<S extends z.ZodType>(schema: S, raw: string | ArrayBuffer): Parsed<z.infer<S>> {
  if (typeof raw !== "string") {
    if (raw.byteLength > MAX_CLIENT_MESSAGE_BYTES) return { ok: false, code: "PAYLOAD_TOO_LARGE", detail: `Messages are limited to ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
    return { ok: false, code: "VALIDATION_ERROR", detail: "Send JSON text messages, not binary" };
  }
  if (tooLarge(raw)) return { ok: false, code: "PAYLOAD_TOO_LARGE", detail: `Messages are limited to ${MAX_CLIENT_MESSAGE_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "VALIDATION_ERROR", detail: "Messages must be JSON" };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const type = typeof json === "object" && json !== null && "type" in json ? (json as { type: unknown }).type : undefined;
    return { ok: false, code: "VALIDATION_ERROR", detail: typeof type === "string" ? `Invalid or unknown message of type "${type.slice(0, 40)}"` : "Messages need a known type" };
  }
  return { ok: true, message: result.data };
}

// ---------------------------------------------------------------- RPC (Worker → objects)

/** An edit of the ticket's fields, handed over by the PATCH handler after it authenticated the caller. */
export interface RoomEdit {
  ticketId: string;
  actor: Actor;
  edit: TicketEdit;
  baseVersion?: number | undefined;
  meta: RequestMeta;
}

/** Errors cross RPC as plain data: only their message survives a throw. */
export type RoomEditResult =
  | {
      ok: true;
      ticket: Ticket;
      changes: Record<string, unknown>;
      /** The D1 bookmark after the room's write: the PATCH answers with it, so its client reads its own write. */
      bookmark: string | null;
    }
  | { ok: false; error: { code: ErrorCode; detail: string; options: ProblemOptions } };

/**
 * Where a user's sockets are: `room:<ticket id>` or `feed`. The Worker names the channel on the
 * upgrade; the object reports its sockets to the user's registry under it.
 */
export type LiveChannel = `room:${string}` | "feed";
export const LIVE_CHANNEL = /^(?:room:[0-9a-z-]{1,64}|feed)$/;
export const CHANNEL_PARAM = "channel";

/** What every live object (a ticket room, the agents' feed) answers besides its own calls. */
export interface LiveObjectRpc {
  /**
   * Closes the user's sockets whose session is older than `tokenVersion` (their sessions were
   * ended: deactivated, demoted, new password); returns how many sockets of the user stay open.
   */
  endSessions(userId: string, tokenVersion: number): Promise<number>;
}

/**
 * A write's events for `publish`. One event alone is what a Worker of the release before sends
 * (one call per event): during a gradual deployment it may reach an object already on this code.
 */
export type PublishedEvents = readonly TicketEvent[] | TicketEvent;
export const publishedEvents = (events: PublishedEvents): readonly TicketEvent[] => (Array.isArray(events) ? events : [events as TicketEvent]);

/** What the Worker may ask of a ticket's room (ticket-room.ts implements it). */
export interface TicketRoomRpc extends LiveObjectRpc {
  /** Fans committed events of this ticket (one write's, in order) out to the sockets allowed to see each. */
  publish(events: PublishedEvents): Promise<void>;
  /** Applies a PATCH after every edit of this ticket that arrived before it. */
  patch(edit: RoomEdit): Promise<RoomEditResult>;
  /** Whether `userId` has a socket open here now (a chat visitor reading along). */
  present(userId: string): Promise<boolean>;
}

/** What the Worker may ask of the agents' feed (agents-feed.ts implements it). */
export interface AgentsFeedRpc extends LiveObjectRpc {
  /** Fans committed queue events (one write's, in order) out to every agent. */
  publish(events: PublishedEvents): Promise<void>;
  /** Staff connected now, online or away: routing's live availability. */
  presenceNow(): Promise<Record<string, "online" | "away">>;
  /** Sends each notification to its recipient's sockets only. */
  notify(items: FeedNotification[]): Promise<void>;
}

/** A notification on its way to one user's feed sockets (the REST shape of GET /notifications). */
export interface FeedNotification {
  user_id: string;
  notification: Record<string, unknown>;
}

/**
 * One user's registry of where their sockets are (user-sessions.ts implements it), so ending the
 * user's sessions reaches every room and the feed at once instead of waiting for each object's
 * periodic check (issue 9 item 9: closed within a second).
 */
export interface UserSessionsRpc {
  /** A socket of the user, authenticated at `tokenVersion`, opened on `channel`; false: that session already ended, close the socket. */
  joined(channel: LiveChannel, tokenVersion: number): Promise<boolean>;
  /** A socket of the user on `channel` closed. */
  left(channel: LiveChannel): Promise<void>;
  /** Ends every socket of the user authenticated below `tokenVersion`, wherever it is. */
  end(tokenVersion: number): Promise<void>;
}
