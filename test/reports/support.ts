import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import { tickets } from "../../src/db/schema";
import { JOBS } from "../../src/jobs";
import { metered, newMeter } from "../../src/db/metrics";
import { foldJournal } from "../../src/features/reports/reports.journal";
import { backlogCell, openCounterMoves, parseJournalBody, BLOCK_DAYS, blockOf, bucketOf, COUNTERS, contributions, DAY_MS, HISTOGRAMS, pointsOf, QUARTER_MS, type Dimension, type Histogram, type PointDelta, type Totals } from "../../src/domain/rollups";
import { totalsBefore } from "../../src/features/reports/reports.rollups";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import worker from "../../src/index";
import { newId } from "../../src/lib/ids";
import { rebuildState, startRebuild } from "../../src/features/reports/reports.rebuild";
import { systemContext } from "../../src/contexts";
import type { Bindings } from "../../src/env";

export const bindings = env as unknown as Bindings;

export { prng } from "../helpers/random";

export type Vector = Record<string, number>;

/** A metrics vector as flat `name → n` (histogram buckets as `fr_hist.17`), zeros left out. */
function flat(values: Record<string, unknown>): Vector {
  const out: Vector = {};
  for (const c of COUNTERS) {
    const n = Number(values[c] ?? 0);
    if (n) out[c] = n;
  }
  for (const h of HISTOGRAMS) {
    const hist = (typeof values[h] === "string" ? JSON.parse(values[h] as string) : (values[h] ?? {})) as Histogram;
    for (const [i, n] of Object.entries(hist)) if (n) out[`${h}.${i}`] = n;
  }
  return out;
}

const minus = (a: Vector, b: Vector): Vector => {
  const out: Vector = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) - n;
  for (const k of Object.keys(out)) if (!out[k]) delete out[k];
  return out;
};

const plus = (a: Vector, b: Vector): Vector => minus(a, minus({}, b));

/**
 * The plain sums per (dim, key, day, quarter) that the prefix-sum tables hold: each quarter row
 * minus the one before it in its day; and checks that the three levels agree: each day row minus
 * the one before it in its block (BLOCK_DAYS) equals the day's last quarter row, and each key has a
 * block row exactly for the blocks it has day rows in, holding the sum of its days before the block.
 */
export async function storedPoints(): Promise<Map<string, Vector>> {
  const days = (await env.DB.prepare("SELECT * FROM report_days ORDER BY dim, key, day").all<Record<string, unknown>>()).results;
  const quarters = (await env.DB.prepare("SELECT * FROM report_quarters ORDER BY dim, key, day, quarter").all<Record<string, unknown>>()).results;
  const blocks = (await env.DB.prepare("SELECT * FROM report_blocks ORDER BY dim, key, block").all<Record<string, unknown>>()).results;
  const out = new Map<string, Vector>();
  const lastOfDay = new Map<string, Vector>();
  let prevId = "";
  let prev: Vector = {};
  for (const q of quarters) {
    const id = `${q.dim}|${q.key}|${q.day}`;
    const v = flat(q);
    const plain = id === prevId ? minus(v, prev) : v;
    if (Object.keys(plain).length) out.set(`${id}|${q.quarter}`, plain);
    lastOfDay.set(id, v);
    prevId = id;
    prev = v;
  }
  // Block rows as the days say they must be: the running total of each key's days before each block.
  const expectedBlocks = new Map<string, Vector>();
  let prevBlock = "";
  let keyTotal: Vector = {};
  let blockTotal: Vector = {};
  prev = {};
  for (const d of days) {
    const key = `${d.dim}|${d.key}`;
    const block = `${key}|${blockOf(Number(d.day))}`;
    if (block !== prevBlock) {
      keyTotal = key === prevBlock.slice(0, prevBlock.lastIndexOf("|")) ? plus(keyTotal, blockTotal) : {};
      expectedBlocks.set(block, keyTotal);
      prev = {};
    }
    const v = flat(d);
    expect(minus(v, prev), `day ${key}|${d.day} vs its quarters`).toEqual(lastOfDay.get(`${key}|${d.day}`) ?? {});
    prevBlock = block;
    prev = v;
    blockTotal = v;
  }
  const storedBlocks = new Map(blocks.map((b) => [`${b.dim}|${b.key}|${b.block}`, flat(b)]));
  expect(Object.fromEntries([...storedBlocks].sort()), "block rows").toEqual(Object.fromEntries([...expectedBlocks].sort()));
  // The journal's rows not folded yet count as well (reports add them to what they read).
  for (const e of await journalEntries()) {
    for (const g of e.groups) {
      for (const k of g.keys) {
        const id = `${k.dim}|${k.key}|${g.day}|${g.quarter}`;
        const v = plus(out.get(id) ?? {}, flat({ ...g.metrics.c, ...g.metrics.h }));
        if (Object.keys(v).length) out.set(id, v);
        else out.delete(id);
      }
    }
  }
  return out;
}

/** The journal rows not folded yet, parsed. */
export async function journalEntries() {
  const rows = (await env.DB.prepare("SELECT body FROM report_journal ORDER BY id").all<{ body: string }>()).results;
  return rows.map((r) => parseJournalBody(r.body));
}

/** Journal rows waiting to be folded. */
export const journalCount = async () => Number(await env.DB.prepare("SELECT count(*) AS n FROM report_journal").first("n"));

/** Folds the whole journal as the minute cron's job does. */
export async function foldNow() {
  return JOBS["report-journal"](systemContext(bindings, "vitest", { now: new Date() }));
}

/** One fold with its D1 statements metered (what it read and wrote). */
export async function meteredFold() {
  const meter = newMeter();
  const result = await foldJournal({ db: createDb(metered(env.DB, meter)) });
  const rollups = meter.statements.filter((st) => /\breport_(days|blocks|quarters)\b/.test(st.sql));
  return {
    ...result,
    rowsRead: meter.rowsRead,
    rowsWritten: meter.rowsWritten,
    statements: meter.statements.length,
    prefixSumRowsWritten: rollups.reduce((n, st) => n + st.rowsWritten, 0),
  };
}

/** The plain sums recomputed from the ticket rows as they are (domain/rollups.ts contributions). */
export async function recomputedPoints(): Promise<Map<string, Vector>> {
  const rows = await createDb(env.DB).select().from(tickets);
  const points = new Map<string, PointDelta>();
  for (const row of rows) pointsOf(contributions(row), 1, points);
  const out = new Map<string, Vector>();
  for (const p of points.values()) {
    const v = flat({ ...p.metrics.c, ...Object.fromEntries(Object.entries(p.metrics.h).map(([k, h]) => [k, h])) });
    if (Object.keys(v).length) out.set(`${p.dim}|${p.key}|${p.day}|${p.quarter}`, v);
  }
  return out;
}

/**
 * The open-ticket counters as stored and as recomputed from the rows, independently of
 * openCounterMoves: every open ticket counted under everyone (""), its team, its assignee and its
 * channel per status × priority × SLA state, and per assignee and team as the reports group them.
 */
export async function backlogs() {
  const stored = (await env.DB.prepare("SELECT scope, status, priority, sla, tickets FROM report_open WHERE tickets <> 0").all()).results as any[];
  const storedBy = (await env.DB.prepare("SELECT scope, kind, member, tickets FROM report_open_by WHERE tickets <> 0").all()).results as any[];
  // With the journal's moves not folded yet.
  const journal = openCounterMoves((await journalEntries()).flatMap((e) => e.moves));
  stored.push(...journal.cells.map((m) => ({ ...m, tickets: m.n })));
  storedBy.push(...journal.members.map((m) => ({ ...m, tickets: m.n })));
  const rows = await createDb(env.DB).select().from(tickets);
  const count = new Map<string, number>();
  const countBy = new Map<string, number>();
  const add = (m: Map<string, number>, k: string[]) => m.set(k.join("|"), (m.get(k.join("|")) ?? 0) + 1);
  for (const row of rows) {
    const c = backlogCell(row);
    if (!c) continue;
    const scopes = ["", `channel:${c.channel}`];
    if (c.team) scopes.push(`team:${c.team}`);
    if (c.agent) scopes.push(`agent:${c.agent}`);
    for (const scope of scopes) add(count, [scope, c.status, c.priority, c.sla]);
    // No row for no assignee or no team: the reports derive it from the scope's total (migration 0038).
    if (c.agent) add(countBy, ["", "assignee", c.agent]);
    if (c.team) add(countBy, ["", "team", c.team]);
    if (c.team && c.agent) add(countBy, [`team:${c.team}`, "assignee", c.agent]);
    if (c.agent && c.team) add(countBy, [`agent:${c.agent}`, "team", c.team]);
  }
  const sum = (list: any[], id: (r: any) => string) => {
    const m = new Map<string, number>();
    for (const r of list) m.set(id(r), (m.get(id(r)) ?? 0) + Number(r.tickets));
    for (const [k, n] of m) if (n === 0) m.delete(k);
    return m;
  };
  return {
    stored: sum(stored, (r) => [r.scope, r.status, r.priority, r.sla].join("|")),
    expected: count,
    storedBy: sum(storedBy, (r) => [r.scope, r.kind, r.member].join("|")),
    expectedBy: countBy,
  };
}

/** Asserts that the rollups equal a recomputation from the ticket rows. */
export async function expectRollupsMatchRows() {
  const [stored, expected] = await Promise.all([storedPoints(), recomputedPoints()]);
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...expected].sort()));
  const b = await backlogs();
  expect(Object.fromEntries([...b.stored].sort())).toEqual(Object.fromEntries([...b.expected].sort()));
  expect(Object.fromEntries([...b.storedBy].sort())).toEqual(Object.fromEntries([...b.expectedBy].sort()));
  return stored.size;
}

/** The test env with the JOBS queue captured: messages wait in `sent` until {@link drainJobs} delivers them. */
export function jobsEnv(overrides: Partial<Bindings> = {}) {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown) => void sent.push(body),
    sendBatch: async (batch: { body: unknown }[]) => void sent.push(...batch.map((m) => m.body)),
  } as unknown as Bindings["JOBS"];
  return { env: { ...bindings, JOBS: queue, ...overrides } as Bindings, sent };
}

/**
 * Delivers captured JOBS messages through the Worker's `queue` export, one per batch as the queue
 * does (max_batch_size 1), a retried one again at once, until none is left; `between` runs before
 * each delivery (and may add messages: duplicates). Returns how many deliveries there were.
 */
export async function drainJobs(jobs: ReturnType<typeof jobsEnv>, between?: (n: number) => Promise<void>, max = 10_000) {
  let n = 0;
  // A retried message comes back with its attempts counted, as the queue delivers it.
  const attempts = new Map<unknown, number>();
  while (jobs.sent.length) {
    if (n >= max) throw new Error("the job queue did not drain");
    await between?.(n);
    const body = jobs.sent.shift();
    const attempt = (attempts.get(body) ?? 0) + 1;
    const batch = createMessageBatch("edgedesk-jobs", [{ id: `job-${n}-${newId()}`, timestamp: new Date(), attempts: attempt, body }]);
    const ctx = createExecutionContext();
    const queue = worker.queue as unknown as (b: MessageBatch<unknown>, e: Bindings, c: ExecutionContext) => Promise<void>;
    await queue(batch as MessageBatch<unknown>, jobs.env, ctx);
    const result = await getQueueResult(batch, ctx);
    if (result.retryMessages.length) {
      attempts.set(body, attempt);
      jobs.sent.unshift(body);
    }
    n++;
  }
  return n;
}

/** Starts a rebuild as an admin would and runs it to the end through the queue consumer. */
export async function rebuildNow(between?: (n: number) => Promise<void>) {
  const jobs = jobsEnv();
  await startRebuild(systemContext(jobs.env, "vitest", { now: new Date() }));
  const steps = await drainJobs(jobs, between);
  expect((await rebuildState({ db: createDb(env.DB) })).phase).toBe("live");
  return steps;
}

/** The recomputed plain sums per "dim|key", each with the instant (epoch ms) it is dated by. */
function pointsByKey(points: Map<string, Vector>): Map<string, [number, Vector][]> {
  const out = new Map<string, [number, Vector][]>();
  for (const [id, v] of points) {
    const [dim, key, day, quarter] = id.split("|");
    const dimKey = `${dim}|${key}`;
    if (!out.has(dimKey)) out.set(dimKey, []);
    out.get(dimKey)!.push([Number(day) * DAY_MS + Number(quarter) * QUARTER_MS, v]);
  }
  return out;
}

/** Sums of plain sums before each instant. */
const expectedBefore = (list: [number, Vector][], instants: readonly number[]): Vector[] =>
  instants.map((t) => list.reduce((sum, [at, v]) => (at < t ? plus(sum, v) : sum), {} as Vector));

const totalsVector = (t: Totals) => flat({ ...t.c, ...t.h });

/**
 * Asserts that the totals the reports read (`totalsBefore`) equal a recomputation from the ticket
 * rows, for every (dimension, key) with figures, at the given instants and at every block's edges
 * (the first quarter of a block and the last of the day before it).
 */
export async function expectTotalsMatchRows(instants: number[]) {
  const points = await recomputedPoints();
  const days = [...points.keys()].map((id) => Number(id.split("|").at(-2)));
  for (let b = blockOf(Math.min(...days)); b <= blockOf(Math.max(...days)) + 1; b++) instants.push(b * BLOCK_DAYS * DAY_MS, b * BLOCK_DAYS * DAY_MS - QUARTER_MS);
  instants.sort((a, b) => a - b);
  const boundaries = instants.map((t) => bucketOf(t));
  const byKey = pointsByKey(points);
  const byDim = new Map<Dimension, Set<string>>();
  for (const dimKey of byKey.keys()) {
    const [dim, key] = dimKey.split("|") as [Dimension, string];
    if (!byDim.has(dim)) byDim.set(dim, new Set());
    byDim.get(dim)!.add(key);
  }
  const db = createDb(env.DB);
  let compared = 0;
  for (const [dim, keys] of byDim) {
    const read = await totalsBefore(db, dim, [...keys], boundaries);
    for (const key of keys) {
      const expected = expectedBefore(byKey.get(`${dim}|${key}`)!, instants);
      expect(read.get(key)!.map(totalsVector), `${dim} ${key}`).toEqual(expected);
      compared += instants.length;
    }
  }
  return compared;
}

/** The plain sums of everything (dim "all") before each instant (epoch ms), recomputed from the ticket rows. */
export async function expectedAllBefore(instants: readonly number[]): Promise<Vector[]> {
  return expectedBefore(pointsByKey(await recomputedPoints()).get("all|") ?? [], instants);
}

export { minus as vectorMinus };
