import type { Database } from "../db/client";
import type { Bindings } from "../env";
import type { Actor } from "../domain/permissions";
import type { RuleRef } from "../domain/rules";
import type { TicketEventConsumer } from "../events/ticket-events";
import type { RequestMeta } from "./request-meta";

export type { RequestMeta };

/**
 * What every service call needs. Made by the factories of src/contexts.ts (a request, the system,
 * mail, a ticket room), never by hand, so every entry point carries the same event consumers.
 */
export interface ServiceContext {
  db: Database;
  env: Bindings;
  actor: Actor | null;
  meta: RequestMeta;
  now: Date;
  /** The consumers of ticket events (src/events/consumers.ts), run by the one ticket write. */
  consumers: readonly TicketEventConsumer<ServiceContext>[];
  /** Keeps after-commit work (event fan-out) alive past the response, where the runtime allows. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Set only by the mail and channel paths: the one ticket a participant who is not the requester
   * may comment on (a Cc'd customer by mail, checked by src/email/resolve-ticket.ts; another person
   * on a channel thread, vouched for by the channel's signature).
   */
  mailParticipantOf?: string;
  /**
   * The system itself (cron jobs, SLA escalation): no actor, every ticket, any change the workflow
   * allows. Only contexts built by the system set it; a request without an actor never has it.
   */
  system?: true;
  /** A rule's change (ruleContext): history and events carry `rule: {id, name}`; the actor is the system. */
  rule?: RuleRef;
  /**
   * A trigger's change inside a running trigger chain (features/rules/triggers.ts): the chain that
   * made it goes on with the ticket as changed, so this change starts no chain of its own.
   */
  inTriggerChain?: true;
  /**
   * D1's own count of the rows this context's ticket writes read (their batches' `meta.rows_read`),
   * kept where a caller budgets by it: the automation sweep, whose firings cost from ~60 rows to
   * several hundred (a change that records weeks-old SLA breaches in the report rollups).
   */
  rowsRead?: { total: number };
}

/** The actor of a service call that must have one (every HTTP route behind auth). */
export function actorOf(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new Error("service call without an actor");
  return ctx.actor;
}

/**
 * A rule acting on a ticket: the system (no actor, any change the workflow allows) naming the rule,
 * on the runtime of the change or cron run that set it off (database, clock, consumers). Listed
 * with the other factories in src/contexts.ts; it lives here because the trigger consumer, which
 * src/contexts.ts lists, needs it. No `waitUntil`: a rule's own after-commit work is awaited by
 * whatever runs the rule, which is itself after-commit work or a cron run.
 */
export function ruleContext(parent: ServiceContext, rule: RuleRef, options: { inTriggerChain?: boolean; now?: Date } = {}): ServiceContext {
  return {
    db: parent.db,
    env: parent.env,
    now: options.now ?? parent.now,
    consumers: parent.consumers,
    actor: null,
    system: true,
    rule: { id: rule.id, name: rule.name },
    meta: { ip: null, userAgent: `rule ${rule.id}` },
    ...(parent.rowsRead ? { rowsRead: parent.rowsRead } : {}),
    ...(options.inTriggerChain ? { inTriggerChain: true as const } : {}),
  };
}
