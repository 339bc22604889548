/**
 * What a console or portal page asks the server for before its app has started. The page loads this
 * module as its own small `async` script ahead of the app (injected by web/vite.config.ts), so the
 * session refresh through the cookie (API.md "Web app": the CSRF header, the HTTP-only cookie, the
 * access token in memory only) is answered while the browser still downloads and starts the framework
 * (~0.3 s on a cold load, bench/web.mjs). On a deep link to a console ticket, the ticket page's reads
 * follow at once. The session (session.ts) and the API client (client.ts) take these answers instead
 * of asking again; the app's module graph imports this same file, so it runs once either way.
 *
 * No imports (but types): the file stays under 1 KB gzip and waits for nothing.
 */
import type { components } from "../api/schema";

type Tokens = components["schemas"]["Tokens"];

export const REFRESH_PATH = "/api/v1/auth/refresh";
/** The Web Lock that serialises refreshes across tabs: the refresh token rotates on every use. */
export const REFRESH_LOCK = "edgedesk-refresh";
export const CSRF_HEADERS = { "X-Requested-With": "edgedesk" } as const;
/** An early read is used by the page load it was made for, not by a later visit of the same ticket. */
const EARLY_READ_TTL_MS = 10_000;

/** The console's ticket page (/app/tickets/{id}) and the reads it starts with (web/src/ui/queries.ts). */
const CONSOLE_TICKET = /^\/app\/tickets\/([^/]+)\/?$/;
/** The ticket whose console page `pathname` is, if it is one. */
export const consoleTicketOf = (pathname: string): string | undefined => CONSOLE_TICKET.exec(pathname)?.[1];
export function ticketPageReads(pathname: string): string[] {
  const id = consoleTicketOf(pathname);
  if (!id) return [];
  const ticket = `/api/v1/tickets/${id}`;
  return [ticket, `${ticket}/comments?limit=100`, `${ticket}/attachments?limit=100`, "/api/v1/ticket-statuses"];
}

/** A refresh's answer: its status, and the tokens when it succeeded. */
export interface RefreshAnswer {
  status: number;
  tokens: Tokens | null;
}

/** The refresh through the cookie (cookie mode: the answer holds the access token, the cookie rotates). */
export async function refreshThroughCookie(): Promise<RefreshAnswer> {
  const res = await fetch(REFRESH_PATH, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...CSRF_HEADERS },
    body: JSON.stringify({ session: "cookie" }),
  });
  return { status: res.status, tokens: res.ok ? ((await res.json()) as Tokens) : null };
}

/** Runs `task` holding the refresh lock (all tabs of this origin), or as is where Web Locks are missing. */
export function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  // (LockManager.request types its answer as the callback's, which here is already a promise.)
  return typeof navigator !== "undefined" && navigator.locks ? (navigator.locks.request(REFRESH_LOCK, task) as Promise<T>) : task();
}

let earlyRefresh: { answer: Promise<RefreshAnswer>; settled: RefreshAnswer | null } | null = null;
const earlyReads = new Map<string, { answer: Promise<Response>; at: number }>();

/** The page's first refresh if it was started here (once: the next refresh asks again). */
export function takeEarlyRefresh(): Promise<RefreshAnswer> | null {
  const early = earlyRefresh;
  earlyRefresh = null;
  return early?.answer ?? null;
}

/** The page's first refresh if it was started here and is already answered (once). */
export function takeSettledEarlyRefresh(): RefreshAnswer | null {
  const settled = earlyRefresh?.settled ?? null;
  if (settled) earlyRefresh = null;
  return settled;
}

/** A GET this page load already sent for `url` (absolute), once, while it is fresh. */
export function takeEarlyRead(url: string): Promise<Response> | undefined {
  const read = earlyReads.get(url);
  if (!read) return undefined;
  earlyReads.delete(url);
  return performance.now() - read.at <= EARLY_READ_TTL_MS ? read.answer : undefined;
}

function sendReads(tokens: Tokens, urls: string[]) {
  // The console is for staff; a customer who lands on it is shown the way out, not a ticket.
  if (tokens.user.role === "customer") return;
  const headers = { authorization: `Bearer ${tokens.access_token}` };
  for (const url of urls) {
    const absolute = new URL(url, location.origin).href;
    earlyReads.set(absolute, { answer: fetch(absolute, { headers }), at: performance.now() });
  }
}

/**
 * The first Intl formatter of a page loads the browser's locale and time-zone data: 60-110 ms of main
 * thread in Chromium. Done here, while the refresh is on the network and the framework still
 * downloads, it is not done in the middle of the app's start (it was, by a module-level formatter).
 */
function warmUpIntl() {
  try {
    Intl.DateTimeFormat().resolvedOptions();
  } catch {
    /* no Intl: nothing to warm */
  }
}

function start() {
  if (typeof window === "undefined" || typeof document === "undefined") return;
  const { pathname } = location;
  if (!pathname.startsWith("/app") && !pathname.startsWith("/portal")) return;
  const reads = ticketPageReads(pathname);
  const early: NonNullable<typeof earlyRefresh> = {
    settled: null,
    answer: withRefreshLock(async () => {
      const refreshed = refreshThroughCookie();
      warmUpIntl();
      const answer = await refreshed;
      // The reads go out as soon as the token is here.
      if (answer.tokens) sendReads(answer.tokens, reads);
      early.settled = answer;
      return answer;
    }),
  };
  // Nobody may take it (a page that never starts its session): not an unhandled rejection.
  early.answer.catch(() => undefined);
  earlyRefresh = early;
}

start();
