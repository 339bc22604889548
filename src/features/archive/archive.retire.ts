import { and, eq, getTableColumns, gt, inArray, lt, sql, type SQL } from "drizzle-orm";
import { batchStatement, runBatch, selectIn, type Database } from "../../db/client";
import { abortUnlessChanged, classifyD1Error } from "../../db/errors";
import { attachments, comments, teams, ticketFieldValues, ticketHistory, tickets, ticketTagIndex, users } from "../../db/schema";
import { storeOfTicketRef, yearBounds, yearStore, yearStores, type YearStore } from "../../db/ticket-stores";
import type { RetireMessage } from "../../jobs/job-messages";
import type { ServiceContext } from "../../lib/request-context";
import { newId } from "../../lib/ids";
import { countedByRebuild } from "../reports/reports.rebuild";
import { dropArchives, restoreRows } from "./archive.document";
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
/** Tickets per queue message: 3 D1 round trips each across the two databases (batches of ~10 statements: one per mail row). */
export const RETIRE_CHUNK = 50;

/** Rows in main that name a ticket and would keep it from leaving (checked before the move; D1's foreign keys check the rest). */
const holdsRows = (id: string) =>
  sql`(${sql.join(
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
  )})`;

/**
 * A ticket of the year [lo, hi) that may leave main: archived (its stub row), closed, not deleted.
 * Whatever the guarded delete then finds changed keeps it in main.
 */
const eligibleToRetire = (id: string, lo: string, hi: string) =>
  sql`EXISTS (SELECT 1 FROM ${tickets} WHERE ${tickets.id} = ${id} AND ${tickets.archivedAt} IS NOT NULL AND ${tickets.deletedAt} IS NULL AND ${tickets.status} = 'closed' AND ${tickets.createdAt} >= ${lo} AND ${tickets.createdAt} < ${hi})`;

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
 * A state of a ticket's row: every write moves the revision, every bring-back `returned` (it keeps
 * the revision, which names the archive document), so states compare as (returned, revision) and
 * main's row only ever moves forward. A year copy is a state main's row had.
 */
type RowState = Pick<TicketRow, "returned" | "revision">;

/** The row `id` of a year database is at a state older than `than` (a copy main's row has moved past). */
const olderThan = (id: string, than: RowState) =>
  sql`EXISTS (SELECT 1 FROM ${tickets} WHERE ${tickets.id} = ${id} AND (${tickets.returned} < ${than.returned} OR (${tickets.returned} = ${than.returned} AND ${tickets.revision} < ${than.revision})))`;
/** The row `id` of a year database is at exactly this state: the copy this run wrote (or an equal one). */
const atState = (row: TicketRow) => sql`EXISTS (SELECT 1 FROM ${tickets} WHERE ${tickets.id} = ${row.id} AND ${tickets.returned} = ${row.returned} AND ${tickets.revision} = ${row.revision})`;

/**
 * Moves one ticket into its year's database, never losing nor duplicating it: the row is copied
 * (an upsert that never replaces a newer copy; its search entry by trigger), then deleted from main
 * in one batch guarded by the state it read (main's search entry by trigger). A ticket changed or
 * brought back meanwhile, or still named by rows in main, keeps its main row and a copy older than
 * main's row goes; a run killed between the copy and the delete leaves both (main is read first,
 * so nothing shows twice there), and the message's redelivery finishes the move.
 *
 * Why nothing is lost whatever runs in between (two runs of one ticket, a bring-back, writes): a
 * year copy is only ever replaced by a newer or equal state (copyInto), and only ever dropped when
 * it is older than a state main's row had at or after the moment the dropper looked (keep,
 * returnRetired; a fence moves main's row on first, and only while main holds it). A delete from
 * main at state s succeeds only while main's row is at s, after the run put a copy ≥ s in the year;
 * that copy can only be dropped by one who saw main's row past s, which cannot happen once main
 * deleted it at s. So from the delete on, the year holds exactly s. Two runs A and B (steps: read,
 * copy, delete, keep), a bring-back X; "before" is what this file did until the states were ordered:
 *
 * | A read r, B read r' > r (changed between) | before                          | now                                   |
 * | ----------------------------------------- | ------------------------------- | ------------------------------------- |
 * | A copy, B copy, B delete, A delete        | A: main empty, "gone"           | the same; the year holds r'           |
 * | A copy, B copy, A delete (stale), A keep, B delete | A dropped B's copy: in neither | A drops < r' only (no fence after a change): B's stays |
 * | B copy, B delete, A copy                  | r overwrites r': change lost    | A's upsert refuses the older state     |
 * | A copy, A delete (stale), A keep, B copy, B delete | A dropped r; the year holds r' | the same                         |
 * | A and B read s (a chunk delivered twice)  |                                 |                                       |
 * | A copy, B copy, A delete, B delete        | B: "gone"                       | the same                              |
 * | A copy, B copy, A delete refused (rebuild, foreign key), A keep, B delete | A dropped s, B deleted: in neither | A fences (main s → s+), drops s; B's delete refused, kept |
 * | A copy, A delete, X (main r, returned +1, drops s), B copy, B delete | B deleted main's row: in neither (B re-copied; a consumer dying between, lost) | B's delete requires `returned`: refused, kept in main |
 * | A copy, X (main holds s: a retire in flight), A delete | X left the copy, A moved it | X fences and drops s; A refused, kept for X's write |
 */
export async function retireTicket(ctx: ServiceContext, store: YearStore, id: string): Promise<RetireOutcome> {
  const { lo, hi } = yearBounds(store.year);
  // The row, whether it may leave, what holds it in main and its mail rows: one round trip, one
  // snapshot (a chunk's tickets move one by one, so round trips per ticket are the retire's
  // throughput). The mail rows are read only for a ticket that may leave: the condition is in each
  // of their selects (a constant for SQLite, evaluated once before the walk), so a ticket still open
  // costs its row and the checks, not its mail.
  const eligible = eligibleToRetire(id, lo, hi);
  const [found, checks, ...mail] = await runBatch(ctx.db, [
    ctx.db.select().from(tickets).where(eq(tickets.id, id)).limit(1),
    batchStatement(ctx.db, sql`SELECT ${eligible} AS "eligible", ${holdsRows(id)} AS "held"`),
    ...satelliteReads(ctx.db, id, eligible),
  ]);
  const row = (found as TicketRow[])[0];
  if (!row) return "gone"; // moved already, or never here
  const { eligible: mayLeave, held } = (checks as D1Result<{ eligible: number; held: number }>).results[0]!;
  if (Number(mayLeave) !== 1 || Number(held) === 1) return keep(ctx.db, store, id, row);
  const satellites = satellitesOf(mail);
  await copyInto(store.db, row, satellites);
  try {
    await runBatch(ctx.db, [
      // Only the rows copied, by primary key: a mail row that came after the read still names the
      // ticket, so the ticket's delete fails on its foreign key and the ticket stays in main (kept).
      ...deleteCopied(ctx.db, satellites),
      ctx.db.delete(ticketTagIndex).where(and(eq(ticketTagIndex.createdAt, row.createdAt), eq(ticketTagIndex.ticketRowid, rowidOf(id)))),
      // A rollup rebuild staging tickets (reports.rebuild.ts) counts each once, in id order across the
      // databases: one its walk has not reached yet stays in main until it has (kept, moved on a later pass).
      // The state read, `returned` included: a row that left and came back meanwhile is at the same revision.
      ctx.db
        .delete(tickets)
        .where(and(eq(tickets.id, id), eq(tickets.revision, row.revision), eq(tickets.returned, row.returned), sql`${tickets.archivedAt} IS NOT NULL`, countedByRebuild(id))),
      batchStatement(ctx.db, abortUnlessChanged),
    ]);
  } catch (err) {
    const kind = classifyD1Error(err).kind;
    // Changed since the read or not yet counted by a rebuild (stale), or named by a row in main
    // (foreign key): it stays in main, and a copy older than main's row now goes. Unless it is no
    // longer in main at all: another run moved it meanwhile, and the year copy is the ticket now.
    if (kind === "stale" || kind === "foreign_key") {
      const now = await stateIn(ctx.db, id);
      // Its own copy (main's row unchanged: a foreign key or a rebuild refused the delete) is fenced
      // and goes; after a change, a copy at main's new state is a later run's.
      return now ? keep(ctx.db, store, id, now, compareStates(now, row) === 0) : "gone";
    }
    throw err;
  }
  return "retired";
}

/** The state of main's (or a year's) row now, or null when `db` does not hold the ticket. */
async function stateIn(db: Database, id: string): Promise<RowState | null> {
  const [row] = await db.select({ returned: tickets.returned, revision: tickets.revision }).from(tickets).where(eq(tickets.id, id)).limit(1);
  return row ?? null;
}

/** <0, 0, >0 as `a` is an older, the same or a newer state of the row than `b`. */
const compareStates = (a: RowState, b: RowState) => a.returned - b.returned || a.revision - b.revision;

/**
 * The ticket stays in main (at state `main`, read from main): its year copy goes if it is older.
 * A newer copy is a newer run's: it stays. A copy at main's state is `fence`d: it may be another
 * run's, between its copy and its delete, so main's row first moves to a new state (`returned`;
 * the revision names the archive document), which refuses such a run's delete, and then the copy
 * is older. Not fenced (the retire whose delete was refused because main's row moved on): a copy at
 * main's new state is a later run's, which finishes (or, interrupted, the next pass does).
 */
async function keep(db: Database, store: YearStore, id: string, main: RowState, fence = true): Promise<RetireOutcome> {
  const copy = await stateIn(store.db, id);
  if (!copy || compareStates(copy, main) > 0 || (!fence && compareStates(copy, main) === 0)) return "kept";
  let now: RowState | null = main;
  if (compareStates(copy, main) === 0) {
    await db.update(tickets).set({ returned: sql`${tickets.returned} + 1` }).where(and(eq(tickets.id, id), eq(tickets.returned, main.returned), eq(tickets.revision, main.revision)));
    // Not in main any more: a run of this state deleted it first, and its copy is the ticket.
    if (!(now = await stateIn(db, id))) return "gone";
  }
  await dropOlder(store.db, id, now);
  return "kept";
}

/**
 * Rows in main that name the ticket by foreign key and move with it, as they are (the year schema has
 * their tables, scripts/year-schema.mjs): a year-old closed ticket's mail is history. Privacy's
 * lookups by address reach them through returnRetiredOf.
 */
const SATELLITES = ["outbound_messages", "inbound_messages", "mail_message_ids", "ticket_participants"] as const;

type SatelliteRows = { table: string; rows: Record<string, unknown>[] }[];
/** `when`: read them only while it holds (the retire: the ticket may leave). */
const satelliteReads = (db: Database, id: string, when: SQL = sql`1`) =>
  SATELLITES.map((table) => batchStatement(db, sql`SELECT * FROM ${sql.identifier(table)} WHERE "ticket_id" = ${id} AND ${when}`));
const satellitesOf = (results: readonly unknown[]): SatelliteRows => SATELLITES.map((table, i) => ({ table, rows: (results[i] as D1Result<Record<string, unknown>>).results }));
/** The ticket's rows of each satellite table in `db`: one batch (one round trip, one snapshot). */
const satelliteRows = async (db: Database, id: string) => satellitesOf(await runBatch(db, satelliteReads(db, id)));

/** One INSERT per row (a mail row has ~20 columns: inside D1's 100 bound parameters), only `when` it holds. */
const insertRows = (db: Database, sets: SatelliteRows, ignore: boolean, when: SQL = sql`1`) =>
  sets.flatMap(({ table, rows }) =>
    rows.map((r) => {
      const cols = Object.keys(r);
      return batchStatement(
        db,
        sql`INSERT ${sql.raw(ignore ? "OR IGNORE " : "")}INTO ${sql.identifier(table)} (${sql.join(cols.map((c) => sql.identifier(c)), sql`, `)}) SELECT ${sql.join(cols.map((c) => sql`${r[c]}`), sql`, `)} WHERE ${when}`,
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
const deleteCopied = (db: Database, sets: SatelliteRows) =>
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
const deleteSatellites = (db: Database, id: string, when: SQL) =>
  SATELLITES.map((table) => batchStatement(db, sql`DELETE FROM ${sql.identifier(table)} WHERE "ticket_id" = ${id} AND ${when}`));

// An upsert's SET from the row it tried to insert: the values are bound once (D1: 100 parameters a statement; a ticket row has ~60).
const FROM_EXCLUDED = Object.fromEntries(
  Object.entries(getTableColumns(tickets))
    .filter(([key]) => key !== "id")
    .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
);

const rowidOf = (id: string) => sql`(SELECT rowid FROM ${tickets} WHERE ${tickets.id} = ${id})`;

/**
 * The row's tag-index entries in `db`, keyed to its rowid there (rowids are per database), if `db`'s
 * row is at the row's state: a copy or a bring-back that found a newer row there adds nothing.
 */
const tagIndexInsert = (db: Database, row: TicketRow) =>
  row.tags.length
    ? [
        batchStatement(
          db,
          sql`INSERT INTO ${ticketTagIndex} ("tag", "created_at", "ticket_rowid") SELECT j.value, ${row.createdAt}, t.rowid FROM json_each(${JSON.stringify(row.tags)}) j, ${tickets} t WHERE t."id" = ${row.id} AND t."returned" = ${row.returned} AND t."revision" = ${row.revision} ON CONFLICT DO NOTHING`,
        ),
      ]
    : [];

/**
 * The row, its tag-index entries and its satellites into a year's `db`, unless the year holds a
 * newer state of it (a run that read the ticket before it was changed and retired again must not
 * put its older row back): the row is upserted only over an older or equal state, and its tag
 * index and satellites are rewritten only if the year's row is then this one (idempotent).
 */
async function copyInto(db: Database, row: TicketRow, satellites: SatelliteRows) {
  const mine = atState(row);
  await runBatch(db, [
    db
      .insert(tickets)
      .values(row)
      .onConflictDoUpdate({
        target: tickets.id,
        set: FROM_EXCLUDED,
        setWhere: sql`excluded."returned" > ${tickets.returned} OR (excluded."returned" = ${tickets.returned} AND excluded."revision" >= ${tickets.revision})`,
      }),
    ...deleteSatellites(db, row.id, mine),
    ...insertRows(db, satellites, false, mine),
    db.delete(ticketTagIndex).where(and(eq(ticketTagIndex.ticketRowid, rowidOf(row.id)), mine)),
    ...tagIndexInsert(db, row),
  ]);
}

/** The year copy of `id` with its tag index and satellites, if it is older than `than` (see retireTicket: the one safe drop). */
function dropOlder(db: Database, id: string, than: RowState) {
  const older = olderThan(id, than);
  return runBatch(db, [
    ...deleteSatellites(db, id, older),
    db.delete(ticketTagIndex).where(and(eq(ticketTagIndex.ticketRowid, rowidOf(id)), older)),
    db.delete(tickets).where(and(eq(tickets.id, id), older)),
  ]);
}

/** Bounds a chain of merged tickets brought back together (each names the next by foreign key). */
const MAX_RETURN_DEPTH = 8;

/**
 * Brings a retired ticket back into main (what any write of it does first, so the one ticket write
 * only ever writes main): inserted into main (its search entry comes by trigger), then deleted from
 * its year (the year's entry goes by trigger). False when its year database does not hold it.
 */
export async function returnRetired(ctx: ServiceContext, ref: string, depth = 0): Promise<boolean> {
  const store = storeOfTicketRef(ctx.env, ref);
  if (!store) return false;
  const [row] = await store.db
    .select()
    .from(tickets)
    .where(ref.startsWith("TICK-") ? eq(tickets.number, ref) : eq(tickets.id, ref))
    .limit(1);
  if (!row) return false;
  // A merged ticket names its target by foreign key: the target comes back first if it was retired too.
  if (row.mergedIntoId && depth < MAX_RETURN_DEPTH) await returnRetired(ctx, row.mergedIntoId, depth + 1);
  const cleared = await withoutDeletedTeam(ctx, row);
  // Back at a new state (`returned` moves, the revision names the archive document): a retire that
  // read the row before it left now finds it changed, and the copy read here is older than main's.
  const back = { ...cleared, returned: row.returned + 1 };
  const insert = cleared === row ? ctx.db.insert(tickets).values(back).onConflictDoNothing({ target: tickets.id }) : ctx.db.insert(tickets).values(back);
  let restored = false;
  // Main holding the ticket already keeps its own tags and mail rows (a leftover copy's may be rows
  // main has since removed without a new state); otherwise they come only beside this insert's row.
  const fresh = !(await stateIn(ctx.db, row.id));
  try {
    await runBatch(ctx.db, [
      insert,
      ...(fresh ? [...tagIndexInsert(ctx.db, back), ...insertRows(ctx.db, await satelliteRows(store.db, row.id), true, atState(back))] : []),
      ...(cleared === row ? [] : [...(row.archivedAt ? await restoreRows(ctx, row) : []), ...teamClearedRows(ctx, row, back)]),
    ]);
    restored = cleared !== row && !!row.archivedAt;
  } catch (err) {
    const kind = classifyD1Error(err).kind;
    // The team went between the look and the batch: the next look clears it.
    if (kind === "foreign_key" && depth < MAX_RETURN_DEPTH) return returnRetired(ctx, ref, depth + 1);
    // Clearing the team, main held the ticket already (its plain insert refused: the figures moved
    // once, by whoever put it there): as for the plain insert that found it, below.
    if (!(cleared !== row && kind === "unique")) throw err;
  }
  // The year copy goes as a kept ticket's does: this insert's row is newer than the copy read; if
  // main held the ticket already, a copy at its state is a retire's in flight (copied, not yet
  // deleted from main), whose delete main's new state then refuses: the ticket stays in main for
  // the write that brought it back, and never is in neither database (a read would 404, a rollup
  // rebuild walking the year would miss it).
  const now = await stateIn(ctx.db, row.id);
  if (!now) return false; // a retire run moved it out again meanwhile: it is in the year
  const kept = (await keep(ctx.db, store, row.id, now)) !== "gone";
  if (restored) await dropArchives(ctx, row.id); // as the one ticket write does once its restore committed
  return kept;
}

/**
 * A retired ticket whose team is gone (deleted before deleteTeam looked into the year databases, or
 * while this ticket was retiring: teams.service.ts) cannot come back as it is: main's foreign key
 * refuses the team. It comes back without one, a system change (see {@link teamClearedRows}).
 */
async function withoutDeletedTeam(ctx: ServiceContext, row: TicketRow): Promise<TicketRow> {
  if (!row.teamId) return row;
  const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, row.teamId)).limit(1);
  if (team) return row;
  // A write, so it restores an archived ticket as the one ticket write does (its comments and history
  // back in D1, the document dropped after): left archived, the clearing's history entry would sit in
  // D1 beside the document, and that entry keeps a ticket from retiring (held) while the archive
  // passes over an archived ticket: in main until some write came.
  const restore = row.archivedAt ? { archivedAt: null, revision: row.revision + 1 } : {};
  return { ...row, teamId: null, version: row.version + 1, updatedAt: ctx.now.toISOString(), ...restore };
}

/**
 * The clearing of a deleted team, in the bring-back's batch, as the one ticket write records a
 * change by the system: a history entry with no actor that moves the version, and the rollups'
 * move of the ticket's figures off the team (exact during a rebuild too: rollupWrites). An archived
 * ticket is restored in the same batch (withoutDeletedTeam), so the entry joins its history in D1
 * and the archive folds it into the next document.
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
 * words through `ticket_archive_authors`, which stays in main. The ids brought back: the caller
 * restores them (restoreArchivedOf), which also brings back one a retire moved out again meanwhile.
 */
export async function returnRetiredOf(ctx: ServiceContext, userId: string, written: readonly string[]): Promise<string[]> {
  const back: string[] = [];
  const years = yearStores(ctx.env);
  if (!years.length) return back;
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
    for (const id of new Set([...requested, ...held, ...mailed].map((r) => r.id))) if (await returnRetired(ctx, id)) back.push(id);
  }
  return back;
}
