/**
 * D1 row accounting for the benchmark (`D1_METRICS=1`, never set in wrangler.toml): D1 bills rows
 * read and written, and the goals of the bench (a list page of 25 reads at most 100 rows) are in
 * those units. D1 reports them per statement in `meta`, but drizzle reads selects through `raw()`,
 * which drops `meta`; this wrapper recovers it. Counting changes timings (selects run twice), so the
 * bench measures rows and latency in separate passes.
 */

export interface MeteredStatement {
  /** Statements of one D1 call (a batch, or a single statement) share this number. */
  call: number;
  sql: string;
  params: unknown[];
  rowsRead: number;
  rowsWritten: number;
}

export interface D1Meter {
  rowsRead: number;
  rowsWritten: number;
  calls: number;
  statements: MeteredStatement[];
}

export const newMeter = (): D1Meter => ({ rowsRead: 0, rowsWritten: 0, calls: 0, statements: [] });

// Statement text and parameters go back to the bench (for EXPLAIN QUERY PLAN and its replay of the
// request's D1 calls) in one header; these bounds keep it under 48 KiB (base64 of 36,000 bytes of
// UTF-8 JSON, where a character of a subject or body takes up to 4; the bench's HTTP client accepts
// 64 KiB of headers). An agent's first response to an engine-era ticket writes 25 statements,
// ~26,700 characters: at 15,000 its report rollups, trigger version read and audit row were cut, so
// the bench's local D1 share left them out (reply29).
const MAX_SQL_CHARS = 4_000;
// A list page's compound of twelve arms (six status walks past a key, two arms each: tickets.list.ts
// afterTie) is ~6,000 characters; a page sends few statements, so its reads are kept whole for EXPLAIN.
const MAX_READ_SQL_CHARS = 12_000;
const MAX_PARAM_CHARS = 200;
const MAX_REPORTED_JSON_BYTES = 36_000;
const utf8 = new TextEncoder();

type Meta = { rows_read?: number; rows_written?: number } | undefined;

function record(meter: D1Meter, call: number, sql: string, params: unknown[], meta: Meta) {
  const rowsRead = meta?.rows_read ?? 0;
  const rowsWritten = meta?.rows_written ?? 0;
  meter.rowsRead += rowsRead;
  meter.rowsWritten += rowsWritten;
  meter.statements.push({ call, sql, params, rowsRead, rowsWritten });
}

// Selects can run a second time for their `meta` without changing anything; writes cannot.
// (A year database's statements start with their binding as a comment.)
const isRead = (sql: string) => /^\s*(\/\*[^*]*\*\/\s*)?(select|explain)\b/i.test(sql);

class Metered {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    readonly params: unknown[],
    readonly meter: D1Meter,
  ) {}

  bind(...values: unknown[]) {
    return new Metered(this.inner.bind(...values), this.sql, values, this.meter);
  }

  async all() {
    const result = await this.inner.all();
    record(this.meter, ++this.meter.calls, this.sql, this.params, result.meta);
    return result;
  }

  async run() {
    const result = await this.inner.run();
    record(this.meter, ++this.meter.calls, this.sql, this.params, result.meta);
    return result;
  }

  async first(column?: string) {
    // `first()` carries no meta either; `all()` returns the same first row.
    const { results } = await this.all();
    const row = (results[0] ?? null) as Record<string, unknown> | null;
    return column === undefined ? row : (row?.[column] ?? null);
  }

  async raw(options?: { columnNames?: boolean }) {
    if (isRead(this.sql)) {
      const rows = await this.inner.raw(options as { columnNames?: false });
      record(this.meter, ++this.meter.calls, this.sql, this.params, (await this.inner.all()).meta);
      return rows;
    }
    // A write with RETURNING: run it once through all() and map the objects to arrays, as drizzle's
    // own batch path does (RETURNING lists have no duplicate column names).
    const { results } = await this.all();
    const rows = results.map((r) => Object.values(r as Record<string, unknown>));
    return options?.columnNames ? [Object.keys((results[0] ?? {}) as object), ...rows] : rows;
  }
}

const unwrap = (s: unknown) => (s instanceof Metered ? s.inner : (s as D1PreparedStatement));

/**
 * The same database or session, counting every statement's rows into `meter`. `label`: a year
 * database's binding (db/ticket-stores.ts), recorded before its statements' SQL as a comment, so
 * the bench tells the databases a request touched apart.
 */
export function metered<T extends D1Database | D1DatabaseSession>(db: T, meter: D1Meter, label?: string): T {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => new Metered(target.prepare(sql), label ? `/* ${label} */ ${sql}` : sql, [], meter);
      }
      if (prop === "batch") {
        return async (statements: unknown[]) => {
          const results = await target.batch(statements.map(unwrap));
          const call = ++meter.calls;
          results.forEach((r, i) => {
            const s = statements[i];
            record(meter, call, s instanceof Metered ? s.sql : "(batch statement)", s instanceof Metered ? s.params : [], r.meta);
          });
          return results;
        };
      }
      if (prop === "withSession") {
        return (constraint?: string) => metered((target as D1Database).withSession(constraint), meter, label);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as T;
}

const tooLong = (v: unknown) => typeof v === "string" && v.length > MAX_PARAM_CHARS;
const clip = (v: unknown) => (tooLong(v) ? `${(v as string).slice(0, MAX_PARAM_CHARS)}…` : v);

/** Response headers for the bench: totals, and the statements (base64url JSON) for query-plan checks. */
export function meterHeaders(meter: D1Meter): Record<string, string> {
  const statements: unknown[] = [];
  // The JSON array's bytes: its brackets, then each entry and the comma before it.
  let size = 2;
  for (const s of meter.statements) {
    // Selects keep their parameters whole (they are short, and the bench re-runs them); long texts
    // of writes (descriptions, bodies) are cut. `exact: false`: the SQL itself was cut.
    const read = isRead(s.sql);
    const entry = {
      call: s.call,
      sql: s.sql.slice(0, read ? MAX_READ_SQL_CHARS : MAX_SQL_CHARS),
      params: read ? s.params : s.params.map(clip),
      exact: s.sql.length <= (read ? MAX_READ_SQL_CHARS : MAX_SQL_CHARS),
      clipped: !read && s.params.some(tooLong),
      rows_read: s.rowsRead,
      rows_written: s.rowsWritten,
    };
    size += utf8.encode(JSON.stringify(entry)).length + (statements.length ? 1 : 0);
    if (size > MAX_REPORTED_JSON_BYTES) break;
    statements.push(entry);
  }
  const json = utf8.encode(JSON.stringify(statements));
  let binary = "";
  for (const b of json) binary += String.fromCharCode(b);
  // Per database (a year database's statements carry its binding, see `metered`): the whole request's, never cut.
  const perDb = new Map<string, number>();
  for (const s of meter.statements) {
    const label = /^\/\* (\w+) \*\//.exec(s.sql)?.[1] ?? "DB";
    perDb.set(label, (perDb.get(label) ?? 0) + s.rowsRead);
  }
  return {
    "X-D1-Databases": JSON.stringify(Object.fromEntries(perDb)),
    "X-D1-Rows-Read": String(meter.rowsRead),
    "X-D1-Rows-Written": String(meter.rowsWritten),
    "X-D1-Statement-Count": String(meter.statements.length),
    "X-D1-Statements": btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
  };
}
