import type { Database } from "./db/client";
import type { Actor } from "./domain/permissions";
import type { AgentsFeedRpc, TicketRoomRpc, UserSessionsRpc } from "./ticket-room/protocol";
import type { JobMessage } from "./jobs/job-messages";

/** Bindings of the Worker (wrangler.toml, secrets in .dev.vars / `wrangler secret put`). */
export interface Bindings {
  /** D1: the source of truth. */
  DB: D1Database;
  /**
   * Year databases, `TICKETS_<year>` (src/db/ticket-stores.ts): archived tickets of a creation year
   * that is over move there (features/archive/archive.retire.ts). Which exist is read from the
   * bindings; none is bound by default.
   */
  [yearDatabase: `TICKETS_${number}`]: D1Database | undefined;
  /** The built web app (dist/web, wrangler.toml [assets]): page shells, help-centre styles and script, /docs. */
  ASSETS: Fetcher;
  /** One Durable Object per ticket (named by ticket id): live sockets, fan-out, serialised PATCHes. */
  TICKET_ROOM: DurableObjectNamespace<TicketRoomRpc & Rpc.DurableObjectBranded>;
  /** The deployment's one agents' feed: staff presence and queue events. */
  AGENTS_FEED: DurableObjectNamespace<AgentsFeedRpc & Rpc.DurableObjectBranded>;
  /** One per user (named by user id): where their live sockets are, so ending their sessions closes them at once. */
  USER_SESSIONS: DurableObjectNamespace<UserSessionsRpc & Rpc.DurableObjectBranded>;
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
  /** Days after `closed_at` after which a closed ticket moves to the archive in R2 (features/archive; default 365). */
  ARCHIVE_AFTER_DAYS?: string;
  LOGIN_MAX_FAILURES_PER_EMAIL: string;
  LOGIN_MAX_FAILURES_PER_IP: string;
  /** "1" only under `npm run bench`: D1 rows read/written per request in X-D1-* headers (src/db/metrics.ts). */
  D1_METRICS?: string;
  /**
   * Most arms of a list's compound SELECT (features/tickets/tickets.list.ts; default
   * MAX_COMPOUND_ARMS of ticket-list-plan.ts). Unset in wrangler.toml: a test sets it above what
   * D1 accepts to see the fallback; a deployment whose D1 refuses fewer may set it lower. A whole
   * number 1..MAX_WALKS; anything else means the default and is logged once (`list_compound_arms_invalid`).
   */
  LIST_COMPOUND_ARMS?: string;
  /** R2: mail attachments and uploads (`attachments/<sha256>`), raw .eml of every inbound and outbound mail (`mail/…`), archived tickets (`archive/tickets/…`). */
  ATTACHMENTS: R2Bucket;
  /** send_email: outbound mail (src/email/outbound.ts). */
  MAILER: SendEmail;
  /** Queue of import steps (producer and consumer: src/features/imports/imports.runner.ts). */
  IMPORTS: Queue<{ id: string; step: number }>;
  /** Queue of outbox row ids to deliver (producer and consumer: src/email/outbox.ts, outbound.ts). */
  OUTBOX: Queue<{ id: string }>;
  /** Queue of background jobs done in chunks (src/jobs/job-queue.ts): exports of every kind, report rollup rebuilds. */
  JOBS: Queue<JobMessage>;
  /** R2: export files (`exports/<job id>/…`), deleted after EXPORT_TTL_DAYS by the cron. */
  EXPORTS: R2Bucket;
  /** Bytes per part of an export's multipart upload (default and minimum 5 MiB, R2's minimum; tests set less). */
  EXPORT_PART_BYTES?: string;
  /** Rows read per query of an export (default 2,000). */
  EXPORT_CHUNK_ROWS?: string;
  /** Queue of webhook delivery ids to send (producer: features/webhooks/webhooks.outbox.ts, consumer: webhooks.delivery.ts). */
  WEBHOOKS: Queue<{ id: string }>;
  /** "true" lets webhooks and channels send to http:// and loopback (localhost, 127.0.0.0/8, [::1]): local development only. */
  WEBHOOKS_ALLOW_LOCAL?: string;
  /** The address customers write to (`support@…`); reply addresses are `<local>+<token>@<domain>`. */
  SUPPORT_ADDRESS?: string;
  /** Display name on outbound mail. */
  SUPPORT_NAME?: string;
  /** Origin of the helpdesk's pages (`https://help.example.com`): where the links of mail lead (account mail, `{{ticket.url}}`, satisfaction survey). Never taken from a request's Host. */
  PUBLIC_URL?: string;
  /** "false" relaxes sender authentication (DKIM verified in the Worker) for local demos only. */
  EMAIL_AUTH_REQUIRED?: string;
  /** authserv-id of Cloudflare's Authentication-Results (default mx.cloudflare.net): only its `dmarc=fail` is read, as a veto. */
  EMAIL_AUTHSERV_ID?: string;
  /** DNS-over-HTTPS fetcher for DKIM keys and DMARC records (src/email/dns.ts); absent = fetch to cloudflare-dns.com. Tests bind a fake. */
  DOH?: Fetcher;
  /** Largest inbound mail in bytes (default 25 MiB); bigger ones are rejected at SMTP time. */
  MAX_EMAIL_BYTES?: string;
  /** Largest attachment kept, per file, in bytes (default 10 MiB). */
  MAX_ATTACHMENT_BYTES?: string;
  /** Automatic mails to one address per hour (default 5). */
  AUTO_MAILS_PER_SENDER_PER_HOUR?: string;
  /** Chats one IPv4 address or IPv6 /64 may open per hour (default 20; features/chat). */
  CHAT_SESSIONS_PER_IP_PER_HOUR?: string;
  /** Origins allowed to call the chat API from a browser (comma list; default `*`: any site may embed the widget). */
  CHAT_ALLOWED_ORIGINS?: string;
}

/** Per-request context variables, set by middleware. */
export interface Variables {
  requestId: string;
  /** Drizzle over this request's D1 session (replica reads, bookmark handed back). */
  db: Database;
  /** The D1 bookmark of a write made outside this request's session (a PATCH in the ticket's room): the response hands back the later one. */
  writeBookmark?: string;
  /** The authenticated caller; only set behind `requireAuth`. */
  actor: Actor;
  /** The channel whose signature an inbound call carried; only set behind features/channels' signature check. */
  channelId?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
