import { callerContext } from "../contexts";
import { createDb } from "../db/client";
import { isStaff } from "../domain/permissions";
import { AppError } from "../lib/errors";
import { changeTicket } from "../features/tickets/tickets.service";
import { EditQueue } from "./edit-queue";
import { LiveObject } from "./live-object";
import {
  applyTyping,
  AUDIENCES,
  newRoomSession,
  nextTypingExpiry,
  publicTypists,
  roomMessage,
  roomPresence,
  typingExpired,
  type Audience,
  type RoomSession,
} from "./presence";
import {
  CLOSE_TICKET_GONE,
  parseClientMessage,
  publishedEvents,
  RoomClientMessage,
  type LiveIdentity,
  type PublishedEvents,
  type RoomEdit,
  type RoomEditResult,
  type ServerMessage,
  type TicketRoomRpc,
} from "./protocol";

interface TypingView {
  staff: "none" | "internal" | "public";
  customer: boolean;
}

/**
 * Edits waiting for one ticket beyond which new ones are turned away (429): each takes a few D1
 * round trips, so a longer queue only makes every waiting client time out.
 */
export const MAX_QUEUED_EDITS = 32;

/**
 * One per ticket (`idFromName(ticket id)`): the ticket's open sockets with presence and typing, the
 * fan-out of the ticket's events to them filtered by role, and the one place its PATCHes meet, one
 * at a time. D1 stays the truth: the room keeps nothing a reconnecting socket cannot rebuild.
 */
export class TicketRoom extends LiveObject<RoomSession> implements TicketRoomRpc {
  #edits = new EditQueue(MAX_QUEUED_EDITS);

  override fetch(request: Request): Promise<Response> {
    // The Worker checked that the caller may see the ticket; any role may watch it.
    return this.accept(request, () => true);
  }

  // ---------------------------------------------------------------- RPC

  /** Fans committed events of this ticket (one write's, in order) out to the sockets allowed to see each. */
  async publish(events: PublishedEvents): Promise<void> {
    for (const event of publishedEvents(events)) {
      if (event.type === "ticket.deleted") {
        for (const ws of [...this.sessions().keys()]) this.drop(ws, CLOSE_TICKET_GONE, "Ticket deleted");
        return;
      }
      const messages: Partial<Record<Audience, ServerMessage | null>> = {};
      for (const audience of AUDIENCES) messages[audience] = roomMessage(event, audience);
      this.broadcast(messages);
    }
  }

  /**
   * A PATCH of this ticket, applied after every edit that arrived before it: the slower of two edits
   * based on the same version is merged against the faster one's committed change (or refused with
   * 409 if both touch a field). The change's own event consumers broadcast the result.
   */
  async patch(input: RoomEdit): Promise<RoomEditResult> {
    if (this.#edits.full) {
      return { ok: false, error: { code: "RATE_LIMITED", detail: "Too many edits of this ticket at once; retry shortly", options: { headers: { "Retry-After": "1" } } } };
    }
    return this.#edits.run(async () => {
      // A session at the primary, so the PATCH can answer with the bookmark of its own write.
      const session = this.env.DB.withSession("first-primary");
      const ctx = callerContext(this.env, input.actor, input.meta, { now: new Date(), db: createDb(session) });
      try {
        const { ticket, changes } = await changeTicket(ctx, input.ticketId, input.edit, { type: "updated", baseVersion: input.baseVersion });
        return { ok: true, ticket, changes, bookmark: session.getBookmark() };
      } catch (err) {
        if (err instanceof AppError) return { ok: false, error: { code: err.code, detail: err.detail, options: err.options } };
        throw err;
      }
    });
  }

  /** Whether `userId` has a socket open here now (a chat visitor reading along: their replies need no mail). */
  async present(userId: string): Promise<boolean> {
    for (const session of this.sessions().values()) if (session.id === userId) return true;
    return false;
  }

  // ---------------------------------------------------------------- sockets

  protected newSession(identity: LiveIdentity, now: number) {
    return newRoomSession(identity, now);
  }

  protected presence(): Record<Audience, ServerMessage> {
    const sessions = [...this.sessions().values()];
    return {
      staff: { type: "presence", users: roomPresence(sessions, "staff") },
      customer: { type: "presence", users: roomPresence(sessions, "customer") },
    };
  }

  protected async onMessage(ws: WebSocket, session: RoomSession, raw: string | ArrayBuffer, now: number) {
    const parsed = parseClientMessage(RoomClientMessage, raw);
    if (!parsed.ok) return this.send(ws, { type: "error", code: parsed.code, detail: parsed.detail });
    const message = parsed.message;
    switch (message.type) {
      case "ping":
        return this.send(ws, { type: "pong" });
      case "typing":
        if (message.internal && !isStaff(session.role)) {
          return this.send(ws, { type: "error", code: "FORBIDDEN", detail: "Customers cannot write internal notes" });
        }
        this.typing(ws, session, applyTyping(session, message.is_typing, message.internal, now), now);
        // A typing indicator left on expires (TYPING_TTL_MS) even if the client never says it stopped.
        if (message.is_typing) await this.scheduleAlarm(now);
        return;
    }
  }

  /**
   * What the others see of one user's typing over all their tabs: staff see public or internal
   * typing (public wins), customers only public typing. `leaving` still counts (it has just gone).
   */
  private typingOf(userId: string, leaving?: RoomSession): TypingView {
    let staff: TypingView["staff"] = "none";
    const sessions = leaving ? [...this.sessions().values(), leaving] : this.sessions().values();
    for (const s of sessions) {
      if (s.id !== userId || s.state !== "typing") continue;
      if (!s.internalTyping) staff = "public";
      else if (staff === "none") staff = "internal";
    }
    return { staff, customer: staff === "public" };
  }

  /** Tells whoever may see it that a user's typing changed; `except` is the socket that caused it. */
  private announceTyping(user: Pick<RoomSession, "id" | "role">, before: TypingView, after: TypingView, now: number, except?: WebSocket) {
    const staffChanged = before.staff !== after.staff;
    const customerChanged = before.customer !== after.customer;
    if (!staffChanged && !customerChanged) return;
    const typing = after.staff !== "none";
    this.broadcast(
      {
        // When typing stops, staff learn which kind stopped, so a client can clear the right indicator.
        staff: staffChanged ? { type: "typing", user_id: user.id, is_typing: typing, internal: (typing ? after.staff : before.staff) === "internal" } : null,
        customer: customerChanged ? { type: "typing", user_id: user.id, is_typing: after.customer, internal: false } : null,
      },
      except,
    );
    this.sendPresence({ now });
    if (after.staff === "public" && before.staff !== "public" && isStaff(user.role)) {
      const typists = publicTypists(this.sessions().values());
      if (typists.length > 1) this.broadcast({ staff: { type: "collision", users: typists } });
    }
  }

  /** A socket's typing state changed (or was refreshed). */
  private typing(ws: WebSocket, session: RoomSession, next: RoomSession, now: number) {
    const before = this.typingOf(session.id);
    this.save(ws, next);
    this.announceTyping(session, before, this.typingOf(session.id), now, ws);
  }

  protected onLeave(session: RoomSession, now: number) {
    if (session.state !== "typing") return;
    this.announceTyping(session, this.typingOf(session.id, session), this.typingOf(session.id), now);
  }

  protected nextTimer() {
    return nextTypingExpiry(this.sessions().values());
  }

  /** Typing indicators nobody refreshed go out. */
  protected onTimers(now: number) {
    for (const [ws, session] of [...this.sessions()]) {
      if (typingExpired(session, now)) this.typing(ws, session, applyTyping(session, false, false, now), now);
    }
  }
}
