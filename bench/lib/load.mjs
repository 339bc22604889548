// Closed-loop load: `concurrency` keep-alive connections, each sending its next request as soon as
// the previous answer is read. Plain node:http (no client library) to keep the client's own CPU low:
// it shares the machine with workerd.
import http from "node:http";
import { readFileSync } from "node:fs";
import { CLOCK_TICKS_PER_SECOND, cpuMs, ownCpuMs } from "./server.mjs";

// Metric headers carry the request's statements (src/db/metrics.ts): up to ~20 KiB.
const MAX_HEADER_SIZE = 64 * 1024;

/** One request; resolves { status, headers, body } (body as text). */
export function send(agent, baseUrl, req) {
  const url = new URL(req.path, baseUrl);
  const headers = { ...req.headers };
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  let payload;
  if (req.body !== undefined) {
    payload = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    headers["content-type"] ??= "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method ?? "GET", headers, agent, maxHeaderSize: MAX_HEADER_SIZE },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    r.on("error", reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

export const newAgent = (concurrency) => new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Whole-machine CPU counters (ms, all cores) from /proc/stat: to show what else was running. */
function machineCpu() {
  const [, ...f] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/);
  const n = f.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = n[3] + n[4];
  return { busyMs: ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND, totalMs: (total * 1000) / CLOCK_TICKS_PER_SECOND };
}

const statusOk = (expect, status) => (Array.isArray(expect) ? expect.includes(status) : status === expect);

/**
 * Runs `scenario` against `baseUrl`: warm-up requests (not measured), then the measured window,
 * bounded by `durationMs` and `maxRequests`. CPU is sampled from /proc around the window only.
 */
export async function runLoad({ baseUrl, scenario, workerdPids, defaults }) {
  const concurrency = scenario.concurrency ?? defaults.concurrency;
  const durationMs = scenario.durationMs ?? defaults.durationMs;
  const maxRequests = scenario.maxRequests ?? defaults.maxRequests;
  const warmup = scenario.warmupRequests ?? defaults.warmupRequests;
  const expect = scenario.expectStatus ?? 200;
  const agent = newAgent(concurrency);
  let index = 0;
  const statuses = {};
  let firstError = null;

  const worker = async (limit, deadline, latencies) => {
    while (index < limit && performance.now() < deadline) {
      const i = index++;
      const req = await scenario.request(i);
      const t0 = performance.now();
      let status;
      try {
        const res = await send(agent, baseUrl, req);
        status = res.status;
        if (!statusOk(expect, status) && !firstError) firstError = `${req.method ?? "GET"} ${req.path} → ${status} ${res.body.slice(0, 300)}`;
      } catch (err) {
        status = "error";
        if (!firstError) firstError = `${req.method ?? "GET"} ${req.path} → ${err.message}`;
      }
      if (latencies) {
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
  };

  // Warm-up: JIT, connections, SQLite page cache.
  await Promise.all(Array.from({ length: concurrency }, () => worker(warmup, Infinity, null)));
  const latencies = [];
  const limit = index + maxRequests;
  const cpu0 = cpuMs(workerdPids);
  const own0 = ownCpuMs();
  const machine0 = machineCpu();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, () => worker(limit, t0 + durationMs, latencies)));
  const wallMs = performance.now() - t0;
  const cpu1 = cpuMs(workerdPids);
  const own1 = ownCpuMs();
  const machine1 = machineCpu();
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  const ok = Object.entries(statuses)
    .filter(([s]) => statusOk(expect, Number(s)))
    .reduce((a, [, c]) => a + c, 0);
  const workerdMs = cpu1 - cpu0;
  const benchMs = own1 - own0;
  const machineBusyMs = machine1.busyMs - machine0.busyMs;
  return {
    requests,
    ok,
    errors: requests - ok,
    statuses,
    firstError,
    concurrency,
    wallMs,
    rps: requests / (wallMs / 1000),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? null,
      mean: requests ? latencies.reduce((a, b) => a + b, 0) / requests : null,
    },
    cpuMsPerRequest: workerdPids.length && requests ? workerdMs / requests : null,
    workerdCpuMs: workerdMs,
    // CPU of the load generator itself, and of everything else on the machine (other people's work),
    // in cores busy on average over the window: context for how noisy the figures are.
    benchCores: benchMs / wallMs,
    workerdCores: workerdMs / wallMs,
    otherCores: Math.max(0, machineBusyMs - workerdMs - benchMs) / wallMs,
  };
}

/** Sequential requests against a D1_METRICS=1 instance: rows read/written per request from X-D1-* headers. */
export async function sampleRows({ baseUrl, scenario, samples }) {
  const agent = newAgent(1);
  const expect = scenario.expectStatus ?? 200;
  const reads = [];
  const writes = [];
  const counts = [];
  let statements = null;
  const perSample = [];
  // Year databases (src/db/ticket-stores.ts): their statements carry their binding as a comment.
  const databases = [];
  const rowsPerDatabase = [];
  let firstError = null;
  for (let i = 0; i < samples; i++) {
    const req = await scenario.request(i);
    const res = await send(agent, baseUrl, req);
    if (!statusOk(expect, res.status)) {
      firstError ??= `${req.method ?? "GET"} ${req.path} → ${res.status} ${res.body.slice(0, 300)}`;
      continue;
    }
    const read = res.headers["x-d1-rows-read"];
    if (read === undefined) {
      firstError ??= "no X-D1-Rows-Read header (is the D1_METRICS instrumentation in src/middleware/db-session.ts?)";
      continue;
    }
    reads.push(Number(read));
    writes.push(Number(res.headers["x-d1-rows-written"] ?? 0));
    counts.push(Number(res.headers["x-d1-statement-count"] ?? 0));
    let parsed = null;
    try {
      parsed = JSON.parse(Buffer.from(res.headers["x-d1-statements"] ?? "", "base64url").toString("utf8"));
    } catch {
      /* no statements header */
    }
    if (parsed) perSample.push({ statements: parsed, count: counts.at(-1) });
    // Rows read by database (src/db/metrics.ts X-D1-Databases: main "DB", year databases by binding).
    const byDb = Object.values(JSON.parse(res.headers["x-d1-databases"] ?? "{}"));
    if (byDb.length) {
      databases.push(byDb.length);
      rowsPerDatabase.push(Math.max(...byDb));
    }
    // The heaviest sample's statements are the ones to explain.
    if (Number(read) >= Math.max(...reads)) statements = parsed;
  }
  agent.destroy();
  const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : null);
  const result = {
    samples: reads.length,
    rowsRead: { mean: mean(reads), max: reads.length ? Math.max(...reads) : null },
    rowsWritten: { mean: mean(writes), max: writes.length ? Math.max(...writes) : null },
    statementsPerRequest: mean(counts),
    ...(databases.some((n) => n > 1) ? { databases: { mean: mean(databases), max: Math.max(...databases) }, rowsReadPerDatabase: { max: Math.max(...rowsPerDatabase) } } : {}),
    statements,
    firstError,
  };
  // Every sample's statements, for the D1 replay (kept out of the JSON report: it would be large).
  Object.defineProperty(result, "perSample", { value: perSample, enumerable: false });
  return result;
}
