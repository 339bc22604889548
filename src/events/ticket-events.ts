import type { BatchItem } from "../db/client";
import type { Actor } from "../domain/permissions";
import type { RuleRef } from "../domain/rules";
import type { SlaTarget } from "../domain/sla";
import type { Comment } from "../features/comments/comments.serialize";
import type { TimeEntry } from "../features/time/time.serialize";
import type { Ticket, TicketRow } from "../features/tickets/tickets.serialize";

/**
 * What happened to a ticket, as every consumer sees it. The one ticket write
 * (features/tickets/ticket-write.ts) produces them; the consumers are listed in one place,
 * src/events/consumers.ts.
 */

/** `{id, name, role}` of who caused an event; null for the system (cron, rules). */
export type EventActor = Pick<Actor, "id" | "name" | "role"> | null;

/**
 * The stored ticket on both sides of a write: null before a create, and a deleted row after a
 * delete. Consumers that keep state derived from the rows (the report rollups) add the difference.
 */
export interface StoredTicket {
  before: TicketRow | null;
  after: TicketRow;
}

export type TicketEvent = (
  | { type: "ticket.created"; ticket: Ticket; actor: EventActor }
  | { type: "ticket.updated"; ticket: Ticket; changes: Record<string, unknown>; version: number; actor: EventActor; internal: boolean }
  /** `internal`: part of an internal change (an escalation), so customers' sockets do not get it. */
  | { type: "ticket.assigned"; ticket: Ticket; assignee_id: string | null; actor: EventActor; internal?: boolean }
  | { type: "comment.created"; ticket: Ticket; comment: Comment; actor: EventActor }
  | { type: "ticket.deleted"; ticket_id: string; actor: EventActor }
  /** A running SLA target passed its due date (emitted by the SLA sweep, once per target). */
  | { type: "sla.breached"; ticket: Ticket; target: SlaTarget; actor: null }
  /** A running SLA target used 80 % of its time (emitted by the SLA sweep, once per target and cycle). */
  | { type: "sla.at_risk"; ticket: Ticket; target: SlaTarget; actor: null }
  /** The requester answered the satisfaction survey (or replaced their answer). */
  | { type: "satisfaction.rated"; ticket: Ticket; satisfaction: Satisfaction; previous: Satisfaction | null; actor: EventActor }
  /** Time logged on the ticket, changed or removed: staff-only information, like an internal note. */
  | {
      type: "time_entry.created" | "time_entry.updated" | "time_entry.deleted";
      ticket: Ticket;
      entry: TimeEntry;
      /** The ticket's time total before the change (`ticket` holds the one after): the live `changes` name both. */
      time_spent_before: number;
      actor: EventActor;
      internal: true;
    }
) & {
  /** Caused by a rule (API.md: events caused by a rule carry `rule: {id, name}`; the actor is null). */
  rule?: RuleRef;
  /**
   * Keys of the custom fields customers may see, set by the one ticket write: `ticket` is the staff
   * view, and a consumer that shows an event to a customer (their socket, a webhook without
   * include_internal) projects it with domain/custom-fields.ts `customerTicket`/`customerChanges`.
   * Absent means none.
   */
  customer_fields?: readonly string[];
};

/** A ticket's satisfaction answer (API.md: the ticket carries it). */
export interface Satisfaction {
  score: number;
  comment: string | null;
  rated_at: string;
}

export type TicketEventType = TicketEvent["type"];

/**
 * Every event type, at run time (webhooks subscribe to them by name). Adding a member to the union
 * above without listing it here fails the type check below, so a new event reaches webhooks with
 * no other wiring.
 */
export const TICKET_EVENT_TYPES = ["ticket.created", "ticket.updated", "ticket.assigned", "comment.created", "ticket.deleted", "sla.breached", "sla.at_risk", "satisfaction.rated", "time_entry.created", "time_entry.updated", "time_entry.deleted"] as const satisfies readonly TicketEventType[];
type Unlisted = Exclude<TicketEventType, (typeof TICKET_EVENT_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : { missing: Unlisted } = true;
void everyTypeListed;

/**
 * A consumer of ticket events. `inBatch` returns writes that must commit with the change that
 * causes them (outbox rows: mail, webhooks), so they exist exactly when the change does;
 * `afterCommit` runs once the change committed (fan-out to sockets, queue sends), and its failures
 * are logged, never undo the change. `inBatch` and `onStored` may run more than once for one write
 * (a failed batch assumption plans it again: db/batch-assumptions.ts), so they build statements and
 * never act. `Ctx` is the service context (lib/request-context.ts), a parameter here so this module
 * stays free of it.
 */
export interface TicketEventConsumer<Ctx> {
  /** For logs: which consumer failed. */
  name: string;
  inBatch?: (ctx: Ctx, event: TicketEvent) => BatchItem[];
  /**
   * Once per write that stores the ticket row, with the row before and after (events or none: an
   * import has none), in the change's own batch: state derived from the rows (the report rollups)
   * moves by the difference, exactly once per write.
   */
  onStored?: (ctx: Ctx, stored: StoredTicket) => BatchItem[];
  afterCommit?: (ctx: Ctx, event: TicketEvent) => Promise<void>;
  /** After commit, once per write with all its events: work that judges one change as a whole (triggers). */
  afterWrite?: (ctx: Ctx, events: TicketEvent[]) => Promise<void>;
}

export const eventActor = (actor: Actor | null): EventActor => (actor ? { id: actor.id, name: actor.name, role: actor.role } : null);
