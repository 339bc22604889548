import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { tickets } from "../../db/schema";
import { isStaff, type Actor } from "../../domain/permissions";
import { SELF_SERVICE_CHANNELS } from "../../domain/vocabulary";

/** The columns of a ticket the scope reads: the table's own, or an alias's in a raw query. */
export interface TicketScopeColumns {
  requesterId: SQLWrapper;
  createdById: SQLWrapper;
  channel: SQLWrapper;
}

const TABLE: TicketScopeColumns = { requesterId: tickets.requesterId, createdById: tickets.createdById, channel: tickets.channel };

export const aliasColumns = (alias: string): TicketScopeColumns => ({
  requesterId: sql.raw(`${alias}.requester_id`),
  createdById: sql.raw(`${alias}.created_by_id`),
  channel: sql.raw(`${alias}.channel`),
});

/**
 * The SQL twin of domain/permissions canSeeTicket, for lists and searches: null for staff (every
 * ticket); a customer's own tickets; an unverified account's own self-service tickets only.
 */
export function customerScope(actor: Actor, columns: TicketScopeColumns = TABLE): SQL | null {
  if (isStaff(actor.role)) return null;
  const own = sql`${columns.requesterId} = ${actor.id}`;
  if (!actor.unverified) return own;
  const channels = sql.join(
    SELF_SERVICE_CHANNELS.map((c) => sql`${c}`),
    sql`, `,
  );
  return sql`(${own} AND ${columns.createdById} = ${actor.id} AND ${columns.channel} IN (${channels}))`;
}
