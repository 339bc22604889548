import type { Context } from "hono";
import { createDb, type Database } from "./db/client";
import type { Actor } from "./domain/permissions";
import type { AppEnv, Bindings } from "./env";
import { TICKET_EVENT_CONSUMERS } from "./events/consumers";
import type { RequestMeta } from "./lib/request-meta";
import type { ServiceContext } from "./lib/request-context";

/**
 * The one place service contexts are made, one factory per entry point: an HTTP request, the
 * system (cron, queues), an inbound mail, a ticket room's serialised edit, a rule. Each carries the
 * same event consumers, so a change has the same effects whichever way it came in.
 */

/** A rule acting on a ticket, derived from the context of what set it off (lib/request-context.ts). */
export { ruleContext } from "./lib/request-context";

// Audit rows keep the first bytes of a user agent; the header is client-controlled and unbounded.
const MAX_USER_AGENT = 512;

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return {
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, MAX_USER_AGENT) ?? null,
  };
}

/** An HTTP request: its D1 session, its caller (behind requireAuth), its IP and user agent. */
export function requestContext(c: Context<AppEnv>): ServiceContext {
  let waitUntil: ServiceContext["waitUntil"];
  try {
    const execution = c.executionCtx;
    waitUntil = (p) => execution.waitUntil(p);
  } catch {
    // No execution context (called outside a fetch event): after-commit work is awaited instead.
  }
  return { db: c.var.db, env: c.env, actor: c.var.actor ?? null, meta: requestMeta(c), now: new Date(), waitUntil, consumers: TICKET_EVENT_CONSUMERS };
}

interface Runtime {
  now: Date;
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
  /** Defaults to a handle on the primary (env.DB). */
  db?: Database;
}

const runtime = (env: Bindings, r: Runtime) => ({
  db: r.db ?? createDb(env.DB),
  env,
  now: r.now,
  consumers: TICKET_EVENT_CONSUMERS,
  ...(r.waitUntil ? { waitUntil: r.waitUntil } : {}),
});

/** The system itself (cron jobs, queue consumers): no actor, every ticket; `source` names it in the audit log. */
export function systemContext(env: Bindings, source: string, r: Runtime): ServiceContext {
  return { ...runtime(env, r), actor: null, system: true, meta: { ip: null, userAgent: source } };
}

/**
 * An inbound mail acting as its (authenticated) sender; `participantOf` is the one ticket a Cc'd
 * participant may write into (src/email/resolve-ticket.ts checked it).
 */
export function mailContext(env: Bindings, actor: Actor | null, r: Runtime & { participantOf?: string | undefined }): ServiceContext {
  return {
    ...runtime(env, r),
    actor,
    ...(actor ? {} : { system: true as const }),
    meta: { ip: null, userAgent: "email" },
    ...(r.participantOf ? { mailParticipantOf: r.participantOf } : {}),
  };
}

/**
 * An import's queue step (features/imports): the system working on the admin's behalf, so the audit
 * rows it writes name the admin who started it and the import (`import:<id>` as the user agent).
 */
export function importContext(env: Bindings, admin: Actor | null, importId: string, r: Runtime): ServiceContext {
  return { ...runtime(env, r), actor: admin, ...(admin ? {} : { system: true as const }), meta: { ip: null, userAgent: `import:${importId}` } };
}

/** A caller the Worker authenticated, acting elsewhere than in its request (a PATCH the ticket's room applies). */
export function callerContext(env: Bindings, actor: Actor, meta: RequestMeta, r: Runtime): ServiceContext {
  return { ...runtime(env, r), actor, meta };
}

/**
 * The same call acting as another party: a request that establishes its own caller (a
 * registration, a mailed link, a chat visitor created by the request that opens the chat) or one
 * that must not name its caller (a password-reset request, answered alike for everyone, is nobody's
 * act). Everything else, the D1 session included, stays the request's.
 */
export function actingAs(ctx: ServiceContext, actor: Actor | null): ServiceContext {
  return { ...ctx, actor };
}

/**
 * A message a channel delivered (features/channels), acting as the customer the channel knows the
 * sender as; `threadTicket` is the one ticket its thread continues, which a second person on the
 * thread may write into as well (the channel's signature vouched for the thread, as mail's
 * resolve-ticket.ts does for a Cc'd participant).
 */
export function channelContext(env: Bindings, actor: Actor, meta: RequestMeta, r: Runtime & { threadTicket?: string | undefined }): ServiceContext {
  return { ...runtime(env, r), actor, meta, ...(r.threadTicket ? { mailParticipantOf: r.threadTicket } : {}) };
}
