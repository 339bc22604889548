import { eq as equals, getTableColumns, sql, type SQL } from "drizzle-orm";
import { tickets, users } from "../../db/schema";
import { fieldToken, searchWords } from "../../domain/search-query";
import { PRIORITY_RANK } from "../../domain/vocabulary";
import { batchStatement, D1_MAX_PARAMS, runBatch, type BatchItem, type Database } from "../../db/client";
import { classifyD1Error } from "../../db/errors";
import { heldInMain, yearBounds, yearStores } from "../../db/ticket-stores";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { FIELD_FILTER_PREFIX, parseCustomStatusFilter, parseFieldFilters, statusCatalog, type FieldFilter } from "../fields/fields.service";
import { fieldFacetsReady, ticketDocsAfter, ticketFacetMatch, ticketOfDoc, ticketTextPlan } from "../search/search.fts";
import { MAX_COMPOUND_ARMS, MAX_WALKS, planList, SORT_KEYS, type Bindings, type IndexColumn, type KeyColumnName } from "./ticket-list-plan";
import { customerScope } from "./ticket-scope";
import { ticketView } from "./ticket-view";
import { hasRequestCatalog, sawCatalogVersion, versionOf, versionReadItem } from "../fields/kept-catalog";
import { keepRequesters, keptRequesters, requesterVersionItem, requesterVersionOf, requesterVersionRide, type VersionRide } from "./kept-requesters";
import { TicketListQuery, type TicketSort } from "./tickets.schemas";
import { requesterColumns, toTicket, type Requester, type TicketRow } from "./tickets.serialize";

/**
 * `GET /tickets`: every filter and sort of API.md reads O(page) rows. ticket-list-plan.ts chooses
 * the index walks; here they run and merge in sort order by their keys (the sort columns, then
 * the rowid). A walk whose index does not hold every filter checks the rest on each row, and the
 * request stops after a scan budget: it returns what it found and a cursor that goes on from where
 * it stopped (a short page, only for combinations no index serves, or a text filter that is
 * neither rare nor common).
 */

/**
 * Rows (as D1 counts them, the checks' own lookups included) a request may read when filters are
 * checked row by row; then the page may be short, with a cursor that goes on: O(page) even for a
 * filter one row in a million passes. Four times the 100-row page goal, so a second custom field
 * filter passing a third of the first's tickets still fills its page (test/fields/filter.test.ts).
 */
export const scanBudget = (limit: number) => Math.max(400, 16 * limit);

type Key = (string | number)[];
interface Row {
  row: TicketRow;
  rowid: number;
  /** The row passed the filters checked per row. */
  match: boolean;
}

const COLUMN: Record<KeyColumnName, SQL> = {
  status: sql`"tickets"."status"`,
  custom_status: sql`"tickets"."custom_status"`,
  assignee_id: sql`"tickets"."assignee_id"`,
  team_id: sql`"tickets"."team_id"`,
  requester_id: sql`"tickets"."requester_id"`,
  category: sql`"tickets"."category"`,
  channel: sql`"tickets"."channel"`,
  priority_rank: sql`"tickets"."priority_rank"`,
  created_at: sql`"tickets"."created_at"`,
  updated_at: sql`"tickets"."updated_at"`,
  sla_next_due_at: sql`"tickets"."sla_next_due_at"`,
};
const ROWID = sql`"tickets".rowid`;

const FIELD: Partial<Record<KeyColumnName, (r: TicketRow) => string | number>> = {
  created_at: (r) => r.createdAt,
  updated_at: (r) => r.updatedAt,
  priority_rank: (r) => r.priorityRank,
  sla_next_due_at: (r) => r.slaNextDueAt,
};
const keyOf = (sort: TicketSort, { row, rowid }: Row): Key => [...SORT_KEYS[sort].map((c) => FIELD[c.name]!(row)), rowid];

/** Orders keys as the sort does (negative: `a` first); the rowid follows the last key's direction. */
function compareKeys(cols: readonly IndexColumn[], a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const dir = cols[Math.min(i, cols.length - 1)]!.dir;
    return (dir === "asc") === a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/**
 * The rows after `key` among those whose leading sort keys are fixed (`fixed` of them, a walk's
 * bound keys). When the other keys run one way (every index walk: see ticket-list-plan.ts), a row
 * value, which SQLite seeks to on the index's own columns (a first key shared by many rows, such as
 * the NO_DUE of every stopped clock, is not rescanned), not on the rowid that ends the key: a tie of
 * the others is (see {@link afterTie}); a set sorted by SQLite may mix directions.
 * `exprs`: the columns holding the keys (the tag and field indexes hold copies of them).
 */
function after(cols: readonly IndexColumn[], key: Key, exprs: SQL[], fixed: number): SQL {
  const open = [...cols.slice(fixed).map((c) => c.dir), cols.at(-1)!.dir];
  const e = exprs.slice(fixed);
  const v = key.slice(fixed);
  if (open.every((d) => d === open[0])) {
    const values = sql.join(v.map((x) => sql`${x}`), sql`, `);
    return sql`(${sql.join(e, sql`, `)}) ${sql.raw(open[0] === "asc" ? ">" : "<")} (${values})`;
  }
  const beyond = (i: number) => (open[i] === "asc" ? sql`${e[i]} > ${v[i]}` : sql`${e[i]} < ${v[i]}`);
  const clauses = e.map((_, i) => sql.join([...e.slice(0, i).map((x, j) => sql`${x} = ${v[j]}`), beyond(i)], sql` AND `));
  return sql`(${sql.join(clauses.map((c) => sql`(${c})`), sql` OR `)})`;
}

/**
 * After a key whose last value is a rowid, as two conditions each an index seeks on: the rest of the
 * key's tie (its other values equal, the rowid beyond) and what lies beyond the tie. SQLite seeks a
 * row value on an index's own columns only, never on the rowid at its end: `(updated_at, rowid) <
 * (?, ?)` seeks `updated_at <= ?` and reads the tie's rows already handed over again, row by row
 * (1,000,000 tickets: a bulk change or a sweep stamps hundreds with one updated_at; "Pending" + a word
 * read 27 + 63 + 82 + 86 + 90 rows in five rounds for 25 matches within the first 88). Only for keys
 * of that shape ({@link splitsTies}; mixed directions keep {@link after}'s OR terms).
 */
function afterTie(cols: readonly IndexColumn[], key: Key, exprs: SQL[], fixed: number): { tie: SQL; beyond: SQL } {
  const e = exprs.slice(fixed, -1);
  const v = key.slice(fixed);
  const op = sql.raw(cols.at(-1)!.dir === "asc" ? ">" : "<");
  const beyond = e.length === 1 ? sql`${e[0]} ${op} ${v[0]}` : sql`(${sql.join(e, sql`, `)}) ${op} (${sql.join(v.slice(0, -1).map((x) => sql`${x}`), sql`, `)})`;
  return { tie: sql`${all(e.map((x, i) => sql`${x} = ${v[i]}`))} AND ${ROWID} ${op} ${v.at(-1)}`, beyond };
}
/** Whether a walk after a key reads two arms ({@link afterTie}): its keys end with the ticket's rowid, all one direction. */
const splitsTies = (cols: readonly IndexColumn[], exprs: SQL[], fixed: number) =>
  exprs.at(-1) === ROWID && exprs.length - fixed >= 2 && cols.slice(fixed).every((c) => c.dir === cols.at(-1)!.dir);

/** A compound's ORDER BY: the open sort keys and the rowid (in the last key's direction), as each arm names them (`__k0…`). */
const armOrder = (open: readonly IndexColumn[]) =>
  sql.join(
    [...open, open.at(-1)!].map((c, i) => sql`${sql.identifier(`__k${i}`)} ${sql.raw(c.dir)}`),
    sql`, `,
  );

const orderBy = (cols: readonly IndexColumn[], exprs: SQL[]) =>
  sql.join(
    exprs.map((e, i) => sql`${e} ${sql.raw(cols[Math.min(i, cols.length - 1)]!.dir)}`),
    sql`, `,
  );

const eq = (column: KeyColumnName, value: string | number | null) => (value === null ? sql`${COLUMN[column]} IS NULL` : sql`${COLUMN[column]} = ${value}`);
function oneOf(column: KeyColumnName, values: readonly (string | number | null)[]): SQL {
  const present = values.filter((v): v is string | number => v !== null);
  const parts = [
    ...(present.length ? [sql`${COLUMN[column]} IN (${sql.join(present.map((v) => sql`${v}`), sql`, `)})`] : []),
    ...(present.length < values.length ? [sql`${COLUMN[column]} IS NULL`] : []),
  ];
  return parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` OR `)})`;
}
const all = (parts: SQL[]) => (parts.length ? sql.join(parts, sql` AND `) : sql`1`);
/**
 * A row's `__match`: 1 when it passes the checks, else 0, as a condition (CASE WHEN), not a value.
 * As a value, `x IN (a, b, c)` (three values or more, such as the unsolved statuses) costs a row
 * read on workerd's D1 meter for every row it is computed on, in the list or not; as a condition it
 * costs none (measured: 26 postings of a word with their tickets 79 rows against 53; bench, 1M
 * tickets, `q=error` + unsolved page 2 108 rows, 26 of them this). `1`: nothing to check.
 */
const passes = (match: SQL | null): SQL => (match ? sql`CASE WHEN ${match} THEN 1 ELSE 0 END` : sql`1`);

interface Fetched {
  rows: Row[];
  /** Rows D1 read for them. */
  read: number;
}

/** One ordered source of rows (an index walk, or a small set sorted by SQLite), asked for more after a key. */
interface Walk {
  /**
   * The statement of its next `n` rows after a key (ticket rows with `__rowid`, `__match`); null
   * when it has none there. The merge sends a round's statements of every walk as one D1 call.
   * `tie`: the key may be inside a tie of its sort values, read as two arms ({@link afterTie}).
   */
  read: (after: Key | null, n: number, tie: boolean) => SQL | null;
  /** The values of the leading sort keys every row of the walk shares (its group); [] when none. */
  group: Key;
  buffer: Row[];
  done: boolean;
  /** The key of the last row it handed over. */
  last: Key | null;
  /** The last two rows it handed over share their sort values (the rowid apart): a tie may go on. */
  tied?: boolean;
  /** Rows it was last asked for (0: not yet), what its next batch may double. */
  asked: number;
  /** How many matching rows it holds in all (counted through its index). */
  count: () => Promise<number>;
  /**
   * The walk as arms of a compound SELECT after a key (its rows with the open sort keys as `__k0…`,
   * the rowid last): one, or two past a key when `split` ({@link afterTie}); none when its whole
   * group comes before the key; absent for a walk read whole (the breaches not flagged yet).
   */
  arm?: (after: Key | null, split: boolean) => SQL[];
}

/**
 * The ticket holds a field filter's value. A single value is checked on the ticket row the walk has
 * read already (its `custom_fields`, which the one ticket write keeps together with the index rows:
 * a value is indexed exactly when it is stored, null clears both), so the check reads no row; D1
 * counts a probe of the index that finds the value as one. A multiselect option is probed in the
 * index (one row when it is there), named because without statistics SQLite rates the value index
 * (field, value) as good and then walks every ticket holding that value for each probe.
 */
const holdsValue = ({ def, value }: FieldFilter): SQL => {
  if (def.type !== "multiselect") {
    // A stored checkbox is a JSON boolean (json_extract: 1 or 0, as its index row), an integer a
    // JSON number, the others JSON strings; a value of another JSON type equals no bound one.
    return sql`json_extract("tickets"."custom_fields", ${`$."${def.key}"`}) = ${value.text !== undefined ? value.text : value.int}`;
  }
  return sql`EXISTS (SELECT 1 FROM ticket_field_values INDEXED BY ticket_field_values_ticket_idx WHERE ticket_id = "tickets"."id" AND field_id = ${def.id} AND ${
    value.text !== undefined ? sql`value_text = ${value.text}` : sql`value_int = ${value.int}`
  })`;
};

/** The list's filters and sort without its page (`limit`, `cursor`). */
export type TicketFilters = Omit<TicketListQuery, "limit" | "cursor"> & { fields?: FieldFilter[] };

const TicketFilterQuery = TicketListQuery.omit({ limit: true, cursor: true }).strict();

/**
 * The list's filters from query-string values, parsed as `GET /tickets` parses its own: the same
 * schema for the named parameters, the same `cf.<key>=` parser with the field catalog (what a
 * ticket export of a list takes). An unknown name is refused, not ignored: what is kept must be no
 * wider than what was asked for. A 400 names each parameter.
 */
export async function parseTicketFilters(ctx: ServiceContext, query: Record<string, unknown>): Promise<TicketFilters> {
  const isField = ([k]: [string, unknown]) => k.startsWith(FIELD_FILTER_PREFIX);
  const parsed = TicketFilterQuery.safeParse(Object.fromEntries(Object.entries(query).filter((e) => !isField(e))));
  const errors: Record<string, string[]> = {};
  for (const issue of parsed.error?.issues ?? []) (errors[issue.path.join(".") || "_"] ??= []).push(issue.message);
  const fields = Object.entries(query).filter(isField);
  for (const [k, v] of fields) if (typeof v !== "string") errors[k] = ["must be a string"];
  if (!parsed.success || Object.keys(errors).length) throw validation("Invalid filters", errors);
  return { ...parsed.data, fields: await parseFieldFilters(ctx, Object.fromEntries(fields) as Record<string, string>) };
}

/** A position in a list: the sort keys of the last row handed out, then its rowid (plain JSON). */
export type TicketListKey = (string | number)[];

/** `GET /tickets`: a page of {@link ticketPageAcross}, its position (with its database) signed into the cursor. */
export async function listTickets(ctx: ServiceContext, q: TicketListQuery & { fields?: FieldFilter[] }) {
  const secret = signingSecret(ctx.env);
  const cursorSort = `tickets:${q.sort}`;
  let from: StorePosition | null = null;
  if (q.cursor) {
    const pos = await decodeCursor(secret, cursorSort, q.cursor);
    // `<rowid>` in main (the cursors of before year databases), `<year>:<rowid>` in a year's;
    // `untied`: no row before the position shares its sort keys (a cursor without it may be in a
    // tie). The mark was once a `~` after the rowid (9e7b1a4): such a cursor pages on.
    const id = CURSOR_ID.exec(pos.id);
    if (!id) throw validation("Invalid cursor", { cursor: ["The cursor does not fit this sort"] });
    const [, y, rowid, legacyUntied] = id;
    const year = y === undefined ? null : Number(y);
    if ((year !== null && !Number.isSafeInteger(year)) || !Number.isSafeInteger(Number(rowid))) throw validation("Invalid cursor", { cursor: ["The cursor does not fit this sort"] });
    from = { key: [...(Array.isArray(pos.key) ? pos.key : [pos.key]), Number(rowid)] as TicketListKey, year, tied: !(pos.untied || legacyUntied) };
  }
  // The requesters' version rides in the walk's first call in main: kept requesters need no call.
  const ride = requesterVersionRide();
  const { rows, next } = await ticketPageAcross(ctx, q, from, q.limit, ride);
  const requesters = await requestersOf(ctx, rows, ride.version ?? null);
  const view = await ticketView(ctx, rows);
  const data = rows.map((r) => toTicket(r, requesters.get(r.requesterId)!, ctx.now, view));
  const next_cursor = next
    ? await encodeCursor(secret, cursorSort, { key: next.key.slice(0, -1), id: `${next.year === null ? "" : `${next.year}:`}${next.key.at(-1)}`, ...(next.tied === false ? { untied: true } : {}) })
    : null;
  return { data, next_cursor };
}

/** A list cursor's id: `[<year>:]<rowid>`, and the untied mark's old form, a `~` after it. */
const CURSOR_ID = /^(?:(\d+):)?(\d+)(~)?$/;

/** A position across databases: the sort keys and rowid of the last row handed out, and its database (null: main). */
export interface StorePosition {
  key: TicketListKey;
  year: number | null;
  /** false: no row before it shares its sort keys, so the next page reads one arm (afterTie); absent: it may. */
  tied?: boolean;
}

interface Source {
  year: number | null;
  db: Database;
}
/** Where a database's rows go among rows of equal sort keys: main first, then the years, newest first (rowids are per database). */
const rankOf = (year: number | null) => (year === null ? 0 : 10_000 - year);

/**
 * Whether a list can hold retired tickets at all. Retired tickets are closed and archived; a year
 * database has its tickets' search index (`q=`, migrations-years/0002), while custom field values
 * keep a ticket in main, so a custom-field list is main's alone.
 */
function readsYears(q: TicketFilters): boolean {
  if ((q.fields?.length ?? 0) > 0) return false;
  return !q.status || q.status.includes("closed");
}

/**
 * One page of the list across the main database and the year databases (db/ticket-stores.ts),
 * in the order one database would give (ties on the sort keys: main first, then newer years). Each
 * database is asked for a page after the position with its own index walks ({@link ticketPage}),
 * so each reads O(page); a created-order list asks a year only when the page reaches into it.
 */
export async function ticketPageAcross(
  ctx: ServiceContext,
  q: TicketFilters,
  from: StorePosition | null,
  limit: number,
  ride?: VersionRide,
): Promise<{ rows: TicketRow[]; next: StorePosition | null }> {
  const cols = SORT_KEYS[q.sort];
  const years = readsYears(q) ? yearStores(ctx.env) : [];
  if (!years.length && (!from || from.year === null)) {
    const { rows, next, tied } = await ticketPage(ctx, q, from?.key ?? null, limit, ctx.db, ride, from?.tied ?? true);
    return { rows, next: next ? { key: next, year: null, tied } : null };
  }
  const rowidDesc = cols.at(-1)!.dir === "desc";
  const compare = (a: StorePosition, b: StorePosition) =>
    compareKeys(cols, a.key.slice(0, -1), b.key.slice(0, -1)) || rankOf(a.year) - rankOf(b.year) || (rowidDesc ? -1 : 1) * ((a.key.at(-1) as number) - (b.key.at(-1) as number));
  // A database's own position: the cursor's rowid in the cursor's database; before (after) every row of equal keys in one that comes after (before) it.
  const startIn = (year: number | null): TicketListKey | null => {
    if (!from) return null;
    const rank = rankOf(year) - rankOf(from.year);
    if (rank === 0) return from.key;
    const before = rowidDesc ? Number.MAX_SAFE_INTEGER : 0;
    const after = rowidDesc ? 0 : Number.MAX_SAFE_INTEGER;
    return [...from.key.slice(0, -1), rank > 0 ? before : after];
  };
  // A created-order list meets the years in the order of their ranges.
  const created = cols.length === 1 && cols[0]!.name === "created_at" ? cols[0]!.dir : null;
  const sources: Source[] = [{ year: null, db: ctx.db }, ...(created === "asc" ? [...years].reverse() : years).map((y) => ({ year: y.year, db: y.db }))];
  const found: { row: TicketRow; pos: StorePosition }[] = [];
  const frontiers: StorePosition[] = [];
  // The nearest position a database stopped at: rows beyond it may not come next yet.
  const frontier = () => frontiers.reduce<StorePosition | null>((m, f) => (!m || compare(f, m) < 0 ? f : m), null);
  const ahead = () => {
    const edge = frontier();
    return found.filter((f) => !edge || compare(f.pos, edge) <= 0);
  };
  const after = q.created_after ? new Date(q.created_after).toISOString() : null;
  const before = q.created_before ? new Date(q.created_before).toISOString() : null;
  // The page filled before a later database was asked: the list goes on there (its next page asks it).
  let cut = false;
  for (const source of sources) {
    // A year holds tickets created within it only: a created_at range outside it skips it, whatever the sort.
    if (source.year !== null) {
      const { lo, hi } = yearBounds(source.year);
      if ((before && before <= lo) || (after && after >= hi)) continue;
    }
    if (source.year !== null && created) {
      const { lo, hi } = yearBounds(source.year);
      const position = from ? String(from.key[0]) : null;
      // Nothing of this year after the position; or the page is full of rows before any of it (and of every later year).
      if (position && (created === "desc" ? position < lo : position >= hi)) continue;
      if (ahead().filter((f) => (created === "desc" ? f.row.createdAt >= hi : f.row.createdAt < lo)).length >= limit) {
        cut = true;
        break;
      }
    }
    const page = await keyedPage(ctx, q, startIn(source.year), limit, source.db, source.year === null ? ride : undefined);
    for (const r of page.rows) found.push({ row: r.row, pos: { key: r.key, year: source.year } });
    if (page.next) frontiers.push({ key: page.next, year: source.year });
  }
  // A retire interrupted between its copy and its delete leaves a ticket in both: main's row is the
  // one (archive.retire.ts). Asked of main by id, not only among this page's rows: main's copy may
  // have been on an earlier page (equal keys, main first), the year's then comes on this one.
  const inMain = await heldInMain(ctx.db, found.filter((f) => f.pos.year !== null).map((f) => f.row.id));
  const ready = ahead()
    .filter((f) => f.pos.year === null || !inMain.has(f.row.id))
    .sort((a, b) => compare(a.pos, b.pos));
  const rows = ready.slice(0, limit);
  const edge = frontier();
  const more = ready.length > limit || edge !== null || cut;
  const next = !more ? null : rows.length === limit ? rows.at(-1)!.pos : edge;
  return { rows: rows.map((r) => r.row), next };
}

/**
 * One page of the list as ticket rows, after the position `from` (null: from the start), through the list's
 * own index walks: at most `limit` rows, fewer (even none) while `next` is not null when a scan
 * budget ran out (see {@link scanBudget}); `next: null` ends the list. Visibility is the caller's
 * (ctx). The list signs `next` into its cursor; the export of tickets can keep it as its own
 * cursor and page with a bigger limit. `db`: the database walked (main, or a year's).
 */
async function ticketPage(
  ctx: ServiceContext,
  q: TicketFilters,
  from: TicketListKey | null,
  limit: number,
  db: Database = ctx.db,
  ride?: VersionRide,
  tied = true,
): Promise<{ rows: TicketRow[]; next: TicketListKey | null; tied: boolean }> {
  const page = await keyedPage(ctx, q, from, limit, db, ride, tied);
  return { rows: page.rows.map((r) => r.row), next: page.next, tied: page.tied };
}

/**
 * `ride`: a read that goes in the page's first call of rows (main's only), answered there. `tied`:
 * rows handed over before `from` may share its sort keys, which a keyset of one arm would read
 * again (afterTie). The answer's `tied`: the same of its last row.
 */
async function keyedPage(ctx: ServiceContext, q: TicketFilters, from: TicketListKey | null, limit: number, db: Database, ride?: VersionRide, tied = true): Promise<{ rows: { row: TicketRow; key: Key }[]; next: Key | null; tied: boolean }> {
  const cols = SORT_KEYS[q.sort];
  if (from && (from.length !== cols.length + 1 || from.slice(0, -1).some((k) => k === null || (typeof k !== "string" && typeof k !== "number")) || !Number.isSafeInteger(from.at(-1)))) {
    throw validation("Invalid cursor", { cursor: ["The cursor does not fit this sort"] });
  }
  const planned = await listWalks(ctx, q, from, db);
  if (!planned) return { rows: [], next: null, tied: true };
  const merged = mergedInSql(db, planned.walks, cols, compoundArms(ctx.env));
  let walked: Awaited<ReturnType<typeof merge>>;
  try {
    walked = await merge(db, merged.walks, cols, (r) => keyOf(q.sort, r), from, limit, planned.checked ? scanBudget(limit) : Infinity, planned.late, ride, tied);
  } catch (err) {
    if (classifyD1Error(err).kind !== "compound_terms" || merged.largest() < 2) throw err;
    // D1 refused a compound this large: the isolate's limit goes below it, and the page is read
    // again with fresh walks (the refused one may have left others part-read), each group's apart.
    compoundRefused(merged.largest());
    return keyedPage(ctx, q, from, limit, db, ride, tied);
  }
  const { rows, resumeAt, more, endsTied } = walked;
  const page = rows.slice(0, limit);
  return { rows: page.map((r) => ({ row: r.row, key: keyOf(q.sort, r) })), next: rows.length > limit ? keyOf(q.sort, page.at(-1)!) : more ? resumeAt : null, tied: endsTied };
}

/**
 * How many tickets the list holds, each walk counted through its own index (the walks of one list
 * never share a ticket), year databases included: what an export of the list expects, O(matching)
 * index entries, once.
 */
export async function countTickets(ctx: ServiceContext, q: TicketFilters): Promise<number> {
  let n = 0;
  // Main, then each year database the list reaches (ticketPageAcross): the same walks in each.
  for (const db of [ctx.db, ...(readsYears(q) ? yearStores(ctx.env).map((y) => y.db) : [])]) {
    const planned = await listWalks(ctx, q, null, db);
    for (const walk of planned?.walks ?? []) n += await walk.count();
    if (planned?.late) n += (await runRows(db, planned.late.statement)).rows.length;
  }
  return n;
}

/**
 * Whether a `q=` list walks the text's postings (FTS5's, in created order: search.fts.ts
 * ticketDocId) instead of its own index with a probe of each ticket: a page then reads its matches
 * and their rows (~2 a match) where the probe walk reads `26 / s` tickets for a word in a share `s`
 * of them (issue 15: `q=error` 128–151 rows a page). Only in created order, and only when the
 * match holds every filter (the text, the caller's visibility, status and priority as tokens): any
 * other filter would be checked on each match, and an index walk of it may be narrower.
 */
function walksPostings(q: TicketFilters, cols: readonly IndexColumn[], customer: boolean): boolean {
  if (cols.length !== 1 || cols[0]!.name !== "created_at") return false;
  // An allowlist: a filter added later keeps the probe walk until someone decides it here.
  return Object.entries(q).every(([name, value]) => value === undefined || POSTINGS_HOLD.has(name) || (name === "fields" && (value as unknown[]).length === 0) || (name === "requester_id" && customer));
}
/** What a `q=` match holds itself (the text; status and priority as tokens), and the page's own parameters. */
const POSTINGS_HOLD = new Set(["q", "status", "priority", "sort", "limit", "cursor"]);

/**
 * The facet tokens of the list's custom field filters when it walks them (search.fts.ts
 * ticketFacetMatch) instead of one index with the rest checked per row; null when it does not. In
 * created order (the postings' order), once every document holds its field facets
 * (fieldFacetsReady), with a field value that has a token (not text past MAX_FACET_VALUE_CHARS) and
 * one more filter the match holds: another field, a status, a priority, the requester, `q=`. Its
 * matches are then the list's tickets (each filter checked on the row too), where the first field's
 * value index walks every ticket holding it, 2 rows each, to find those the rest pass (issue 15:
 * `cf` + `status=open` ~413 rows a short page). A field alone keeps its value index (its entries
 * are its matches already). A field value past the limit is checked on the row.
 */
async function facetWalk(ctx: ServiceContext, q: TicketFilters, cols: readonly IndexColumn[], customer: boolean, db: Database): Promise<string[] | null> {
  if (cols.length !== 1 || cols[0]!.name !== "created_at" || !q.fields?.length) return null;
  // A created_at range bounds the value index's walk (seekRanges); the postings would only check it
  // on each row, walking every match outside it (a review found pages of 400 rows and none listed).
  // Bounding the postings by document id (created order) would make them seek to it: not built.
  if (q.created_after || q.created_before) return null;
  const tokens = q.fields.map(({ def, value }) => fieldToken(def.key, value, def.type === "multiselect")).filter((t): t is string => t !== null);
  if (!tokens.length) return null;
  const others = tokens.length - 1 + [q.status?.length, q.priority?.length, customer || q.requester_id, q.q !== undefined].filter(Boolean).length;
  if (!others || !(await fieldFacetsReady(ctx, db))) return null;
  return tokens;
}

/** A customer's own index in a sort's order, by the sort's first key (created_at: the rest). */
const REQUESTER_INDEX: Partial<Record<KeyColumnName, string>> = {
  updated_at: "tickets_requester_updated_idx",
  priority_rank: "tickets_requester_priority_created_idx",
  sla_next_due_at: "tickets_requester_sla_due_idx",
};

/** The list's index walks after `position` (see {@link ticketPage}); null when the list is empty whatever it holds. */
async function listWalks(ctx: ServiceContext, q: TicketFilters, position: Key | null, db: Database = ctx.db): Promise<{ walks: Walk[]; checked: boolean; late?: LateRows } | null> {
  const actor = actorOf(ctx);
  const sort = q.sort;
  const cols = SORT_KEYS[sort];
  const now = ctx.now.toISOString();

  // ---- filters an index may hold (bindings), and conditions beyond them
  const bindings: Bindings = {};
  const scope = customerScope(actor);
  if (scope) {
    if (q.requester_id && q.requester_id !== actor.id) return null;
    bindings.requester_id = [actor.id];
  } else if (q.requester_id) bindings.requester_id = [q.requester_id];
  if (q.status) bindings.status = [...new Set(q.status)];
  // Custom statuses alone walk their own index; mixed with a category's own name, the walks bind
  // the categories and the custom keys are checked per row.
  let customStatus: SQL | null = null;
  if (q.custom_status) {
    const { builtIn, custom } = await parseCustomStatusFilter(ctx, q.custom_status);
    const catalog = await statusCatalog(ctx);
    const categories = new Set([...builtIn, ...custom.map((k) => catalog.get(k)!.category)]);
    if (!builtIn.length) bindings.custom_status = [...new Set(custom)];
    else bindings.status = (bindings.status ?? [...categories]).filter((s) => categories.has(s as never));
    if (bindings.status?.length === 0) return null;
    const either = [
      ...(builtIn.length ? [sql`("tickets"."status" IN (${sql.join(builtIn.map((s) => sql`${s}`), sql`, `)}) AND "tickets"."custom_status" IS NULL)`] : []),
      ...(custom.length ? [sql`"tickets"."custom_status" IN (${sql.join(custom.map((k) => sql`${k}`), sql`, `)})`] : []),
    ];
    customStatus = either.length === 1 ? either[0]! : sql`(${sql.join(either, sql` OR `)})`;
  }
  if (q.priority) bindings.priority_rank = [...new Set(q.priority.map((p) => PRIORITY_RANK[p]))];
  if (q.assignee_id) bindings.assignee_id = [q.assignee_id === "none" ? null : q.assignee_id === "me" ? actor.id : q.assignee_id];
  if (q.team_id) bindings.team_id = [q.team_id];
  if (q.category) bindings.category = [q.category];
  if (q.channel) bindings.channel = [q.channel];
  const bound = Object.entries(bindings).map(([c, v]) => oneOf(c as KeyColumnName, v!));

  // A range on the sort's first column bounds the walks; any other condition is checked per row.
  /** `at`: the range on another copy of its column (the tag and field indexes hold created_at). */
  const ranges: { column: KeyColumnName; op: ">=" | "<"; sql: SQL; at: (e: SQL) => SQL }[] = [];
  const range = (column: KeyColumnName, op: ">=" | "<", value: string) =>
    ranges.push({ column, op, sql: sql`${COLUMN[column]} ${sql.raw(op)} ${value}`, at: (e) => sql`${e} ${sql.raw(op)} ${value}` });
  /**
   * The ranges on the column a walk seeks on (`on`: its copy in the walk's index), split by side:
   * where the walk starts, which a keyset replaces (SQLite seeks on one bound per side), and where
   * it ends.
   */
  const seekRanges = (column: KeyColumnName, dir: "asc" | "desc", on: SQL = COLUMN[column]) => {
    const mine = ranges.filter((r) => r.column === column);
    const starts = (r: (typeof ranges)[number]) => (r.op === ">=") === (dir === "asc");
    return { start: mine.filter(starts).map((r) => r.at(on)), end: mine.filter((r) => !starts(r)).map((r) => r.at(on)) };
  };
  const checks: SQL[] = [];
  // An unverified account's own self-service tickets only (ticket-scope.ts).
  if (scope && actor.unverified) checks.push(scope);
  if (customStatus && !bindings.custom_status) checks.push(customStatus);
  if (q.created_after) range("created_at", ">=", new Date(q.created_after).toISOString());
  if (q.created_before) range("created_at", "<", new Date(q.created_before).toISOString());
  if (q.breached === false) {
    // Not flagged, and no unmet due date passed.
    range("sla_next_due_at", ">=", now);
    checks.push(sql`"tickets"."sla_breached" = 0`);
  }
  const breachedNow = sql`("tickets"."sla_breached" = 1 OR ${COLUMN.sla_next_due_at} < ${now})`;
  // Checked per row: one lookup of the tag index's key (the ticket's own created_at and rowid).
  const tagged = (tag: string) =>
    sql`EXISTS (SELECT 1 FROM "ticket_tag_index" WHERE "ticket_tag_index"."tag" = ${tag} AND "ticket_tag_index"."created_at" = ${COLUMN.created_at} AND "ticket_tag_index"."ticket_rowid" = ${ROWID})`;
  let textSet: SQL | null = null;
  let postings: string | null = null;
  const fields = q.fields ?? [];
  const facets = await facetWalk(ctx, q, cols, scope !== null, db);
  if (facets) {
    const words = q.q !== undefined ? searchWords(q.q) : [];
    if (q.q !== undefined && !words.length) return null;
    postings = ticketFacetMatch(actor, words, { status: q.status, priority: q.priority, requesterId: q.requester_id }, facets);
  } else if (q.q !== undefined) {
    // Full text (search.fts.ts): visibility is inside the match too; a query of no words finds nothing.
    const text = await ticketTextPlan(ctx, actor, searchWords(q.q), { status: q.status, priority: q.priority }, db, { postings: walksPostings(q, cols, scope !== null) });
    if (text.kind === "none") return null;
    if (text.kind === "set") textSet = text.condition;
    else if (text.kind === "postings") postings = text.match;
    else checks.push(text.condition);
  }

  // ---- the walks
  const rowsOf = (query: SQL, match: SQL | null): SQL => sql`SELECT "tickets".*, "tickets".rowid AS "__rowid", ${passes(match)} AS "__match" FROM ${query}`;
  const walks: Walk[] = [];
  let checked = false;
  let late: LateRows | undefined;
  /**
   * One walk over `from` (rows of one group: its leading sort keys fixed to `group`), rows in sort
   * order of `exprs`, with `check` tested per row; `start`: its start range, left out after a key.
   */
  // A walk in a tie reads two arms (afterTie) unless compounds are held to one term (LIST_COMPOUND_ARMS).
  const twoArms = compoundArms(ctx.env) >= 2;
  const addWalk = (from: SQL, check: SQL[], group: Key = [], exprs: SQL[] = [...cols.map((c) => COLUMN[c.name]), ROWID], start: SQL[] = []) => {
    const match = check.length ? all(check) : null;
    checked ||= check.length > 0;
    const fixed = group.length;
    /** The walk's conditions after a key (one, or two arms: afterTie); null when its whole group comes before the key. */
    const keysetAfter = (afterKey: Key | null, split: boolean): SQL[] | null => {
      if (afterKey) {
        const side = compareKeys(cols, group, afterKey.slice(0, fixed));
        if (side < 0) return null;
        if (side === 0) {
          const tie = split && splitsTies(cols, exprs, fixed) ? afterTie(cols, afterKey, exprs, fixed) : null;
          return tie ? [sql`AND ${tie.tie}`, sql`AND ${tie.beyond}`] : [sql`AND ${after(cols, afterKey, exprs, fixed)}`];
        }
      }
      return [start.length ? sql`AND ${all(start)}` : sql``];
    };
    const keys = exprs.slice(fixed).map((e, i) => sql`, ${e} AS ${sql.identifier(`__k${i}`)}`);
    const armOf = (keyset: SQL) => sql`SELECT "tickets".*, "tickets".rowid AS "__rowid", ${passes(match)} AS "__match"${sql.join(keys)} FROM ${from} ${keyset}`;
    /** Whether this walk's two arms bind within D1's parameters (the same for every key: decided once). */
    let twoFit: boolean | undefined;
    walks.push({
      group,
      buffer: [],
      done: false,
      last: null,
      asked: 0,
      read: function read(afterKey: Key | null, n: number, tie: boolean): SQL | null {
        const keyset = keysetAfter(afterKey, tie && twoArms);
        if (!keyset) return null;
        if (keyset.length === 2) {
          // SQLite merges the two arms in order (MERGE (UNION ALL)) and stops at the LIMIT. Each binds
          // every filter: past D1's parameters (a rare word's set binds its ids), one arm.
          const arms = sql`${sql.join(keyset.map(armOf), sql` UNION ALL `)} ORDER BY ${armOrder(cols.slice(fixed))} LIMIT ${n}`;
          if ((twoFit ??= db.run(arms).getQuery().params.length <= D1_MAX_PARAMS)) return arms;
          return read(afterKey, n, false);
        }
        return rowsOf(sql`${from} ${keyset[0]} ORDER BY ${orderBy(cols.slice(fixed), exprs.slice(fixed))} LIMIT ${n}`, match);
      },
      arm: (afterKey, split) => keysetAfter(afterKey, split)?.map(armOf) ?? [],
      count: async () => {
        const res = await db.run(sql`SELECT count(*) AS n FROM ${from} ${start.length ? sql`AND ${all(start)}` : sql``} ${match ? sql`AND ${match}` : sql``}`);
        return Number((res.results[0] as { n: number }).n);
      },
    });
  };

  // Custom field filters: a staff list in created order walks the first filter's index entries
  // (they hold the ticket's created_at) unless it walks the field facets; any other list checks each
  // row it walks (holdsValue), a facet walk every row it reads too.
  const fieldWalk = postings === null && fields[0] && !textSet && !scope && !q.requester_id && cols.length === 1 && cols[0]!.name === "created_at" ? fields[0] : undefined;
  checks.push(...fields.filter((f) => f !== fieldWalk).map(holdsValue));

  if (postings !== null) {
    // The text's (or the field facets') matches in created order (its postings: see walksPostings,
    // facetWalk), every filter (visibility, status, priority, fields: tokens inside the match too)
    // checked again on the row, and those the match does not hold (a tag, an assignee…) there only.
    const dir = cols[0]!.dir;
    const doc = sql`"tickets_fts".rowid`;
    const from = sql`"tickets_fts" CROSS JOIN "tickets" ON "tickets".rowid = ${ticketOfDoc(doc)} WHERE "tickets_fts" MATCH ${postings} AND "tickets".deleted_at IS NULL`;
    const check = [...bound, ...ranges.map((r) => r.sql), ...checks, ...(q.tag ? [tagged(q.tag)] : []), ...(q.breached === true ? [breachedNow] : [])];
    const match = check.length ? all(check) : null;
    checked = check.length > 0;
    // After a key: while every id is natural below 2^21 rowids past the id of the key's rowid (capped
    // at 2^21); else past the doc rows of its millisecond up to the key's rowid (search.fts.ts
    // ticketDocsAfter; computed in SQL, an integer, so FTS5 seeks on it). A position before or after
    // every row of its created_at (another database's: ticketPageAcross) holds rowid 0 ascending,
    // MAX_SAFE_INTEGER descending (`whole`): it bounds the millisecond's whole range, inclusive, not
    // through a rowid (MAX_SAFE_INTEGER's low 21 bits are all ones, a rowid's).
    const keyset = (afterKey: Key | null) => {
      if (!afterKey) return sql``;
      const [at, rowid] = afterKey;
      const whole = rowid === (dir === "asc" ? 0 : Number.MAX_SAFE_INTEGER);
      return sql`AND ${ticketDocsAfter(doc, sql`${at}`, sql`${rowid}`, dir, whole)}`;
    };
    walks.push({
      group: [],
      buffer: [],
      done: false,
      last: null,
      asked: 0,
      read: (afterKey, n) => rowsOf(sql`${from} ${keyset(afterKey)} ORDER BY ${doc} ${sql.raw(dir)} LIMIT ${n}`, match),
      count: async () => {
        const res = await db.run(sql`SELECT count(*) AS n FROM ${from} ${match ? sql`AND ${match}` : sql``}`);
        return Number((res.results[0] as { n: number }).n);
      },
    });
    return { walks, checked };
  }

  if (textSet) {
    // A rare text: its few tickets with every condition, sorted by SQLite.
    const every = [...bound, ...ranges.map((r) => r.sql), ...checks, ...(q.tag ? [tagged(q.tag)] : []), ...(q.breached === true ? [breachedNow] : [])];
    // NOT INDEXED: looked up by rowid. Given a status or an assignee, SQLite walked that index
    // instead and sorted (1,000,000 tickets: a word of one ticket in the unsolved views read 50,700 rows).
    addWalk(sql`"tickets" NOT INDEXED WHERE ${all([sql`"tickets".deleted_at IS NULL`, textSet, ...every])}`, []);
  } else if (fieldWalk) {
    const { def, value } = fieldWalk;
    const text = value.text !== undefined;
    const index = sql.identifier(text ? "ticket_field_values_text_idx" : "ticket_field_values_int_idx");
    // The value's index entries hold the ticket's created_at and rowid: the list's keys, in its order.
    const keys = [sql`"ticket_field_values"."ticket_created_at"`, sql`"ticket_field_values"."ticket_rowid"`];
    addWalk(
      sql`"ticket_field_values" INDEXED BY ${index} CROSS JOIN "tickets" ON "tickets".rowid = "ticket_field_values"."ticket_rowid" WHERE ${all([
        sql`"ticket_field_values"."field_id" = ${def.id}`,
        text ? sql`"ticket_field_values"."value_text" = ${value.text}` : sql`"ticket_field_values"."value_int" = ${value.int}`,
        sql`"tickets".deleted_at IS NULL`,
        // The created_at range on the index's own copy, so the walk seeks to it.
        ...seekRanges("created_at", cols[0]!.dir, keys[0]).end,
      ])}`,
      [...bound, ...ranges.filter((r) => r.column !== "created_at").map((r) => r.sql), ...checks, ...(q.tag ? [tagged(q.tag)] : []), ...(q.breached === true ? [breachedNow] : [])],
      [],
      keys,
      seekRanges("created_at", cols[0]!.dir, keys[0]).start,
    );
  } else if (q.tag && !scope && cols.length === 1 && cols[0]!.name === "created_at") {
    // The tag's own index, in the list's order: its entries hold the ticket's created_at and rowid.
    // Staff only: it holds everyone's tickets (a customer's list walks their own, below).
    const keys = [sql`"ticket_tag_index"."created_at"`, sql`"ticket_tag_index"."ticket_rowid"`];
    addWalk(
      sql`"ticket_tag_index" CROSS JOIN "tickets" ON "tickets".rowid = "ticket_tag_index"."ticket_rowid" WHERE ${all([
        sql`"ticket_tag_index"."tag" = ${q.tag}`,
        sql`"tickets".deleted_at IS NULL`,
        ...seekRanges("created_at", cols[0]!.dir, keys[0]).end,
      ])}`,
      [...bound, ...ranges.filter((r) => r.column !== "created_at").map((r) => r.sql), ...checks, ...(q.breached === true ? [breachedNow] : [])],
      [],
      keys,
      seekRanges("created_at", cols[0]!.dir, keys[0]).start,
    );
  } else {
    const flagged = q.breached === true ? planList(bindings, sort, { breachedOnly: true }) : null;
    const plan = flagged ?? planList(bindings, sort)!;
    if (scope && plan.residual.includes("requester_id")) {
      // A customer's list whose best walk binds no requester: breached=true (the flagged-only indexes
      // lead with status), an assignee or team with a status (their indexes hold both, the requester's
      // neither). Every sort has an index of the requester's own (created, updated; priority and SLA
      // due since 0051), so other lists walk those in page order. Here: that index of their own
      // tickets in the list's order, every condition in the query (no scan budget: exact pages),
      // O(their tickets) at worst; by priority one walk per priority, as the planner's (a cursor over
      // both of its keys, their directions mixed, would seek on the requester alone and read every
      // page before it again). Not an index of everyone's with
      // the requester checked per row: its short pages' cursors held the sort keys of other
      // customers' tickets (created_at, priority, rowid: the payload is signed, not sealed), and its
      // empty pages told how many such tickets others have.
      const own = sql`"tickets" INDEXED BY ${sql.identifier(REQUESTER_INDEX[cols[0]!.name] ?? "tickets_requester_created_idx")}`;
      const every = [sql`"tickets".deleted_at IS NULL`, ...bound, ...ranges.map((r) => r.sql), ...checks, ...(q.tag ? [tagged(q.tag)] : []), ...(q.breached === true ? [breachedNow] : [])];
      if (cols[0]!.name !== "priority_rank") addWalk(sql`${own} WHERE ${all(every)}`, []);
      else for (const p of bindings.priority_rank ?? Object.values(PRIORITY_RANK)) addWalk(sql`${own} WHERE ${all([eq("priority_rank", p as number), ...every])}`, [], [p as number]);
      return { walks, checked };
    }
    const first = plan.index.columns.find((c) => !(c.name in (plan.walks[0] ?? {})))!.name;
    const seek = seekRanges(first, cols.find((c) => c.name === first)!.dir);
    const check = [
      ...plan.residual.map((c) => oneOf(c, bindings[c]!)),
      ...ranges.filter((r) => r.column !== first).map((r) => r.sql),
      ...checks,
      ...(q.tag ? [tagged(q.tag)] : []),
      ...(q.breached === true && !flagged ? [breachedNow] : []),
    ];
    for (const values of plan.walks) {
      const where = all([
        sql`"tickets".deleted_at IS NULL`,
        ...(plan.index.breachedOnly ? [sql`"tickets"."sla_breached" = 1`] : []),
        ...Object.entries(values).map(([c, v]) => eq(c as KeyColumnName, v as string | number | null)),
        ...seek.end,
      ]);
      const group = cols.filter((c) => c.name in values).map((c) => values[c.name] as string | number);
      addWalk(sql`"tickets" INDEXED BY ${sql.identifier(plan.index.name)} WHERE ${where}`, check, group, undefined, seek.start);
    }
    if (flagged) {
      // Breached but not flagged yet (the SLA sweep flags within a minute): from the sweep's own
      // work list, which is O(due) by design, read whole with every condition in the query, and
      // handed to the group of the walks its rows sort among.
      const unflagged = [sql`"tickets"."sla_check_at" <= ${now}`, sql`"tickets"."sla_breached" = 0`, sql`${COLUMN.sla_next_due_at} < ${now}`];
      const keyset = position ? [after(cols, position, [...cols.map((c) => COLUMN[c.name]), ROWID], 0)] : [];
      const where = all([sql`"tickets".deleted_at IS NULL`, ...unflagged, ...bound, ...ranges.map((r) => r.sql), ...checks, ...keyset]);
      // Read in the merge's first round, in the same D1 call as the walks' first batches.
      const fixed = walks[0]?.group.length ?? 0;
      late = {
        statement: rowsOf(sql`"tickets" INDEXED BY "tickets_sla_check_idx" WHERE ${where}`, null),
        walks: ({ rows: found }) => {
          const groups = new Map<string, Row[]>();
          for (const r of found.sort((a, b) => compareKeys(cols, keyOf(sort, a), keyOf(sort, b)))) {
            const id = JSON.stringify(keyOf(sort, r).slice(0, fixed));
            groups.set(id, [...(groups.get(id) ?? []), r]);
          }
          return [...groups].map(([id, rows]) => ({ group: JSON.parse(id) as Key, buffer: rows, done: true, last: null, asked: rows.length, read: () => null, count: async () => rows.length }));
        },
      };
    }
  }

  return { walks, checked, late };
}

/** Rows a list reads whole beside its walks (the breaches not flagged yet), and the walks they make, each done. */
interface LateRows {
  statement: SQL;
  walks: (fetched: Fetched) => Walk[];
}

/** Runs a statement of ticket rows (`__rowid`, `__match` beside the columns) and says what D1 read for it. */
async function runRows(db: Database, statement: SQL): Promise<Fetched> {
  return fetchedOf(await db.run(statement));
}

/** A statement's ticket rows and what D1 read for them (the checks' own lookups included: what the budget spends). */
function fetchedOf(res: { results: unknown[]; meta: { rows_read?: number } }): Fetched {
  const rows = (res.results as Record<string, unknown>[]).map((r) => ({ row: fromSql(r), rowid: Number(r.__rowid), match: Number(r.__match) === 1 }));
  return { rows, read: res.meta.rows_read ?? rows.length };
}

/**
 * Statements of ticket rows (null: none to read) as one D1 call, a batch when several: workerd's
 * CPU for a list goes mostly per call (~0.7–1.1 ms each on the bench, ~0.08 ms per statement), so
 * a merge round costs one call whatever number of walks it reads. Their rows, by statement.
 */
async function readRows(db: Database, statements: (SQL | null)[], ride?: VersionRide): Promise<Fetched[]> {
  const live = statements.flatMap((s, i) => (s ? [i] : []));
  const out: Fetched[] = statements.map(() => ({ rows: [], read: 0 }));
  // A read riding along goes in the first call that answers (one row; never a call of its own).
  const riding = ride && ride.version === undefined && live.length ? ride : undefined;
  if (live.length === 1 && !riding) out[live[0]!] = await runRows(db, statements[live[0]!]!);
  else if (live.length) {
    const results = await runBatch(db, [...live.map((i) => batchStatement(db, statements[i]!)), ...(riding ? [batchStatement(db, riding.statement)] : [])]);
    live.forEach((i, k) => (out[i] = fetchedOf(results[k] as Parameters<typeof fetchedOf>[0])));
    if (riding) riding.version = requesterVersionOf(results[live.length]);
  }
  return out;
}

/** Arms of the smallest compound D1 refused in this isolate (Infinity: none yet). */
let refusedArms = Infinity;

/** LIST_COMPOUND_ARMS values that were not a limit, each logged once in this isolate. */
const badArms = new Set<string>();

/**
 * Most arms a list's compound may have now: the configured limit (env LIST_COMPOUND_ARMS, else
 * MAX_COMPOUND_ARMS), below any D1 refused. The var is a whole number 1..MAX_WALKS (no compound has
 * more arms than a list has walks; above MAX_COMPOUND_ARMS only to see D1's refusal, as a test
 * does); anything else is a misconfiguration: the default, logged once per value.
 */
function compoundArms(env: { LIST_COMPOUND_ARMS?: string | undefined }): number {
  const raw = env.LIST_COMPOUND_ARMS;
  let configured = MAX_COMPOUND_ARMS;
  if (raw !== undefined) {
    const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (n >= 1 && n <= MAX_WALKS) configured = n;
    else if (!badArms.has(raw)) {
      badArms.add(raw);
      console.error(JSON.stringify({ event: "list_compound_arms_invalid", value: raw, limit_now: MAX_COMPOUND_ARMS, note: `LIST_COMPOUND_ARMS is not a whole number 1..${MAX_WALKS}: the default is used` }));
    }
  }
  return Math.min(configured, refusedArms - 1);
}

/** D1 refused a compound of `arms` terms: no compound that large again in this isolate; said once. */
function compoundRefused(arms: number) {
  if (arms >= refusedArms) return;
  refusedArms = arms;
  console.error(JSON.stringify({ event: "list_compound_refused", arms, limit_now: arms - 1, note: "D1 refused a compound SELECT of this many terms; its walks go in smaller compounds, or apart, from now on in this isolate" }));
}

/**
 * The walks of each group (those that share their leading sort keys) as one walk: one compound
 * SELECT whose arms are the walks, ordered by the open sort keys and the rowid. SQLite merges the
 * arms in order (`MERGE (UNION ALL)`, each arm on its own index, no sort), and stops at the LIMIT:
 * it reads the rows the page takes and one ahead in each arm, where walks merged here read batches
 * that each may overshoot (a first 2 rows, then doubling: ~40 rows of 104 on "My open" by SLA due
 * with a field filter); and it is one D1 call whatever the arms, where walks read apart take a
 * round (a call) each time one of them runs dry. D1 limits the terms of one compound (`maxArms`):
 * a group of more walks (the six statuses when no status is named) is a compound of subqueries of
 * at most `maxArms` arms each, which SQLite flattens into the same one merge (`nestedArms`). A
 * group whose arms even that cannot hold, or whose statement would bind more than D1 allows, keeps
 * its walks. `largest`: the most terms of one compound (or subquery) made.
 */
function mergedInSql(db: Database, walks: Walk[], cols: readonly IndexColumn[], maxArms: number): { walks: Walk[]; largest: () => number } {
  const groups = new Map<string, Walk[]>();
  for (const w of walks) {
    const id = JSON.stringify(w.group);
    groups.set(id, [...(groups.get(id) ?? []), w]);
  }
  const out: Walk[] = [];
  const sent = { largest: 0 };
  for (const all of groups.values()) {
    out.push(...all.filter((w) => !w.arm));
    // Not two compounds merged as walks: each fetch of one reads a row ahead in every arm (on
    // list-plans' seed sort=sla_due 54 → 58 rows, team 53 → 61), where one merge of every arm does not.
    out.push(...compoundWalk(db, all.filter((w) => w.arm), cols, maxArms, sent));
  }
  return { walks: out, largest: () => sent.largest };
}

/**
 * How `arms` arms go into one compound of at most `maxArms` terms per SELECT: their number, when
 * that many fit one compound; else the sizes of its subqueries (as even as may be), one term each;
 * null when even that exceeds the limit. workerd's D1 checks the terms of each compound as it is
 * parsed (it refuses 6); SQLite then flattens `SELECT * FROM (a UNION ALL b UNION ALL c) UNION ALL
 * SELECT * FROM (d UNION ALL e UNION ALL f) ORDER BY … LIMIT n` into one `MERGE (UNION ALL)` of the
 * six index walks (measured: 29 rows for 26 among six statuses of 3,000 tickets, no sort).
 */
function nestedArms(arms: number, maxArms: number): number[] | null {
  if (arms <= maxArms) return [arms];
  const chains = Math.ceil(arms / maxArms);
  if (chains > maxArms) return null;
  return Array.from({ length: chains }, (_, i) => Math.floor(arms / chains) + (i < arms % chains ? 1 : 0));
}

/**
 * Walks of one group as one compound walk (see {@link mergedInSql}), in subqueries of at most
 * `maxArms` terms; in a tie each walk is its two arms ({@link afterTie}) when the compound holds
 * them within D1's limits, else its one; the walks themselves when not even that fits (too many
 * arms, or more parameters than D1 binds). `sent.largest`: the most terms of one SELECT sent.
 */
function compoundWalk(db: Database, walks: Walk[], cols: readonly IndexColumn[], maxArms: number, sent: { largest: number }): Walk[] {
  if (walks.length < 2) return walks;
  const group = walks[0]!.group;
  const open = cols.slice(group.length);
  const order = armOrder(open);
  const union = (arms: SQL[]) => sql.join(arms, sql` UNION ALL `);
  const build = (afterKey: Key | null, n: number, split: boolean) => {
    const arms = walks.flatMap((w) => w.arm!(afterKey, split));
    const chains = nestedArms(arms.length, maxArms);
    if (!arms.length || !chains) return null;
    let at = 0;
    const terms = chains.length === 1 ? arms : chains.map((size) => (size > 1 ? sql`SELECT * FROM (${union(arms.slice(at, (at += size)))})` : arms[at++]!));
    return { statement: sql`${union(terms)} ORDER BY ${order} LIMIT ${n}`, largest: Math.max(...chains, chains.length > 1 ? chains.length : 0) };
  };
  // The most arms and parameters: after a key inside the group (each arm then binds its keyset).
  const inside: Key = [...group, ...Array<number>(open.length + 1).fill(0)];
  const fits = (split: boolean) => [build(null, 1, split), build(inside, 1, split)].every((b) => b !== null && db.run(b.statement).getQuery().params.length <= D1_MAX_PARAMS);
  const twoArms = fits(true);
  if (!twoArms && !fits(false)) return walks;
  const read = (afterKey: Key | null, n: number, tie: boolean) => {
    const made = build(afterKey, n, tie && twoArms);
    if (!made) return null;
    sent.largest = Math.max(sent.largest, made.largest);
    return made.statement;
  };
  const count = async () => (await Promise.all(walks.map((w) => w.count()))).reduce((a, b) => a + b, 0);
  return [{ group, buffer: [], done: false, last: null, asked: 0, read, count }];
}

/** Rows a merged walk reads first: its head, and one more. */
const MERGE_FIRST = 2;

/**
 * Merges the walks in sort order until `limit + 1` matching rows (one more says a page follows)
 * or, when rows are checked one by one, until `budget` rows were read (as D1 counts them). Groups (walks sharing
 * their leading sort keys) are read one after the other, in sort order; within a group each walk
 * is read in batches that double while the merge takes from it (see MERGE_FIRST). Each round is one
 * D1 call. `late`: rows read whole in the first round's call, and the walks they make (each in its
 * group). `resumeAt`: the key up to which every walk has been looked at, where a short page's cursor goes on.
 */
async function merge(db: Database, walks: Walk[], cols: readonly IndexColumn[], keyOf: (r: Row) => Key, position: Key | null, limit: number, budget: number, late?: LateRows, ride?: VersionRide, tiedAtPosition = true) {
  const out: Row[] = [];
  const sortKeys = (k: Key) => k.slice(0, cols.length);
  const tie = (a: Key, b: Key) => compareKeys(cols, sortKeys(a), sortKeys(b)) === 0;
  // A keyset of one arm skips the rows of its key's tie handed over before it (afterTie): none
  // when the row handed over just before the page's last does not tie with it.
  let handed = position;
  let beforeLast: Key | null = null;
  const lastTied = () => beforeLast !== null && tie(beforeLast, keyOf(out[limit - 1]!));
  let walked = 0;
  let seen = 0;
  let passed = 0;
  let fetchedRows = 0;
  let resumeAt = position;
  // The groups in sort order, each its walks.
  const groups: Walk[][] = [];
  let at = 0;
  const place = (merging: boolean) => (w: Walk) => {
    const found = groups.findIndex((g) => compareKeys(cols, g[0]!.group, w.group) >= 0);
    const i = found < 0 ? groups.length : found;
    if (i < groups.length && compareKeys(cols, groups[i]![0]!.group, w.group) === 0) groups[i]!.push(w);
    // Late rows of a group before the next to merge join the one being merged (within it their keys
    // sort first); not met, as every group has walks of its own.
    else if (merging && i <= at) groups[at]!.push(w);
    else groups.splice(i, 0, [w]);
  };
  walks.forEach(place(false));
  const placeLate = (fetched: Fetched, merging: boolean) => {
    late!.walks(fetched).forEach(place(merging));
    late = undefined;
  };
  // Nothing else to read: the late rows alone.
  if (late && !walks.some((w) => !w.done)) placeLate((await readRows(db, [late.statement], ride))[0]!, false);
  for (; at < groups.length; at++) {
    const group = groups[at]!;
    for (;;) {
      const dry = group.filter((w) => !w.buffer.length && !w.done);
      if (dry.length) {
        // Out of budget: a short page, once it has moved on (a cursor must lead somewhere new).
        if (walked >= budget && resumeAt !== position) return { rows: out, resumeAt, more: true, endsTied: true };
        const missing = limit + 1 - out.length;
        // What is missing; when rows are checked, divided by the share that passed so far.
        const passRate = seen ? Math.max(0.1, passed / seen) : 1;
        const needed = Math.ceil(missing / passRate);
        // Within the budget, at what a row has cost so far (a row with its checks' lookups).
        const perRow = fetchedRows ? Math.max(1, walked / fetchedRows) : 1;
        const affordable = Number.isFinite(budget) ? Math.max(1, Math.ceil((budget - walked) / dry.length / perRow)) : Infinity;
        // Walks still to be read (a walk read whole holds its rows in its buffer).
        const live = group.filter((w) => !w.done).length;
        // A lone walk reads what is needed. Merged walks rarely share a page evenly (most tickets
        // are closed, the newest open): each first reads its head, then doubles its batch each time
        // the merge empties it, so a walk the page passes by costs MERGE_FIRST rows, and the one
        // that fills it a few batches.
        const sizes = dry.map((w) => Math.max(1, Math.min(affordable, live === 1 ? needed : Math.min(needed, w.asked ? 2 * w.asked : MERGE_FIRST))));
        // Every dry walk's next batch in one D1 call (a refused compound fails it all: keyedPage reads again).
        // Two arms where a tie may go on: a walk whose last two rows tied, and the first read after a
        // position that tied with the row before it (a cursor says); elsewhere one (a tie arm that
        // finds nothing still costs a row).
        const reads = dry.map((w, i) => w.read(w.last ?? position, sizes[i]!, w.last ? (w.tied ?? false) : position !== null && tiedAtPosition));
        const fetched = await readRows(db, late ? [...reads, late.statement] : reads, ride);
        if (late) placeLate(fetched.pop()!, true);
        dry.forEach((w, i) => {
          const { rows, read } = fetched[i]!;
          walked += read;
          fetchedRows += rows.length;
          w.buffer = rows;
          w.asked = sizes[i]!;
          w.done = rows.length < sizes[i]!;
        });
      }
      let next: Walk | null = null;
      let nextKey: Key | null = null;
      for (const w of group) {
        const head = w.buffer[0];
        if (!head) continue;
        const key = keyOf(head);
        if (!nextKey || compareKeys(cols, key, nextKey) < 0) [next, nextKey] = [w, key];
      }
      if (!next || !nextKey) break; // this group is exhausted
      const head = next.buffer.shift()!;
      // Its first row compared with the position: a batch of one inside the cursor's tie goes on in it.
      const before = next.last ?? position;
      next.tied = before !== null && tie(before, nextKey);
      next.last = resumeAt = nextKey;
      const previous = handed;
      handed = nextKey;
      seen++;
      if (head.match) {
        passed++;
        out.push(head);
        if (out.length === limit) beforeLast = previous;
        if (out.length > limit) return { rows: out, resumeAt, more: true, endsTied: lastTied() };
      }
    }
  }
  return { rows: out, resumeAt, more: false, endsTied: true };
}

/**
 * The page's requesters: those kept at the version the page's walk read (`seen`: ride.version; null
 * when it read none) from the isolate (kept-requesters.ts), the others one point lookup each, in one
 * batch (one round trip) with the version, under which they are then kept. D1 counts a lookup by key
 * as one row read, and `id IN (…)` as two per id (the list's values are rows too). When a row holds
 * custom field values, the field catalog's version rides along, so the page's view may use the
 * isolate's kept catalog (features/fields/kept-catalog.ts) instead of reading it.
 */
async function requestersOf(ctx: ServiceContext, rows: readonly TicketRow[], seen: string | null): Promise<Map<string, Requester>> {
  const unique = [...new Set(rows.map((r) => r.requesterId))];
  const found = seen === null ? new Map<string, Requester>() : keptRequesters(seen, unique);
  const missing = unique.filter((id) => !found.has(id));
  const catalog = !hasRequestCatalog(ctx) && rows.some((r) => Object.keys(r.customFields).length);
  if (!missing.length && !catalog) return found;
  const lookups = missing.map((id) => ctx.db.select(requesterColumns).from(users).where(equals(users.id, id)).limit(1));
  const versions = [...(missing.length ? [requesterVersionItem(ctx.db)] : []), ...(catalog ? [versionReadItem(ctx.db)] : [])];
  const results = await ctx.db.batch([...lookups, ...versions] as [BatchItem, ...BatchItem[]]);
  const read = (results.slice(0, lookups.length) as Requester[][]).flat();
  if (missing.length) keepRequesters(requesterVersionOf(results[lookups.length]), read);
  if (catalog) sawCatalogVersion(ctx, versionOf(results.at(-1) as D1Result));
  for (const u of read) found.set(u.id, u);
  return found;
}

const TICKET_COLUMNS = Object.entries(getTableColumns(tickets));

/** A `SELECT tickets.*` row (SQL names, JSON as text, booleans as 0/1) as drizzle's row type. */
function fromSql(r: Record<string, unknown>): TicketRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of TICKET_COLUMNS) {
    const value = r[column.name];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as TicketRow;
}
