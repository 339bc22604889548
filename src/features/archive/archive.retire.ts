import { and, eq, getTableColumns, gt, inArray, lt, sql } from "drizzle-orm";
import { batchStatement, rowsWritten, runBatch, selectIn, type Database } from "../../db/client";
import { abortUnlessChanged, classifyD1Error } from "../../db/errors";
import { attachments, comments, teams, ticketFieldValues, ticketHistory, tickets, ticketTagIndex, users } from "../../db/schema";
import { storeOfTicketRef, yearBounds, yearStore, yearStores, type YearStore } from "../../db/ticket-stores";
import type { RetireMessage } from "../../jobs/job-messages";
import type { ServiceContext } from "../../lib/request-context";
import { newId } from "../../lib/ids";
import { countedByRebuild } from "../reports/reports.rebuild";
import { rollupWrites } from "../reports/reports.rollups";
import type { TicketRow } from "../tickets/tickets.serialize";

/**
 * Retired years (docs/scale.md "Year databases"): archived tickets of a creation year that is
 * over move from the main database into that year's own D1 (`TICKETS_<year>`, db/ticket-stores.ts).
 * What moves is the stub row, its tag-index entries, its search entries and its mail rows
 * (SATELLITES: sent and received mail, Message-ID threading, participants). The search entries move
 * by the FTS triggers both databases have (migrations/0002, migrations-years/0002): the copy's
 * insert indexes the ticket in the year within the copy's batch, and main's guarded delete removes
 * main's entry within its batch; so search sees the ticket where the row is. Everything else that names the ticket stays in main: the reports' rollups (not per ticket), `ticket_archive_authors` (privacy finds the
 * ticket by it) and the audit log. A ticket that other rows in main still name by foreign key
 * (attachments, custom field values, time entries, chats, channel messages, a ticket merged into
 * it) is not retired: D1 enforces those keys, so its delete fails and it stays in main, served as
 * before. Any write of a retired ticket first brings it back (see `returnRetired`).
 */

/** Tickets of one year scanned per cron tick: the main database's primary key range, O(chunk). */
export const RETIRE_SCAN_PER_TICK = 500;
/** Tickets per queue message: ~10 D1 statements each across the two databases (one per mail row). */
export const RETIRE_CHUNK = 50;

/** Rows in main that name a ticket and would keep it from leaving (checked before the move; D1's foreign keys check the rest). */
const holdsRows = (id: string) =>
  sql`SELECT ${sql.join(
    [
      sql`EXISTS (SELECT 1 FROM ${attachments} WHERE ${attachments.ticketId} = ${id})`,
      sql`EXISTS (SELECT 1 FROM ${comments} WHERE ${comments.ticketId} = ${id})`,
      sql`EXISTS (SELECT 1 FROM ${ticketHistory} WHERE ${ticketHistory.ticketId} = ${id})`,
      sql`EXISTS (SELECT 1 FROM ${ticketFieldValues} WHERE ${ticketFieldValues.ticketId} = ${id})`,
      sql`EXISTS (SELECT 1 FROM "time_entries" WHERE "ticket_id" = ${id})`,
      sql`EXISTS (SELECT 1 FROM "chat_sessions" WHERE "ticket_id" = ${id})`,
      sql`EXISTS (SELECT 1 FROM "channel_threads" WHERE "ticket_id" = ${id})`,
    ],
    sql` OR `,
  )} AS "held"`;

// ---------------------------------------------------------------- the cron and the queue

export interface RetireTickReport {
  job: "retire";
  years: number[];
  queued: number;
  messages: number;
}

/**
 * The cron's part (every 5 minutes, with the archive): for each bound year that is over, the next
 * RETIRE_SCAN_PER_TICK ticket ids of that year in main after the year's position (kept in the year
 * database, `retire_position`), in chunks on the JOBS queue. When a scan finds nothing the position
 * goes back to the year's start: a pass over the year retries what could not move before.
 */
export async function runRetire(ctx: ServiceContext): Promise<RetireTickReport> {
  const current = ctx.now.getUTCFullYear();
  const messages: { body: RetireMessage }[] = [];
  const years: number[] = [];
  let queued = 0;
  for (const store of yearStores(ctx.env)) {
    if (store.year >= current) continue;
    const { loId, hiId } = yearBounds(store.year);
    const after = (await positionOf(store)) ?? loId;
    const ids = (
      await ctx.db
        .select({ id: tickets.id })
        .from(tickets)
        // While a rollup rebuild stages, only tickets its walk has passed: the rest would be copied
        // and dropped again by the delete's own check, every tick until staging ends.
        .where(and(gt(tickets.id, after), lt(tickets.id, hiId), countedByRebuild(tickets.id)))
        .orderBy(tickets.id)
        .limit(RETIRE_SCAN_PER_TICK)
    ).map((r) => r.id);
    if (!ids.length) {
      if (after !== loId) await setPosition(store, loId);
      continue;
    }
    years.push(store.year);
    queued += ids.length;
    for (let i = 0; i < ids.length; i += RETIRE_CHUNK) messages.push({ body: { kind: "retire", year: store.year, ids: ids.slice(i, i + RETIRE_CHUNK) } });
  }
  if (messages.length) await ctx.env.JOBS.sendBatch(messages);
  return { job: "retire", years, queued, messages: messages.length };
}

async function positionOf(store: YearStore): Promise<string | null> {
  const row = await store.db.run(sql`SELECT "after_id" FROM "retire_position" WHERE "k" = 1`);
  return ((row.results[0] as { after_id?: string } | undefined)?.after_id ?? null) || null;
}

const setPosition = (store: YearStore, afterId: string) =>
  store.db.run(sql`INSERT INTO "retire_position" ("k", "after_id") VALUES (1, ${afterId}) ON CONFLICT ("k") DO UPDATE SET "after_id" = excluded."after_id"`);

export type RetireOutcome = "retired" | "kept" | "gone";

/** The consumer's part: one chunk, ticket by ticket (each idempotent); the position moves past it at the end, so a retried message redoes it. */
export async function runRetireMessage(ctx: ServiceContext, message: RetireMessage) {
  const store = yearStore(ctx.env, message.year);
  const report = { retired: 0, kept: 0, gone: 0 };
  if (!store) return report; // the binding went away: nothing to move into
  for (const id of message.ids) report[await retireTicket(ctx, store, id)]++;
  const last = [...message.ids].sort().at(-1);
  const at = await positionOf(store);
  if (last && (!at || last > at)) await setPosition(store, last);
  console.log(JSON.stringify({ job: "retire", year: message.year, ...report }));
  return report;
}

// ---------------------------------------------------------------- one ticket, both ways

/**
 * Moves one ticket into its year's database, never losing nor duplicating it: the row is copied
 * (an upsert, so a rerun refreshes an earlier copy; its search entry by trigger), then deleted from
 * main in one batch guarded by its revision (main's search entry by trigger). A ticket changed meanwhile, or still named by rows in main, keeps its main row and
 * its copy goes; a run killed between the copy and the delete leaves both (main is read first, so
 * nothing shows twice there), and the message's redelivery finishes the move.
 */
export async function retireTicket(ctx: ServiceContext, store: YearStore, id: string): Promise<RetireOutcome> {
  const { lo, hi } = yearBounds(store.year);
  const [row] = await ctx.db.select().from(tickets).where(eq(tickets.id, id)).limit(1);
  if (!row) return "gone"; // moved already, or never here
  const eligible = row.archivedAt !== null && row.deletedAt === null && row.status === "closed" && row.createdAt >= lo && row.createdAt < hi;
  if (!eligible || (await held(ctx.db, id))) return keep(store, id);
  const satellites = await satelliteRows(ctx.db, id);
  await copyInto(store.db, row, satellites);
  try {
    await runBatch(ctx.db, [
      // Only the rows copied, by primary key: a mail row that came after the read still names the
      // ticket, so the ticket's delete fails on its foreign key and the ticket stays in main (kept).
      ...deleteCopied(ctx.db, satellites),
      ctx.db.delete(ticketTagIndex).where(and(eq(ticketTagIndex.createdAt, row.createdAt), eq(ticketTagIndex.ticketRowid, rowidOf(id)))),
      // A rollup rebuild staging tickets (reports.rebuild.ts) counts each once, in id order across the
      // databases: one its walk has not reached yet stays in main until it has (kept, moved on a later pass).
      ctx.db.delete(tickets).where(and(eq(tickets.id, id), eq(tickets.revision, row.revision), sql`${tickets.archivedAt} IS NOT NULL`, countedByRebuild(id))),
      batchStatement(ctx.db, abortUnlessChanged),
    ]);
  } catch (err) {
    const kind = classifyD1Error(err).kind;
    // Changed since the read or not yet counted by a rebuild (stale), or named by a row in main (foreign key): it stays in main.
    // Unless it is no longer in main at all: another run moved it meanwhile (a chunk delivered
    // twice), and the year copy is the ticket now; nothing is dropped.
    if (kind === "stale" || kind === "foreign_key") return (await hasTicket(ctx.db, id)) ? keep(store, id) : "gone";
    throw err;
  }
  // A bring-back that ran between the copy and the delete (returnRetired: insert into main, drop
  // from the year) took the copy away: the ticket is in neither database until it is copied again.
  if (!(await hasTicket(store.db, id))) await copyInto(store.db, row, satellites);
  return "retired";
}

/** Whether `db` (main or a year) holds the ticket row now. */
async function hasTicket(db: Database, id: string): Promise<boolean> {
  return (await db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, id)).limit(1)).length > 0;
}

async function held(db: Database, id: string): Promise<boolean> {
  const res = await db.run(holdsRows(id));
  return Number((res.results[0] as { held: number }).held) === 1;
}

/** The ticket stays in main: a copy an interrupted run left in the year database goes. */
async function keep(store: YearStore, id: string): Promise<"kept"> {
  await dropFrom(store.db, id);
  return "kept";
}

/**
 * Rows in main that name the ticket by foreign key and move with it, as they are (the year schema has
 * their tables, scripts/year-schema.mjs): a year-old closed ticket's mail is history. Privacy's
 * lookups by address reach them through returnRetiredOf.
 */
const SATELLITES = ["outbound_messages", "inbound_messages", "mail_message_ids", "ticket_participants"] as const;

async function satelliteRows(db: Database, id: string) {
  const out: { table: string; rows: Record<string, unknown>[] }[] = [];
  for (const table of SATELLITES) out.push({ table, rows: (await db.run(sql`SELECT * FROM ${sql.identifier(table)} WHERE "ticket_id" = ${id}`)).results as Record<string, unknown>[] });
  return out;
}

/** One INSERT per row (a mail row has ~20 columns: inside D1's 100 bound parameters). */
const insertRows = (db: Database, sets: { table: string; rows: Record<string, unknown>[] }[], ignore: boolean) =>
  sets.flatMap(({ table, rows }) =>
    rows.map((r) => {
      const cols = Object.keys(r);
      return batchStatement(
        db,
        sql`INSERT ${sql.raw(ignore ? "OR IGNORE " : "")}INTO ${sql.identifier(table)} (${sql.join(cols.map((c) => sql.identifier(c)), sql`, `)}) VALUES (${sql.join(cols.map((c) => sql`${r[c]}`), sql`, `)})`,
      );
    }),
  );
/** Each satellite table's primary key (migrations/0000_init.sql). */
const SATELLITE_KEYS: Record<(typeof SATELLITES)[number], readonly string[]> = {
  outbound_messages: ["id"],
  inbound_messages: ["id"],
  mail_message_ids: ["message_id"],
  ticket_participants: ["ticket_id", "email"],
};
const deleteCopied = (db: Database, sets: { table: string; rows: Record<string, unknown>[] }[]) =>
  sets.flatMap(({ table, rows }) =>
    rows.map((r) =>
      batchStatement(
        db,
        sql`DELETE FROM ${sql.identifier(table)} WHERE ${sql.join(
          SATELLITE_KEYS[table as (typeof SATELLITES)[number]].map((k) => sql`${sql.identifier(k)} = ${r[k]}`),
          sql` AND `,
        )}`,
      ),
    ),
  );
const deleteSatellites = (db: Database, id: string) => SATELLITES.map((table) => batchStatement(db, sql`DELETE FROM ${sql.identifier(table)} WHERE "ticket_id" = ${id}`));

// An upsert's SET from the row it tried to insert: the values are bound once (D1: 100 parameters a statement; a ticket row has ~60).
const FROM_EXCLUDED = Object.fromEntries(
  Object.entries(getTableColumns(tickets))
    .filter(([key]) => key !== "id")
    .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
);

const rowidOf = (id: string) => sql`(SELECT rowid FROM ${tickets} WHERE ${tickets.id} = ${id})`;

/** The row's tag-index entries in `db`, keyed to its rowid there (rowids are per database). */
const tagIndexInsert = (db: Database, row: TicketRow) =>
  row.tags.length ? [db.insert(ticketTagIndex).values(row.tags.map((tag) => ({ tag, createdAt: row.createdAt, ticketRowid: rowidOf(row.id) }))).onConflictDoNothing()] : [];

/** The row, its tag-index entries and its satellites into a year's `db` (idempotent: the row is upserted, the rest rewritten). */
async function copyInto(db: Database, row: TicketRow, satellites: { table: string; rows: Record<string, unknown>[] }[]) {
  await runBatch(db, [
    ...deleteSatellites(db, row.id),
    ...insertRows(db, satellites, false),
    db.insert(tickets).values(row).onConflictDoUpdate({ target: tickets.id, set: FROM_EXCLUDED }),
    db.delete(ticketTagIndex).where(eq(ticketTagIndex.ticketRowid, rowidOf(row.id))),
    ...tagIndexInsert(db, row),
  ]);
}

const dropFrom = (db: Database, id: string) =>
  runBatch(db, [...deleteSatellites(db, id), db.delete(ticketTagIndex).where(eq(ticketTagIndex.ticketRowid, rowidOf(id))), db.delete(tickets).where(eq(tickets.id, id))]);

/** Bounds a chain of merged tickets brought back together (each names the next by foreign key). */
const MAX_RETURN_DEPTH = 8;

/**
 * Brings a retired ticket back into main (what any write of it does first, so the one ticket write
 * only ever writes main): inserted into main (its search entry comes by trigger), then deleted from
 * its year (the year's entry goes by trigger). False when its year database does not hold it.
 */
export async function returnRetired(ctx: ServiceContext, ref: string, options: { dropLeftover?: boolean } = {}, depth = 0): Promise<boolean> {
  const store = storeOfTicketRef(ctx.env, ref);
  if (!store) return false;
  const [row] = await store.db
    .select()
    .from(tickets)
    .where(ref.startsWith("TICK-") ? eq(tickets.number, ref) : eq(tickets.id, ref))
    .limit(1);
  if (!row) return false;
  // A merged ticket names its target by foreign key: the target comes back first if it was retired too.
  if (row.mergedIntoId && depth < MAX_RETURN_DEPTH) await returnRetired(ctx, row.mergedIntoId, options, depth + 1);
  const cleared = await withoutDeletedTeam(ctx, row);
  const insert = cleared === row ? ctx.db.insert(tickets).values(row).onConflictDoNothing({ target: tickets.id }) : ctx.db.insert(tickets).values(cleared);
  try {
    await runBatch(ctx.db, [
      insert,
      ...tagIndexInsert(ctx.db, row),
      ...insertRows(ctx.db, await satelliteRows(store.db, row.id), true),
      ...(cleared === row ? [] : teamClearedRows(ctx, row, cleared)),
    ]);
  } catch (err) {
    const kind = classifyD1Error(err).kind;
    // Clearing the team, main held the ticket already (its plain insert refused: the figures moved
    // once, by whoever put it there); as for the plain insert that found it, the year copy stays.
    // Erasure drops the copy all the same (below).
    if (cleared !== row && kind === "unique") {
      if (options.dropLeftover) await dropFrom(store.db, row.id);
      return true;
    }
    // The team went between the look and the batch: the next look clears it.
    if (kind === "foreign_key" && depth < MAX_RETURN_DEPTH) return returnRetired(ctx, ref, options, depth + 1);
    throw err;
  }
  // The year copy goes only if this insert put the ticket into main. If main held it already, the
  // copy is a retire's in flight (copied, not yet deleted from main): dropping it would leave the
  // ticket in neither database once that retire deletes it from main (a read would 404 and a
  // rollup rebuild walking the year would miss it); that retire finishes or keeps it in main.
  // Privacy (`returnRetiredOf`) drops it anyway: nothing of an erased person may stay in a year.
  if (cleared === row && rowsWritten(insert) === 0 && !options.dropLeftover) return hasTicket(ctx.db, row.id);
  // Nor once a retire run moved it out again meanwhile.
  if (!(await hasTicket(ctx.db, row.id))) return false;
  await dropFrom(store.db, row.id);
  return true;
}

/**
 * A retired ticket whose team is gone (deleted before deleteTeam looked into the year databases, or
 * while this ticket was retiring: teams.service.ts) cannot come back as it is: main's foreign key
 * refuses the team. It comes back without one, a system change (see {@link teamClearedRows}).
 */
async function withoutDeletedTeam(ctx: ServiceContext, row: TicketRow): Promise<TicketRow> {
  if (!row.teamId) return row;
  const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, row.teamId)).limit(1);
  return team ? row : { ...row, teamId: null, version: row.version + 1, updatedAt: ctx.now.toISOString() };
}

/**
 * The clearing of a deleted team, in the bring-back's batch, as the one ticket write records a
 * change by the system: a history entry with no actor that moves the version, and the rollups'
 * move of the ticket's figures off the team (exact during a rebuild too: rollupWrites). The row's
 * revision stays: it names the ticket's archive document (features/archive), which the next write
 * restores. The entry is in D1 beside an archived ticket's document until then: the restore adds
 * the document's entries to it.
 */
function teamClearedRows(ctx: ServiceContext, before: TicketRow, after: TicketRow) {
  return [
    ctx.db.insert(ticketHistory).values({
      id: newId(ctx.now.getTime()),
      ticketId: after.id,
      type: "updated",
      actorId: null,
      at: ctx.now.toISOString(),
      version: after.version,
      changes: { team_id: [before.teamId, null], reason: "team_deleted" },
      bumpsVersion: true,
      internal: true,
    }),
    ...rollupWrites(ctx.db, before, after),
  ];
}

/**
 * Brings back every retired ticket a person requested or wrote in (their export and erasure read
 * and rewrite main, features/privacy): their requests through each year's requester index, their
 * words through `ticket_archive_authors`, which stays in main.
 */
export async function returnRetiredOf(ctx: ServiceContext, userId: string, written: readonly string[]): Promise<number> {
  let n = 0;
  const years = yearStores(ctx.env);
  if (!years.length) return 0;
  const [who] = await ctx.db.select({ email: users.email }).from(users).where(eq(users.id, userId)).limit(1);
  for (const store of years) {
    const requested = await store.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.requesterId, userId));
    // Mail to or from their address, and tickets they follow (erasure rewrites those rows by address).
    const mailed = who
      ? ((
          await store.db.run(
            sql`SELECT "ticket_id" AS "id" FROM "outbound_messages" WHERE "to_address" = ${who.email} UNION SELECT "ticket_id" FROM "inbound_messages" WHERE "from_address" = ${who.email} UNION SELECT "ticket_id" FROM "ticket_participants" WHERE "email" = ${who.email}`,
          )
        ).results as { id: string }[])
      : [];
    const mine = written.filter((id) => storeOfTicketRef(ctx.env, id)?.year === store.year);
    const held = await selectIn(mine, (slice) => store.db.select({ id: tickets.id }).from(tickets).where(inArray(tickets.id, slice)));
    for (const id of new Set([...requested, ...held, ...mailed].map((r) => r.id))) if (await returnRetired(ctx, id, { dropLeftover: true })) n++;
  }
  return n;
}
