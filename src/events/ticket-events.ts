import type { BatchItem } from "../db/client";
import type { Actor } from "../domain/permissions";
import type { ServiceContext } from "../lib/request-context";
import type { Comment } from "../features/comments/comments.service";
import type { Ticket } from "../features/tickets/tickets.serialize";

/** `{id, name, role}` of who caused an event; null for the system (cron, rules). */
export type EventActor = Pick<Actor, "id" | "name" | "role"> | null;

/**
 * What happened to a ticket, as every consumer sees it: the live room and agents' feed (after
 * commit), the mail and webhook outboxes (inside the change's own batch).
 */
export type TicketEvent =
  | { type: "ticket.created"; ticket: Ticket; actor: EventActor }
  | { type: "ticket.updated"; ticket: Ticket; changes: Record<string, unknown>; version: number; actor: EventActor; internal: boolean }
  /** `internal`: part of an internal change (an escalation), so customers' sockets do not get it. */
  | { type: "ticket.assigned"; ticket: Ticket; assignee_id: string | null; actor: EventActor; internal?: boolean }
  | { type: "comment.created"; ticket: Ticket; comment: Comment; actor: EventActor }
  | { type: "ticket.deleted"; ticket_id: string; actor: EventActor }
  /** A running SLA target passed its due date (emitted by the SLA sweep, once per target). */
  | { type: "sla.breached"; ticket: Ticket; target: SlaTarget; actor: null }
  /** A running SLA target used 80 % of its time (emitted by the SLA sweep, once per target and cycle). */
  | { type: "sla.at_risk"; ticket: Ticket; target: SlaTarget; actor: null };

/** The SLA targets a ticket can breach (API.md "SLA and routing"). */
export type SlaTarget = "first_response" | "next_response" | "resolution";

/** Writes that must commit with the change that causes them (outbox rows). */
export type InBatchConsumer = (ctx: ServiceContext, event: TicketEvent) => BatchItem[];
/** Work after the change committed (fan-out to sockets); failures are logged, never undo the change. */
export type AfterCommitConsumer = (ctx: ServiceContext, event: TicketEvent) => Promise<void>;

const inBatch: InBatchConsumer[] = [];
const afterCommit: AfterCommitConsumer[] = [];

/** Features register their consumers once at module load (see src/index.ts). */
export function onTicketEvent(consumer: { inBatch?: InBatchConsumer; afterCommit?: AfterCommitConsumer }) {
  if (consumer.inBatch) inBatch.push(consumer.inBatch);
  if (consumer.afterCommit) afterCommit.push(consumer.afterCommit);
}

export function eventWrites(ctx: ServiceContext, events: TicketEvent[]): BatchItem[] {
  return events.flatMap((e) => inBatch.flatMap((consume) => consume(ctx, e)));
}

/** Runs the after-commit consumers; the request does not wait for them when it can hand them off. */
export function publish(ctx: ServiceContext, events: TicketEvent[]): Promise<void> {
  const work = Promise.allSettled(events.flatMap((e) => afterCommit.map((consume) => consume(ctx, e)))).then((results) => {
    for (const r of results) if (r.status === "rejected") console.error("ticket event consumer failed", r.reason);
  });
  if (ctx.waitUntil) {
    ctx.waitUntil(work);
    return Promise.resolve();
  }
  return work;
}

export const eventActor = (actor: Actor | null): EventActor => (actor ? { id: actor.id, name: actor.name, role: actor.role } : null);
