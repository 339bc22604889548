import { failAssumption } from "../../db/batch-assumptions";
import { textStatement, type BatchItem, type Database } from "../../db/client";
import type { FieldCatalog } from "../../domain/custom-fields";
import type { ServiceContext } from "../../lib/request-context";

/**
 * The field catalog this isolate last read, kept with the catalog's version: a GET or a list page
 * of tickets with custom field values renders from it instead of reading every definition again
 * (the bench's get ticket read 3 of its 6 rows there; issue 2 wants ≤ 5).
 *
 * Why a kept catalog may be used: every write of a field definition, whoever makes it, sets a new
 * random version (migrations/0047's triggers on ticket_fields), and the catalog is read with the
 * version in one batch (a transaction), so the kept catalog IS the catalog at its version. A request
 * uses it only when it read the version in a D1 call of its own rows ({@link versionRead}, no call of
 * its own: a GET with the ticket, a list page with its requesters, after its rows) and found the kept
 * one; otherwise it reads the catalog again, as before. A stale catalog would be a leak, not a miss (a
 * field just made not customer_visible, still shown to the customer), so there is no time-to-live:
 * only the version.
 *
 * A write (a create, a change: tickets.service.ts) validates against the kept catalog before any D1
 * call and its plan carries the check ({@link catalogHeld}, fields.service.ts PlannedCatalog) that
 * fails its batch (the "catalog" batch assumption, db/batch-assumptions.ts) unless the version is
 * still the kept one; it is then planned again from a fresh read (features/tickets/ticket-write.ts).
 * A refusal, or a change that writes nothing (no batch to check), is decided on a fresh read only.
 * A write planned from the request's own catalog carries the same check: a request lasts (a bulk of
 * 100 tickets, the SLA sweep's run), and a definition written meanwhile (an option removed, a field
 * hidden from customers or made required to resolve) must not be taken by its later writes. Its
 * refusals stand: they were decided on what the request read.
 * The same shape as the caller's profile (db/caller-gate.ts) and the ticket rows
 * (features/tickets/kept-rows.ts): kept in the isolate, trusted only against a check in a D1 call
 * the request makes anyway.
 *
 * The version lives in `rule_state` (the deployment's small key/value rows, beside the rule set's
 * version: rules name fields too). Triggers, not the service's batches, set it: a definition written
 * by anything else (an isolate still running older code, a script) would otherwise leave warm
 * isolates stale for as long as they live. Random, not a counter: a database restored to an earlier
 * state (D1 Time Travel) must not come back to a value an isolate kept another catalog under.
 * Custom statuses are not kept (read where they are needed).
 */
export const CATALOG_VERSION_KEY = "ticket_catalog_version";

// A constant key, inlined: the read rides in other statements' batches with no parameter of its own.
const VERSION_TEXT = `select coalesce((select "value" from "rule_state" where "key" = '${CATALOG_VERSION_KEY}'), '0') as "version"`;
/**
 * Fails the batch (the "catalog" assumption) unless the version is still the bound one. The version
 * comes from a subquery, not a constant, so the failure is evaluated only when they differ.
 */
const CATALOG_HELD = `select ${failAssumption("catalog", '"version"')} from (${VERSION_TEXT}) where "version" is not ?`;
export const catalogHeld = (db: Database, version: string): BatchItem => textStatement(db, CATALOG_HELD, [version]);

/** The version's read as a D1 statement, and the version from its result. */
export const versionRead = (d1: D1Database | D1DatabaseSession) => d1.prepare(VERSION_TEXT);
/** The version's read as a drizzle batch item (a batch built with ctx.db.batch). */
export const versionReadItem = (db: Database): BatchItem => textStatement(db, VERSION_TEXT, []);
export function versionOf(result: D1Result | undefined): string {
  const version = (result?.results[0] as { version?: unknown } | undefined)?.version;
  // The read always answers a row (coalesce): anything else is a bug, not a version to compare.
  if (typeof version !== "string") throw new Error("the field catalog's version read answered no version");
  return version;
}

/** A catalog with the version it was read (or kept) under. */
export interface VersionedCatalog {
  version: string;
  fields: FieldCatalog;
}

// The isolate's copy: the last catalog read, with its version.
let kept: VersionedCatalog | null = null;

// The catalog each request uses: the one it read, or the kept one at the version it read with its
// rows, with that version. A request that has one uses it throughout (its validation, its views, its
// writes' plans); its writes check the version still holds (fields.service.ts PlannedCatalog).
const used = new WeakMap<ServiceContext, Promise<VersionedCatalog>>();

/**
 * Notes the version a context's read found (in a D1 call of its rows, after them): the kept catalog
 * at that version is the request's from here on; another version leaves it to read the catalog.
 */
export function sawCatalogVersion(ctx: ServiceContext, version: string): void {
  if (!used.has(ctx) && kept?.version === version) used.set(ctx, Promise.resolve(kept));
}

/** The catalog the request uses, with its version, if it has one (read, or kept at the version it read). */
export const requestCatalog = (ctx: ServiceContext): Promise<VersionedCatalog> | undefined => used.get(ctx);

/** The catalog the request read (with its version, one batch): its own from here on. */
export function setRequestCatalog(ctx: ServiceContext, catalog: Promise<VersionedCatalog>): void {
  used.set(ctx, catalog);
}

/** The context's definitions changed (an admin's write): what it used names no catalog any more. */
export function forgetRequestCatalog(ctx: ServiceContext): void {
  used.delete(ctx);
}

/** Whether the request has its catalog already: no need to read the version again. */
export const hasRequestCatalog = (ctx: ServiceContext): boolean => used.has(ctx);

/**
 * Keeps a catalog read with its version (one batch). The last read wins: one from a lagging replica
 * may replace a newer one, which costs the next request a read, never a stale view.
 */
export function keepFieldCatalog(version: string, fields: FieldCatalog): void {
  kept = { version, fields };
}

/** The kept catalog whatever its version, for a write whose batch checks it ({@link catalogHeld}); null when none is kept. */
export const keptForWrite = (): VersionedCatalog | null => kept;

/**
 * Requests a write of which found its catalog stale: their reads of the catalog go to the primary
 * from then on (fields.service.ts readFieldCatalog), and their plans no longer take the isolate's
 * copy (plannedFieldCatalog). The request's session may be served by a replica that has its own
 * writes but not the definition change that failed the check, and another request's read on such a
 * replica may keep the failed version as the isolate's copy again: either would give the stale
 * version back until the write ran out of attempts (a 409 for an edit that is fine).
 */
const checkedStale = new WeakSet<ServiceContext>();
export const readsCatalogOnPrimary = (ctx: ServiceContext): boolean => checkedStale.has(ctx);

/**
 * A write's batch found the catalog of one of `versions` stale: the isolate's copy and the request's
 * own catalog, when of such a version, are forgotten, so the write's next plan reads the catalog
 * again. One kept since (another request's read, newer) stays, and so does a request's read since
 * (another write of the same request, in flight at once, that planned again first).
 */
export async function forgetStaleCatalog(ctx: ServiceContext, versions: readonly string[]): Promise<void> {
  checkedStale.add(ctx);
  if (kept && versions.includes(kept.version)) kept = null;
  const mine = used.get(ctx);
  // A failed read is forgotten by its reader (fields.service.ts freshFieldCatalog).
  const version = await mine?.then((c) => c.version, () => null);
  if (mine && used.get(ctx) === mine && version && versions.includes(version)) used.delete(ctx);
}
