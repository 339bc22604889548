import { getTableName, is, SQL, sql, type Column } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { compileSql, insertColumnList, insertColumns, textStatement, type BatchItem, type Database } from "./client";

/** What a column gets when an insert names no value for it: its default (a `$defaultFn`'s value, as insertRow binds it), else NULL. */
function defaultOf(column: SQLiteColumn): SQL {
  if (column.defaultFn) {
    const v = column.defaultFn();
    return is(v, SQL) ? v : sql`${column.mapToDriverValue(v)}`;
  }
  if (!column.hasDefault || column.default === undefined) return sql`NULL`;
  return is(column.default, SQL) ? column.default : sql`${column.mapToDriverValue(column.default)}`;
}

/** A value of {@link insertSelect}'s select list: SQL, or a value bound as it is (already what the driver takes). */
export type SelectValue = SQL | string | number | null;

/**
 * `INSERT INTO <table> (<its insertable columns>) SELECT <one value per column> <rest> ON CONFLICT DO
 * NOTHING`, optionally `RETURNING` the given columns: a fan-out decided inside the batch. A column not
 * in `values` gets its default (or NULL), so one another feature adds later does not break it. As
 * text when the SELECT compiles (compileSql: drizzle's building was most of these statements' cost,
 * and every ticket write has several), else built by drizzle. The returned rows: `returnedRows`.
 */
export function insertSelect<T extends SQLiteTable>(
  db: Database,
  table: T,
  values: Partial<Record<keyof T["$inferSelect"], SelectValue>>,
  rest: SQL,
  returning?: Record<string, Column>,
): BatchItem {
  const given = values as Record<string, SelectValue | undefined>;
  const list = sql.join(
    insertColumns(table).map(([key, column]) => {
      const v = given[key];
      return v === undefined ? defaultOf(column as SQLiteColumn) : is(v, SQL) ? v : sql`${v}`;
    }),
    sql`, `,
  );
  const select = sql`SELECT ${list} ${rest}`;
  const compiled = compileSql(select);
  if (compiled) return textStatement(db, `insert into "${getTableName(table)}" (${insertColumnList(table)}) ${compiled.sql} on conflict do nothing`, compiled.params, returning);
  const insert = db.insert(table).select(select).onConflictDoNothing();
  return returning ? insert.returning(returning as never) : insert;
}
