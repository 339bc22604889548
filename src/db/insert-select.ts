import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";

/** What a column gets when an insert names no value for it: its default, else NULL. */
function defaultOf(column: SQLiteColumn): SQL {
  if (!column.hasDefault || column.default === undefined) return sql`NULL`;
  return is(column.default, SQL) ? column.default : sql`${column.mapToDriverValue(column.default)}`;
}

/**
 * The select list of an `INSERT INTO <table> SELECT …`: drizzle wants every column of the table, in
 * its order. The values given are used; every other column gets its default (or NULL), so a column
 * another feature adds later does not break this insert.
 */
export function selectAllColumns<T extends SQLiteTable>(table: T, values: Partial<Record<keyof T["_"]["columns"], SQL | SQLiteColumn>>) {
  const out: Record<string, SQL.Aliased | SQLiteColumn> = {};
  for (const [key, column] of Object.entries(getTableColumns(table)) as [string, SQLiteColumn][]) {
    const given = (values as Record<string, SQL | SQLiteColumn | undefined>)[key];
    out[key] = given === undefined ? defaultOf(column).as(column.name) : is(given, SQL) ? given.as(column.name) : given;
  }
  return out as never;
}
