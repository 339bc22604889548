import { Column, eq, getTableColumns, getTableName, is, isNotNull, isNull, Name, Param, Placeholder, sql, SQL, StringChunk, Table, type GetColumnData } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteTable } from "drizzle-orm/sqlite-core";

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
export function rememberResults(items: readonly BatchItem[], results: readonly unknown[]): void {
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

// The text emitters below (compileSql, insertRow, updateRow, preparedSelect) map values one way:
// a column's (or a parameter's encoder's) own mapping, null as null, and anything drizzle must build
// itself (SQL, a placeholder) refused.

/** Returned by {@link toDriver} for a value that is SQL (or becomes SQL): drizzle's to build. */
const NOT_PLAIN: unique symbol = Symbol("not a plain value");

/** A value as a bound parameter: through `encoder` (a column, or a parameter's encoder), null as null. */
function toDriver(encoder: { mapToDriverValue(value: unknown): unknown }, value: unknown): unknown {
  if (value === null) return null;
  if (is(value, SQL) || is(value, Param) || is(value, Placeholder)) return NOT_PLAIN;
  const v = encoder.mapToDriverValue(value);
  return is(v, SQL) ? NOT_PLAIN : v;
}

/** A value read from D1 as the column reads it (JSON, booleans), null as null. */
const fromDriver = (column: Column, value: unknown): unknown => (value === null || value === undefined ? null : column.mapFromDriverValue(value));

// A table's columns by property name, once per table.
const columnsByKey = new WeakMap<SQLiteTable, Record<string, Column>>();
function columnsOf(table: SQLiteTable): Record<string, Column> {
  let columns = columnsByKey.get(table);
  if (!columns) columnsByKey.set(table, (columns = getTableColumns(table) as Record<string, Column>));
  return columns;
}

// A table's insertable columns, in the table's order: generated ones are left out (drizzle's own filter).
const insertables = new WeakMap<SQLiteTable, [string, Column][]>();
/** A table's insertable columns as [property name, column], in the table's order (what an INSERT lists). */
export function insertColumns(table: SQLiteTable): readonly [string, Column][] {
  let columns = insertables.get(table);
  if (!columns) {
    columns = Object.entries(columnsOf(table)).filter(([, c]) => !(c as Column & { shouldDisableInsert(): boolean }).shouldDisableInsert());
    insertables.set(table, columns);
  }
  return columns;
}

/**
 * SQL text and parameters of a `sql` template made of the parts our hand-written statements use
 * (text, names, tables, columns, values, nested templates), as drizzle's dialect writes them for
 * SQLite; null for anything else (the caller lets drizzle build it). drizzle's building walks every
 * part through its generic checks and a tracing span: most of a hand-written statement's CPU.
 */
export function compileSql(query: SQL): { sql: string; params: unknown[] } | null {
  const out: string[] = [];
  const params: unknown[] = [];
  const walk = (chunks: readonly unknown[]): boolean => {
    for (const chunk of chunks) {
      if (chunk === undefined) continue;
      if (chunk === null || typeof chunk === "string" || typeof chunk === "number" || typeof chunk === "boolean" || typeof chunk === "bigint") {
        out.push("?");
        params.push(chunk);
      } else if (chunk instanceof StringChunk) out.push(chunk.value.join(""));
      else if (chunk instanceof SQL) {
        if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams || !walk(chunk.queryChunks)) return false;
      } else if (chunk instanceof Param) {
        const v = toDriver(chunk.encoder, chunk.value);
        if (v === NOT_PLAIN) return false;
        out.push("?");
        params.push(v);
      } else if (chunk instanceof Column) out.push(`"${getTableName(chunk.table)}"."${chunk.name}"`);
      else if (chunk instanceof Table) out.push(`"${getTableName(chunk)}"`);
      else if (chunk instanceof Name) out.push(`"${chunk.value}"`);
      else if (Array.isArray(chunk)) {
        out.push("(");
        for (let i = 0; i < chunk.length; i++) {
          if (i) out.push(", ");
          if (!walk([chunk[i]])) return false;
        }
        out.push(")");
      } else return false;
    }
    return true;
  };
  return walk(query.queryChunks) ? { sql: out.join(""), params } : null;
}

/**
 * A hand-written statement with bound parameters (INSERT … SELECT, which the query builder cannot
 * express for some of our tables) as a batch item. drizzle 0.45's D1 batch binds parameters to a
 * prepared `stmt` that its raw queries do not carry (`Cannot read properties of undefined (reading
 * 'bind')`), so the statement is prepared here on the same database or session.
 */
export function batchStatement(db: Database, query: SQL): BatchItem {
  const compiled = compileSql(query);
  if (compiled) return textStatement(db, compiled.sql, compiled.params);
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
export function textStatement(db: Database, text: string, params: readonly unknown[], returning?: Record<string, Column>): BatchItem {
  if (returning) text = `${text} returning ${Object.values(returning).map((c) => `"${c.name}"`).join(", ")}`;
  const built = { sql: text, params: [...params], method: "run" as const };
  const item = Object.assign(db.run(sql.raw(text)), { stmt: db.$client.prepare(text), getQuery: () => built });
  if (returning) returningColumns.set(item, Object.entries(returning));
  return item;
}

// The RETURNING columns of a text statement (one table's: their names are distinct), by statement.
const returningColumns = new WeakMap<BatchItem, [string, Column][]>();

/**
 * The rows a committed batch's statement returned (RETURNING), as its columns read them: a text
 * statement's rows mapped here by column name, a drizzle-built one's as drizzle mapped them;
 * undefined when not known.
 */
export function returnedRows<T>(item: BatchItem): T[] | undefined {
  const result = committed.get(item);
  const columns = returningColumns.get(item);
  if (!columns) return Array.isArray(result) ? (result as T[]) : undefined;
  const rows = (result as D1Result | undefined)?.results as Record<string, unknown>[] | undefined;
  return rows?.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [key, c] of columns) out[key] = fromDriver(c, r[c.name]);
    return out as T;
  });
}

// A table's insert statement as text, once per table: every insertable column, in the table's order.
const insertTexts = new WeakMap<SQLiteTable, string>();

function insertText(table: SQLiteTable): string {
  let text = insertTexts.get(table);
  if (!text) {
    const columns = insertColumns(table);
    text = `insert into "${getTableName(table)}" (${insertColumnList(table)}) values (${columns.map(() => "?").join(", ")})`;
    insertTexts.set(table, text);
  }
  return text;
}

/** A table's insertable columns' names, as an INSERT lists them (`"a", "b"`). */
export const insertColumnList = (table: SQLiteTable): string =>
  insertColumns(table)
    .map(([, c]) => `"${c.name}"`)
    .join(", ");

/**
 * One row's INSERT as a text statement: what `db.insert(table).values(value)` writes (every column,
 * a missing one as its default, values through the column's own mapping: JSON, booleans), without
 * building the query per call (drizzle's building was 7–14 % of a write's profile). A value given as
 * SQL, or a missing column whose default is SQL, goes through drizzle as before.
 */
export function insertRow<T extends SQLiteTable>(db: Database, table: T, value: T["$inferInsert"], options: { onConflictDoNothing?: true } = {}): BatchItem {
  const row = value as Record<string, unknown>;
  const params: unknown[] = [];
  for (const [key, column] of insertColumns(table)) {
    let v = row[key];
    if (v === undefined) {
      if (column.default !== undefined && column.default !== null) v = column.default;
      else if (column.defaultFn) v = column.defaultFn();
      else if (column.onUpdateFn) v = column.onUpdateFn();
      else v = null;
    }
    const p = toDriver(column, v);
    if (p === NOT_PLAIN) return options.onConflictDoNothing ? db.insert(table).values(value).onConflictDoNothing() : db.insert(table).values(value);
    params.push(p);
  }
  const text = insertText(table);
  return textStatement(db, options.onConflictDoNothing ? `${text} on conflict do nothing` : text, params);
}

/** {@link updateRow}'s tests of a column for null (any other value is compared with `=`). */
export const IS_NULL: unique symbol = Symbol("is null");
export const IS_NOT_NULL: unique symbol = Symbol("is not null");
/** One condition of {@link updateRow}'s WHERE: a column equal to a value, or null / not null. */
export type RowCondition<T extends SQLiteTable> = readonly [key: keyof T["$inferSelect"] & string, value: unknown];

/** One {@link RowCondition} as drizzle SQL: the test {@link updateRow} writes as text. */
export function rowTest<T extends SQLiteTable>(table: T, [key, value]: RowCondition<T>): SQL {
  const column = columnsOf(table)[key]!;
  return value === IS_NULL ? isNull(column) : value === IS_NOT_NULL ? isNotNull(column) : eq(column, value);
}

/**
 * `UPDATE table SET … WHERE …` as a text statement: the columns of `set` (undefined ones left out, as
 * drizzle does), values through each column's mapping, the conditions ANDed, and `also` (one more
 * condition as SQL, a subquery). Null when a value is SQL, or `also` is not plain (the caller builds
 * that one with drizzle). The guarded update of every ticket write, whose
 * building was a tenth of a reply's drizzle time.
 */
export function updateRow<T extends SQLiteTable>(db: Database, table: T, set: Record<string, unknown>, where: readonly RowCondition<T>[], also?: SQL): BatchItem | null {
  const columns = columnsOf(table);
  const assigns: string[] = [];
  const params: unknown[] = [];
  for (const [key, v] of Object.entries(set)) {
    if (v === undefined) continue;
    const column = columns[key];
    const p = column ? toDriver(column, v) : NOT_PLAIN;
    if (p === NOT_PLAIN) return null;
    assigns.push(`"${column!.name}" = ?`);
    params.push(p);
  }
  if (!assigns.length) return null;
  const tests = where.map((w) => {
    const column = columns[w[0]]!;
    const name = `"${getTableName(table)}"."${column.name}"`;
    if (w[1] === IS_NULL || w[1] === IS_NOT_NULL) return `${name} ${w[1] === IS_NULL ? "is null" : "is not null"}`;
    const p = toDriver(column, w[1]);
    if (p === NOT_PLAIN) throw new TypeError(`updateRow: the condition on ${w[0]} is SQL`);
    params.push(p);
    return `${name} = ?`;
  });
  if (also) {
    const extra = compileSql(also);
    if (!extra) return null;
    tests.push(`(${extra.sql})`);
    params.push(...extra.params);
  }
  return textStatement(db, `update "${getTableName(table)}" set ${assigns.join(", ")} where ${tests.join(" and ")}`, params);
}

type Pickable = Column | SQLiteTable | Record<string, Column>;
/** What one picked field reads as: a column's value, a table's row, an object of columns. */
type Picked<P> = P extends SQLiteTable ? P["$inferSelect"] : P extends Column ? GetColumnData<P> : P extends Record<string, Column> ? { [K in keyof P]: GetColumnData<P[K]> } : never;

/**
 * A prepared select's column list and how each result row becomes the picked shape. Each column is
 * selected under its position (`as "0"`, `as "1"`, …): D1 answers a batch's statement with objects
 * keyed by column name, where two columns of one name (`tickets.id`, `users.id`) would be one key.
 */
function selectShape(fields: Record<string, Pickable>) {
  const names: string[] = [];
  const decoders: (readonly [string, Column] | readonly [string, [string, Column][]])[] = [];
  const named = (c: Column) => (names.push(`"${getTableName(c.table)}"."${c.name}" as "${names.length}"`), c);
  for (const [key, f] of Object.entries(fields)) {
    if (is(f, Column)) decoders.push([key, named(f)] as const);
    else {
      const columns = is(f, SQLiteTable) ? columnsOf(f) : (f as Record<string, Column>);
      decoders.push([key, Object.entries(columns).map(([k, c]) => [k, named(c)] as [string, Column])] as const);
    }
  }
  /** A row given by position: an array (`raw()`) or an object keyed "0", "1", … (a batch's result). */
  const toRow = (values: ArrayLike<unknown> | Record<string, unknown>) => {
    const at = values as Record<number, unknown>;
    const out: Record<string, unknown> = {};
    let i = 0;
    for (const [key, d] of decoders) {
      if (Array.isArray(d)) {
        const o: Record<string, unknown> = {};
        for (const [k, c] of d) o[k] = fromDriver(c, at[i++]);
        out[key] = o;
      } else out[key] = fromDriver(d as Column, at[i++]);
    }
    return out;
  };
  return { list: names.join(", "), toRow };
}

/**
 * A select as text, made once where it is declared: `fields` (columns, whole tables, objects of
 * columns, as drizzle's `select({...})` takes them) and the SQL after the column list (`from …
 * where … = ?`). Each call binds its parameters and maps the row through each column's own mapping
 * (JSON, booleans), with no query building: for the reads every write makes (the caller, the
 * ticket), where drizzle's building and mapping were ~0.1–0.3 ms each.
 */
export function preparedSelect<F extends Record<string, Pickable>>(fields: F, rest: string) {
  type Row = { [K in keyof F]: Picked<F[K]> };
  let made: (ReturnType<typeof selectShape> & { text: string }) | undefined;
  const shape = () => (made ??= (({ list, toRow }) => ({ list, toRow, text: `select ${list} ${rest}` }))(selectShape(fields)));
  // `d1`: the database or session (a Database's `$client`).
  const run = async (d1: D1Database | D1DatabaseSession, params: readonly unknown[]): Promise<Row[]> => {
    // all(), not raw(): its rows are objects keyed by position, so a request's first D1 call can carry
    // this read in a batch (db/caller-gate.ts), which answers rows only as objects.
    const { results } = await d1.prepare(shape().text).bind(...params).all<Record<string, unknown>>();
    return results.map((r) => shape().toRow(r) as Row);
  };
  /** The select as a statement of a D1 batch, and its rows from that statement's result (each column by its position's name). */
  const inBatch = (d1: D1Database | D1DatabaseSession, params: readonly unknown[]) => ({
    statement: d1.prepare(shape().text).bind(...params),
    rows: (result: D1Result): Row[] => (result.results as Record<string, unknown>[]).map((r) => shape().toRow(r) as Row),
  });
  return Object.assign(run, { inBatch });
}

/** D1 binds at most 100 parameters per statement ("too many SQL variables" past it). */
export const D1_MAX_PARAMS = 100;
/** Id lists go in slices of this many, within {@link D1_MAX_PARAMS} with a few other parameters. */
export const IDS_PER_STATEMENT = 90;

export const slices = <T>(ids: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(ids.length / IDS_PER_STATEMENT) }, (_, i) => ids.slice(i * IDS_PER_STATEMENT, (i + 1) * IDS_PER_STATEMENT));

/** One query per slice of `ids`, results concatenated. */
export async function selectIn<T, Id = string>(ids: readonly Id[], query: (slice: Id[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const slice of slices(ids)) out.push(...(await query(slice)));
  return out;
}
