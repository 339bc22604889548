import type { components } from "../api/schema";
import { CSRF_HEADERS, refreshThroughCookie, takeEarlyRefresh, takeSettledEarlyRefresh, withRefreshLock, type RefreshAnswer } from "./boot";

type User = components["schemas"]["User"];
type Tokens = components["schemas"]["Tokens"];

/**
 * The browser's session (API.md "Web app", cookie mode). The refresh token is an HttpOnly cookie that
 * only /api/v1/auth receives; the access token lives in this module's memory and nowhere else (no
 * storage, no cookie a script can read). A tab gets its access token by refreshing through the cookie,
 * refreshes silently a minute before expiry, and learns from its sibling tabs (BroadcastChannel) when
 * the user signed out or in. Refreshes of all tabs are serialised with a Web Lock, because the refresh
 * token rotates: two tabs presenting the same one at once would look like a replay and end the session.
 */

export type SessionStatus = "loading" | "signed-in" | "signed-out";
export interface SessionState {
  status: SessionStatus;
  user: User | null;
  /** Why the last session ended, for the sign-in page. */
  reason: "signed-out" | "expired" | null;
}

const CHANNEL = "edgedesk-session";
/** Refresh this long before the access token expires (tokens live 15 minutes). */
const REFRESH_BEFORE_EXPIRY_MS = 60_000;
/** A token this close to expiry is not handed out any more. */
const TOKEN_MARGIN_MS = 10_000;

export class SessionError extends Error {
  constructor(
    readonly status: number,
    readonly body: { detail?: string; code?: string; errors?: Record<string, string[]> },
  ) {
    super(body.detail ?? `Request failed (${status})`);
  }
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export class Session {
  private state: SessionState = { status: "loading", user: null, reason: null };
  private token: string | null = null;
  private expiresAt = 0;
  private inflight: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(CHANNEL);

  constructor() {
    this.channel?.addEventListener("message", (event: MessageEvent<string>) => {
      if (event.data === "signed-out") this.clear("signed-out");
      else if (event.data === "signed-in" && this.state.status !== "signed-in") void this.refresh();
    });
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  readonly getState = () => this.state;
  get signedIn() {
    return this.state.status === "signed-in";
  }
  get user() {
    return this.state.user;
  }

  private set(next: SessionState) {
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  /** On page load: a tab has no token until it refreshes through the cookie. */
  async start(): Promise<void> {
    if (this.state.status !== "loading") return;
    // The boot script's refresh is usually answered before the app starts: taken now, the app's first
    // render is already signed in (no spinner, no second render of the whole page).
    const settled = takeSettledEarlyRefresh();
    if (settled) this.settle(settled);
    else await this.refresh();
  }

  /** A token valid for at least a few more seconds, refreshing first if needed; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (this.token && Date.now() < this.expiresAt - TOKEN_MARGIN_MS) return this.token;
    if (this.state.status === "signed-out") return null;
    await this.refresh();
    return this.token;
  }

  /** One refresh at a time per tab, and across tabs one after another (Web Locks). */
  refresh(): Promise<boolean> {
    this.inflight ??= this.refreshOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async refreshOnce(): Promise<boolean> {
    // The page's first refresh may already be under way (boot.ts, under the same lock).
    const early = takeEarlyRefresh();
    const run = async () => {
      try {
        return this.settle(await (early ?? refreshThroughCookie()));
      } catch {
        // Offline: keep what we have; a first load without a session shows sign-in.
        return this.settle({ status: 0, tokens: null });
      }
    };
    return early ? run() : withRefreshLock(run);
  }

  /** Takes a refresh's answer: signed in with its tokens, signed out on 401/403; otherwise (a server error, offline) keeps what we have. */
  private settle(answer: RefreshAnswer): boolean {
    if (answer.status === 401 || answer.status === 403) {
      this.clear(this.state.status === "signed-in" ? "expired" : null);
      return false;
    }
    if (!answer.tokens) {
      // A first load without a session shows sign-in.
      if (this.state.status === "loading") this.set({ status: "signed-out", user: null, reason: null });
      return false;
    }
    this.accept(answer.tokens);
    return true;
  }

  private accept(tokens: Tokens) {
    this.token = tokens.access_token;
    this.expiresAt = Date.now() + tokens.expires_in * 1000;
    clearTimeout(this.timer);
    // Tabs spread their refreshes a little, so they rarely queue on the lock together.
    const jitter = Math.floor(Math.random() * 10_000);
    this.timer = setTimeout(() => void this.refresh(), Math.max(5_000, tokens.expires_in * 1000 - REFRESH_BEFORE_EXPIRY_MS - jitter));
    this.set({ status: "signed-in", user: tokens.user, reason: null });
  }

  private clear(reason: SessionState["reason"]) {
    this.token = null;
    this.expiresAt = 0;
    clearTimeout(this.timer);
    this.set({ status: "signed-out", user: null, reason });
  }

  private async authenticate(path: string, body: Record<string, unknown>) {
    const res = await postJson(path, { ...body, session: "cookie" });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new SessionError(res.status, json);
    this.accept(json as Tokens);
    this.channel?.postMessage("signed-in");
    return (json as Tokens).user;
  }

  signIn(email: string, password: string) {
    return this.authenticate("/api/v1/auth/login", { email, password });
  }

  signUp(name: string, email: string, password: string) {
    return this.authenticate("/api/v1/auth/register", { name, email, password });
  }

  /** Ends the session in this browser (every tab), or with `everywhere` on every device of the user. */
  async signOut(everywhere = false): Promise<void> {
    try {
      await postJson("/api/v1/auth/logout", { session: "cookie", everywhere }, CSRF_HEADERS);
    } finally {
      this.clear("signed-out");
      this.channel?.postMessage("signed-out");
    }
  }

  /** Sends the verification mail again (a few times an hour). */
  async resendVerification(): Promise<void> {
    const token = await this.accessToken();
    const res = await fetch("/api/v1/auth/verify-email/resend", { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!res.ok) throw new SessionError(res.status, await res.json().catch(() => ({})));
  }

  /** The link of a verification mail proves the address; a signed-in tab shows the verified user at once. */
  async verifyEmail(token: string): Promise<User> {
    const res = await postJson("/api/v1/auth/verify-email", { token });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new SessionError(res.status, body);
    if (this.state.user?.id === (body as User).id) this.updateUser(body as User);
    return body as User;
  }

  /** Asks for a reset link; the answer is the same whether or not the address has an account. */
  async requestPasswordReset(email: string): Promise<void> {
    const res = await postJson("/api/v1/auth/password-reset", { email });
    if (!res.ok) throw new SessionError(res.status, await res.json().catch(() => ({})));
  }

  /** Sets a new password with a reset link's token; the server ends every session of the account, so this browser's too. */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const res = await postJson("/api/v1/auth/password-reset/confirm", { token, password });
    if (!res.ok) throw new SessionError(res.status, await res.json().catch(() => ({})));
    this.clear(null);
    this.channel?.postMessage("signed-out");
  }

  /** The user object changed (a verified address): keep the session, show the new one. */
  updateUser(user: User) {
    if (this.state.status === "signed-in") this.set({ ...this.state, user });
  }
}

export const session = new Session();
