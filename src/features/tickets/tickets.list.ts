import { and, asc, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ticketFieldValues, tickets, ticketTags, users } from "../../db/schema";
import { searchWords } from "../../domain/search-query";
import { PRIORITY_RANK } from "../../domain/vocabulary";
import { afterKey, decodeCursor, encodeCursor, keysetPage, type KeyColumn, type KeyValue } from "../../lib/cursor";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { parseCustomStatusFilter, type FieldFilter } from "../fields/fields.service";
import { ticketTextCondition } from "../search/search.fts";
import { customerScope } from "./ticket-scope";
import type { TicketListQuery, TicketSort } from "./tickets.schemas";
import { ticketView } from "./ticket-view";
import { requesterColumns, toTicket, type TicketRow } from "./tickets.serialize";

export interface SortColumn extends KeyColumn {
  key: (r: TicketRow) => KeyValue;
}

const col = (column: SQLiteColumn, dir: "asc" | "desc", key: (r: TicketRow) => KeyValue): SortColumn => ({ column, dir, key });
const byId = (dir: "asc" | "desc") => col(tickets.id, dir, (r) => r.id);

/** Each sort's columns, ending in the id; every one is the order of an index (db/schema/tickets.ts). */
const SORTS: Record<TicketSort, SortColumn[]> = {
  "-created_at": [col(tickets.createdAt, "desc", (r) => r.createdAt), byId("desc")],
  created_at: [col(tickets.createdAt, "asc", (r) => r.createdAt), byId("asc")],
  "-updated_at": [col(tickets.updatedAt, "desc", (r) => r.updatedAt), byId("desc")],
  updated_at: [col(tickets.updatedAt, "asc", (r) => r.updatedAt), byId("asc")],
  // Most urgent first; within a priority the oldest waits least long.
  priority: [col(tickets.priorityRank, "desc", (r) => r.priorityRank), col(tickets.createdAt, "asc", (r) => r.createdAt), byId("asc")],
  "-priority": [col(tickets.priorityRank, "asc", (r) => r.priorityRank), col(tickets.createdAt, "desc", (r) => r.createdAt), byId("desc")],
  // Tickets with no running clock carry NO_DUE and so come last.
  sla_due: [col(tickets.slaNextDueAt, "asc", (r) => r.slaNextDueAt), byId("asc")],
};

/** The index rows of one field filter's value (ticket_field_values_text_idx / _int_idx). */
const fieldValueIs = ({ def, value }: FieldFilter): SQL =>
  and(
    eq(ticketFieldValues.fieldId, def.id),
    value.text !== undefined ? eq(ticketFieldValues.valueText, value.text) : eq(ticketFieldValues.valueInt, value.int),
  )!;

/**
 * The ticket holds the filter's value: one probe of (ticket_id, field_id) per ticket. Named, because
 * without statistics SQLite rates the value index (field, value) as good and then walks every
 * ticket holding that value for each probe.
 */
const holdsValue = ({ def, value }: FieldFilter): SQL =>
  sql`EXISTS (SELECT 1 FROM ticket_field_values INDEXED BY ticket_field_values_ticket_idx WHERE ticket_id = ${tickets.id} AND field_id = ${def.id} AND ${
    value.text !== undefined ? sql`value_text = ${value.text}` : sql`value_int = ${value.int}`
  })`;

/**
 * Sorts a field filter can walk in its own index: the index rows carry the ticket's created_at,
 * so (field, value, created_at, id) is already the page's order.
 */
const FIELD_INDEX_SORTS: Partial<Record<TicketSort, "asc" | "desc">> = { "-created_at": "desc", created_at: "asc" };

export type TicketFilters = Omit<TicketListQuery, "limit" | "cursor"> & { fields?: FieldFilter[] };

/**
 * The list's query for the caller: its conditions (visibility, filters), its sort's columns, and
 * whether it walks a field filter's index rows (`walk`: join ticket_field_values); null when it can
 * match nothing. Shared by the list and the export of tickets, which pages the same indexed query
 * in bigger chunks.
 */
export async function ticketSelection(ctx: ServiceContext, q: TicketFilters): Promise<{ where: SQL[]; columns: SortColumn[]; walk: boolean } | null> {
  const actor = actorOf(ctx);
  const where: SQL[] = [isNull(tickets.deletedAt)];
  const scope = customerScope(actor);
  if (scope) {
    if (q.requester_id && q.requester_id !== actor.id) return null;
    where.push(scope);
  } else if (q.requester_id) where.push(eq(tickets.requesterId, q.requester_id));
  if (q.q !== undefined) {
    // Full text (search.fts.ts): visibility is inside the match too; a query of no words finds nothing.
    const text = await ticketTextCondition(ctx, actor, searchWords(q.q));
    if (!text) return null;
    where.push(text);
  }
  if (q.status) where.push(q.status.length === 1 ? eq(tickets.status, q.status[0]!) : inArray(tickets.status, q.status));
  if (q.priority) {
    const ranks = q.priority.map((p) => PRIORITY_RANK[p]);
    // priority_rank is the indexed column (it shares the status index).
    where.push(ranks.length === 1 ? eq(tickets.priorityRank, ranks[0]!) : inArray(tickets.priorityRank, ranks));
  }
  if (q.assignee_id === "none") where.push(isNull(tickets.assigneeId));
  else if (q.assignee_id) where.push(eq(tickets.assigneeId, q.assignee_id === "me" ? actor.id : q.assignee_id));
  if (q.team_id) where.push(eq(tickets.teamId, q.team_id));
  if (q.category) where.push(eq(tickets.category, q.category));
  if (q.channel) where.push(eq(tickets.channel, q.channel));
  if (q.tag) where.push(inArray(tickets.id, ctx.db.select({ id: ticketTags.ticketId }).from(ticketTags).where(eq(ticketTags.tag, q.tag))));
  if (q.created_after) where.push(gte(tickets.createdAt, new Date(q.created_after).toISOString()));
  if (q.created_before) where.push(lt(tickets.createdAt, new Date(q.created_before).toISOString()));
  if (q.custom_status) {
    const { builtIn, custom } = await parseCustomStatusFilter(ctx, q.custom_status);
    // A category's own name: tickets of that status without a custom one.
    const either = [
      ...(builtIn.length ? [and(inArray(tickets.status, builtIn), isNull(tickets.customStatus))!] : []),
      ...(custom.length ? [inArray(tickets.customStatus, custom)] : []),
    ];
    where.push(either.length === 1 ? either[0]! : or(...either)!);
  }
  if (q.breached !== undefined) {
    const now = ctx.now.toISOString();
    where.push(
      q.breached
        ? or(eq(tickets.slaBreached, true), lt(tickets.slaNextDueAt, now))!
        : and(eq(tickets.slaBreached, false), gte(tickets.slaNextDueAt, now))!,
    );
  }
  // Custom field filters: staff lists in created order walk the first filter's index rows and stop
  // after a page; a customer's (or one requester's) list walks their few tickets and probes each.
  const fields = q.fields ?? [];
  const walkDir = FIELD_INDEX_SORTS[q.sort];
  const walk = fields[0] && walkDir && !scope && !q.requester_id ? fields[0] : undefined;
  for (const filter of fields) if (filter !== walk) where.push(holdsValue(filter));
  if (walk) where.push(fieldValueIs(walk));
  const columns = walk
    ? [col(ticketFieldValues.ticketCreatedAt, walkDir!, (r) => r.createdAt), col(ticketFieldValues.ticketId, walkDir!, (r) => r.id)]
    : SORTS[q.sort];
  return { where, columns, walk: walk !== undefined };
}

export async function listTickets(ctx: ServiceContext, q: TicketListQuery & { fields?: FieldFilter[] }) {
  const selection = await ticketSelection(ctx, q);
  if (!selection) return { data: [], next_cursor: null };
  const { where, columns, walk } = selection;
  const secret = signingSecret(ctx.env);
  const cursorSort = `tickets:${q.sort}`;
  if (q.cursor) {
    const pos = await decodeCursor(secret, cursorSort, q.cursor);
    where.push(afterKey(columns, Array.isArray(pos.key) ? pos.key : [pos.key]));
  }
  const select = ctx.db.select({ row: tickets, requester: requesterColumns });
  const from = walk ? select.from(ticketFieldValues).innerJoin(tickets, eq(tickets.id, ticketFieldValues.ticketId)) : select.from(tickets);
  const rows = await from
    .innerJoin(users, eq(users.id, tickets.requesterId))
    .where(and(...where))
    .orderBy(...columns.map((c) => (c.dir === "asc" ? asc(c.column) : desc(c.column))))
    .limit(q.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, q.limit, (last) =>
    encodeCursor(secret, cursorSort, { key: columns.map((c) => c.key(last.row)), id: last.row.id }),
  );
  const view = await ticketView(ctx, items.map((r) => r.row));
  return { data: items.map((r) => toTicket(r.row, r.requester, ctx.now, view)), next_cursor };
}
