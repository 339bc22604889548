import type { Context } from "hono";
import type { Database } from "../db/client";
import type { AppEnv, Bindings } from "../env";
import type { Actor } from "../domain/permissions";

/** Who did something and from where: written into the audit log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** What every service call needs; built from a request, or by mail/cron with a system actor. */
export interface ServiceContext {
  db: Database;
  env: Bindings;
  actor: Actor | null;
  meta: RequestMeta;
  now: Date;
  /** Keeps after-commit work (event fan-out) alive past the response, where the runtime allows. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Set only by the mail path: the one ticket a Cc'd participant (a customer who is not the
   * requester) may comment on by mail; src/email/resolve-ticket.ts has checked it.
   */
  mailParticipantOf?: string;
  /**
   * The system itself (cron jobs, SLA escalation): no actor, every ticket, any change the workflow
   * allows. Only contexts built by the system set it; a request without an actor never has it.
   */
  system?: true;
}

// Audit rows keep the first bytes of a user agent; the header is client-controlled and unbounded.
const MAX_USER_AGENT = 512;

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return {
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent")?.slice(0, MAX_USER_AGENT) ?? null,
  };
}

export function serviceContext(c: Context<AppEnv>): ServiceContext {
  let waitUntil: ServiceContext["waitUntil"];
  try {
    const execution = c.executionCtx;
    waitUntil = (p) => execution.waitUntil(p);
  } catch {
    // No execution context (called outside a fetch event): after-commit work is awaited instead.
  }
  return { db: c.var.db, env: c.env, actor: c.var.actor ?? null, meta: requestMeta(c), now: new Date(), waitUntil };
}

/** The actor of a service call that must have one (every HTTP route behind auth). */
export function actorOf(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new Error("service call without an actor");
  return ctx.actor;
}
