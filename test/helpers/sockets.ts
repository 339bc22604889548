import { exports } from "cloudflare:workers";
import { BASE } from "./index";

/** How long a test waits for a message it expects; fan-out is milliseconds locally. */
export const MESSAGE_TIMEOUT_MS = 3_000;
/** How long a test watches for a message that must not come. */
export const NONE_WAIT_MS = 1_000;

type Message = { type: string; [key: string]: any };
type Predicate = (m: Message) => boolean;

const opened = new Set<LiveSocket>();

/** Closes every socket the tests of this file opened (call from afterEach). */
export function closeAll() {
  for (const s of opened) s.close();
  opened.clear();
}

/** A client socket of the live protocol that buffers what it receives, so a test can await it in any order. */
export class LiveSocket {
  /** Every message received, in order (including those already awaited). */
  readonly log: Message[] = [];
  #pending: Message[] = [];
  #waiters: { match: Predicate; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    ws.addEventListener("message", (e) => {
      const message = JSON.parse(typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer)) as Message;
      this.log.push(message);
      const i = this.#waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(message);
      else this.#pending.push(message);
    });
    ws.accept();
    opened.add(this);
  }

  /** The next not yet awaited message of `type` (and matching `where`); fails after a timeout. */
  next(type: string, where: Predicate = () => true, timeoutMs = MESSAGE_TIMEOUT_MS): Promise<Message> {
    const match = (m: Message) => m.type === type && where(m);
    const i = this.#pending.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#pending.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve: (m: Message) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no "${type}" message within ${timeoutMs} ms; received ${JSON.stringify(this.log.map((m) => m.type))}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /**
   * Presence whose users (by id) are exactly `ids`, in any order. Presence is state, not an event:
   * older presence messages still buffered are dropped with it.
   */
  async presence(ids: string[], timeoutMs?: number) {
    const want = [...ids].sort().join(",");
    const found = await this.next("presence", (m) => m.users.map((u: { id: string }) => u.id).sort().join(",") === want, timeoutMs);
    this.#pending = this.#pending.filter((m) => m.type !== "presence" || this.log.indexOf(m) > this.log.indexOf(found));
    return found;
  }

  /**
   * Fails if a matching message arrives within `ms` from now. Long enough that a slow machine's
   * fan-out (tens of ms locally, seconds at worst under load) would have delivered it: a message
   * that would arrive later than this is not "live" either.
   */
  async none(type: string, where: Predicate = () => true, ms = NONE_WAIT_MS) {
    const from = this.log.length;
    await new Promise((r) => setTimeout(r, ms));
    const seen = this.log.slice(from).filter((m) => m.type === type && where(m));
    if (seen.length) throw new Error(`unexpected "${type}" message: ${JSON.stringify(seen[0])}`);
  }

  /** Forgets buffered messages (e.g. presence noise before the part a test is about). */
  clear() {
    this.#pending = [];
  }

  send(message: unknown) {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {
      /* already closed */
    }
  }
}

export interface Upgrade {
  status: number;
  headers: Headers;
  /** The problem document of a refused upgrade. */
  body: any;
  socket: LiveSocket | null;
}

/** An upgrade through the Worker's real fetch handler, the token in `?access_token=` like a browser. */
export async function connect(path: string, token?: string, init: { headers?: Record<string, string>; upgrade?: boolean } = {}): Promise<Upgrade> {
  const url = new URL(`${BASE}${path}`);
  if (token) url.searchParams.set("access_token", token);
  const headers: Record<string, string> = { ...(init.upgrade === false ? {} : { Upgrade: "websocket" }), ...init.headers };
  const res = await exports.default.fetch(new Request(url, { headers }));
  if (res.status === 101 && res.webSocket) return { status: 101, headers: res.headers, body: null, socket: new LiveSocket(res.webSocket) };
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, headers: res.headers, body, socket: null };
}

/** An upgrade that must succeed. */
export async function open(path: string, token: string): Promise<LiveSocket> {
  const up = await connect(path, token);
  if (!up.socket) throw new Error(`upgrade of ${path} refused: ${up.status} ${JSON.stringify(up.body)}`);
  return up.socket;
}

export const roomPath = (ticketId: string) => `/api/v1/tickets/${ticketId}/live`;
export const FEED_PATH = "/api/v1/live";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
