// SLA benchmark (issue 5): the cron sweep over 200,000 open tickets of which 500 are due, and
// auto-assignment in a team of 200 agents. `npm run bench -- --only sla` (or `node bench/sla.mjs`).
//
// It runs on a database of its own (bench/.tmp/sla-state), seeded once, so its 200,000 open tickets
// never skew the core scenarios' lists. The Worker is the same deploy bundle (bench/.tmp/dist),
// served by Miniflare like bench/lib/server.mjs does. The sweep runs through the Worker's real
// `scheduled` export at a fixed trigger time, so the same 500 tickets are due on every run: they
// are put back to "never swept" before each run. The job's own log line carries its report; with
// D1_METRICS=1 it also carries D1's rows read/written (a separate instance: metering re-runs selects,
// so times come from an unmetered one).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { applyMigrations, migrationConflict, migrationHashes } from "./lib/migrate.mjs";
import { BENCH_SECRETS, ROOT, TMP, bundleModules, cpuMs, findWorkerdPids, token } from "./lib/server.mjs";
import { newAgent, send } from "./lib/load.mjs";

// Its own state per size: a --scale below 1 seeds a smaller database beside the full one.
let STATE = path.join(TMP, "sla-state");
// Its own build of the deploy bundle, so a run of the main bench at the same time keeps its files.
const DIST = path.join(TMP, "sla-dist");
let MARKER = path.join(STATE, "sla-seed.json");
const RESULTS = path.join(ROOT, "bench", "results");

// Seed version: bump when the seeded shape changes (reseeds).
const SEED_VERSION = 1;
const FULL_OPEN_TICKETS = 200_000;
/** Open tickets of this run: 200,000 × --scale, never fewer than the team's load and the due ones. */
let OPEN_TICKETS = FULL_OPEN_TICKETS;
const DUE_TICKETS = 500;
const AGENTS = 200;
/** Tickets each team agent already has open (their load); typical of a working queue. */
const LOAD_PER_AGENT = 15;
const SWEEP_RUNS = 3;
const ASSIGNMENTS = 60;
// The trigger time of every sweep run: fixed, so the seeded due dates stay due (and the rest do not).
const T = Date.parse("2030-06-03T12:00:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms) => new Date(ms).toISOString();
const q = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

const MEDIUM = { name: "medium", firstResponseMinutes: 480, nextResponseMinutes: 480, resolutionMinutes: 4320, escalationMinutes: 1440 };
const CRITICAL = { name: "critical", firstResponseMinutes: 60, nextResponseMinutes: 60, resolutionMinutes: 240, escalationMinutes: 120 };

/** `wrangler deploy --dry-run`: the exact bundle a deployment uploads. */
function buildBundle(log) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", DIST], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  log(`sla: bundle built in ${path.relative(ROOT, DIST)}`);
}

async function start({ metrics, onLog }) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  const { modulesRules: _r, cronTriggers: _c, ...opts } = workerOptions;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: STATE,
      host: "127.0.0.1",
      port: 0,
      cf: { colo: "LOCAL", country: "XX" },
      log: new Log(LogLevel.WARN),
      logRequests: false,
      telemetry: { enabled: false },
      handleStructuredLogs: ({ message }) => onLog(message),
      workers: [
        {
          ...opts,
          name: "edgedesk",
          rootPath: ROOT,
          modules: bundleModules(DIST),
          modulesRoot: DIST,
          bindings: { ...opts.bindings, ...BENCH_SECRETS, ...(metrics ? { D1_METRICS: "1" } : {}) },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  const baseUrl = (await mf.unsafeGetDirectURL("edgedesk")).href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB", "edgedesk");
  return { mf, baseUrl, db, worker: await mf.getWorker("edgedesk") };
}

// ------------------------------------------------------------------ seed

// D1 refuses statements over 100 KB: a ticket row is under 800 characters.
async function insertRows(db, table, columns, rows, perStatement = 100, perBatch = 25) {
  const statements = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows.slice(i, i + perStatement).map((r) => `(${r.map(q).join(",")})`).join(",");
    statements.push(`INSERT INTO ${table} (${columns.join(",")}) VALUES ${values}`);
  }
  for (let i = 0; i < statements.length; i += perBatch) await db.batch(statements.slice(i, i + perBatch).map((s) => db.prepare(s)));
}

const TICKET_COLUMNS = [
  "id", "number", "subject", "description", "status", "priority", "priority_rank", "category", "channel", "tags", "requester_id",
  "assignee_id", "team_id", "created_by_id", "version", "created_at", "updated_at", "first_response_at", "sla_policy",
  "first_response_due_at", "resolution_due_at", "sla_next_due_at", "sla_at_risk_at", "sla_check_at", "sla_targets", "first_response_minutes",
];

/** A ticket answered within its first response, resolution still to come: its next sweep check is the resolution's 80 % point. */
function openTicket(i, created, assignee, teamId) {
  const res = created + MEDIUM.resolutionMinutes * MIN;
  const risk = created + Math.round(MEDIUM.resolutionMinutes * 0.8) * MIN;
  return [
    `slabench-open-${i}`, `TICK-20300601-${String(i).padStart(6, "0")}`, `Cannot export report ${i}`, "The export stops early.", "open", "medium", 2, "billing", "web",
    "[]", "slabench-customer", assignee, teamId, "slabench-customer", 2, iso(created), iso(created + 30 * MIN), iso(created + 30 * MIN), "medium",
    iso(created + MEDIUM.firstResponseMinutes * MIN), iso(res), iso(res), iso(risk), iso(risk), JSON.stringify(MEDIUM), 30,
  ];
}

/** A critical ticket opened two hours before T that nobody answered: due an hour ago. */
function dueTicket(i) {
  const created = T - 2 * HOUR;
  return [
    `slabench-due-${String(i).padStart(4, "0")}`, `TICK-20300603-${String(i).padStart(6, "0")}`, `Site down ${i}`, "Everything is down.", "open", "critical", 4, "outage", "web",
    "[]", "slabench-customer", null, null, "slabench-customer", 1, iso(created), iso(created), null, "critical",
    iso(created + CRITICAL.firstResponseMinutes * MIN), iso(created + CRITICAL.resolutionMinutes * MIN), iso(created + CRITICAL.firstResponseMinutes * MIN),
    iso(created + 48 * MIN), iso(created + 48 * MIN), JSON.stringify(CRITICAL), null,
  ];
}

// A database migrated by an older migration history (edited or renamed files) is reseeded, like the core one.
const seeded = () => {
  if (!existsSync(MARKER)) return false;
  const marker = JSON.parse(readFileSync(MARKER, "utf8"));
  return marker.version === SEED_VERSION && (marker.openTickets ?? FULL_OPEN_TICKETS) === OPEN_TICKETS && marker.migrations !== undefined && !migrationConflict(marker.migrations);
};

async function seed(db, log) {
  if (seeded()) {
    log("sla: seeded database reused");
    return;
  }
  const started = Date.now();
  const now = iso(T - 30 * 24 * HOUR);
  await insertRows(db, "users", ["id", "name", "email", "role", "active", "password_hash", "token_version", "created_at", "updated_at"], [
    ["slabench-customer", "Bench Customer", "customer@sla.bench.test", "customer", 1, null, 0, now, now],
    ["slabench-manager", "Bench Manager", "manager@sla.bench.test", "manager", 1, null, 0, now, now],
    ...Array.from({ length: AGENTS }, (_, i) => [`slabench-agent-${i}`, `Agent ${i}`, `agent${i}@sla.bench.test`, "agent", 1, null, 0, now, now]),
  ]);
  await insertRows(db, "teams", ["id", "name", "created_at", "manager_id", "strategy"], [["slabench-team", "Bench team", now, "slabench-manager", "skill_based"]]);
  await insertRows(db, "team_members", ["team_id", "user_id", "created_at"], Array.from({ length: AGENTS }, (_, i) => ["slabench-team", `slabench-agent-${i}`, now]));
  await insertRows(db, "user_skills", ["user_id", "skill", "proficiency"], Array.from({ length: AGENTS }, (_, i) => [`slabench-agent-${i}`, "billing", 1 + (i % 5)]));
  await insertRows(db, "agent_routing", ["user_id", "availability", "max_open_tickets", "last_assigned_at", "updated_at"], Array.from({ length: AGENTS }, (_, i) => [`slabench-agent-${i}`, "online", 50, iso(T - (i + 1) * MIN), now]));
  // 199,500 open tickets spread over the 2 days before T (none due at T), the first AGENTS × LOAD_PER_AGENT assigned in the team.
  const span = 2 * 24 * HOUR;
  const regular = OPEN_TICKETS - DUE_TICKETS;
  const chunk = 10_000;
  for (let from = 0; from < regular; from += chunk) {
    const rows = [];
    for (let i = from; i < Math.min(regular, from + chunk); i++) {
      const assigned = i < AGENTS * LOAD_PER_AGENT;
      rows.push(openTicket(i, T - span + Math.floor((i / regular) * (span - HOUR)), assigned ? `slabench-agent-${i % AGENTS}` : null, assigned ? "slabench-team" : null));
    }
    await insertRows(db, "tickets", TICKET_COLUMNS, rows);
    log(`sla: seeded ${Math.min(regular, from + chunk)} of ${OPEN_TICKETS} tickets`);
  }
  await insertRows(db, "tickets", TICKET_COLUMNS, Array.from({ length: DUE_TICKETS }, (_, i) => dueTicket(i)));
  // The tickets went in straight, so the members' routing copies (load counters) are counted once here.
  await recountMembers(db);
  mkdirSync(STATE, { recursive: true });
  writeFileSync(MARKER, JSON.stringify({ version: SEED_VERSION, openTickets: OPEN_TICKETS, seededAt: new Date().toISOString(), migrations: migrationHashes() }));
  log(`sla: seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Recomputes every team member's routing copy (load counters included) from its sources: the
 * migration that fills it is idempotent, so it is run again after writes that went straight into D1.
 */
async function recountMembers(db) {
  const dir = path.join(ROOT, "migrations");
  const file = readdirSync(dir).find((f) => f.endsWith("_team_member_routing_backfill.sql"));
  await db.prepare(readFileSync(path.join(dir, file), "utf8").replace(/--[^\n]*\n/g, "")).run();
}

/** Puts the due tickets back to "never swept" (and drops what earlier runs wrote about them). */
async function resetDue(db) {
  const created = T - 2 * HOUR;
  await db.batch([
    db.prepare(`DELETE FROM ticket_history WHERE ticket_id LIKE 'slabench-due-%'`),
    db.prepare(`DELETE FROM audit_logs WHERE entity_id LIKE 'slabench-due-%'`),
    db.prepare(
      `UPDATE tickets SET version = 1, updated_at = ?, first_response_breached = 0, resolution_breached = 0, sla_breached = 0, sla_announced = 0,
       sla_warned = 0, sla_escalated = 0, sla_check_at = ?, sla_at_risk_at = ?, assignee_id = NULL, priority = 'critical', priority_rank = 4
       WHERE id LIKE 'slabench-due-%'`,
    ).bind(iso(created), iso(created + 48 * MIN), iso(created + 48 * MIN)),
  ]);
  // Earlier sweeps' escalations assigned some of them: the counters follow the direct reset.
  await recountMembers(db);
}

// ------------------------------------------------------------------ measure

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

async function sweep({ worker, db, pids, reports }) {
  await resetDue(db);
  reports.length = 0;
  const cpu0 = cpuMs(pids);
  const t0 = performance.now();
  await worker.scheduled({ scheduledTime: new Date(T), cron: "* * * * *" });
  const wallMs = performance.now() - t0;
  const cpu = cpuMs(pids) - cpu0;
  // Log lines arrive asynchronously: wait for the sweep's.
  for (let i = 0; i < 50 && !reports.some((r) => r.job === "sla-sweep"); i++) await new Promise((r) => setTimeout(r, 100));
  const sweepReport = reports.find((r) => r.job === "sla-sweep");
  const breached = (await db.prepare(`SELECT count(*) AS n FROM ticket_history WHERE type = 'sla.breached' AND ticket_id LIKE 'slabench-due-%'`).first()).n;
  return { wallMs, cpuMs: cpu, report: sweepReport, breachedHistory: breached };
}


/** Every team agent connected to the agents' feed (routing counts only present agents). */
async function connectAgents(baseUrl) {
  const sockets = [];
  for (let i = 0; i < AGENTS; i++) {
    const url = `${baseUrl.replace(/^http/, "ws")}/api/v1/live?access_token=${await token(`slabench-agent-${i}`, "agent")}`;
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    sockets.push(ws);
  }
  return sockets;
}

// The harness's own client (bench/lib/load.mjs): a metered answer carries its statements in a header
// larger than fetch's 16 KiB limit (fetch failed with UND_ERR_HEADERS_OVERFLOW).
const client = newAgent(1);
async function post(baseUrl, path, headers, body) {
  const r = await send(client, baseUrl, { method: "POST", path, headers, body });
  return { status: r.status, body: JSON.parse(r.body), headers: new Headers(Object.entries(r.headers).map(([k, v]) => [k, String(v)])) };
}

async function assignments({ baseUrl, db, pids }) {
  const manager = await token("slabench-manager", "manager");
  const headers = { authorization: `Bearer ${manager}`, "content-type": "application/json" };
  const latencies = [];
  const rows = [];
  // Metered runs: each assignment's statements, its routing's own apart from the report rollups the same write keeps (issue 12).
  const split = [];
  let assigned = 0;
  const cpu0 = cpuMs(pids);
  for (let i = 0; i < ASSIGNMENTS; i++) {
    const created = await post(baseUrl, "/api/v1/tickets", headers, { subject: `Refund ${i}`, description: "d", category: "billing", team_id: "slabench-team", requester_email: "customer@sla.bench.test" });
    const ticket = created.body;
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(ticket)}`);
    const t0 = performance.now();
    const res = await post(baseUrl, `/api/v1/tickets/${ticket.id}/assign`, headers, { strategy: "auto" });
    const body = res.body;
    latencies.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`assign: ${res.status} ${JSON.stringify(body)}`);
    if (body.assignee_id) assigned++;
    if (res.headers.get("x-d1-rows-read")) {
      rows.push(Number(res.headers.get("x-d1-rows-read")));
      split.push(splitRows(res));
    }
    // Leave the load as it was: the next assignment sees the same team.
    await db.batch([
      db.prepare(`UPDATE tickets SET deleted_at = ? WHERE id = ?`).bind(new Date().toISOString(), ticket.id),
      // What the ticket write does when a ticket leaves an agent's load (this delete goes straight into D1).
      db.prepare(`UPDATE team_members SET active_tickets = active_tickets - 1 WHERE user_id = ?`).bind(body.assignee_id ?? ""),
    ]);
  }
  const cpu = cpuMs(pids) - cpu0;
  latencies.sort((a, b) => a - b);
  return {
    requests: ASSIGNMENTS,
    assigned,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) },
    cpuMsPerCreateAndAssign: cpu / ASSIGNMENTS,
    rowsRead: rows.length ? { mean: rows.reduce((a, b) => a + b, 0) / rows.length, max: Math.max(...rows) } : null,
    split: split.length ? summarizeSplit(split) : null,
  };
}

/** Rows read and written by one metered response's statements: the report rollups (`report_*`) apart from the rest. */
function splitRows(res) {
  const b64 = (res.headers.get("x-d1-statements") ?? "").replaceAll("-", "+").replaceAll("_", "/");
  const statements = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  const out = { read: 0, written: 0, rollupRead: 0, rollupWritten: 0, unlistedRead: 0, unlistedWritten: 0, statements: statements.length, complete: statements.length === Number(res.headers.get("x-d1-statement-count")) };
  for (const st of statements) {
    const rollup = /\breport_/.test(st.sql);
    out[rollup ? "rollupRead" : "read"] += st.rows_read;
    out[rollup ? "rollupWritten" : "written"] += st.rows_written;
  }
  // The header holds the first ~15,000 characters of statements (src/db/metrics.ts): the rest (the
  // write's tail, where the report rollups are) is counted only in the totals.
  out.unlistedRead = Number(res.headers.get("x-d1-rows-read")) - out.read - out.rollupRead;
  out.unlistedWritten = Number(res.headers.get("x-d1-rows-written")) - out.written - out.rollupWritten;
  return out;
}

const fmt = (x) => `${x.mean.toFixed(1)} (${x.max})`;

function summarizeSplit(list) {
  const stat = (k) => {
    const v = list.map((x) => x[k]).sort((a, b) => a - b);
    return { mean: v.reduce((a, b) => a + b, 0) / v.length, max: v.at(-1) };
  };
  return {
    routingRead: stat("read"),
    routingWritten: stat("written"),
    rollupRead: stat("rollupRead"),
    rollupWritten: stat("rollupWritten"),
    unlistedRead: stat("unlistedRead"),
    unlistedWritten: stat("unlistedWritten"),
    allStatementsReported: list.every((x) => x.complete),
  };
}

// ------------------------------------------------------------------ run

/** @param {import("./run.mjs").BenchContext | {log: (m: string) => void}} ctx */
export async function run({ log = console.log, scale = 1 } = {}) {
  // Seeding 200,000 tickets takes minutes: a quick try seeds 200,000 × scale (still 200 agents) in a database of its own.
  OPEN_TICKETS = Math.max(AGENTS * LOAD_PER_AGENT + DUE_TICKETS, Math.round(FULL_OPEN_TICKETS * Math.min(1, scale)));
  if (OPEN_TICKETS !== FULL_OPEN_TICKETS) {
    STATE = path.join(TMP, `sla-state-${OPEN_TICKETS}`);
    MARKER = path.join(STATE, "sla-seed.json");
  }
  buildBundle(log);
  // A seed that did not finish (or an older one) starts over from an empty database.
  if (!seeded()) rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const reports = [];
  const onLog = (message) => {
    for (const line of String(message).split("\n")) {
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed === "object" && parsed.job) reports.push(parsed);
      } catch {
        /* not a job report */
      }
    }
  };

  const result = { module: "sla", machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, settings: { OPEN_TICKETS, DUE_TICKETS, AGENTS, LOAD_PER_AGENT, SWEEP_RUNS, ASSIGNMENTS } };

  // Pass 1: rows (metered).
  let srv = await start({ metrics: true, onLog });
  try {
    await applyMigrations(srv.db, log);
    await seed(srv.db, log);
    const metered = await sweep({ ...srv, pids: findWorkerdPids(), reports });
    result.sweepRows = {
      rows_read: metered.report?.rows_read,
      rows_written: metered.report?.rows_written,
      statements: metered.report?.statements,
      top: metered.report?.top,
      report: { ...metered.report, top: undefined },
      breachedHistory: metered.breachedHistory,
    };
    log(`sla: sweep rows read ${metered.report?.rows_read}, written ${metered.report?.rows_written}, ${metered.report?.statements} statements in ${metered.report?.calls} D1 calls; ${metered.breachedHistory} breaches recorded`);
    const sockets = await connectAgents(srv.baseUrl);
    const meteredAssignments = await assignments({ ...srv, pids: findWorkerdPids() });
    result.assignmentRows = meteredAssignments.rowsRead;
    result.assignmentSplit = meteredAssignments.split;
    for (const ws of sockets) ws.close();
    log(`sla: assignment rows read ${JSON.stringify(result.assignmentRows)}; routing vs report rollups ${JSON.stringify(result.assignmentSplit)}`);
  } finally {
    await srv.mf.dispose();
  }

  // Pass 2: time and CPU (unmetered).
  srv = await start({ metrics: false, onLog });
  try {
    const pids = findWorkerdPids();
    result.sweeps = [];
    for (let i = 0; i < SWEEP_RUNS; i++) {
      const r = await sweep({ ...srv, pids, reports });
      result.sweeps.push({ wallMs: r.wallMs, workerdCpuMs: r.cpuMs, jobMs: r.report?.duration_ms, breached: r.report?.breached, escalated: r.report?.escalated, checked: r.report?.checked, more: r.report?.more });
      log(`sla: sweep ${i + 1}: ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms workerd CPU, ${r.report?.checked} checked, ${r.report?.breached} breached, ${r.report?.escalated} escalated`);
    }
    const sockets = await connectAgents(srv.baseUrl);
    result.assignment = await assignments({ ...srv, pids });
    for (const ws of sockets) ws.close();
    log(`sla: auto-assign p50 ${result.assignment.latencyMs.p50.toFixed(1)} ms, p99 ${result.assignment.latencyMs.p99.toFixed(1)} ms, ${result.assignment.assigned}/${ASSIGNMENTS} assigned`);
  } finally {
    await srv.mf.dispose();
  }

  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const file = path.join(RESULTS, `${stamp}-sla-${OPEN_TICKETS === FULL_OPEN_TICKETS ? "" : `${OPEN_TICKETS}-`}${os.cpus().length}cpu.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`sla: results in ${path.relative(ROOT, file)}`);
  // Rows for the harness's table: one "request" is one cron run, and one create + auto-assign.
  const walls = result.sweeps.map((x) => x.wallMs).sort((a, b) => a - b);
  const sweepCpu = result.sweeps.reduce((a, x) => a + x.workerdCpuMs, 0) / result.sweeps.length;
  return {
    results: [
      {
        name: `SLA sweep: ${DUE_TICKETS} due of ${OPEN_TICKETS} open`,
        route: "scheduled * * * * *",
        load: { requests: walls.length, errors: 0, rps: 0, latencyMs: { p50: percentile(walls, 50), p90: percentile(walls, 90), p99: percentile(walls, 99) }, cpuMsPerRequest: sweepCpu },
        rows: { rowsRead: { mean: result.sweepRows.rows_read, max: result.sweepRows.rows_read }, rowsWritten: { mean: result.sweepRows.rows_written, max: result.sweepRows.rows_written } },
        goals: { rowsRead: 5_000 },
      },
      {
        name: `auto-assign among ${AGENTS} agents`,
        route: "POST /api/v1/tickets/{id}/assign",
        load: { requests: ASSIGNMENTS, errors: ASSIGNMENTS - result.assignment.assigned, rps: 0, latencyMs: result.assignment.latencyMs, cpuMsPerRequest: null },
        rows: result.assignmentRows ? { rowsRead: result.assignmentRows } : null,
        goals: { rowsRead: 250 },
      },
    ],
    notes: [
      `sla: details in ${path.relative(ROOT, file)}`,
      `sla: the metered sweep read ${result.sweepRows.rows_read} rows and wrote ${result.sweepRows.rows_written} (${(result.sweepRows.rows_read / DUE_TICKETS).toFixed(1)} and ${(result.sweepRows.rows_written / DUE_TICKETS).toFixed(1)} a due ticket) in ${result.sweepRows.statements} statements, ${result.sweepRows.report?.calls ?? "?"} D1 calls; workerd CPU of the unmetered sweeps ${result.sweeps.map((x) => x.workerdCpuMs.toFixed(0)).join(", ")} ms`,
      ...(result.assignmentSplit
        ? [`sla: auto-assign rows, mean (max): routing and the ticket write read ${fmt(result.assignmentSplit.routingRead)}, wrote ${fmt(result.assignmentSplit.routingWritten)}; report rollups read ${fmt(result.assignmentSplit.rollupRead)}, wrote ${fmt(result.assignmentSplit.rollupWritten)}; statements cut from the header (the rollups among them) read ${fmt(result.assignmentSplit.unlistedRead)}, wrote ${fmt(result.assignmentSplit.unlistedWritten)}`]
        : []),
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  run({ log: (m) => console.log(m) }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
