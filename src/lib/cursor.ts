import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { fromBase64Url, hmac, timingSafeEqual, toBase64Url } from "./crypto";
import { validation } from "./errors";

/**
 * Keyset cursors: the last row's sort key and id, bound to the sort they were made for and signed,
 * so a client can neither forge a position nor reuse a cursor with another ordering.
 */
const keyPart = z.union([z.string(), z.number(), z.null()]);
// `u`: the ticket list's untied mark (tickets.list.ts). A field of its own, not a suffix of `id`:
// code before it ignores an unknown field, so a cursor made by a newer release pages on in an older one.
const payloadSchema = z.object({ s: z.string(), k: z.union([keyPart, z.array(keyPart).max(4)]), id: z.string(), u: z.literal(1).optional() });
export type CursorKey = string | number | null | (string | number | null)[];
export type CursorPosition = { key: CursorKey; id: string; untied?: true };

const MAC_BYTES = 16;
const decoder = new TextDecoder();

export async function encodeCursor(secret: string, sort: string, position: CursorPosition): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify({ s: sort, k: position.key, id: position.id, ...(position.untied ? { u: 1 } : {}) }));
  const mac = (await hmac(secret, payload)).slice(0, MAC_BYTES);
  return `${toBase64Url(payload)}.${toBase64Url(mac)}`;
}

export async function decodeCursor(secret: string, sort: string, cursor: string): Promise<CursorPosition> {
  const bad = () => validation("Invalid cursor", { cursor: ["The cursor is malformed, tampered with, or belongs to another sort"] });
  const [body, sig, ...rest] = cursor.split(".");
  if (!body || !sig || rest.length) throw bad();
  const payload = fromBase64Url(body);
  const mac = fromBase64Url(sig);
  if (!payload || !mac) throw bad();
  const expected = (await hmac(secret, payload)).slice(0, MAC_BYTES);
  if (!timingSafeEqual(mac, expected)) throw bad();
  let parsed: z.infer<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(decoder.decode(payload)));
  } catch {
    throw bad();
  }
  if (parsed.s !== sort) throw bad();
  return { key: parsed.k, id: parsed.id, ...(parsed.u ? { untied: true as const } : {}) };
}

export type KeyValue = string | number | null;
export interface KeyColumn {
  column: SQLiteColumn;
  dir: "asc" | "desc";
}

/**
 * The rows after a keyset position in the order of `columns` (the last one unique, usually the
 * id): the one keyset condition of every list and sweep. In one direction it is a row-value
 * comparison, which SQLite seeks straight to in an index ending in those columns, so every page
 * reads only its own rows; the spelled-out `key < ? OR (key = ? AND id < ?)` makes it walk every row
 * before the cursor instead. Mixed directions (which a row value cannot express) get the spelled
 * form plus a redundant bound on the first column, which lets SQLite seek to the cursor too.
 */
export function afterKey(columns: readonly KeyColumn[], values: readonly KeyValue[]): SQL {
  if (values.length !== columns.length) throw validation("Invalid cursor", { cursor: ["The cursor does not fit this sort"] });
  const dir = columns[0]!.dir;
  const cmp = (c: KeyColumn, v: KeyValue) => (c.dir === "asc" ? sql`${c.column} > ${v}` : sql`${c.column} < ${v}`);
  if (columns.every((c) => c.dir === dir)) {
    const cols = sql.join(columns.map((c) => sql`${c.column}`), sql`, `);
    const vals = sql.join(values.map((v) => sql`${v}`), sql`, `);
    return dir === "asc" ? sql`(${cols}) > (${vals})` : sql`(${cols}) < (${vals})`;
  }
  const clauses = columns.map((c, i) => sql.join([...columns.slice(0, i).map((p, j) => sql`${p.column} = ${values[j]}`), cmp(c, values[i]!)], sql` AND `));
  const first = columns[0]!;
  const bound = first.dir === "asc" ? sql`${first.column} >= ${values[0]}` : sql`${first.column} <= ${values[0]}`;
  return sql`(${bound} AND (${sql.join(clauses.map((c) => sql`(${c})`), sql` OR `)}))`;
}

/** Newest first by `(key, id)`: the rows after `position`. */
export const olderThan = (key: SQLiteColumn, id: SQLiteColumn, position: CursorPosition): SQL =>
  afterKey([{ column: key, dir: "desc" }, { column: id, dir: "desc" }], [...keyValues(position.key), position.id]);

/** Oldest first by `(key, id)`: the rows after `position`. */
export const newerThan = (key: SQLiteColumn, id: SQLiteColumn, position: CursorPosition): SQL =>
  afterKey([{ column: key, dir: "asc" }, { column: id, dir: "asc" }], [...keyValues(position.key), position.id]);

const keyValues = (key: CursorKey): KeyValue[] => (Array.isArray(key) ? key : [key]);

/** A keyset page from a query that fetched `limit + 1` rows: the page, and the cursor after its last row if more follow. */
export async function keysetPage<Row>(rows: Row[], limit: number, cursorAfter: (last: Row) => Promise<string>) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last !== undefined ? await cursorAfter(last) : null };
}
