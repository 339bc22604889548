import { and, asc, eq, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { tickets, users } from "../../db/schema";
import { can } from "../../domain/permissions";
import { decodeCursor, encodeCursor, newerThan, type CursorPosition } from "../../lib/cursor";
import { forbidden, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { requesterColumns, toTicket, type Ticket } from "../tickets/tickets.serialize";
import { ticketView } from "../tickets/ticket-view";

/**
 * The incremental ticket export (API.md; Zendesk's cursor-based incremental export): every ticket
 * changed at or after `start_time`, oldest change first, a deleted one as `{id, deleted: true}`.
 *
 * The position is (change time, ticket id), exclusive: tickets changed in the same millisecond are
 * ordered by id and a page may end between them without skipping any. A change is only handed out
 * once it is INCREMENTAL_LAG_MS old: a write takes its time when it starts and commits a moment
 * later, so a fresher position could be passed before a change dated earlier commits. A ticket
 * changed again later appears again, at its latest change. Live tickets walk tickets_updated_idx,
 * deletions tickets_deleted_idx; the two are merged in (time, id) order.
 */
export const INCREMENTAL_LAG_MS = 60_000;
export const MAX_INCREMENTAL_LIMIT = 1_000;
const SORT = "incremental:tickets";

export interface IncrementalQuery {
  start_time?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export async function incrementalTickets(ctx: ServiceContext, q: IncrementalQuery) {
  if (!can(actorOf(ctx).role, "settings.manage")) throw forbidden("The incremental export is for admins");
  const secret = signingSecret(ctx.env);
  let after: CursorPosition;
  if (q.cursor) after = await decodeCursor(secret, SORT, q.cursor);
  else if (q.start_time) after = { key: new Date(q.start_time).toISOString(), id: "" };
  else throw validation("start_time or cursor is required", { start_time: ["the first call names a start time; later ones pass next_cursor"] });
  const horizon = new Date(ctx.now.getTime() - INCREMENTAL_LAG_MS).toISOString();
  const [live, deleted] = await Promise.all([
    ctx.db
      .select({ row: tickets, requester: requesterColumns })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(and(isNull(tickets.deletedAt), newerThan(tickets.updatedAt, tickets.id, after), lt(tickets.updatedAt, horizon)))
      .orderBy(asc(tickets.updatedAt), asc(tickets.id))
      .limit(q.limit),
    ctx.db
      .select({ id: tickets.id, at: sql<string>`${tickets.deletedAt}` })
      .from(tickets)
      .where(and(isNotNull(tickets.deletedAt), newerThan(tickets.deletedAt, tickets.id, after), lt(tickets.deletedAt, horizon)))
      .orderBy(asc(tickets.deletedAt), asc(tickets.id))
      .limit(q.limit),
  ]);
  type Item = { at: string; id: string; data: Ticket | { id: string; deleted: true; deleted_at: string } };
  const view = await ticketView(ctx, live.map((r) => r.row));
  const items: Item[] = [
    ...live.map((r) => ({ at: r.row.updatedAt, id: r.row.id, data: toTicket(r.row, r.requester, ctx.now, view) })),
    ...deleted.map((r) => ({ at: r.at, id: r.id, data: { id: r.id, deleted: true as const, deleted_at: r.at } })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = items.slice(0, q.limit);
  const last = page.at(-1);
  const position = last ? { key: last.at, id: last.id } : after;
  return {
    data: page.map((i) => i.data),
    next_cursor: await encodeCursor(secret, SORT, position),
    // Fewer than a page was there before the horizon: the consumer is up to date (for now).
    end_of_stream: items.length < q.limit,
  };
}
