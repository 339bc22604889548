import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { expect } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { createDb } from "../../src/db/client";
import { tickets } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";
import { BASE, db, type ApiResponse, type TestUser } from "../helpers";
import { jobsEnv } from "../reports/support";

/**
 * The Worker's entry points with two real D1 databases of vitest.config.ts bound as this year's and
 * last year's (TICKETS_<year>), as test/stores/stores.test.ts does (which keeps its own copies).
 */
export const YEAR = new Date().getUTCFullYear();
export const DAY = 86_400_000;
const CRON = "*/5 * * * *";
export const base = env as unknown as Bindings;
export const yearA = env.TEST_YEAR_A;
export const yearB = env.TEST_YEAR_B;
export const years = { [`TICKETS_${YEAR}`]: yearA, [`TICKETS_${YEAR - 1}`]: yearB } as Partial<Bindings>;
export const yearEnv = { ...base, ...years } as Bindings;

/** A request through `fetch` with the year databases bound (or `e`). */
export async function call<T = any>(method: string, path: string, user: TestUser, body?: unknown, e: Bindings = yearEnv): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), e, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** A GET with D1_METRICS on: the answer and the rows read in each database it touched. */
export async function metered<T = any>(path: string, user: TestUser): Promise<ApiResponse<T> & { perDb: Record<string, number> }> {
  const res = await call<T>("GET", path, user, undefined, { ...yearEnv, D1_METRICS: "1" } as Bindings);
  return { ...res, perDb: JSON.parse(res.headers.get("x-d1-databases")!) as Record<string, number> };
}

export async function ok<T = any>(res: Promise<{ status: number; body: any }>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** One JOBS delivery through the `queue` export; whether it was acked. */
export async function deliver(body: unknown, e: Bindings = yearEnv) {
  const batch = createMessageBatch("edgedesk-jobs", [{ id: `stores-${newId()}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: MessageBatch<unknown>, e: Bindings, c: ExecutionContext) => Promise<void>)(batch as MessageBatch<unknown>, e, ctx);
  const result = await getQueueResult(batch, ctx);
  return result.explicitAcks.length === 1 && !result.retryMessages.length;
}

/** The `*∕5` cron at `at` (archive, then retire) with the year databases bound; its JOBS messages. */
export async function tick(at: number) {
  const jobs = jobsEnv(years);
  const execution = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: CRON }), jobs.env, execution);
  await waitOnExecutionContext(execution);
  return [...jobs.sent] as { kind: string; ids: string[]; year?: number }[];
}

/** Ticks until the archive and the retire have nothing left to do (each tick's messages delivered in order). */
export async function settle(at: number = Date.now() + 400 * DAY) {
  for (let i = 0; i < 10; i++) {
    const messages = await tick(at);
    for (const m of messages) expect(await deliver(m)).toBe(true);
    if (!messages.some((m) => m.kind === "archive")) {
      const again = await tick(at);
      for (const m of again) expect(await deliver(m)).toBe(true);
      if (!again.length) return;
    }
  }
}

/** The archive's messages of a tick delivered, the retire's not: archived tickets wait in main. */
export async function archiveOnly(at: number = Date.now() + 400 * DAY) {
  for (const m of (await tick(at)).filter((m) => m.kind === "archive")) expect(await deliver(m)).toBe(true);
}

export const inMain = async (id: string) => (await db().select({ n: count() }).from(tickets).where(eq(tickets.id, id)))[0]!.n;
export const inYear = async (d1: D1Database, id: string) => (await createDb(d1).select({ n: count() }).from(tickets).where(eq(tickets.id, id)))[0]!.n;

/** The SQL of a statement (workerd's D1PreparedStatement keeps it as `statement`). */
const textOf = (stmt: D1PreparedStatement) => String((stmt as unknown as { statement?: string }).statement ?? "");
/** A batch that writes (not one of reads only, e.g. the retire's read of a ticket's mail rows). */
const writes = async (stmts: D1PreparedStatement[]) => stmts.some((s) => !/^\s*select\b/i.test(textOf(s)));

/**
 * `d1` with `around` run around each of its D1 calls (a request's D1 session, middleware/db-session.ts,
 * too): each `batch` (its statements' SQL) and each statement awaited alone (`all`, `raw`, `first`,
 * `run`: one SQL), given the call to make. Statements that go into a batch are D1's own.
 */
function intercepted<T extends D1Database>(d1: T, around: <R>(call: { batch: D1PreparedStatement[] } | { statement: string }, run: () => Promise<R>) => Promise<R>): T {
  // A statement given to `batch` goes as D1's own (the wrapper only sees it awaited alone).
  const given = new WeakMap<D1PreparedStatement, D1PreparedStatement>();
  const statement = (own: D1PreparedStatement, text: string): D1PreparedStatement => {
    const mine = new Proxy(own, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop === "bind") return (...args: unknown[]) => statement(target.bind(...args), text);
        if (typeof v !== "function") return v;
        if (prop === "all" || prop === "raw" || prop === "first" || prop === "run")
          return (...args: unknown[]) => around({ statement: text }, async () => (v as (...a: unknown[]) => unknown).apply(target, args));
        return v.bind(target);
      },
    });
    given.set(mine, own);
    return mine;
  };
  const wrap = <U extends object>(db: U): U =>
    new Proxy(db, {
      get(target, prop) {
        const d = target as unknown as D1Database;
        if (prop === "batch")
          return (stmts: D1PreparedStatement[]) => {
            const own = stmts.map((s) => given.get(s) ?? s);
            return around({ batch: own }, () => d.batch(own));
          };
        if (prop === "prepare") return (text: string) => statement(d.prepare(text), text);
        if (prop === "withSession") return (constraint?: string) => wrap(d.withSession(constraint as D1SessionConstraint));
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return wrap(d1);
}

/**
 * `d1` (main or a year database) with hooks around one D1 call, so a test runs another run's steps,
 * a change or a read between two calls of this one: the first batch for which `batch` holds (the
 * first that writes when neither is given), or the first statement awaited alone whose SQL
 * `statement` holds. `before` runs ahead of it, `after` once it committed (not if it failed), both
 * awaited.
 */
export function hooked<T extends D1Database>(
  d1: T,
  hooks: { before?: () => Promise<unknown>; after?: () => Promise<unknown>; batch?: (stmts: D1PreparedStatement[]) => Promise<boolean>; statement?: (sql: string) => boolean },
): T {
  let done = false;
  const isMine = async (call: { batch: D1PreparedStatement[] } | { statement: string }) =>
    "batch" in call ? !hooks.statement && (await (hooks.batch ?? writes)(call.batch)) : !!hooks.statement?.(call.statement);
  return intercepted(d1, async (call, run) => {
    const mine = !done && (await isMine(call));
    if (mine) {
      done = true;
      await hooks.before?.();
    }
    const result = await run();
    if (mine) await hooks.after?.();
    return result;
  });
}

/** `d1` recording its D1 calls (round trips: each batch, each statement awaited alone) and what its failed batches threw. */
export function recorded<T extends D1Database>(d1: T) {
  const log = { calls: 0, failures: [] as string[] };
  const wrapped = intercepted(d1, async (call, run) => {
    log.calls++;
    try {
      return await run();
    } catch (err) {
      if ("batch" in call) log.failures.push(String(err));
      throw err;
    }
  });
  return { d1: wrapped, log };
}

/** main's binding, running `before` once just ahead of the first batch for which `when` holds. */
export const beforeBatch = (before: () => Promise<unknown>, when?: (stmts: D1PreparedStatement[]) => Promise<boolean>) => hooked(base.DB, { before, batch: when });

/** `d1` running `before` once just ahead of the first statement awaited alone whose SQL `when` holds. */
export const beforeStatement = <T extends D1Database>(d1: T, when: (sql: string) => boolean, before: () => Promise<unknown>): T => hooked(d1, { statement: when, before });

/** Every page of a list or search, `limit` at a time: the ids (for search: `<type>:<id>`) in order. */
export async function pages(user: TestUser, path: string, limit: number, id: (item: any) => string = (t) => t.id) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: any = await ok(call("GET", `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, user));
    ids.push(...page.data.map(id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

/** main's binding with every batch that writes failing: a retire's consumer dies after its copy into the year, before main's delete. */
export const failingBatches = () =>
  intercepted(base.DB, async (call, run) => ("batch" in call && (await writes(call.batch)) ? Promise.reject(new Error("Network connection lost")) : run()));
