import { formatTicketNumber, TICKET_NUMBER_DIGITS, TICKET_NUMBER_PREFIX } from "../domain/ticket-number";
import { rememberResults, runBatch, textStatement, type BatchItem, type Database } from "./client";

/**
 * A new ticket's number is taken in its own write batch (issue 15: one D1 call per create). Until the
 * batch runs it is a placeholder, the same text wherever the plan puts the number (the row, its
 * audit changes, an idempotency record's stored response, outbox and webhook rows); the batch first
 * takes the day's next number (the counter's upsert), and every bound string holding the placeholder
 * is written as SQL that puts that number in its place. The batch is a transaction, so concurrent
 * creates take distinct consecutive numbers and a failed batch takes none. After commit, the number
 * the upsert returned replaces the placeholder in what the write hands on (its tickets, its events).
 *
 * The placeholder is random per isolate (no text a customer writes holds it) and letters and digits
 * only, so no encoding on its way into a statement (JSON, HTML, a URL) changes it.
 */
export const PENDING_PREFIX = "TICKNUM";
let pending: string | undefined;
/** The placeholder; made on first use (Workers give no random values at start-up). */
export const pendingNumber = (): string => (pending ??= PENDING_PREFIX + crypto.randomUUID().replaceAll("-", ""));

/** The upsert that takes the next number of a day (bound: the day), its seq returned. */
export const NUMBER_TAKEN = 'insert into "ticket_counters" ("day", "seq") values (?, 1) on conflict ("day") do update set "seq" = "ticket_counters"."seq" + 1 returning "seq"';

/**
 * The day's number as taken earlier in the same batch, as SQL: domain/ticket-number.ts formatTicketNumber's
 * text (`%0Nd` pads to N digits and widens past them, as padStart does). `day`: digits only, so inlined.
 */
const takenNumber = (day: string) =>
  `(select printf('${TICKET_NUMBER_PREFIX}-${day}-%0${TICKET_NUMBER_DIGITS}d', "seq") from "ticket_counters" where "day" = '${day}')`;

// A statement's SQL text and bound parameters: a text statement's or drizzle's own (its parameters as bound).
type Query = { sql: string; params: unknown[] };
const queryOf = (item: BatchItem): Query => {
  const q = item as unknown as { getQuery?: () => Query; toSQL?: () => Query };
  return q.getQuery ? q.getQuery() : q.toSQL!();
};

/**
 * The positions in `sql` of its `?` parameters, quoted text and names (', ", `, [ ]) and comments
 * (`--` to the line's end, slash-star to star-slash) left out. A numbered `?NNN` is refused: its position is not its parameter's, so
 * rewriting by position could write a value into the wrong place. (Named parameters are never
 * counted: {@link numbered} then finds fewer than bound and refuses the statement.)
 */
function parameterPositions(sql: string): number[] {
  const at: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    const end =
      c === "'" || c === '"' || c === "`" ? sql.indexOf(c, i + 1) // a doubled quote inside is two quoted runs in a row
      : c === "[" ? sql.indexOf("]", i + 1)
      : c === "-" && sql[i + 1] === "-" ? sql.indexOf("\n", i + 2)
      : c === "/" && sql[i + 1] === "*" ? sql.indexOf("*/", i + 2) + 1
      : undefined;
    if (end !== undefined) {
      // Unclosed: the rest of the text is quoted or a comment (SQLite takes an unclosed comment so).
      i = end > 0 ? end : sql.length;
    } else if (c === "?") {
      if (/[0-9]/.test(sql[i + 1] ?? "")) throw new Error(`ticket-numbering: numbered parameter at ${i} (${sql.slice(i, i + 6)}) cannot be rewritten by position`);
      at.push(i);
    }
  }
  return at;
}

/** `item` with each bound string holding `placeholder` written as `replace(?, placeholder, <the number>)`; the item itself when none does. */
function numbered(db: Database, item: BatchItem, placeholder: string, day: string): BatchItem {
  const { sql, params } = queryOf(item);
  const holding = params.map((p) => typeof p === "string" && p.includes(placeholder));
  if (!holding.includes(true)) return item;
  const positions = parameterPositions(sql);
  if (positions.length !== params.length) throw new Error(`ticket-numbering: ${positions.length} parameters in the text, ${params.length} bound`);
  let text = "";
  let from = 0;
  positions.forEach((at, i) => {
    text += sql.slice(from, at) + (holding[i] ? `replace(?, '${placeholder}', ${takenNumber(day)})` : "?");
    from = at + 1;
  });
  return textStatement(db, text + sql.slice(from), params);
}

/**
 * Runs `items`, a plan holding the placeholder, as one batch that takes the day's next number first;
 * returns the number and every statement's result. Each item's result is remembered against it as {@link runBatch} does
 * (client.ts batchResult, rowsWritten), whether it was rewritten or not.
 */
export async function runNumberedBatch(db: Database, items: BatchItem[], day: string): Promise<{ number: string; results: readonly unknown[] }> {
  const placeholder = pendingNumber();
  const take = textStatement(db, NUMBER_TAKEN, [day]);
  const results = await runBatch(db, [take, ...items.map((item) => numbered(db, item, placeholder, day))]);
  rememberResults(items, results.slice(1));
  const seq = (results[0] as D1Result<{ seq: number }>).results[0]!.seq;
  return { number: formatTicketNumber(day, seq), results };
}

/**
 * Puts the taken number in place of the placeholder in what a committed write hands on (its tickets
 * and events, plain objects and arrays), in place: consumers keep finding their events by identity.
 */
export function settleNumber(values: unknown[], number: string): void {
  const placeholder = pendingNumber();
  const seen = new Set<object>();
  const walk = (value: object) => {
    if (seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (typeof v === "string") {
        if (v.includes(placeholder)) record[key] = v.replaceAll(placeholder, number);
      } else if (v && typeof v === "object" && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) walk(v);
    }
  };
  for (const v of values) if (v && typeof v === "object") walk(v);
}
