import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import { tickets } from "../../src/db/schema";
import { backlogCell, COUNTERS, contributions, HISTOGRAMS, pointsOf, type Histogram, type PointDelta } from "../../src/domain/rollups";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import worker from "../../src/index";
import { newId } from "../../src/lib/ids";
import { rebuildState, startRebuild } from "../../src/features/reports/reports.rebuild";
import { systemContext } from "../../src/contexts";
import type { Bindings } from "../../src/env";

export const bindings = env as unknown as Bindings;

export { prng } from "../helpers/random";

type Vector = Record<string, number>;

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

/**
 * The plain sums per (dim, key, day, quarter) that the prefix-sum tables hold: each quarter row
 * minus the one before it in its day; and a check that each day row minus the one before equals the
 * day's last quarter row (the two levels agree).
 */
export async function storedPoints(): Promise<Map<string, Vector>> {
  const days = (await env.DB.prepare("SELECT * FROM report_days ORDER BY dim, key, day").all<Record<string, unknown>>()).results;
  const quarters = (await env.DB.prepare("SELECT * FROM report_quarters ORDER BY dim, key, day, quarter").all<Record<string, unknown>>()).results;
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
  let prevKey = "";
  prev = {};
  for (const d of days) {
    const key = `${d.dim}|${d.key}`;
    const v = flat(d);
    const plainDay = key === prevKey ? minus(v, prev) : v;
    expect(plainDay, `day ${key}|${d.day} vs its quarters`).toEqual(lastOfDay.get(`${key}|${d.day}`) ?? {});
    prevKey = key;
    prev = v;
  }
  return out;
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

/** The backlog counters as stored and as recomputed from the rows. */
export async function backlogs() {
  const stored = (await env.DB.prepare("SELECT team, channel, status, priority, sla, tickets FROM report_backlog WHERE tickets <> 0 ORDER BY 1, 2, 3, 4, 5").all()).results;
  const storedAgents = (await env.DB.prepare("SELECT agent, team, status, priority, sla, tickets FROM report_backlog_agents WHERE tickets <> 0 ORDER BY 1, 2, 3, 4, 5").all()).results;
  const rows = await createDb(env.DB).select().from(tickets);
  const count = new Map<string, number>();
  const countAgents = new Map<string, number>();
  for (const row of rows) {
    const c = backlogCell(row);
    if (!c) continue;
    const k = [c.team, c.channel, c.status, c.priority, c.sla].join("|");
    count.set(k, (count.get(k) ?? 0) + 1);
    const a = [c.agent, c.team, c.status, c.priority, c.sla].join("|");
    countAgents.set(a, (countAgents.get(a) ?? 0) + 1);
  }
  return {
    stored: new Map(stored.map((r: any) => [[r.team, r.channel, r.status, r.priority, r.sla].join("|"), r.tickets])),
    expected: count,
    storedAgents: new Map(storedAgents.map((r: any) => [[r.agent, r.team, r.status, r.priority, r.sla].join("|"), r.tickets])),
    expectedAgents: countAgents,
  };
}

/** Asserts that the rollups equal a recomputation from the ticket rows. */
export async function expectRollupsMatchRows() {
  const [stored, expected] = await Promise.all([storedPoints(), recomputedPoints()]);
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...expected].sort()));
  const b = await backlogs();
  expect(Object.fromEntries([...b.stored].sort())).toEqual(Object.fromEntries([...b.expected].sort()));
  expect(Object.fromEntries([...b.storedAgents].sort())).toEqual(Object.fromEntries([...b.expectedAgents].sort()));
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
