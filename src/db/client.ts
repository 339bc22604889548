import type { SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/**
 * Drizzle over a D1 database or a D1 session. A session keeps read-your-writes across replicas;
 * drizzle only needs `prepare` and `batch`, which a session has.
 */
export function createDb(d1: D1Database | D1DatabaseSession) {
  return drizzle(d1 as D1Database, { schema });
}
export type Database = ReturnType<typeof createDb>;

type BatchItem = Parameters<Database["batch"]>[0][number];

/** One atomic D1 batch (all or nothing) from a list that may be built up conditionally. */
export async function runBatch(db: Database, items: BatchItem[]): Promise<void> {
  if (!items.length) return;
  await db.batch(items as [BatchItem, ...BatchItem[]]);
}
export type { BatchItem };

/**
 * A raw SQL statement with bound parameters as a batch item. drizzle's `db.run(sql)` in a D1 batch
 * only works without parameters (its prepared form has no statement to bind: drizzle-orm 0.45);
 * this one prepares the statement itself.
 */
export function sqlStatement(db: Database, query: SQL): BatchItem {
  const raw = db.run(query);
  const built = raw.getQuery();
  const prepared = {
    stmt: (db.$client as D1Database).prepare(built.sql),
    getQuery: () => built,
    mapResult: (result: unknown, fromBatch?: boolean) => (raw as unknown as { mapResult(r: unknown, b?: boolean): unknown }).mapResult(result, fromBatch),
  };
  return Object.assign(raw, { _prepare: () => prepared }) as BatchItem;
}
