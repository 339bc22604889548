import type { Bindings } from "../../env";
import { AGENTS_FEED_NAME } from "../../agents-feed/agents-feed";
import type { TicketEvent, TicketEventConsumer } from "../../events/ticket-events";
import { AppError } from "../../lib/errors";
import { identityHeaderValue } from "../../ticket-room/live-object";
import { feedMessages } from "../../ticket-room/presence";
import { CHANNEL_PARAM, IDENTITY_HEADER, type LiveChannel, type LiveIdentity, type LiveObjectRpc, type RoomEdit, type RoomEditResult } from "../../ticket-room/protocol";
import type { ServiceContext } from "../../lib/request-context";

/** The room of one ticket, always named by the ticket's id (never its number). */
export const ticketRoom = (env: Bindings, ticketId: string) => env.TICKET_ROOM.getByName(ticketId);
export const agentsFeed = (env: Bindings) => env.AGENTS_FEED.getByName(AGENTS_FEED_NAME);

const stubOf = (env: Bindings, channel: LiveChannel) => (channel === "feed" ? agentsFeed(env) : ticketRoom(env, channel.slice("room:".length)));

/** The object behind a channel name (protocol.ts LiveChannel). */
export const liveObject = (env: Bindings, channel: LiveChannel): LiveObjectRpc => stubOf(env, channel);

/**
 * Hands an authenticated upgrade to a room or the feed. The request is built fresh: nothing the
 * client sent reaches the object except through the identity the Worker vouches for.
 */
export function connect(env: Bindings, channel: LiveChannel, identity: LiveIdentity): Promise<Response> {
  const stub = stubOf(env, channel);
  const url = `https://live.internal/connect?${CHANNEL_PARAM}=${encodeURIComponent(channel)}`;
  return stub.fetch(new Request(url, { headers: { Upgrade: "websocket", [IDENTITY_HEADER]: identityHeaderValue(identity) } }));
}

/**
 * After a change that ended a user's sessions committed (deactivation, demotion, password change
 * or reset, erasure): their open sockets, in every ticket room and the agents' feed, close now
 * (API.md "Auth"). A failure here is logged; each object's periodic check still closes them.
 */
export async function closeLiveSessions(env: Bindings, userId: string, tokenVersion: number): Promise<void> {
  try {
    await env.USER_SESSIONS.getByName(userId).end(tokenVersion);
  } catch (err) {
    console.error("live: could not close the sockets of ended sessions at once", err);
  }
}

/** A ticket PATCH, applied by the ticket's room after the edits queued before it; `bookmark` is D1's after the room's write. */
export async function editThroughRoom(env: Bindings, edit: RoomEdit) {
  // RPC typings turn `unknown` members (changes, problem extras) into `never`; the value is the structured clone of RoomEditResult.
  const result = (await ticketRoom(env, edit.ticketId).patch(edit)) as unknown as RoomEditResult;
  if (!result.ok) throw new AppError(result.error.code, result.error.detail, result.error.options);
  return { ticket: result.ticket, changes: result.changes, bookmark: result.bookmark };
}

/** Events a room turns into socket messages (or closes its sockets for). */
const ROOM_EVENTS = new Set<TicketEvent["type"]>([
  "ticket.updated",
  "ticket.assigned",
  "comment.created",
  "ticket.deleted",
  "satisfaction.rated",
  "time_entry.created",
  "time_entry.updated",
  "time_entry.deleted",
]);

/**
 * After a change commits, by any path (REST, mail, cron, rules): the ticket's room gets the event and
 * filters it per socket; queue events also go to the agents' feed.
 */
export function fanOut(env: Bindings, event: TicketEvent): Promise<void> {
  return fanOutAll(env, [event]);
}

const roomOf = (event: TicketEvent) => (event.type === "ticket.deleted" ? event.ticket_id : event.ticket.id);

/**
 * The events of one write, in order: one RPC per room and at most one to the feed. An RPC to a
 * Durable Object costs the Worker far more than its event (a comment's two events were a third of
 * its CPU as one call each), so a write's events travel together.
 */
export async function fanOutAll(env: Bindings, events: readonly TicketEvent[]): Promise<void> {
  const rooms = new Map<string, TicketEvent[]>();
  for (const event of events) {
    if (!ROOM_EVENTS.has(event.type)) continue;
    const id = roomOf(event);
    rooms.set(id, [...(rooms.get(id) ?? []), event]);
  }
  const feed = events.filter((event) => feedMessages(event).length > 0);
  await Promise.all([
    ...[...rooms].map(([id, roomEvents]) => ticketRoom(env, id).publish(roomEvents)),
    ...(feed.length ? [agentsFeed(env).publish(feed)] : []),
  ]);
}

/** The live consumer of ticket events (src/events/consumers.ts): once per write, with all its events. */
export const liveFanOut: TicketEventConsumer<ServiceContext> = { name: "live", afterWrite: (ctx, events) => fanOutAll(ctx.env, events) };
