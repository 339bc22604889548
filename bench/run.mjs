// `npm run bench`: builds the deploy bundle, serves it with Miniflare (no wrangler dev proxy), seeds
// 100,000 tickets once, and measures latency, throughput, workerd CPU and D1 rows per request.
// See bench/README.md. Options:
//   --only core,search    modules to run (default: core, then every other bench/*.mjs module)
//   --duration 10         measured seconds per scenario      --max-requests 20000
//   --concurrency 20      connections                        --warmup 200  (requests, not measured)
//   --samples 25          sequential requests per scenario in the rows pass (0 skips the pass)
//   --scale 1             seed size factor (0.1 for a quick try; a different scale reseeds)
//   --reseed              throw the bench database away and seed again
//   --seed-only           stop after seeding (and migrations)
//   --no-build            reuse bench/.tmp/dist
//   --no-d1-share         skip estimating the local D1's share of workerd's CPU
//   --request-only        the request alone: Durable Objects stubbed, no queue consumer (bench/lib/server.mjs);
//                         for writes, whose objects and mail are other invocations in production
//   --tag NAME            results file tag (default: cores and CPU model)
//   --no-save             print only, write nothing to bench/results/
//   --verbose             Miniflare's own log
//   --rate 30[,60]        webhooks: events/s sent open-loop (one run per rate) instead of the closed loop
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { applyMigrations, migrationConflict, migrationHashes } from "./lib/migrate.mjs";
import { runLoad, sampleRows, send, newAgent } from "./lib/load.mjs";
import { explainStatements } from "./lib/plans.mjs";
import { loadSlaReplay } from "./lib/domain.mjs";
import { settleSlaSweep } from "./lib/sla-settle.mjs";
import { checkGoals, machineInfo, machineTag, textTable, writeReport } from "./lib/report.mjs";
import { ACCOUNTS, BENCH_PASSWORD, DEFAULT_SIZES, SEED_VERSION, seed } from "./lib/seed.mjs";
import { BENCH_SECRETS, ROOT, STATE, buildBundle, startServer } from "./lib/server.mjs";

/**
 * What every scenario module's `run(ctx)` receives.
 * @typedef {object} BenchContext
 * @property {string} baseUrl  the Worker, e.g. http://127.0.0.1:40123 (loopback, direct socket)
 * @property {{admin: string, manager: string, agent: string, customer: string, customer2: string}} tokens  access tokens
 *   (refreshed before each module; read them when building each request, not once)
 * @property {{admin: string, manager: string, agent: string, customer: string}} accounts  their emails; password in `password`
 * @property {string} password
 * @property {(msg: string) => void} log
 * @property {import("miniflare").Miniflare} mf
 * @property {D1Database} db  the D1 binding, from Node (setup queries; not measured)
 * @property {(scenario: Scenario) => Promise<object>} measure  load-tests a scenario and records it in the report
 * @property {(scenario: Scenario) => Promise<void>} probe  records a scenario for the rows pass only (no load test)
 * @property {(req: object) => Promise<{status: number, headers: object, body: string}>} request  one request (setup)
 * @property {boolean} quick  true under --scale < 1 (modules may shorten their own work)
 * @property {number} scale  the --scale factor (modules that seed their own data size it by this)
 *
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} [route]  e.g. "GET /api/v1/tickets"
 * @property {string} [as]  which token
 * @property {(i: number) => ({method?: string, path: string, token?: string, body?: unknown, headers?: object}) | Promise<object>} request
 * @property {number | number[]} [expectStatus]  default 200
 * @property {{rowsRead?: number, cpuMs?: number}} [goals]
 * @property {boolean} [rows]  false: skip the rows pass (e.g. requests that only work once)
 * @property {number} [concurrency] @property {number} [durationMs] @property {number} [maxRequests] @property {number} [warmupRequests]
 */

// The D1 replay (see pass 2) alternates bursts with and without the D1 calls; 4 rounds of 1.5 s each
// side give a CPU figure stable to about ±0.1 ms on a quiet machine.
const REPLAY_ROUNDS = 4;
const REPLAY_SETTINGS = { durationMs: 1_500, maxRequests: 3_000, warmupRequests: 20 };
const REPLAY_MAX_RATIO = 1.1;

// Probes send the same request every time: a few samples show its rows.
const PROBE_SAMPLES = 3;

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    duration: { type: "string", default: "10" },
    "max-requests": { type: "string", default: "20000" },
    concurrency: { type: "string", default: "20" },
    warmup: { type: "string", default: "200" },
    samples: { type: "string", default: "25" },
    scale: { type: "string", default: "1" },
    reseed: { type: "boolean", default: false },
    "seed-only": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    "no-d1-share": { type: "boolean", default: false },
    "request-only": { type: "boolean", default: false },
    tag: { type: "string" },
    "no-save": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    rate: { type: "string" },
  },
});

const settings = {
  durationMs: Number(args.duration) * 1000,
  maxRequests: Number(args["max-requests"]),
  concurrency: Number(args.concurrency),
  warmupRequests: Number(args.warmup),
  samples: Number(args.samples),
};
const scale = Number(args.scale);
for (const [k, v] of Object.entries({ ...settings, scale })) {
  if (!Number.isFinite(v) || v < 0 || (k !== "samples" && k !== "warmupRequests" && v === 0)) {
    console.error(`bench: invalid --${k}: ${v}`);
    process.exit(2);
  }
}

const t0 = Date.now();
const log = (msg) => console.error(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);

// ------------------------------------------------------------------ modules

const BENCH_DIR = path.join(ROOT, "bench");
const available = ["core", ...readdirSync(BENCH_DIR).filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && f !== "core.mjs").map((f) => f.replace(/\.mjs$/, "")).sort()];
const selected = args.only ? args.only.split(",").map((s) => s.trim()).filter(Boolean) : available;
const unknown = selected.filter((m) => !available.includes(m));
if (unknown.length) {
  console.error(`bench: no module ${unknown.join(", ")} (available: ${available.join(", ")})`);
  process.exit(2);
}

// ------------------------------------------------------------------ seed bookkeeping

const sizes = Object.fromEntries(
  Object.entries(DEFAULT_SIZES).map(([k, v]) => [k, ["tickets", "comments", "customers"].includes(k) ? Math.max(1, Math.round(v * scale)) : v]),
);
const SEED_FILE = path.join(STATE, "bench-seed.json");
const wantedSeed = { version: SEED_VERSION, sizes, pepper: BENCH_SECRETS.PASSWORD_PEPPER };
const readSeedFile = () => {
  try {
    return JSON.parse(readFileSync(SEED_FILE, "utf8"));
  } catch {
    return null;
  }
};
const sameSeed = (s) => s && JSON.stringify({ version: s.version, sizes: s.sizes, pepper: s.pepper }) === JSON.stringify(wantedSeed);

function wipeState(reason) {
  log(`bench database reset (${reason})`);
  rmSync(STATE, { recursive: true, force: true });
}

// ------------------------------------------------------------------ main


const machine = machineInfo();
const report = {
  tag: args.tag ?? machineTag(machine),
  startedAt: new Date().toISOString(),
  machine,
  settings: { ...settings, scale, modules: selected, ...(args["request-only"] ? { requestOnly: true } : {}) },
  seed: null,
  tableSizes: {},
  results: [],
  notes: [],
};

if (!args["no-build"]) buildBundle(log);

const existing = readSeedFile();
if (args.reseed) wipeState("--reseed");
else if (!existing && existsSync(STATE)) wipeState("no seed record");
else if (existing && !sameSeed(existing)) wipeState("seed size or version changed");
else if (existing && migrationConflict(existing.migrations)) wipeState(migrationConflict(existing.migrations));

let server = await startServer({ log, verbose: args.verbose, requestOnly: args["request-only"] });
await applyMigrations(server.db, log).catch((err) => {
  throw new Error(`applying migrations to the bench database failed (${err.message}); run with --reseed to start from a fresh one`, { cause: err });
});

const ticketCount = async (db) => (await db.prepare("SELECT count(*) AS n FROM tickets").first("n")) ?? 0;
let seedRecord = readSeedFile();
if (sameSeed(seedRecord) && (await ticketCount(server.db)) >= sizes.tickets) {
  log(`reusing the seeded database from ${seedRecord.seededAt} (bench/.tmp/state; --reseed to start over)`);
} else {
  if (seedRecord || (await ticketCount(server.db)) > 0) {
    await server.dispose();
    wipeState("seed incomplete");
    server = await startServer({ log, verbose: args.verbose, requestOnly: args["request-only"] });
    await applyMigrations(server.db, log);
  }
  log(`seeding ${sizes.tickets.toLocaleString("en")} tickets and ${sizes.comments.toLocaleString("en")} comments (once; later runs reuse it)`);
  const summary = await seed(server.db, { sizes, pepper: BENCH_SECRETS.PASSWORD_PEPPER, log, replaySla: await loadSlaReplay() });
  seedRecord = { ...wantedSeed, ...summary };
  mkdirSync(STATE, { recursive: true });
  writeFileSync(SEED_FILE, `${JSON.stringify(seedRecord, null, 2)}\n`);
}
// The migrations this database now has, so a rewritten history (edited or renamed files) reseeds.
seedRecord.migrations = migrationHashes();
writeFileSync(SEED_FILE, `${JSON.stringify(seedRecord, null, 2)}\n`);
report.seed = seedRecord;

// Table sizes at the start of the run (count(*) is fine here: setup, not a request path).
const master = (await server.db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name").all()).results;
// FTS5 shadow tables (<virtual table>_data, _idx, …) are implementation detail: only the virtual table is listed.
const virtual = master.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql ?? "")).map((r) => r.name);
const tables = master.map((r) => r.name).filter((n) => !virtual.some((v) => n.startsWith(`${v}_`)));
for (const t of tables) {
  try {
    report.tableSizes[t] = await server.db.prepare(`SELECT count(*) AS n FROM "${t}"`).first("n");
  } catch {
    /* virtual tables (FTS shadow) may refuse */
  }
}
log(`table sizes: ${Object.entries(report.tableSizes).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n.toLocaleString("en")}`).join(", ")}`);

if (args["seed-only"]) {
  await server.dispose();
  log("done (--seed-only)");
  process.exit(0);
}

const tokens = {};
async function login(baseUrl) {
  const agent = newAgent(4);
  await Promise.all(
    Object.entries(ACCOUNTS).map(async ([role, email]) => {
      const res = await send(agent, baseUrl, { method: "POST", path: "/api/v1/auth/login", body: { email, password: BENCH_PASSWORD } });
      if (res.status !== 200) throw new Error(`login as ${email} failed: ${res.status} ${res.body.slice(0, 300)}`);
      tokens[role] = JSON.parse(res.body).access_token;
    }),
  );
  agent.destroy();
}

function contextFor(moduleName, srv) {
  const agent = newAgent(4);
  return {
    baseUrl: srv.baseUrl,
    tokens,
    accounts: ACCOUNTS,
    password: BENCH_PASSWORD,
    log: (msg) => log(`${moduleName}: ${msg}`),
    mf: srv.mf,
    db: srv.db,
    quick: scale < 1,
    scale,
    rates: args.rate ? args.rate.split(",").map(Number) : undefined,
    request: (req) => send(agent, srv.baseUrl, req),
    // Rows pass only (no load test): for the many filter/sort combinations whose row counts matter
    // more than their speed. Requests must not depend on this instance (a cursor signed here is fine:
    // the second instance has the same JWT_SECRET).
    probe: async (scenario) => {
      const { request: _request, ...described } = scenario;
      const entry = { module: moduleName, probe: true, ...described, load: null, rows: null };
      Object.defineProperties(entry, {
        request: { value: scenario.request, enumerable: false },
        rowsPass: { value: true, enumerable: false },
      });
      report.results.push(entry);
    },
    measure: async (scenario) => {
      log(`${moduleName}: ${scenario.name} …`);
      const load = await runLoad({ baseUrl: srv.baseUrl, scenario, workerdPids: srv.workerdPids, defaults: settings });
      const { request: _request, rows: rowsPass, ...described } = scenario;
      const entry = { module: moduleName, ...described, load, rows: null };
      // Kept for the rows pass, left out of the JSON report.
      Object.defineProperties(entry, {
        request: { value: scenario.request, enumerable: false },
        rowsPass: { value: rowsPass !== false, enumerable: false },
      });
      report.results.push(entry);
      log(
        `${moduleName}: ${scenario.name}: ${load.requests} requests, p50 ${load.latencyMs.p50?.toFixed(2)} ms, p99 ${load.latencyMs.p99?.toFixed(2)} ms, ${load.rps.toFixed(0)} req/s, ${load.cpuMsPerRequest?.toFixed(2) ?? "?"} ms CPU/req` +
          (load.errors ? `, ${load.errors} unexpected (${load.firstError})` : ""),
      );
      return load;
    },
  };
}

// Pass 1: latency, throughput, CPU.
for (const name of selected) {
  await login(server.baseUrl);
  const mod = await import(pathToFileURL(path.join(BENCH_DIR, `${name}.mjs`)).href);
  if (typeof mod.run !== "function") {
    report.notes.push(`${name}.mjs exports no run(); skipped`);
    continue;
  }
  try {
    const out = await mod.run(contextFor(name, server));
    for (const r of out?.results ?? []) report.results.push({ module: name, ...r });
    for (const n of out?.notes ?? []) report.notes.push(`${name}: ${n}`);
  } catch (err) {
    log(`${name}: failed: ${err.stack ?? err}`);
    report.notes.push(`${name}: failed: ${err.message}`);
  }
}
// A deployment's minute cron keeps the SLA sweep's work list (breaches not flagged yet) near
// empty; the bench seeds due dates in the past and never ran the sweep, so `breached=true` read a
// few hundred of them per page (340 at 1,000,000 tickets). Settle it before rows are counted.
report.notes.push(await settleSlaSweep(server, log));
await server.dispose();

// Pass 2: D1 rows per request, on an instance that counts them (counting doubles every select, so
// it never runs during the timed pass), then the query plans of what was sampled.
const sampled = report.results.filter((s) => s.request && s.rowsPass && settings.samples > 0);
if (sampled.length) {
  log(`rows pass: D1_METRICS=1, ${settings.samples} sequential requests per scenario`);
  const metered = await startServer({ log, verbose: args.verbose, requestOnly: args["request-only"], extraBindings: { D1_METRICS: "1" } });
  await login(metered.baseUrl);
  for (const s of sampled) {
    s.rows = await sampleRows({ baseUrl: metered.baseUrl, scenario: s, samples: s.probe ? Math.min(settings.samples, PROBE_SAMPLES) : settings.samples });
    s.planIssues = await explainStatements(metered.db, s.rows.statements, report.tableSizes);
    if (s.rows.firstError) report.notes.push(`${s.name}: rows pass: ${s.rows.firstError}`);
    log(`${s.module}: ${s.name}: rows read ${s.rows.rowsRead.mean?.toFixed(1)} (max ${s.rows.rowsRead.max}), written ${s.rows.rowsWritten.mean?.toFixed(1)}${s.rows.databases ? `; databases ${s.rows.databases.mean.toFixed(1)} (max ${s.rows.databases.max}), most rows in one ${s.rows.rowsReadPerDatabase.max}` : ""}${s.planIssues.length ? `; plan: ${s.planIssues.join(" | ")}` : ""}`);
  }
  // What the local D1 costs workerd per request: the scenario's D1 calls repeated by a bare Worker
  // (writes rolled back; see bench/lib/server.mjs), minus the same requests without the calls.
  if (!args["no-d1-share"]) {
    for (const s of sampled) {
      if (!s.rows?.perSample?.length || !s.load?.cpuMsPerRequest) continue;
      // One request body per sample, cycled: scenarios whose requests differ (search terms) are
      // repeated in their mix, not as their heaviest request.
      let replayed = 0;
      let partial = false;
      const bodies = (execute) =>
        s.rows.perSample.map(({ statements, count }) => {
          const byCall = new Map();
          for (const st of statements) byCall.set(st.call, [...(byCall.get(st.call) ?? []), st]);
          // A call whose SQL was cut in the header cannot be repeated: it is left out. (Long texts of
          // writes are cut too, but repeating an insert with a shorter description costs about the same.)
          const calls = [...byCall.values()].filter((c) => c.every((st) => st.exact !== false)).map((c) => c.map(({ sql, params }) => ({ sql, params })));
          const n = calls.reduce((a, c) => a + c.length, 0);
          replayed = Math.max(replayed, n);
          if (n < count) partial = true;
          return JSON.stringify({ calls, execute });
        });
      const withBodies = bodies(true);
      const withoutBodies = bodies(false);
      if (!replayed) continue;
      const replay = async (execute) => {
        const list = execute ? withBodies : withoutBodies;
        const scenario = { name: `${s.name} (D1 replay)`, request: (i) => ({ method: "POST", path: "/", body: list[i % list.length] }) };
        return runLoad({ baseUrl: metered.replayUrl, scenario, workerdPids: metered.workerdPids, defaults: { ...settings, ...REPLAY_SETTINGS } });
      };
      // Short alternating bursts, so a change in the machine's load hits both sides alike.
      const sums = { with: { cpu: 0, n: 0 }, without: { cpu: 0, n: 0 } };
      let replayError = null;
      for (let round = 0; round < REPLAY_ROUNDS && !replayError; round++) {
        for (const execute of [false, true]) {
          const r = await replay(execute);
          if (r.errors) replayError = r.firstError;
          const side = sums[execute ? "with" : "without"];
          side.cpu += r.workerdCpuMs;
          side.n += r.requests;
        }
      }
      if (replayError) {
        report.notes.push(`${s.name}: D1 share not estimated: ${replayError}`);
        continue;
      }
      const d1 = Math.max(0, sums.with.cpu / sums.with.n - sums.without.cpu / sums.without.n);
      // Repeating the calls cost more than the whole request did: the replay does not match what
      // the request ran (other parameters, a busier machine), so no estimate rather than a wrong one.
      const invalid = d1 > s.load.cpuMsPerRequest * REPLAY_MAX_RATIO;
      // `partial`: statements beyond the header's budget, or cut in it, were not replayed.
      s.d1Share = { cpuMsPerRequest: d1, statements: replayed, partial, invalid, workerCpuMsPerRequest: Math.max(0, s.load.cpuMsPerRequest - d1) };
      if (invalid) report.notes.push(`${s.name}: D1 share not estimated: repeating its D1 calls took ${d1.toFixed(2)} ms CPU, more than the request's ${s.load.cpuMsPerRequest.toFixed(2)} ms`);
      log(`${s.module}: ${s.name}: local D1 ≈ ${d1.toFixed(2)} of ${s.load.cpuMsPerRequest.toFixed(2)} ms CPU/req (${s.rows.perSample.length} requests of up to ${replayed} statements replayed${partial ? ", some statements not" : ""}${invalid ? "; not plausible, left out" : ""})`);
    }
  }
  await metered.dispose();
}

for (const s of report.results) s.checks = checkGoals(s);
report.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
report.finishedAt = new Date().toISOString();
const busy = report.results.filter((s) => s.load && s.load.otherCores > 0.25);
if (busy.length) {
  report.notes.push(
    `The machine was shared: other processes kept ${Math.max(...busy.map((s) => s.load.otherCores)).toFixed(2)} of ${machine.cores} cores busy during ${busy.map((s) => s.name).join(", ")}; latency and req/s of those scenarios are pessimistic.`,
  );
}

// Saved before printing: a module's odd result must never cost the run its figures.
let files = null;
if (!args["no-save"]) {
  try {
    files = writeReport(report);
  } catch (err) {
    const fallback = path.join(ROOT, "bench", "results", `${report.startedAt.replace(/[:.]/g, "-")}-${report.tag}.json`);
    writeFileSync(fallback, `${JSON.stringify(report, null, 2)}\n`);
    log(`the Markdown report failed (${err.message}); JSON saved: ${path.relative(ROOT, fallback)}`);
  }
}
console.log("");
try {
  console.log(textTable(report.results));
} catch (err) {
  console.log(`(table failed: ${err.message})`);
}
console.log("");
for (const n of report.notes) console.log(`note: ${n}`);
if (files) console.log(`results: ${path.relative(ROOT, files.md)}, ${path.relative(ROOT, files.json)}`);
log("done");
