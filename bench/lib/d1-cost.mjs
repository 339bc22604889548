// The local D1's cost model (issue 15, goal 3): workerd CPU per D1 call, per statement in a batch,
// per row returned, per bound parameter, per row written (and index entry), per trigger. A bare
// Worker with one D1 binding (Miniflare's D1 stand-in: its entry worker, a Durable Object around
// SQLite, the binding's client in the Worker) runs one shape of call `reps` times in a row, awaiting
// each as a request does; the workerd process's CPU (/proc, user + system, all threads) over those
// calls, divided by them, is the shape's cost. Shapes are measured in alternating rounds and the
// median round is kept, so a burst of others' load hits one round, not one shape.
//
//   npm run bench:d1-cost [-- --rounds 5 --reps 300 --out bench/results/<name>.md]
//
// The database is a fresh file in bench/.tmp/d1-cost (deleted after), so the figures do not depend
// on the bench's seeded state; SQLite's own work on small tables is in them but small (a bench
// reply's row changes are 0.42 ms in SQLite alone: bench/lib/sqlite-reply-cost.mjs).
import { mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { CLOCK_TICKS_PER_SECOND, cpuMs, findWorkerdPids, ownCpuMs, ROOT, TMP } from "./server.mjs";

/** Whole-machine busy CPU (ms, all cores) from /proc/stat: to tell what else was running. */
function machineBusyMs() {
  const n = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return ((n.reduce((a, b) => a + b, 0) - n[3] - n[4]) * 1000) / CLOCK_TICKS_PER_SECOND;
}

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    reps: { type: "string", default: "300" },
    only: { type: "string" },
    out: { type: "string" },
  },
});
const ROUNDS = Number(args.rounds);
const REPS = Number(args.reps);

// The Worker: POST /run {shape, reps} runs the shape's D1 call `reps` times, one after another.
const WORKER = `
const cols = Array.from({ length: 12 }, (_, i) => "c" + i);
let seq = 0;
const shapes = {
  // S trivial statements in one batch: the per-call and per-statement costs.
  batch: (db, s) => db.batch(Array.from({ length: s }, () => db.prepare("select 1"))),
  // one statement without batch(), as drizzle runs a lone query.
  first: (db) => db.prepare("select 1").first(),
  raw: (db) => db.prepare("select 1").raw(),
  // R rows of 12 columns (short text and integers) returned by one statement, read with raw() as drizzle does.
  rows: (db, r) => db.prepare("select * from wide limit ?").bind(r).raw(),
  // P bound parameters in one statement returning one value.
  params: (db, p) => p ? db.prepare("select coalesce(" + Array.from({ length: p }, () => "?").join(",") + ")").bind(...Array.from({ length: p }, (_, i) => "value-" + i)).raw() : db.prepare("select 1").raw(),
  // N rows written as N INSERT statements in one batch, or as one INSERT with N VALUES rows.
  insertEach: (db, n) => db.batch(Array.from({ length: n }, () => db.prepare("insert into plain (k, a, b, c) values (?, ?, ?, ?)").bind("r" + ++seq, "alpha", 1, "2026-12-07T05:00:00.000Z"))),
  insertValues: (db, n) => db.prepare("insert into plain (k, a, b, c) values " + Array.from({ length: n }, () => "(?, ?, ?, ?)").join(", ")).bind(...Array.from({ length: n }, () => ["r" + ++seq, "alpha", 1, "2026-12-07T05:00:00.000Z"]).flat()).run(),
  // one row into a table with 4 secondary indexes (5 b-tree entries), and one with an FTS5 trigger.
  insertIndexed: (db, n) => db.batch(Array.from({ length: n }, () => db.prepare("insert into indexed (k, a, b, c) values (?, ?, ?, ?)").bind("r" + ++seq, "alpha" + (seq % 7), seq % 13, "2026-12-07T05:00:00.000Z"))),
  insertFts: (db, n) => db.batch(Array.from({ length: n }, () => db.prepare("insert into texts (k, body) values (?, ?)").bind("r" + ++seq, "Thanks for reaching out, I am looking into this now and will get back to you " + seq))),
  // the app's way: each request on its own session (middleware/db-session.ts), S statements in one batch.
  session: (db, s) => db.withSession("first-primary").batch(Array.from({ length: s }, () => db.prepare("select 1"))),
  // one row of 60 named columns (as the app's ticket reads: long SQL text, a wide result).
  wide: (db) => db.prepare("select " + Array.from({ length: 60 }, (_, i) => '"c' + (i % 12) + '" as "' + i + '"').join(", ") + " from wide limit 1").raw(),
  // an INSERT with 40 columns bound (as the ticket's own insert), into a table without indexes.
  insertWide: (db) => db.prepare("insert into widerow (" + Array.from({ length: 40 }, (_, i) => "c" + i).join(", ") + ") values (" + Array.from({ length: 40 }, () => "?").join(", ") + ")").bind(...Array.from({ length: 40 }, (_, i) => (i % 2 ? i : "value-" + i))).run(),
  // an UPDATE by primary key with a RETURNING of one column, alone in a call.
  updateReturning: (db) => db.prepare("update plain set b = b + 1 where k = 'k1' returning b").raw(),
};
export default {
  async fetch(request, env) {
    const { shape, arg, reps } = await request.json();
    if (shape === "setup") {
      await env.DB.batch([
        env.DB.prepare("create table if not exists wide (" + cols.map((c, i) => c + (i % 2 ? " integer" : " text")).join(", ") + ")"),
        env.DB.prepare("create table if not exists plain (k text primary key, a text, b integer, c text)"),
        env.DB.prepare("create table if not exists indexed (k text primary key, a text, b integer, c text)"),
        env.DB.prepare("create index if not exists indexed_a on indexed (a)"),
        env.DB.prepare("create index if not exists indexed_b on indexed (b)"),
        env.DB.prepare("create index if not exists indexed_c on indexed (c)"),
        env.DB.prepare("create index if not exists indexed_abc on indexed (a, b, c)"),
        env.DB.prepare("create table if not exists texts (k text primary key, body text)"),
        env.DB.prepare("create table if not exists widerow (" + Array.from({ length: 40 }, (_, i) => "c" + i).join(", ") + ")"),
        env.DB.prepare("create virtual table if not exists texts_fts using fts5(body, content='texts', content_rowid='rowid')"),
        env.DB.prepare("create trigger if not exists texts_ai after insert on texts begin insert into texts_fts (rowid, body) values (new.rowid, new.body); end"),
        env.DB.prepare("insert into wide select " + cols.map((c, i) => (i % 2 ? "value * " + i : "'text-' || value || '-" + i + "'")).join(", ") + " from (with recursive n(value) as (select 1 union all select value + 1 from n where value < 200) select value from n)"),
        env.DB.prepare("insert into plain (k, a, b, c) values ('k1', 'alpha', 1, 'x')"),
      ]);
      return new Response("ok");
    }
    for (let i = 0; i < reps; i++) await shapes[shape](env.DB, arg);
    return new Response("ok");
  },
};`;

const SHAPES = [
  ["batch", 1], ["batch", 2], ["batch", 4], ["batch", 8], ["batch", 16], ["batch", 32],
  ["first", 0], ["raw", 0],
  ["rows", 1], ["rows", 10], ["rows", 100],
  ["params", 0], ["params", 16], ["params", 64],
  ["insertEach", 1], ["insertEach", 8], ["insertValues", 8],
  ["insertIndexed", 1], ["insertIndexed", 8],
  ["insertFts", 1], ["insertFts", 8],
  ["updateReturning", 0],
  ["session", 1], ["session", 16],
  ["wide", 0], ["insertWide", 0],
].filter(([s]) => !args.only || args.only.split(",").includes(s));

const dir = path.join(TMP, "d1-cost");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// As bench/lib/server.mjs serves the app: persisted state, a direct socket to the Worker.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    resourcePersistencePath: dir,
    host: "127.0.0.1",
    port: 0,
    cf: { colo: "LOCAL", country: "XX" },
    log: new Log(LogLevel.WARN),
    workers: [
      {
        name: "d1-cost",
        compatibilityDate: "2026-08-01",
        compatibilityFlags: ["nodejs_compat"],
        modules: [{ type: "ESModule", path: "d1-cost.mjs", contents: WORKER }],
        d1Databases: { DB: "d1-cost" },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  }),
);
const url = (await mf.unsafeGetDirectURL("d1-cost")).href;
const pids = findWorkerdPids();
const call = (body) => fetch(url, { method: "POST", body: JSON.stringify(body) }).then(async (r) => { if (!r.ok) throw new Error(await r.text()); });
await call({ shape: "setup" });

const load0 = os.loadavg();
const busy0 = machineBusyMs(), workerd0 = cpuMs(pids), own0 = ownCpuMs(), wall0 = performance.now();
const samples = new Map(SHAPES.map((s) => [s.join(":"), []]));
for (const [shape, arg] of SHAPES) await call({ shape, arg, reps: 30 }); // warm every path
for (let round = 0; round < ROUNDS; round++) {
  for (const [shape, arg] of SHAPES) {
    const c0 = cpuMs(pids);
    const t0 = performance.now();
    await call({ shape, arg, reps: REPS });
    const wall = performance.now() - t0;
    samples.get(`${shape}:${arg}`).push({ cpu: (cpuMs(pids) - c0) / REPS, wall: wall / REPS });
  }
}
const load1 = os.loadavg();
// Cores the rest of the machine kept busy meanwhile (others' load; above ~0.25 the figures are suspect).
const otherCores = (machineBusyMs() - busy0 - (cpuMs(pids) - workerd0) - (ownCpuMs() - own0)) / (performance.now() - wall0);
await mf.dispose();
rmSync(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = Object.fromEntries([...samples].map(([k, v]) => [k, { cpuMs: median(v.map((s) => s.cpu)), wallMs: median(v.map((s) => s.wall)), rounds: v.map((s) => +s.cpu.toFixed(3)) }]));
const get = (k) => result[k]?.cpuMs;

// Least squares over the batch sizes: CPU = call + S * statement.
const fit = (keys) => {
  const pts = keys.filter((k) => result[k]).map((k) => [Number(k.split(":")[1]), get(k)]);
  if (pts.length < 2) return null;
  const n = pts.length, sx = pts.reduce((a, p) => a + p[0], 0), sy = pts.reduce((a, p) => a + p[1], 0);
  const sxx = pts.reduce((a, p) => a + p[0] * p[0], 0), sxy = pts.reduce((a, p) => a + p[0] * p[1], 0);
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { intercept: (sy - slope * sx) / n, slope };
};
const batchFit = fit(Object.keys(result).filter((k) => k.startsWith("batch:")));
const per = (a, b, n) => (get(a) != null && get(b) != null ? (get(b) - get(a)) / n : null);
const model = {
  callMs: batchFit?.intercept,
  statementMs: batchFit?.slope,
  rowReturnedMs: per("rows:1", "rows:100", 99),
  paramMs: per("params:0", "params:64", 64),
  insertRowAsStatementMs: per("insertEach:1", "insertEach:8", 7),
  insertRowAsValuesMs: get("insertValues:8") != null ? (get("insertValues:8") - get("insertEach:1")) / 7 : null,
  indexEntriesMs: per("insertEach:8", "insertIndexed:8", 8 * 4),
  ftsTriggerMs: per("insertEach:8", "insertFts:8", 8),
  sessionCallMs: get("session:1") != null && get("batch:1") != null ? get("session:1") - get("batch:1") : null,
  wideSelectMs: per("raw:0", "wide:0", 1),
  wideInsertMs: per("insertEach:1", "insertWide:0", 1),
};

const f = (x, d = 3) => (x == null ? "–" : x.toFixed(d));
const lines = [
  `# Local D1 cost model — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
  "",
  `\`npm run bench:d1-cost\` (bench/lib/d1-cost.mjs): ${ROUNDS} rounds × ${REPS} calls a shape, median round; workerd CPU per call (user + system, all threads). ${os.cpus()[0]?.model}, ${os.cpus().length} cores; Node ${process.version}.`,
  `Load average at start ${load0.map((x) => x.toFixed(2)).join(" / ")}, at end ${load1.map((x) => x.toFixed(2)).join(" / ")}; others kept ${otherCores.toFixed(2)} of the cores busy during the run.`,
  "",
  "| shape | CPU ms / call | wall ms / call | rounds |",
  "| --- | ---: | ---: | --- |",
  ...Object.entries(result).map(([k, v]) => `| ${k} | ${f(v.cpuMs)} | ${f(v.wallMs)} | ${v.rounds.join(", ")} |`),
  "",
  "Model (CPU ms):",
  "",
  `- a D1 call: **${f(model.callMs)}**; each statement in its batch: **${f(model.statementMs)}** (least squares over batches of 1–32 \`select 1\`)`,
  `- each row returned (12 columns): ${f(model.rowReturnedMs, 4)}; each bound parameter: ${f(model.paramMs, 4)}`,
  `- a row inserted as its own statement: ${f(model.insertRowAsStatementMs)}; as one more row of a multi-row VALUES: ${f(model.insertRowAsValuesMs)}`,
  `- each secondary index entry written: ${f(model.indexEntriesMs, 4)}; an FTS5 insert trigger: ${f(model.ftsTriggerMs)} a row`,
  `- a call on a session (withSession, as every request) over a plain one: ${f(model.sessionCallMs)}`,
  `- a 60-column select of one row over \`select 1\`: ${f(model.wideSelectMs)}; a 40-column insert over a 4-column one: ${f(model.wideInsertMs)}`,
  "",
];
const text = lines.join("\n");
console.log(text);
if (args.out) {
  writeFileSync(path.resolve(ROOT, args.out), text);
  writeFileSync(path.resolve(ROOT, args.out.replace(/\.md$/, ".json")), JSON.stringify({ at: new Date().toISOString(), rounds: ROUNDS, reps: REPS, loadavg: { start: load0, end: load1 }, otherCores, result, model }, null, 2));
}
