import { DurableObject } from "cloudflare:workers";
import { inArray } from "drizzle-orm";
import { createDb } from "../db/client";
import { users } from "../db/schema";
import type { Bindings } from "../env";
import type { Role } from "../domain/permissions";
import { problemResponse } from "../lib/errors";
import { audienceOf, countMessage, type Audience, type RateWindow } from "./presence";
import {
  CHANNEL_PARAM,
  CLOSE_POLICY_VIOLATION,
  CLOSE_SESSION_ENDED,
  IDENTITY_HEADER,
  LIVE_CHANNEL,
  LiveIdentity,
  PING,
  PONG,
  type LiveChannel,
  type LiveObjectRpc,
  type ServerMessage,
} from "./protocol";

/** What every live socket's attachment holds, whatever else the object keeps. */
export interface SocketSession {
  id: string;
  role: Role;
  tokenVersion: number;
  /** The socket's last message; with the runtime's last auto-answered ping, how we tell a dead socket. */
  seenAt: number;
}

/**
 * While sockets are open, the object wakes this often to end the sockets of users who were
 * deactivated or changed their password. Ending a session closes its sockets at once through the
 * user's registry (user-sessions.ts); this check is the fallback when that call failed.
 */
export const REVALIDATE_EVERY_MS = 60_000;
/**
 * A socket that sent nothing, not even a ping, for this long is taken for dead (a vanished laptop
 * whose TCP connection never closed) and leaves presence. Clients ping every minute or so.
 */
export const SILENT_SOCKET_MS = 10 * 60_000;
/** Close code for a socket taken for dead (RFC 6455: going away). */
const CLOSE_GOING_AWAY = 1001;
/**
 * Sockets one user may hold on one room or the feed: plenty for tabs and devices, but a single
 * account cannot make every message of a room cost thousands of sends.
 */
export const MAX_SOCKETS_PER_USER = 256;

// Close codes a peer reports but nobody may send (RFC 6455 §7.4.1).
const RESERVED_CLOSE_CODES = new Set([1004, 1005, 1006, 1015]);
// D1 binds at most 100 parameters per statement.
const USERS_PER_QUERY = 100;
/** Storage key of the object's channel name (protocol.ts LiveChannel), for the registry calls after a wake-up. */
const CHANNEL_KEY = "channel";

/** The identity the Worker put on the upgrade (only the Worker can reach an object), or null. */
export function readIdentity(request: Request): LiveIdentity | null {
  const raw = request.headers.get(IDENTITY_HEADER);
  if (!raw) return null;
  try {
    const parsed = LiveIdentity.safeParse(JSON.parse(decodeURIComponent(raw)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The header value carrying `identity` (names may be any Unicode; headers are bytes). */
export const identityHeaderValue = (identity: LiveIdentity) => encodeURIComponent(JSON.stringify(identity));

/**
 * The socket machinery a ticket room and the agents' feed share, on the WebSocket Hibernation API:
 * per-socket state lives in the socket's attachment, so an evicted object rebuilds it from the
 * sockets that are still (or again) connected; floods close with 1008; bad messages get an error
 * message and the socket stays; the exact `{"type":"ping"}` is answered by the runtime without
 * waking the object.
 */
export abstract class LiveObject<S extends SocketSession> extends DurableObject<Bindings> implements LiveObjectRpc {
  /** Open sockets and their sessions; null until first needed after a wake-up. */
  #sessions: Map<WebSocket, S> | null = null;
  /** This object's channel name, as the Worker named it on the first upgrade. */
  #channel: LiveChannel | null = null;
  /** Sockets the user's registry does not count (refused on joining, or closed by the registry's own end()). */
  #unregistered = new WeakSet<WebSocket>();
  /** Flood windows; lost on hibernation, which only happens after a quiet spell anyway. */
  #rates = new WeakMap<WebSocket, RateWindow>();
  /** The last presence text each audience got, so unchanged presence is not resent. */
  #lastPresence = new Map<Audience, string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** A session for a socket that just joined. */
  protected abstract newSession(identity: LiveIdentity, now: number): S;
  /** A frame from a socket that passed the flood check. */
  protected abstract onMessage(ws: WebSocket, session: S, raw: string | ArrayBuffer, now: number): void | Promise<void>;
  /** After a socket left (closed, errored, dropped). */
  protected abstract onLeave(session: S, now: number): void;
  /** The presence each audience should see now. */
  protected abstract presence(now: number): Partial<Record<Audience, ServerMessage>>;
  /** The next time the object must wake for its own timers (typing expiry, away), if any. */
  protected abstract nextTimer(now: number): number | null;
  /** Runs the object's own timers. */
  protected abstract onTimers(now: number): void;

  protected sessions(): Map<WebSocket, S> {
    if (!this.#sessions) {
      this.#sessions = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        if (ws.readyState !== WebSocket.OPEN) continue;
        const session = ws.deserializeAttachment() as S | null;
        if (session) this.#sessions.set(ws, session);
      }
    }
    return this.#sessions;
  }

  protected save(ws: WebSocket, session: S) {
    ws.serializeAttachment(session);
    this.sessions().set(ws, session);
  }

  /** Accepts the upgrade the Worker forwarded, or refuses it (the Worker checks first; this is the second lock). */
  protected async accept(request: Request, allowed: (identity: LiveIdentity) => boolean): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return problemResponse("VALIDATION_ERROR", "Expected a WebSocket upgrade", { headers: { Upgrade: "websocket" } });
    }
    const identity = readIdentity(request);
    if (!identity) return problemResponse("UNAUTHORIZED", "No identity on the upgrade");
    if (!allowed(identity)) return problemResponse("FORBIDDEN", "You may not join this channel");
    const channel = new URL(request.url).searchParams.get(CHANNEL_PARAM);
    if (!channel || !LIVE_CHANNEL.test(channel)) return problemResponse("VALIDATION_ERROR", "No channel on the upgrade");
    let held = 0;
    for (const session of this.sessions().values()) if (session.id === identity.id) held++;
    if (held >= MAX_SOCKETS_PER_USER) {
      return problemResponse("RATE_LIMITED", `At most ${MAX_SOCKETS_PER_USER} open sockets per user here; close some first`, { headers: { "Retry-After": "60" } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const now = Date.now();
    this.sessions(); // load the others before this one is registered, so it is not counted twice
    this.ctx.acceptWebSocket(server, [audienceOf(identity.role)]);
    this.save(server, this.newSession(identity, now));
    this.sendPresence({ joined: server, now });
    await this.scheduleAlarm(now);
    await this.register(server, identity, channel as LiveChannel);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Tells the user's registry about a socket once it is accepted: an end() of the user's sessions
   * that runs from here on finds and closes it, and one that ran before answers false, so the
   * socket closes now. Without the registry (a failed call) the periodic check still applies.
   */
  private async register(ws: WebSocket, identity: LiveIdentity, channel: LiveChannel) {
    if (this.#channel !== channel) {
      this.#channel = channel;
      await this.ctx.storage.put(CHANNEL_KEY, channel);
    }
    const alive = await this.env.USER_SESSIONS.getByName(identity.id)
      .joined(channel, identity.token_version)
      .catch((err) => {
        console.error("live: the user's session registry did not answer", err);
        return true;
      });
    if (!alive) {
      this.#unregistered.add(ws);
      this.drop(ws, CLOSE_SESSION_ENDED, "Session ended");
    }
  }

  /** The registry stops counting a socket that left. */
  private unregister(ws: WebSocket, session: S) {
    if (this.#unregistered.has(ws)) return;
    const report = async () => {
      const channel = this.#channel ?? (this.#channel = (await this.ctx.storage.get<LiveChannel>(CHANNEL_KEY)) ?? null);
      if (channel) await this.env.USER_SESSIONS.getByName(session.id).left(channel);
    };
    this.ctx.waitUntil(report().catch((err) => console.error("live: could not tell the session registry a socket left", err)));
  }

  /** Closes the user's sockets of sessions ended before `tokenVersion` (the registry calls this); returns how many of theirs stay. */
  async endSessions(userId: string, tokenVersion: number): Promise<number> {
    let remaining = 0;
    for (const [ws, session] of [...this.sessions()]) {
      if (session.id !== userId) continue;
      if (session.tokenVersion >= tokenVersion) remaining++;
      else {
        // The registry recounts from our answer; a `left` for this socket would count it twice.
        this.#unregistered.add(ws);
        this.drop(ws, CLOSE_SESSION_ENDED, "Session ended");
      }
    }
    return remaining;
  }

  /** Sends `message` to one socket; a socket that cannot take it any more is dropped. */
  protected send(ws: WebSocket, message: ServerMessage | string) {
    try {
      ws.send(typeof message === "string" ? message : JSON.stringify(message));
    } catch {
      this.leave(ws);
    }
  }

  /** Sends each audience its version of a message (null: that audience gets nothing), serialised once per audience. */
  protected broadcast(messages: Partial<Record<Audience, ServerMessage | null>>, except?: WebSocket) {
    const text = new Map<Audience, string>();
    for (const [audience, message] of Object.entries(messages) as [Audience, ServerMessage | null][]) {
      if (message) text.set(audience, JSON.stringify(message));
    }
    if (!text.size) return;
    for (const [ws, session] of [...this.sessions()]) {
      if (ws === except) continue;
      const body = text.get(audienceOf(session.role));
      if (body) this.send(ws, body);
    }
  }

  /**
   * Presence to every audience whose view changed, and always to a socket that just joined
   * (API.md: a joining socket receives the current presence at once).
   */
  protected sendPresence(options: { joined?: WebSocket; now: number }) {
    const views = this.presence(options.now);
    for (const [audience, message] of Object.entries(views) as [Audience, ServerMessage][]) {
      const text = JSON.stringify(message);
      const changed = this.#lastPresence.get(audience) !== text;
      this.#lastPresence.set(audience, text);
      for (const [ws, session] of [...this.sessions()]) {
        if (audienceOf(session.role) !== audience) continue;
        if (ws === options.joined || changed) this.send(ws, text);
      }
    }
  }

  /** Closes a socket from our side and lets the others know it left. */
  protected drop(ws: WebSocket, code: number, reason: string) {
    try {
      ws.close(code, reason);
    } catch {
      /* already closing */
    }
    this.leave(ws);
  }

  protected leave(ws: WebSocket) {
    const sessions = this.sessions();
    const session = sessions.get(ws);
    if (!session) return;
    sessions.delete(ws);
    this.unregister(ws, session);
    const now = Date.now();
    this.onLeave(session, now);
    this.sendPresence({ now });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const known = this.sessions().get(ws);
    if (!known) return;
    const now = Date.now();
    const { window, flooding } = countMessage(this.#rates.get(ws), now);
    this.#rates.set(ws, window);
    if (flooding) return this.drop(ws, CLOSE_POLICY_VIOLATION, "Too many messages");
    const session = { ...known, seenAt: now };
    this.save(ws, session);
    await this.onMessage(ws, session, raw, now);
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    this.leave(ws);
    try {
      // The runtime already answered the close (web_socket_auto_reply_to_close); older dates need this.
      ws.close(RESERVED_CLOSE_CODES.has(code) || code < 1000 ? 1000 : code, "closed");
    } catch {
      /* already closed */
    }
  }

  override async webSocketError(ws: WebSocket) {
    this.leave(ws);
  }

  /** Wakes for the next own timer, or to revalidate the sockets' users while any are open. */
  protected async scheduleAlarm(now: number) {
    if (!this.sessions().size) return;
    const current = await this.ctx.storage.getAlarm();
    const want = Math.min(this.nextTimer(now) ?? Infinity, current ?? now + REVALIDATE_EVERY_MS);
    if (current === null || want < current) await this.ctx.storage.setAlarm(want);
  }

  override async alarm() {
    const now = Date.now();
    this.onTimers(now);
    await this.revalidate();
    if (!this.sessions().size) return;
    const want = Math.min(this.nextTimer(now) ?? Infinity, now + REVALIDATE_EVERY_MS);
    await this.ctx.storage.setAlarm(want);
  }

  /**
   * Ends the sockets of users who are gone, deactivated, or whose token version moved on, and the
   * sockets that have been silent too long.
   */
  protected async revalidate() {
    const now = Date.now();
    for (const [ws, session] of [...this.sessions()]) {
      const lastPing = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(session.seenAt, lastPing) > SILENT_SOCKET_MS) this.drop(ws, CLOSE_GOING_AWAY, "No message or ping for too long");
    }
    const sessions = [...this.sessions()];
    if (!sessions.length) return;
    const ids = [...new Set(sessions.map(([, s]) => s.id))];
    const db = createDb(this.env.DB);
    const current = new Map<string, { active: boolean; tokenVersion: number }>();
    for (let i = 0; i < ids.length; i += USERS_PER_QUERY) {
      const rows = await db
        .select({ id: users.id, active: users.active, tokenVersion: users.tokenVersion })
        .from(users)
        .where(inArray(users.id, ids.slice(i, i + USERS_PER_QUERY)));
      for (const r of rows) current.set(r.id, r);
    }
    for (const [ws, session] of sessions) {
      const user = current.get(session.id);
      if (!user || !user.active || user.tokenVersion !== session.tokenVersion) this.drop(ws, CLOSE_SESSION_ENDED, "Session ended");
    }
  }
}
