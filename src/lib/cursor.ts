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
const payloadSchema = z.object({ s: z.string(), k: z.union([keyPart, z.array(keyPart).max(4)]), id: z.string() });
export type CursorKey = string | number | null | (string | number | null)[];
export type CursorPosition = { key: CursorKey; id: string };

const MAC_BYTES = 16;
const decoder = new TextDecoder();

export async function encodeCursor(secret: string, sort: string, position: CursorPosition): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify({ s: sort, k: position.key, id: position.id }));
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
  return { key: parsed.k, id: parsed.id };
}

/**
 * "Past this position" of a newest-first `(key, id)` order, as a row-value comparison: SQLite seeks
 * straight to it in an index ending in `(key, id)`, so every page reads only its own rows. The
 * spelled-out `key < ? OR (key = ? AND id < ?)` makes it walk every row before the cursor instead.
 */
export function olderThan(key: SQLiteColumn, id: SQLiteColumn, position: { key: string; id: string }): SQL {
  return sql`(${key}, ${id}) < (${position.key}, ${position.id})`;
}

/** The mirror of `olderThan` for ascending pages (oldest first). */
export function newerThan(key: SQLiteColumn, id: SQLiteColumn, position: { key: string; id: string }): SQL {
  return sql`(${key}, ${id}) > (${position.key}, ${position.id})`;
}

/** A keyset page from a query that fetched `limit + 1` rows: the page, and the cursor after its last row if more follow. */
export async function keysetPage<Row>(rows: Row[], limit: number, cursorAfter: (last: Row) => Promise<string>) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last !== undefined ? await cursorAfter(last) : null };
}
