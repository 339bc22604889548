import { getTableColumns, getTableName, is, Param, sql, SQL, type Column } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Drizzle over a D1 database or a D1 session. A session keeps read-your-writes across replicas;
 * drizzle only needs `prepare` and `batch`, which a session has. Without `schema`: we use the query
 * builder only, never relational queries (`db.query.*`), and drizzle rebuilds the whole schema's
 * relational config on every call given one (3 % of a ticket create's CPU, several calls a request).
 */
export function createDb(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database);
}
export type Database = ReturnType<typeof createDb>;

type BatchItem = Parameters<Database["batch"]>[0][number];

/** One atomic D1 batch (all or nothing) from a list that may be built up conditionally; its results, by statement. */
export async function runBatch(db: Database, items: BatchItem[]): Promise<readonly unknown[]> {
  if (!items.length) return [];
  const results = await db.batch(items as [BatchItem, ...BatchItem[]]);
  rememberResults(items, results);
  return results;
}
export type { BatchItem };

// What each statement of a committed batch returned, by statement. After-commit work that would only
// look for rows one statement of the batch may have written (deliveries to enqueue, mail to queue)
// skips the D1 round trip when that statement wrote nothing, and a read that rode along in the
// batch (the rule set's version) is not made again.
const committed = new WeakMap<BatchItem, unknown>();

/** Records a committed batch's results against its statements (see {@link rowsWritten}, {@link batchResult}). */
function rememberResults(items: readonly BatchItem[], results: readonly unknown[]): void {
  items.forEach((item, i) => committed.set(item, results[i]));
}

/** What a statement of a committed batch returned (a select's rows); undefined when not known. */
export const batchResult = <T>(item: BatchItem): T | undefined => committed.get(item) as T | undefined;

/**
 * Rows D1 wrote for a statement of a committed batch (its rows and their index entries: 0 exactly
 * when it wrote nothing); undefined when not known. Not `meta.changes`: SQLite leaves that at the
 * previous statement's count when an INSERT … SELECT inserts nothing.
 */
export function rowsWritten(item: BatchItem): number | undefined {
  return meter(committed.get(item), "rows_written");
}

/** Rows D1 read for a committed batch, by its own count (`meta.rows_read` of each statement). */
export function batchRowsRead(results: readonly unknown[]): number {
  return results.reduce<number>((n, r) => n + (meter(r, "rows_read") ?? 0), 0);
}

/** One of D1's row counts from a statement's result; undefined when the result carries none. */
function meter(result: unknown, count: "rows_read" | "rows_written"): number | undefined {
  const n = (result as { meta?: Record<string, unknown> } | undefined)?.meta?.[count];
  return typeof n === "number" ? n : undefined;
}

/**
 * A hand-written statement with bound parameters (INSERT … SELECT, which the query builder cannot
 * express for some of our tables) as a batch item. drizzle 0.45's D1 batch binds parameters to a
 * prepared `stmt` that its raw queries do not carry (`Cannot read properties of undefined (reading
 * 'bind')`), so the statement is prepared here on the same database or session.
 */
export function batchStatement(db: Database, query: SQL): BatchItem {
  const raw = db.run(query);
  const built = raw.getQuery();
  // drizzle's batch would build the query again (sqlToQuery: most of a statement's CPU); it gets this one.
  return Object.assign(raw, { stmt: db.$client.prepare(built.sql), getQuery: () => built });
}

/**
 * A statement given as SQL text with `?` placeholders and its parameters, as a batch item: no query
 * building at all. For hot paths that write many generated statements (the report rollups: building
 * them with drizzle's `sql` cost about 1 ms of CPU per ticket write, more than running them).
 */
export function textStatement(db: Database, text: string, params: readonly unknown[]): BatchItem {
  const built = { sql: text, params: [...params], method: "run" as const };
  return Object.assign(db.run(sql.raw(text)), { stmt: db.$client.prepare(text), getQuery: () => built });
}

// A table's insert statement as text, once per table: every insertable column, in the table's order.
const insertShapes = new WeakMap<SQLiteTable, { text: string; columns: [string, Column][] }>();

function insertShape(table: SQLiteTable) {
  let shape = insertShapes.get(table);
  if (!shape) {
    // Generated columns are not inserted (drizzle's own filter).
    const columns = Object.entries(getTableColumns(table) as Record<string, Column>).filter(([, c]) => !(c as Column & { shouldDisableInsert(): boolean }).shouldDisableInsert());
    const names = columns.map(([, c]) => `"${c.name}"`).join(", ");
    shape = { text: `insert into "${getTableName(table)}" (${names}) values (${columns.map(() => "?").join(", ")})`, columns };
    insertShapes.set(table, shape);
  }
  return shape;
}

/**
 * One row's INSERT as a text statement: what `db.insert(table).values(value)` writes (every column,
 * a missing one as its default, values through the column's own mapping: JSON, booleans), without
 * building the query per call (drizzle's building was 7–14 % of a write's profile). A value given as
 * SQL, or a missing column whose default is SQL, goes through drizzle as before.
 */
export function insertRow<T extends SQLiteTable>(db: Database, table: T, value: T["$inferInsert"], options: { onConflictDoNothing?: true } = {}): BatchItem {
  const { text, columns } = insertShape(table);
  const row = value as Record<string, unknown>;
  const params: unknown[] = [];
  for (const [key, column] of columns) {
    let v = row[key];
    if (v === undefined) {
      if (column.default !== undefined && column.default !== null) v = column.default;
      else if (column.defaultFn) v = column.defaultFn();
      else if (column.onUpdateFn) v = column.onUpdateFn();
      else v = null;
    }
    if (is(v, SQL) || is(v, Param)) return options.onConflictDoNothing ? db.insert(table).values(value).onConflictDoNothing() : db.insert(table).values(value);
    params.push(v === null ? null : column.mapToDriverValue(v));
  }
  return textStatement(db, options.onConflictDoNothing ? `${text} on conflict do nothing` : text, params);
}

/** D1 binds at most 100 values per statement: id lists go in slices of this many. */
export const IDS_PER_STATEMENT = 90;

export const slices = <T>(ids: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(ids.length / IDS_PER_STATEMENT) }, (_, i) => ids.slice(i * IDS_PER_STATEMENT, (i + 1) * IDS_PER_STATEMENT));

/** One query per slice of `ids`, results concatenated. */
export async function selectIn<T, Id = string>(ids: readonly Id[], query: (slice: Id[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const slice of slices(ids)) out.push(...(await query(slice)));
  return out;
}
