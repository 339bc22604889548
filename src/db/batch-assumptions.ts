/**
 * Assumptions a write's batch makes and checks inside D1 (a rollup rebuild is not running, no
 * webhook subscribes to the event): the writer sends the few statements the usual case needs, and
 * one of them fails the whole batch (nothing written) when the assumption does not hold; the writer
 * then doubts it for a while in this isolate and plans again with the statements that decide the
 * case inside the batch (features/tickets/ticket-write.ts). The check costs no statement of its own
 * where it rides in one the write sends anyway (the rollups' journal row).
 * Two are copies a create (and a reply planned from a kept row) uses instead of reading them (one D1 call): a priority's SLA
 * policies (features/sla `assumedPolicies`) and the caller's name and address (db/caller-gate.ts);
 * a third, the custom field catalog a create or change validates against (features/fields/kept-catalog.ts:
 * the isolate's copy or the request's own read, which a long request, a bulk, may hold for seconds);
 * when one is stale the write is planned again from the start, with a fresh read.
 *
 * The failure is SQLite's JSON path error, which quotes the path: `'<marker>: <name> …'`. The path
 * must not be constant (it names a column), so SQLite evaluates it only on the row that reaches it.
 */
export type Assumption = "rollups" | "webhooks" | "policies" | "caller" | "catalog";

const MARKER = "batch assumption failed";

/** SQL that fails the statement with the assumption's name when evaluated; `detail`: a non-constant SQL text expression (a column). */
export const failAssumption = (name: Assumption, detail: string) => `json_extract('{}', '${MARKER}: ${name} ' || ${detail})`;

/**
 * SQLite's path error quotes the path ("bad JSON path: '…'"; before 3.45 "JSON path error near '…'"):
 * anchored there, a parameter that merely holds the marker's text (drizzle quotes a failed query's
 * parameters in its error) is not taken for it.
 */
const FAILED = new RegExp(`JSON path[^']*'${MARKER}: (rollups|webhooks|policies|caller|catalog) `);

/** The assumption a D1 error says failed, if one did (db/errors.ts classifies it). */
export function failedAssumption(text: string): Assumption | null {
  return (FAILED.exec(text)?.[1] as Assumption | undefined) ?? null;
}

/**
 * How long an isolate sends the full statements after an assumption failed (or was seen not to hold):
 * a rebuild or a webhook subscription lasts minutes at least; then one batch tries the assumption again.
 */
export const DOUBT_MS = 60_000;
const doubtedAt = new Map<Assumption, number>();

// How often each assumption failed in this isolate: a copy kept under an assumption (the policies)
// is good only while the count is the one it was kept under.
const failures = new Map<Assumption, number>();

export function doubt(name: Assumption): void {
  doubtedAt.set(name, Date.now());
  failures.set(name, generation(name) + 1);
}

/** Moves on each time `name` failed: an isolate's copy kept under it is stale once it moved. */
export const generation = (name: Assumption): number => failures.get(name) ?? 0;

/** Whether this isolate takes the assumption (it has not seen it fail lately). */
export function assumed(name: Assumption): boolean {
  return Date.now() - (doubtedAt.get(name) ?? -Infinity) >= DOUBT_MS;
}

/**
 * The assumptions of the statements a write's consumers choose, that this isolate takes now: a write
 * notes them before planning (features/tickets/ticket-write.ts). The policies and the caller are
 * copies checked in the batch (the catalog too), whose failure plans the write again from a fresh read instead.
 */
export const takenAssumptions = (): Assumption[] => (["rollups", "webhooks"] as const).filter(assumed);
