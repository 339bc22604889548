import { session } from "../session/session";

/**
 * A live socket (API.md "Live collaboration") that stays open: the access token travels in the query
 * (browsers cannot set headers on a WebSocket), and every reconnect takes a fresh one from the session,
 * so a socket outlives the 15-minute token. Close 4401 (the session ended) refreshes first; 4404 (the
 * ticket is gone) stops. Reconnects back off up to 10 s.
 */

export type LiveStatus = "connecting" | "open" | "offline" | "gone";
export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

const CLOSE_SESSION_ENDED = 4401;
const CLOSE_TICKET_GONE = 4404;
const PING_EVERY_MS = 25_000;
const MAX_BACKOFF_MS = 10_000;

export class LiveSocket {
  private socket: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pending: string[] = [];

  constructor(
    private readonly path: string,
    private readonly onMessage: (message: LiveMessage) => void,
    private readonly onStatus: (status: LiveStatus) => void = () => {},
  ) {}

  start() {
    this.stopped = false;
    void this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.socket?.close(1000, "bye");
    this.socket = null;
  }

  /** Sends now, or when the socket (re)opens; only the latest of a kind matters (typing state). */
  send(message: LiveMessage) {
    const text = JSON.stringify(message);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
    else this.pending = [...this.pending.filter((p) => JSON.parse(p).type !== message.type), text];
  }

  private async connect() {
    if (this.stopped) return;
    this.onStatus("connecting");
    const token = await session.accessToken();
    if (this.stopped) return;
    if (!token) {
      this.onStatus("offline");
      return;
    }
    const url = new URL(this.path, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("access_token", token);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.onStatus("open");
      for (const text of this.pending) socket.send(text);
      this.pending = [];
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), PING_EVERY_MS);
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      try {
        const message = JSON.parse(event.data) as LiveMessage;
        if (message.type !== "pong") this.onMessage(message);
      } catch {
        /* not ours */
      }
    });
    socket.addEventListener("close", (event) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (event.code === CLOSE_TICKET_GONE) {
        this.stopped = true;
        this.onStatus("gone");
        return;
      }
      this.onStatus("offline");
      const wait = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt++);
      this.retryTimer = setTimeout(async () => {
        if (event.code === CLOSE_SESSION_ENDED) await session.refresh();
        void this.connect();
      }, wait);
    });
  }
}
