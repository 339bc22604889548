import { inArray } from "drizzle-orm";
import { idTime, idTimePrefix } from "../lib/ids";
import { createDb, selectIn, type Database } from "./client";
import { tickets } from "./schema";

/**
 * Where a ticket lives (issue 15, "beyond one database"; docs/scale.md "Year databases"). Every
 * ticket starts in the main database `DB` and stays there while it is live. Once its creation year
 * is over and it is archived (closed, its comments and history in R2), the retire job
 * (features/archive/archive.retire.ts) moves its stub row into that year's own D1 database, bound
 * as `TICKETS_<year>` (wrangler.toml; schema: migrations-years/). Which years exist is read from
 * the bindings, so adding a year is a wrangler.toml change. A ticket's id is time-ordered (its
 * first 10 characters are its creation instant, lib/ids.ts, imports and the bench seed included),
 * so the id says which year database can hold it without a lookup; the number (TICK-YYYYMMDD-…)
 * says the same.
 */

const YEAR_BINDING = /^TICKETS_(\d{4})$/;

export interface YearStore {
  year: number;
  /** The binding's name (`TICKETS_2025`): what a list cursor and the bench name it by. */
  name: string;
  db: Database;
}

/** The year bindings of an env, as they are (the metering wrapper of the bench wraps them). */
export const yearBindings = (env: object): [string, D1Database][] =>
  Object.entries(env).filter((e): e is [string, D1Database] => YEAR_BINDING.test(e[0]) && !!e[1] && typeof (e[1] as D1Database).prepare === "function");

/** The year databases bound to the Worker, newest first (an unbound year is not one). */
export function yearStores(env: object): YearStore[] {
  return yearBindings(env)
    .map(([name, d1]) => ({ year: Number(YEAR_BINDING.exec(name)![1]), name, db: createDb(d1) }))
    .sort((a, b) => b.year - a.year);
}

export const yearStore = (env: object, year: number): YearStore | undefined => yearStores(env).find((s) => s.year === year);

/** The UTC year a ticket reference (id or TICK-YYYYMMDD-n number) was created in, or null. */
export function yearOfTicketRef(ref: string): number | null {
  const number = /^TICK-(\d{4})\d{4}-\d+$/.exec(ref);
  if (number) return Number(number[1]);
  const t = idTime(ref);
  return t === null ? null : new Date(t).getUTCFullYear();
}

/** The year's bounds as ISO instants (created_at) and as id prefixes (ids of that year sort in [loId, hiId)). */
export function yearBounds(year: number) {
  const lo = Date.UTC(year, 0, 1);
  const hi = Date.UTC(year + 1, 0, 1);
  return { lo: new Date(lo).toISOString(), hi: new Date(hi).toISOString(), loId: idTimePrefix(lo), hiId: idTimePrefix(hi) };
}

/** The year database that may hold a ticket by this reference (none: the ticket lives in main or nowhere). */
export function storeOfTicketRef(env: object, ref: string): YearStore | undefined {
  const year = yearOfTicketRef(ref);
  return year === null ? undefined : yearStore(env, year);
}

/**
 * Main's rows (deleted ones too) of these ticket ids: the ones main holds. A year's row whose id
 * main holds is not the ticket: main's is (a retire interrupted between its copy and its delete,
 * or a bring-back's leftover: features/archive/archive.retire.ts). Every read that merges years
 * with main drops such a year row: the list and search (by id, `heldInMain`) and the incremental
 * export (which hands out main's row in its place). One primary-key lookup per id.
 */
export const mainRowsOf = (main: Database, ids: readonly string[]): Promise<(typeof tickets.$inferSelect)[]> =>
  selectIn([...new Set(ids)], (slice) => main.select().from(tickets).where(inArray(tickets.id, slice)));

/** Which of these ticket ids main holds (see `mainRowsOf`): the same lookup, ids only (a page's rows need no second copy). */
export const heldInMain = async (main: Database, ids: readonly string[]): Promise<Set<string>> =>
  new Set((await selectIn([...new Set(ids)], (slice) => main.select({ id: tickets.id }).from(tickets).where(inArray(tickets.id, slice)))).map((r) => r.id));
