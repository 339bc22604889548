import type { Database } from "./db/client";
import type { Actor } from "./domain/permissions";
import type { AgentsFeed } from "./agents-feed/agents-feed";
import type { TicketRoom } from "./ticket-room/ticket-room";

/** Bindings of the Worker (wrangler.toml, secrets in .dev.vars / `wrangler secret put`). */
export interface Bindings {
  /** D1: the source of truth. */
  DB: D1Database;
  /** One Durable Object per ticket (named by ticket id): live sockets, fan-out, serialised PATCHes. */
  TICKET_ROOM: DurableObjectNamespace<TicketRoom>;
  /** The deployment's one agents' feed: staff presence and queue events. */
  AGENTS_FEED: DurableObjectNamespace<AgentsFeed>;
  /** HS256 key for access tokens and signed cursors; a deployment without it refuses to sign. */
  JWT_SECRET?: string;
  /** Mixed into every password hash by HMAC, so a leaked table alone cannot be brute-forced. */
  PASSWORD_PEPPER?: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  /** Days after `closed_at` during which a closed ticket may be reopened. */
  REOPEN_WINDOW_DAYS: string;
  /** Days after which a resolved ticket closes itself (cron). */
  AUTO_CLOSE_DAYS: string;
  LOGIN_MAX_FAILURES_PER_EMAIL: string;
  LOGIN_MAX_FAILURES_PER_IP: string;
  /** "1" only under `npm run bench`: D1 rows read/written per request in X-D1-* headers (src/db/metrics.ts). */
  D1_METRICS?: string;
}

/** Per-request context variables, set by middleware. */
export interface Variables {
  requestId: string;
  /** Drizzle over this request's D1 session (replica reads, bookmark handed back). */
  db: Database;
  /** The authenticated caller; only set behind `requireAuth`. */
  actor: Actor;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
