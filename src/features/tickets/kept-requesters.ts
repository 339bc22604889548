import { sql, type SQL } from "drizzle-orm";
import { textStatement, type BatchItem, type Database } from "../../db/client";
import type { Requester } from "./tickets.serialize";

/**
 * The requesters (id, name, email) ticket lists of this isolate showed, kept with the requesters'
 * version: a list page uses them instead of one lookup per requester (issue 15 item 2: 25 of a
 * page's rows, and a D1 call of their own). Names and addresses almost never change, and the same
 * requesters come back page after page.
 *
 * Why a kept requester may be shown: every change of a user's name or email, and every delete or
 * replace of a user, whoever makes it (the service, a GDPR erasure, a script, an isolate running
 * older code), sets a new random version (migrations/0048's triggers on `users`). A requester is kept
 * only with the version read in the same batch (a transaction) as their row, so a kept requester IS
 * the row at that version; the version cannot come back after it moved (random, not a counter), so
 * while it is the current one, no name or email changed since. A page uses the kept ones only at the
 * version it read in its own first call of rows (the walk's: {@link requesterVersionRide}), which
 * comes before its requesters are read: the page then shows every requester as of that moment or
 * later, never older. Else it reads them, as before, and keeps them with the version read with them.
 * The same shape as the field catalog (features/fields/kept-catalog.ts).
 */
export const REQUESTER_VERSION_KEY = "requester_version";

/**
 * How many requesters an isolate keeps: the agents' lists cycle through the requesters of the
 * unsolved tickets (the bench's 1M tickets: a few thousand on the first pages of every view); a
 * requester is ~200 bytes, so ~1 MB at most. Least recently used goes first.
 */
export const KEPT_REQUESTERS = 4096;

// A constant key, inlined: the read rides in other statements' batches with no parameter of its own.
// No row (the migration not applied): null, and nothing is kept.
const VERSION_TEXT = `select (select "value" from "rule_state" where "key" = '${REQUESTER_VERSION_KEY}') as "requester_version"`;

/** The version's read as a drizzle batch item. */
export const requesterVersionItem = (db: Database): BatchItem => textStatement(db, VERSION_TEXT, []);

/** The version a read answered; null when there is none (nothing is kept then). */
export function requesterVersionOf(result: unknown): string | null {
  const version = ((result as { results?: unknown[] } | undefined)?.results?.[0] as { requester_version?: unknown } | undefined)?.requester_version;
  return typeof version === "string" ? version : null;
}

/**
 * The version's read riding in a list's first call of rows in main (tickets.list.ts readRows): a
 * page whose requesters are all kept then reads none and makes no call for them. `version` stays
 * undefined until a call carrying it answered (a failed call leaves it for the next).
 */
export interface VersionRide {
  statement: SQL;
  version: string | null | undefined;
}
export const requesterVersionRide = (): VersionRide => ({ statement: sql.raw(VERSION_TEXT), version: undefined });

// Map order is the recency order: a use moves an entry to the end, the first one goes first.
let kept: { version: string; requesters: Map<string, Requester> } = { version: "", requesters: new Map() };

/** The kept requesters among `ids` if they are kept at `version` (as they were then); the others are missing. */
export function keptRequesters(version: string, ids: readonly string[]): Map<string, Requester> {
  const found = new Map<string, Requester>();
  if (kept.version !== version) return found;
  for (const id of ids) {
    const requester = kept.requesters.get(id);
    if (!requester) continue;
    kept.requesters.delete(id);
    kept.requesters.set(id, requester);
    found.set(id, { ...requester });
  }
  return found;
}

/**
 * Keeps requesters read in one batch with `version`. Another version replaces every kept one: the
 * last read wins, and one from a lagging replica may replace a newer set, which costs the next page
 * a read, never a stale name.
 */
export function keepRequesters(version: string | null, read: readonly Requester[]): void {
  if (version === null) return;
  if (kept.version !== version) kept = { version, requesters: new Map() };
  for (const { id, name, email } of read) {
    kept.requesters.delete(id);
    kept.requesters.set(id, { id, name, email });
  }
  while (kept.requesters.size > KEPT_REQUESTERS) kept.requesters.delete(kept.requesters.keys().next().value as string);
}
