import { and, eq, inArray, sql } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { batchRowsRead, insertRow, IS_NOT_NULL, IS_NULL, rowTest, runBatch, textStatement, updateRow, type BatchItem, type RowCondition } from "../../db/client";
import { doubt, takenAssumptions } from "../../db/batch-assumptions";
import { copyWentStale } from "../../db/caller-gate";
import { pendingNumber, runNumberedBatch, settleNumber } from "../../db/ticket-numbering";
import { ticketDay } from "../../domain/ticket-number";
import { ABORT_UNLESS_CHANGED, classifyD1Error } from "../../db/errors";
import { ticketHistory, tickets, ticketTagIndex } from "../../db/schema";
import type { TicketEvent } from "../../events/ticket-events";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { customerVisibleKeys } from "../../domain/custom-fields";
import { auditInsert, type AuditEntry } from "../audit/audit.service";
import { fieldIndexWrites, plannedFieldCatalog, type PlannedCatalog } from "../fields/fields.service";
import { forgetStaleCatalog } from "../fields/kept-catalog";
import { agentLoadWrites } from "../teams/routing.service";
import { dropArchives, restoreRows } from "../archive/archive.document";
import { ticketView } from "./ticket-view";
import { forgetTicket, keepTicket, keptGuard, stillHolds, storedAfter, type KeptTicket } from "./kept-rows";
import { toTicket, type Requester, type Ticket, type TicketRow } from "./tickets.serialize";

/**
 * The one write of a ticket. Every path that changes a ticket (REST, comments, mail, the SLA sweep,
 * auto-close, routing, escalation, deletion) describes its change as a {@link TicketWrite} and
 * hands it here, which writes, in one D1 batch: the row (under a guard), its tags, its assignees'
 * load counters, its history entries, the caller's own rows, every event consumer's rows (outbox:
 * mail, …) and the audit rows.
 * All of it commits or none of it does; after commit the events go to the consumers' after-commit
 * work (src/events/consumers.ts). docs/change-flow.md shows the whole path.
 */

/** One entry of the ticket's history; its version is the ticket's version after the write. */
export interface HistoryEntry {
  type: string;
  changes: Record<string, unknown>;
  /** The entry of a version bump (exactly one per bump: unique per ticket and version). */
  bumpsVersion?: boolean;
  /** Never shown to customers (internal notes, routing reasons, SLA announcements). */
  internal?: boolean;
}

/** Ticket columns a guard may compare with the values the write read. */
export type GuardColumn = "version" | "updatedAt" | "slaAnnounced" | "slaWarned" | "slaEscalated";

/**
 * A change the writer has not seen land unless the row still holds what the change was computed
 * from: every writer that moves the version or `updated_at` makes it stale.
 */
export const ROW_UNCHANGED: readonly GuardColumn[] = ["version", "updatedAt"];

export interface Effects {
  requester: Requester;
  history: HistoryEntry[];
  audit: AuditEntry[];
  /** The events of the change, made from the ticket as written. */
  events?: (ticket: Ticket) => TicketEvent[];
  /** The caller's own rows of the same change (a comment, a mail's message row, an idempotency key). */
  extra?: BatchItem[];
  /**
   * The field catalog the change was planned from (fields.service.ts plannedFieldCatalog), with the
   * check its batch carries; without it, a write whose ticket holds values takes one the same way.
   */
  catalog?: PlannedCatalog;
}

export type TicketWrite =
  | ({
      kind: "create";
      /** Its `number` is db/ticket-numbering.ts pendingNumber(): the write's batch takes the day's next. */
      row: TicketRow;
      /** Rows the ticket refers to, written first (a requester made for it). */
      prerequisites?: BatchItem[];
      /** Statements that fail the batch when a copy the plan used is stale (the SLA policies: a "policies" batch assumption). */
      held?: BatchItem[];
    } & Effects)
  | ({
      kind: "update";
      /** The row as read. */
      before: TicketRow;
      /** The row as it will be. */
      after: TicketRow;
      /** The columns to write; empty when the row itself stays as it is (an internal note). */
      set: SQLiteUpdateSetSource<typeof tickets>;
      /** What must still hold for `set` to be written (default {@link ROW_UNCHANGED}). */
      guard?: readonly GuardColumn[];
    } & (
      | {
          /** The row is a deleted ticket, and must still be one: only an erasure rewrites those. */
          deleted?: true;
          kept?: never;
          decidedOnRow?: never;
        }
      | {
          deleted?: never;
          /**
           * The write was decided on the row as read (an automation's conditions; a rule's, macro's or
           * bulk's actions) and rendered with its requester: stale unless the ticket is still at that
           * revision and its requester as read, tested by the row's update (guardedUpdate) or, when the
           * row is not updated (a rule that only sends a mail), first in the batch as for a kept row
           * (stillHolds, which also wants the ticket live: never with `deleted`).
           */
          decidedOnRow?: true;
          /**
           * `before` is this isolate's kept row (kept-rows.ts): the write is stale unless the ticket is still
           * at its revision (live, not merged or archived) and its requester as kept. Tested by the row's
           * update (its guard), or first in the batch (stillHolds) when the row is not updated. Never with
           * `deleted` (a deleted ticket is never kept), which would drop "live" from the check.
           */
          kept?: KeptTicket;
        }
    ) &
      Effects);

/** `ticket`: as the context's caller may see it (what a route answers with). */
export type WriteOutcome = { ok: true; ticket: Ticket } | { ok: false; reason: "stale" };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The row must still be the one read: its revision (which every write moves) and the guard's
 * columns. The revision alone would do; the guard's columns say what each writer cares about.
 */
function guardCondition(before: TicketRow, guard: readonly GuardColumn[], deleted: boolean): RowCondition<typeof tickets>[] {
  return [["id", before.id], ["deletedAt", deleted ? IS_NOT_NULL : IS_NULL], ["revision", before.revision], ...guard.map((c) => [c, before[c]] as const)];
}

/**
 * The row's update under {@link guardCondition}: as text when every value is a plain one (no SQL),
 * else with drizzle, from the same conditions. Planned from a kept row, the guard also holds
 * kept-rows.ts keptGuard (what stillHolds checks beyond the row's id, revision and deletion): not
 * merged or archived, the requester as kept. It then updates nothing and the
 * batch fails as stale (ABORT_UNLESS_CHANGED), as stillHolds would fail it.
 */
function guardedUpdate(ctx: ServiceContext, before: TicketRow, set: SQLiteUpdateSetSource<typeof tickets>, guard: readonly GuardColumn[], deleted: boolean, kept?: KeptTicket, decidedWith?: Requester): BatchItem {
  const held = kept ? keptGuard(kept) : null;
  const where = [...guardCondition(before, guard, deleted), ...(held?.row ?? [])];
  // A write decided on the row as read (decidedOnRow) rendered its requester into what it sends: them too.
  const also = held?.requester ?? (decidedWith ? keptGuard({ row: before, requester: decidedWith }).requester : undefined);
  return updateRow(ctx.db, tickets, set, where, also) ?? ctx.db.update(tickets).set(set).where(and(...where.map((c) => rowTest(tickets, c)), also));
}

/**
 * The tag filter's index entries of a ticket, moved from `before` tags to `after` ones: only the
 * tags that left or came (a deleted ticket's all leave). Entries name the ticket by its rowid.
 */
function tagWrites(ctx: ServiceContext, ticket: TicketRow, before: string[], after: string[]): BatchItem[] {
  const removed = before.filter((t) => !after.includes(t));
  const added = after.filter((t) => !before.includes(t));
  const rowid = sql`(SELECT rowid FROM ${tickets} WHERE ${tickets.id} = ${ticket.id})`;
  return [
    ...(removed.length
      ? [ctx.db.delete(ticketTagIndex).where(and(inArray(ticketTagIndex.tag, removed), eq(ticketTagIndex.createdAt, ticket.createdAt), eq(ticketTagIndex.ticketRowid, rowid)))]
      : []),
    ...(added.length
      ? [
          textStatement(
            ctx.db,
            `insert into "ticket_tag_index" ("tag", "created_at", "ticket_rowid") values ${added.map(() => `(?, ?, (SELECT rowid FROM "tickets" WHERE "tickets"."id" = ?))`).join(", ")}`,
            added.flatMap((tag) => [tag, ticket.createdAt, ticket.id]),
          ),
        ]
      : []),
  ];
}

function historyRows(ctx: ServiceContext, ticket: TicketRow, entries: HistoryEntry[]): BatchItem[] {
  const at = ctx.now.toISOString();
  // History reads in (version, at, id) order and ids are time-ordered: one millisecond apart keeps
  // the entries of one write in the order given (`created` before the routing decision).
  return entries.map((e, i) =>
    insertRow(ctx.db, ticketHistory, {
      id: newId(ctx.now.getTime() + i),
      ticketId: ticket.id,
      type: e.type,
      actorId: ctx.actor?.id ?? null,
      ruleId: ctx.rule?.id ?? null,
      ruleName: ctx.rule?.name ?? null,
      at,
      version: ticket.version,
      changes: e.changes,
      bumpsVersion: e.bumpsVersion ?? false,
      internal: e.internal ?? false,
    }),
  );
}

/** Rows every consumer writes for these events, in the change's own batch. */
function consumerRows(ctx: ServiceContext, events: TicketEvent[]): BatchItem[] {
  return events.flatMap((event) => ctx.consumers.flatMap((c) => c.inBatch?.(ctx, event) ?? []));
}

/** The consumers' after-commit work; the request does not wait for it when it can hand it off. */
export function publish(ctx: ServiceContext, events: TicketEvent[]): Promise<void> {
  const failed = (c: { name: string }, type: string) => (err: unknown) => {
    console.error(JSON.stringify({ event: "ticket_event_consumer_failed", consumer: c.name, type, error: String(err) }));
  };
  const runs = [
    ...events.flatMap((event) => ctx.consumers.flatMap((c) => (c.afterCommit ? [c.afterCommit(ctx, event).catch(failed(c, event.type))] : []))),
    ...(events.length ? ctx.consumers.flatMap((c) => (c.afterWrite ? [c.afterWrite(ctx, events).catch(failed(c, events.map((e) => e.type).join(",")))] : [])) : []),
  ];
  const work = Promise.all(runs).then(() => {});
  if (ctx.waitUntil) {
    ctx.waitUntil(work);
    return Promise.resolve();
  }
  return work;
}

/**
 * Any change of an archived ticket brings it back whole (features/archive): the row is no longer
 * marked archived, and its comments and history come back from the document in the change's batch.
 */
function unarchived(write: TicketWrite): TicketWrite {
  if (write.kind !== "update" || !write.before.archivedAt) return write;
  return { ...write, after: { ...write.after, archivedAt: null }, set: { ...write.set, archivedAt: null } };
}

/** One write's rows (audit rows apart, they go last) and events. */
async function planned(ctx: ServiceContext, given: TicketWrite) {
  const write = unarchived(given);
  const restored = given.kind === "update" && write !== given ? await restoreRows(ctx, given.before) : null;
  const updates = write.kind === "update" && Object.keys(write.set).length > 0;
  // Every write of the row moves its revision (guardCondition).
  const row = write.kind === "create" ? write.row : updates ? { ...write.after, revision: write.before.revision + 1 } : write.after;
  const before = write.kind === "create" ? null : write.before;
  const hasFields = Object.keys(row.customFields).length > 0 || Object.keys(before?.customFields ?? {}).length > 0;
  // The catalog the plan validated against, else the one its values are shown and indexed with: either
  // way checked in the batch (the isolate's copy or this request's, read maybe seconds ago: a bulk).
  // A write with no values and no catalog of its own (no required field to resolve) checks none.
  const plannedCatalog = write.catalog ?? (hasFields ? await plannedFieldCatalog(ctx) : undefined);
  const catalog = plannedCatalog?.fields;
  // Events carry the staff view and the keys customers may see, so every consumer (rooms, webhooks)
  // can hand a customer their view without the catalog (domain/custom-fields.ts customerTicket).
  const staffTicket = toTicket(row, write.requester, ctx.now, { audience: "staff", fields: catalog ?? new Map() });
  const customerFields = catalog ? customerVisibleKeys(catalog) : [];
  const rule = ctx.rule;
  const events = (write.events?.(staffTicket) ?? []).map((e): TicketEvent => ({ ...e, customer_fields: customerFields, ...(rule ? { rule } : {}) }));
  const fromKept = write.kind === "update" ? write.kept : undefined;
  // A kept row's check rides in the row's update when there is one (guardedUpdate).
  const held = fromKept ?? (write.kind === "update" && write.decidedOnRow ? { row: write.before, requester: write.requester } : undefined);
  const items: BatchItem[] = held && !updates ? [stillHolds(ctx.db, held)] : [];
  const fieldIndex = catalog && !sameJson(before?.customFields ?? {}, row.customFields) ? fieldIndexWrites(ctx, row, before?.customFields ?? null, row.customFields, catalog) : [];
  if (write.kind === "create") {
    items.push(
      ...(write.held ?? []),
      ...(write.prerequisites ?? []),
      insertRow(ctx.db, tickets, row),
      ...tagWrites(ctx, row, [], row.tags),
      ...fieldIndex,
      ...agentLoadWrites(ctx, null, row),
    );
  } else if (updates) {
    items.push(
      guardedUpdate(ctx, write.before, { ...write.set, revision: row.revision }, write.guard ?? ROW_UNCHANGED, !!write.deleted, fromKept, write.decidedOnRow ? write.requester : undefined),
      textStatement(ctx.db, ABORT_UNLESS_CHANGED, []),
      ...(restored ?? []),
      ...tagWrites(ctx, row, write.before.deletedAt ? [] : write.before.tags, row.deletedAt ? [] : row.tags),
      ...fieldIndex,
      ...agentLoadWrites(ctx, write.before, row),
    );
  }
  const ticket = toTicket(row, write.requester, ctx.now, await ticketView(ctx, [row], catalog));
  // Consumers of the stored rows (report rollups): once per write that stores the row.
  const stored = write.kind === "create" || updates ? ctx.consumers.flatMap((c) => c.onStored?.(ctx, { before, after: row }) ?? []) : [];
  items.push(...historyRows(ctx, row, write.history), ...(write.extra ?? []), ...consumerRows(ctx, events), ...stored);
  // The row as stored once the batch commits, for this isolate's kept rows (kept-rows.ts): a create's,
  // or an update's `set` applied to the row it replaced (null: not known, as after a restore);
  // undefined: the row is untouched.
  const kept = write.kind === "create" ? row : !updates ? undefined : storedAfter(write.before, write.set, row.revision);
  // The plan's own catalog check (whatever the row holds: a resolve allowed by the catalog's required fields rests on it too).
  const catalogCheck = plannedCatalog?.held ?? null;
  return { ticket, events, items, catalogCheck, audit: write.audit.map((entry) => auditInsert(ctx, entry)), restored: restored ? row.id : null, kept, id: row.id, requester: write.requester };
}

/**
 * Writes one change of a ticket. `stale`: an update's guard found the row changed since it was
 * read (or a concurrent writer took the same version), or a create's new requester was made by a
 * concurrent create, or the isolate's copy of the SLA policies or of the caller's profile was stale,
 * or the field catalog the plan used (the isolate's copy or the request's own read) was
 * (db/batch-assumptions.ts), so nothing was written; read again and plan again ({@link retryTicketWrite}).
 * Any other failure is thrown, with nothing written.
 */
export async function writeTicket(ctx: ServiceContext, write: TicketWrite): Promise<WriteOutcome> {
  const outcome = await writeTickets(ctx, [write]);
  return outcome.ok ? { ok: true, ticket: outcome.tickets[0]! } : outcome;
}

/** How many batch assumptions a write may find failed (db/batch-assumptions.ts): one planning each. */
const ASSUMPTIONS = 2;

/**
 * Changes of several tickets that must happen together (a merge closes one ticket into another; a
 * split moves comments into a new ticket): each is planned like any other write, under its own
 * guard, and all of them go into ONE batch, so either every ticket changes or none does; there is
 * no intermediate state to repair. Stale when any of their guards is.
 */
export function writeTickets(ctx: ServiceContext, writes: TicketWrite[]): Promise<{ ok: true; tickets: Ticket[] } | { ok: false; reason: "stale" }> {
  return writeTicketsAssuming(ctx, writes, ASSUMPTIONS);
}

async function writeTicketsAssuming(ctx: ServiceContext, writes: TicketWrite[], retries: number): Promise<{ ok: true; tickets: Ticket[] } | { ok: false; reason: "stale" }> {
  const taken = takenAssumptions();
  const plans = await Promise.all(writes.map((write) => planned(ctx, write)));
  // Each plan's check of the field catalog it took (features/fields/kept-catalog.ts): after
  // the rows' guards, so a stale kept row is found as such (and forgotten) first.
  // One per version: the writes of one batch (a merge, a split) planned from one catalog share it.
  const catalogChecks = [...new Map(plans.flatMap((p) => (p.catalogCheck ? [[p.catalogCheck.version, p.catalogCheck.check] as const] : []))).values()];
  // Last: a batch that fails anywhere before leaves no audit row claiming it happened.
  const items = [...plans.flatMap((p) => p.items), ...catalogChecks, ...plans.flatMap((p) => p.audit)];
  const events = plans.flatMap((p) => p.events);
  const tickets = plans.map((p) => p.ticket);
  if (!items.length) return { ok: true, tickets };
  // The caller's profile copy this plan used was found stale by the request's first call, a read (db/caller-gate.ts).
  if (ctx.actor && copyWentStale(ctx.actor)) return { ok: false, reason: "stale" };
  // A new ticket takes its number in this batch (db/ticket-numbering.ts): one per batch, as the number's SQL names the day's last.
  const numbering = writes.filter((w) => w.kind === "create" && w.row.number === pendingNumber()).length;
  if (numbering > 1) throw new Error("one new ticket per batch takes a number");
  try {
    if (numbering) {
      const { number, results } = await runNumberedBatch(ctx.db, items, ticketDay(ctx.now));
      if (ctx.rowsRead) ctx.rowsRead.total += batchRowsRead(results);
      // The rows this isolate keeps too (kept-rows.ts): a reply planned from one writes its number.
      settleNumber([...tickets, ...events, ...plans.flatMap((p) => (p.kept ? [p.kept] : []))], number);
    } else {
      const results = await runBatch(ctx.db, items);
      if (ctx.rowsRead) ctx.rowsRead.total += batchRowsRead(results);
    }
  } catch (err) {
    // The batch was the request's first D1 call and its caller was refused (db/caller-gate.ts): 401, nothing
    // written, no D1 failure and no assumption to doubt.
    if (err instanceof AppError) throw err;
    const failure = classifyD1Error(err);
    // The isolate's copy of the SLA policies, the caller's profile or the field catalog was stale (db/batch-assumptions.ts):
    // the change is planned again from the start (retryTicketWrite) with fresh ones (the caller's
    // gate has read their row already: db/caller-gate.ts).
    if (failure.kind === "assumption" && (failure.name === "policies" || failure.name === "caller" || failure.name === "catalog")) {
      if (failure.name === "policies") doubt("policies");
      // The field catalog the plans took (the isolate's copy or the request's own): the next plan reads it (and the isolate keeps that one).
      if (failure.name === "catalog") await forgetStaleCatalog(ctx, plans.flatMap((p) => (p.catalogCheck ? [p.catalogCheck.version] : [])));
      // The gate has read the caller's row meanwhile: the next plan uses it, nothing more to redo.
      if (ctx.actor) copyWentStale(ctx.actor);
      return { ok: false, reason: "stale" };
    }
    // An assumption of the batch did not hold (a report rebuild runs, a webhook subscribes): planned
    // again, doubting it, so its consumer sends the statements that decide inside the batch. Each
    // assumption fails at most once here. A failure of no known kind in a batch that took some is
    // tried once more without them, in case D1 worded an assumption's failure otherwise: without
    // that, every write of the isolate would fail the same way for as long as the case lasts.
    if (retries > 0 && (failure.kind === "assumption" || (failure.kind === "other" && taken.length))) {
      for (const name of failure.kind === "assumption" ? [failure.name] : taken) doubt(name);
      return writeTicketsAssuming(ctx, writes, failure.kind === "assumption" ? retries - 1 : 0);
    }
    // Lost races: an update's guard (or its history's version) taken by another writer, or a
    // create's new requester made meanwhile by a concurrent create.
    const lostRace = writes.some((w) =>
      w.kind === "update"
        ? failure.kind === "stale" || (failure.kind === "unique" && failure.table === "ticket_history")
        : failure.kind === "unique" && failure.table === "users" && !!w.prerequisites?.length,
    );
    if (lostRace) {
      // A kept row may be what went stale: the next plan reads afresh (and keeps what it reads).
      for (const p of plans) forgetTicket(p.id);
      return { ok: false, reason: "stale" };
    }
    throw err;
  }
  for (const p of plans) {
    if (p.kept) keepTicket(p.kept, p.requester);
    else if (p.kept === null) forgetTicket(p.id);
  }
  await publish(ctx, events);
  await dropRestoredArchives(ctx, plans.flatMap((p) => (p.restored ? [p.restored] : [])));
  return { ok: true, tickets };
}

/** The documents of restored tickets, once the restore committed; a failure leaves an unread object behind, never a lost ticket. */
async function dropRestoredArchives(ctx: ServiceContext, ticketIds: string[]) {
  if (!ticketIds.length) return;
  const work = Promise.all(ticketIds.map((id) => dropArchives(ctx, id))).then(
    () => {},
    (err) => console.error(JSON.stringify({ event: "archive_drop_failed", tickets: ticketIds, error: String(err) })),
  );
  if (ctx.waitUntil) ctx.waitUntil(work);
  else await work;
}

// A lost race means another writer committed, so each round lets at least one through: N writers
// racing on one ticket all land within N attempts. 10 covers the bursts one ticket sees on paths
// the ticket room does not serialise (mail, cron, rules); beyond that the caller gets a 409.
export const MAX_WRITE_ATTEMPTS = 10;

/** A planned change; `together`: other tickets' writes that commit in the same batch (see {@link writeTickets}). */
export type Planned<T> = { write: TicketWrite; together?: TicketWrite[]; done: (ticket: Ticket, others: Ticket[]) => T } | { skip: T };

/**
 * The one retry policy: plan the change from a fresh read (`attempt` is 1, 2, …), write it, and
 * plan again whenever the write finds the ticket changed under it. A plan may find nothing to do.
 */
export async function retryTicketWrite<T>(ctx: ServiceContext, plan: (attempt: number) => Promise<Planned<T>>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const planned = await plan(attempt);
    if ("skip" in planned) return planned.skip;
    const outcome = await writeTickets(ctx, [planned.write, ...(planned.together ?? [])]);
    if (outcome.ok) return planned.done(outcome.tickets[0]!, outcome.tickets.slice(1));
    if (attempt >= MAX_WRITE_ATTEMPTS) throw new AppError("CONFLICT", "The ticket changed while this change was applied; retry");
  }
}
