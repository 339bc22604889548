import { and, is, sql, SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { batchStatement, IS_NULL, rowTest, type BatchItem, type Database, type RowCondition } from "../../db/client";
import { tickets, users } from "../../db/schema";
import { TICKET_NUMBER_PATTERN } from "../../domain/ticket-number";
import type { Requester, TicketRow } from "./tickets.serialize";

/**
 * Ticket rows this isolate last wrote (as stored after commit) or read for a change, with their
 * requester: a reply to a ticket the isolate holds plans from the kept row instead of reading it,
 * so the reply is one D1 call, its write (issue 15: one D1 call is ~2 ms of the 5 ms budget).
 *
 * Why a kept row may be planned from: every write of a ticket moves `tickets.revision` and is
 * guarded by it (ticket-write.ts guardCondition), so a row whose revision equals the stored one IS
 * the stored row. (archive.retire.ts moves `returned` alone, but only on archived rows, and those
 * are never kept: archiving is a write, so it moved the revision past any kept one.) The write
 * planned from a kept row is stale unless the ticket is still at the kept revision (live, not merged
 * or archived) and its requester's name and email are the kept ones (they go into the events, the
 * mail and the response): tested by the row's update (its WHERE, ticket-write.ts guardedUpdate), or
 * by {@link stillHolds}, first in the batch, when the write updates no row. The caller's presumed
 * profile is checked by the gate (db/caller-gate.ts: in the write when it is the request's first
 * call, else the first call's read of the caller makes a write planned from a stale copy plan
 * again). A stale write plans the whole change again from a fresh read (tickets.service.ts changeTicket).
 *
 * What is never kept, so it behaves exactly as before: deleted, merged and archived tickets (the
 * archive's row is a stub its one write restores; a retired ticket is not in main at all) and
 * tickets from before the SLA engine (their policy is read by name with the row). Reads for GET
 * routes never use kept rows (readVisibleTicket).
 */

/**
 * How many tickets an isolate keeps: enough for the tickets its agents are answering at once (the
 * bench replies to 500 in turn); a row with its requester is ~2 KB, so ~1 MB at most. Least
 * recently used goes first.
 */
export const KEPT_TICKETS = 512;

export interface KeptTicket {
  row: TicketRow;
  requester: Requester;
}

// Map order is the recency order: a use moves an entry to the end, the first one goes first.
const kept = new Map<string, KeptTicket>();
// A reference by number (the API accepts either) finds the id; numbers never change.
const idOfNumber = new Map<string, string>();

const keepable = (row: TicketRow) => !row.deletedAt && !row.mergedIntoId && !row.archivedAt && row.slaTargets !== null;

/** The kept ticket `ref` (an id or a number) names, as a copy the caller may change; null when none is kept. */
export function keptTicket(ref: string): KeptTicket | null {
  const id = TICKET_NUMBER_PATTERN.test(ref) ? idOfNumber.get(ref) : ref;
  const found = id === undefined ? undefined : kept.get(id);
  if (!found) return null;
  kept.delete(found.row.id);
  kept.set(found.row.id, found);
  return structuredClone(found);
}

/**
 * Keeps the ticket as stored (after a committed write, or as just read for a change); forgets it
 * when it is one that is never kept. An older revision than the kept one (two writes of one
 * isolate finishing out of order) does not replace it.
 */
export function keepTicket(row: TicketRow, requester: Requester): void {
  if (!keepable(row)) return forgetTicket(row.id);
  const held = kept.get(row.id);
  if (held && held.row.revision > row.revision) return;
  kept.delete(row.id);
  kept.set(row.id, structuredClone({ row, requester: { id: requester.id, name: requester.name, email: requester.email } }));
  idOfNumber.set(row.number, row.id);
  while (kept.size > KEPT_TICKETS) {
    const oldest = kept.keys().next().value as string;
    forgetTicket(oldest);
  }
}

export function forgetTicket(id: string): void {
  const held = kept.get(id);
  if (!held) return;
  kept.delete(id);
  idOfNumber.delete(held.row.number);
}

/**
 * The row an update stores: the row it replaced with `set`'s values and the new revision. Null
 * when not known here: a value is SQL (computed by D1, e.g. an SLA flag cleared bitwise), or the
 * update restores an archived row, whose `returned` may have moved since it was read (archive.retire.ts
 * moves it without the revision). The one place a write's `set` becomes a row (the ticket write's
 * kept rows, the SLA sweep's escalation).
 */
export function storedAfter(before: TicketRow, set: SQLiteUpdateSetSource<typeof tickets>, revision: number): TicketRow | null {
  if (before.archivedAt) return null;
  const row: Record<string, unknown> = { ...before };
  for (const [key, value] of Object.entries(set)) {
    if (value === undefined) continue;
    if (is(value, SQL) || (typeof value === "object" && value !== null && "getSQL" in value)) return null;
    row[key] = value;
  }
  return { ...(row as TicketRow), revision };
}

/**
 * What a write planned from a kept row must find beyond the ticket's own guard (its id, the kept
 * revision, not deleted: ticket-write.ts guardCondition, stillHolds): the ticket not merged or
 * archived, and its requester with the kept name and email (they go into the events, the mail and
 * the response). The one source of that check: tested by the row's update (its WHERE, text or
 * drizzle: ticket-write.ts guardedUpdate) or by {@link stillHolds}.
 */
export function keptGuard({ requester }: KeptTicket): { row: RowCondition<typeof tickets>[]; requester: SQL } {
  return {
    row: [["mergedIntoId", IS_NULL], ["archivedAt", IS_NULL]],
    requester: sql`exists (select 1 from ${users} where ${users.id} = ${requester.id} and ${users.name} is ${requester.name} and ${users.email} is ${requester.email})`,
  };
}

/**
 * Fails its batch as stale (db/errors.ts: SQLite's one integer overflow, as ABORT_UNLESS_CHANGED)
 * unless {@link keptGuard} holds. First in the batch of a write that updates no row (an internal
 * note), which has no other guard; a write that updates the row tests the same in its update's guard
 * instead (ticket-write.ts guardedUpdate: one statement fewer). The caller's presumed profile is
 * checked by the gate (db/caller-gate.ts presumeCaller, copyWentStale).
 */
export function stillHolds(db: Database, kept: KeptTicket): BatchItem {
  const guard = keptGuard(kept);
  const row: RowCondition<typeof tickets>[] = [["id", kept.row.id], ["revision", kept.row.revision], ["deletedAt", IS_NULL], ...guard.row];
  const ticketHolds = sql`exists (select 1 from ${tickets} where ${and(...row.map((c) => rowTest(tickets, c)))})`;
  return batchStatement(db, sql`select abs(case when ${ticketHolds} and ${guard.requester} then 0 else -9223372036854775807 - 1 end)`);
}
