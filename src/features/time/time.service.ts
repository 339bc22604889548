import { and, asc, eq, isNull } from "drizzle-orm";
import type { BatchItem } from "../../db/client";
import { tickets, timeEntries, users } from "../../db/schema";
import { can } from "../../domain/permissions";
import { applyLoggedTime, loggedMinutes, type LoggedTime } from "../../domain/rollups";
import { eventActor, type TicketEvent } from "../../events/ticket-events";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import type { HistoryEntry } from "../tickets/ticket-write";
import { retryTicketWrite } from "../tickets/ticket-write";
import { findVisibleTicket, readVisibleTicket, type FoundTicket } from "../tickets/tickets.service";
import type { Ticket, TicketRow } from "../tickets/tickets.serialize";
import { toTimeEntry, type TimeEntryRow } from "./time.serialize";

/** API.md: an entry is 1..1440 minutes (a day at most). */
export const MAX_ENTRY_MINUTES = 1_440;
/**
 * A ticket's time log sums its entries per (quarter hour, author) on the ticket row (what the report
 * rollups count); past this many sums the row would grow out of proportion, so more is refused.
 */
export const MAX_TIME_LOG_ITEMS = 500;
/** Work is logged when it happens or later: an entry may start at most a year back (and not in the future). */
export const MAX_ENTRY_AGE_DAYS = 366;
const FUTURE_SLACK_MS = 5 * 60_000;

export interface TimeEntryInput {
  minutes: number;
  note?: string | null | undefined;
  billable?: boolean | undefined;
  started_at?: string | undefined;
}

const logged = (e: Pick<TimeEntryRow, "authorId" | "startedAt" | "minutes" | "billable">): LoggedTime => ({ authorId: e.authorId, startedAt: e.startedAt, minutes: e.minutes, billable: e.billable });

/** The ticket's columns after an entry is logged, changed or removed. */
export function timeColumns(row: TicketRow, before: TimeEntryRow | null, after: TimeEntryRow | null): Pick<TicketRow, "timeLog" | "timeSpentMinutes"> {
  const timeLog = applyLoggedTime(row.timeLog, before && logged(before), after && logged(after));
  if (timeLog.length > MAX_TIME_LOG_ITEMS) throw new AppError("INVALID_TRANSITION", `A ticket keeps at most ${MAX_TIME_LOG_ITEMS} quarter hours of logged time per author; log it on a new ticket`);
  return { timeLog, timeSpentMinutes: loggedMinutes(timeLog) };
}

function startedAt(ctx: ServiceContext, value: string | undefined): string {
  if (value === undefined) return ctx.now.toISOString();
  const at = Date.parse(value);
  if (at > ctx.now.getTime() + FUTURE_SLACK_MS || at < ctx.now.getTime() - MAX_ENTRY_AGE_DAYS * 86_400_000) {
    throw validation("Invalid started_at", { started_at: [`must be within the last ${MAX_ENTRY_AGE_DAYS} days and not in the future`] });
  }
  return new Date(at).toISOString();
}

const authorOf = (ctx: ServiceContext) => {
  const a = actorOf(ctx);
  return { id: a.id, name: a.name };
};

/** What logging an entry adds to a change of its ticket (the comment shortcut uses it too). */
export function loggedWith(ctx: ServiceContext, ticket: TicketRow, entry: TimeEntryRow) {
  const wire = toTimeEntry(entry, authorOf(ctx));
  return {
    row: timeColumns(ticket, null, entry),
    extra: [ctx.db.insert(timeEntries).values(entry)] as BatchItem[],
    history: [{ type: "time_logged", changes: { time_entry_id: entry.id, minutes: [null, entry.minutes], billable: entry.billable }, internal: true }] as HistoryEntry[],
    audit: [{ action: "time_entry.created", entityType: "time_entry", entityId: entry.id, changes: { ticket_id: ticket.id, minutes: [null, entry.minutes] } }],
    events: (t: Ticket): TicketEvent[] => [{ type: "time_entry.created", ticket: t, entry: wire, time_spent_before: ticket.timeSpentMinutes, actor: eventActor(ctx.actor), internal: true }],
    entry: wire,
  };
}

/** A new entry's row (its id fixed before any retry). */
export function newEntry(ctx: ServiceContext, ticketId: string, input: TimeEntryInput, commentId: string | null = null): TimeEntryRow {
  const now = ctx.now.toISOString();
  return {
    id: newId(ctx.now.getTime()),
    ticketId,
    authorId: actorOf(ctx).id,
    minutes: input.minutes,
    billable: input.billable ?? true,
    note: input.note?.trim() || null,
    startedAt: startedAt(ctx, input.started_at),
    commentId,
    createdAt: now,
    updatedAt: now,
  };
}

/** Staff log time on a ticket they can see; a customer may see the ticket but not log time (403). */
function requireStaff(ctx: ServiceContext) {
  if (!can(actorOf(ctx).role, "time.log")) throw forbidden("Only staff log time");
}

/**
 * Logs time through the one ticket write: the entry, the ticket's `time_spent_minutes` and time log
 * (the rollups), an internal history entry. The ticket's `updated_at` stays: customers do not learn
 * from it that staff worked on their ticket.
 */
export async function logTime(ctx: ServiceContext, ref: string, input: TimeEntryInput) {
  const first = await findVisibleTicket(ctx, ref);
  requireStaff(ctx);
  const entry = newEntry(ctx, first.row.id, input);
  return retryTicketWrite(ctx, async (attempt) => {
    const { row, requester } = attempt === 1 ? first : await findVisibleTicket(ctx, ref);
    const w = loggedWith(ctx, row, entry);
    return {
      write: { kind: "update", before: row, after: { ...row, ...w.row }, requester, set: w.row, history: w.history, audit: w.audit, extra: w.extra, events: w.events },
      done: () => w.entry,
    };
  });
}

async function entryWithTicket(ctx: ServiceContext, id: string): Promise<{ entry: TimeEntryRow; ticket: FoundTicket; author: { id: string; name: string } }> {
  const [found] = await ctx.db
    .select({ entry: timeEntries, author: { id: users.id, name: users.name } })
    .from(timeEntries)
    .innerJoin(users, eq(users.id, timeEntries.authorId))
    .innerJoin(tickets, and(eq(tickets.id, timeEntries.ticketId), isNull(tickets.deletedAt)))
    .where(eq(timeEntries.id, id))
    .limit(1);
  // Customers never see time entries: theirs or not, the entry does not exist for them.
  if (!found || !can(actorOf(ctx).role, "time.log")) throw notFound("Time entry");
  return { entry: found.entry, author: found.author, ticket: await findVisibleTicket(ctx, found.entry.ticketId) };
}

function requireAuthor(ctx: ServiceContext, entry: TimeEntryRow) {
  const actor = actorOf(ctx);
  if (entry.authorId !== actor.id && !can(actor.role, "time.manage_any")) throw forbidden("Only the entry's author or a manager changes it");
}

export interface TimeEntryPatch {
  minutes?: number | undefined;
  note?: string | null | undefined;
  billable?: boolean | undefined;
  started_at?: string | undefined;
}

export async function updateTimeEntry(ctx: ServiceContext, id: string, patch: TimeEntryPatch) {
  return retryTicketWrite(ctx, async () => {
    const { entry, ticket, author } = await entryWithTicket(ctx, id);
    requireAuthor(ctx, entry);
    const now = ctx.now.toISOString();
    const next: TimeEntryRow = {
      ...entry,
      minutes: patch.minutes ?? entry.minutes,
      billable: patch.billable ?? entry.billable,
      note: patch.note === undefined ? entry.note : patch.note?.trim() || null,
      startedAt: patch.started_at === undefined ? entry.startedAt : startedAt(ctx, patch.started_at),
      updatedAt: now,
    };
    const wire = toTimeEntry(next, author);
    const cols = timeColumns(ticket.row, entry, next);
    const changes: Record<string, unknown> = {};
    for (const [k, key] of [["minutes", "minutes"], ["billable", "billable"], ["started_at", "startedAt"]] as const) if (entry[key] !== next[key]) changes[k] = [entry[key], next[key]];
    return {
      write: {
        kind: "update",
        before: ticket.row,
        after: { ...ticket.row, ...cols },
        requester: ticket.requester,
        set: cols,
        history: [{ type: "time_updated", changes: { time_entry_id: id, ...changes }, internal: true }],
        audit: [{ action: "time_entry.updated", entityType: "time_entry", entityId: id, changes: { ticket_id: entry.ticketId, ...changes } }],
        extra: [ctx.db.update(timeEntries).set({ minutes: next.minutes, billable: next.billable, note: next.note, startedAt: next.startedAt, updatedAt: now }).where(eq(timeEntries.id, id))],
        events: (t) => [{ type: "time_entry.updated", ticket: t, entry: wire, time_spent_before: ticket.row.timeSpentMinutes, actor: eventActor(ctx.actor), internal: true }],
      },
      done: () => wire,
    };
  });
}

export async function deleteTimeEntry(ctx: ServiceContext, id: string) {
  await retryTicketWrite(ctx, async () => {
    const { entry, ticket, author } = await entryWithTicket(ctx, id);
    requireAuthor(ctx, entry);
    const cols = timeColumns(ticket.row, entry, null);
    return {
      write: {
        kind: "update",
        before: ticket.row,
        after: { ...ticket.row, ...cols },
        requester: ticket.requester,
        set: cols,
        history: [{ type: "time_deleted", changes: { time_entry_id: id, minutes: [entry.minutes, null] }, internal: true }],
        audit: [{ action: "time_entry.deleted", entityType: "time_entry", entityId: id, changes: { ticket_id: entry.ticketId, minutes: [entry.minutes, null] } }],
        extra: [ctx.db.delete(timeEntries).where(eq(timeEntries.id, id))],
        events: (t) => [{ type: "time_entry.deleted", ticket: t, entry: toTimeEntry(entry, author), time_spent_before: ticket.row.timeSpentMinutes, actor: eventActor(ctx.actor), internal: true }],
      },
      done: () => undefined,
    };
  });
}

/** A ticket's entries, oldest work first (staff). */
export async function listTimeEntries(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const { row } = await readVisibleTicket(ctx, ref);
  requireStaff(ctx);
  const secret = signingSecret(ctx.env);
  const sort = `time-entries:${row.id}`;
  const where = [eq(timeEntries.ticketId, row.id)];
  if (page.cursor) where.push(newerThan(timeEntries.startedAt, timeEntries.id, await decodeCursor(secret, sort, page.cursor)));
  const rows = await ctx.db
    .select({ entry: timeEntries, author: { id: users.id, name: users.name } })
    .from(timeEntries)
    .innerJoin(users, eq(users.id, timeEntries.authorId))
    .where(and(...where))
    .orderBy(asc(timeEntries.startedAt), asc(timeEntries.id))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.entry.startedAt, id: last.entry.id }));
  return { data: items.map((r) => toTimeEntry(r.entry, r.author)), next_cursor, time_spent_minutes: row.timeSpentMinutes };
}
