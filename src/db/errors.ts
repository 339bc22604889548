import { sql, type SQL } from "drizzle-orm";
import { failedAssumption, type Assumption } from "./batch-assumptions";

/**
 * The one place D1's failures are told apart. D1 reports SQLite's errors as text (in the error's
 * message or its `cause`), so every caller asks here instead of matching strings itself.
 */
export type D1Failure =
  /** A unique index refused a row: `table` and the `columns` of the index (empty for an expression index, whose name is `index`). */
  | { kind: "unique"; table: string; columns: string[]; index: string | null }
  /** A row another row still refers to (or a reference to no row). */
  | { kind: "foreign_key" }
  /** The guard of a conditional batch found its row changed (see {@link abortUnlessChanged}). */
  | { kind: "stale" }
  /** A batch's assumption did not hold (db/batch-assumptions.ts): nothing written; plan the write again. */
  | { kind: "assumption"; name: Assumption }
  /** D1 is overloaded, the database is locked or the connection dropped: worth trying again later. */
  | { kind: "busy" }
  /** A value, row or statement over D1's size limits: trying again cannot help. */
  | { kind: "too_big" }
  /** A compound SELECT of more terms (`… UNION ALL …` arms) than D1 allows: the same statement split may run. */
  | { kind: "compound_terms" }
  | { kind: "other" };

const textOf = (err: unknown) => `${String((err as { message?: unknown })?.message ?? err)} ${String((err as { cause?: unknown })?.cause ?? "")}`;

export function classifyD1Error(err: unknown): D1Failure {
  const text = textOf(err);
  const unique = /UNIQUE constraint failed: ([^:\n]+?)(?=: SQLITE|$|\n)/i.exec(text);
  if (unique) {
    const target = unique[1]!.trim();
    const index = /^index '([^']+)'/.exec(target)?.[1] ?? null;
    const columns = index ? [] : target.split(/,\s*/);
    return { kind: "unique", table: index ? "" : columns[0]!.split(".")[0]!, columns: columns.map((c) => c.split(".").slice(1).join(".")), index };
  }
  if (/SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(text)) return { kind: "unique", table: "", columns: [], index: null };
  if (/FOREIGN KEY constraint failed/i.test(text)) return { kind: "foreign_key" };
  const assumption = failedAssumption(text);
  if (assumption) return { kind: "assumption", name: assumption };
  if (/integer overflow/i.test(text)) return { kind: "stale" };
  if (/too many terms in compound SELECT/i.test(text)) return { kind: "compound_terms" };
  if (/SQLITE_TOOBIG|too big|Statement too long|too many SQL variables/i.test(text)) return { kind: "too_big" };
  if (/SQLITE_BUSY|database is locked|overloaded|Network connection lost|storage caused object to be reset|D1_RESET_DO/i.test(text)) return { kind: "busy" };
  return { kind: "other" };
}

/** Whether `err` is a unique violation, optionally on `table` (e.g. "users", "ticket_history"). */
export function isUniqueViolation(err: unknown, table?: string): boolean {
  const failure = classifyD1Error(err);
  return failure.kind === "unique" && (table === undefined || failure.table === table);
}

/**
 * A batch statement that fails when the statement before it changed no row, so the whole batch
 * rolls back: D1 has no other way to make a batch conditional on an UPDATE's WHERE. abs() of the
 * smallest integer is SQLite's one "integer overflow" error (classified `stale` above); changes()
 * is not constant, so it is evaluated per run, after the UPDATE.
 */
export const ABORT_UNLESS_CHANGED = "SELECT abs(CASE WHEN changes() = 0 THEN -9223372036854775807 - 1 ELSE 0 END)";
export const abortUnlessChanged: SQL = sql.raw(ABORT_UNLESS_CHANGED);
