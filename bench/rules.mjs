// Automation benchmark (issue 11): what triggers cost a write, and what the automation sweep reads.
//
//   npm run bench -- --only rules [--scale 0.05]
//
// 1. Evaluation, pure: the domain's trigger chain (src/domain/rules.ts nextInChain, what runs after
//    every write) over 0, 20 and 100 active triggers, bundled with esbuild and timed in Node: the
//    CPU triggers add to a write, D1 excluded (the goal: 100 triggers add <= 1 ms to a create).
// 2. Through the Worker (the harness's load test): ticket create and comment with 0, 20 and 100
//    active triggers that are judged and do not match (the usual case: a rule is for some tickets).
//    CPU per request is workerd's, D1 included; the step from 0 to 100 is the triggers' share.
// 3. Its own metered database (the seeded bench database is not touched): the automation sweep
//    over 200,000 open tickets (x --scale) with
//    50 automations: a backlog run (new automations, every window full: the 500-ticket budget
//    bounds it) and steady-state runs (windows read up to where the last run left them, a minute
//    earlier). Goal: <= 5,000 rows read per run.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { applyMigrations } from "./lib/migrate.mjs";
import { DIST, ROOT, TMP, buildBundle, startServer, token } from "./lib/server.mjs";

const TRIGGER_COUNTS = [0, 20, 100];
const OPEN_TICKETS = 200_000;
const AUTOMATIONS = 50;
const STEADY_RUNS = 3;
const EVALUATIONS = 20_000;
const RESULTS = path.join(ROOT, "bench", "results");
// The sweep's clock: fixed, so every run sees the same tickets due.
const T = Date.parse("2030-06-03T12:00:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms) => new Date(ms).toISOString();
const q = (v) => (v === null ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
const STATUSES = ["open", "pending", "in_progress"];
const CATEGORIES = Array.from({ length: AUTOMATIONS }, (_, i) => `queue-${i}`);
const TIME_FIELDS = ["hours_since_status_changed", "hours_since_updated", "hours_since_requester_update", "hours_since_created"];

/**
 * A trigger that is judged on every create and comment and matches none of the bench's: the event
 * and channel conditions hold, the subject one does not (so `all` is read nearly to its end).
 */
export function benchTrigger(i) {
  return {
    name: `bench trigger ${i}`,
    kind: "trigger",
    active: true,
    conditions: {
      all: [
        { field: "event", operator: "in", value: ["ticket.created", "comment.created"] },
        { field: "channel", operator: "in", value: ["web", "email", "chat", "phone", "social", "api"] },
        { field: "requester_domain", operator: "is_not", value: `blocked${i}.example` },
        { field: "subject", operator: "contains", value: `outage ${i} of` },
      ],
      any: [
        { field: "priority", operator: "in", value: ["high", "critical"] },
        { field: "tags", operator: "contains", value: `vip${i}` },
      ],
    },
    actions: [
      { type: "set_priority", value: "critical" },
      { type: "add_tags", value: [`vip${i}`] },
      { type: "add_comment", value: { body: "Outage reported by {{requester.name}}: page the on-call.", internal: true } },
    ],
  };
}

/** Automation i: tickets of one queue, in one status, past a number of hours; tagged once. */
export function benchAutomation(i) {
  return {
    name: `bench automation ${i}`,
    kind: "automation",
    active: true,
    conditions: {
      all: [
        { field: "status", operator: "is", value: STATUSES[i % STATUSES.length] },
        { field: "category", operator: "is", value: CATEGORIES[i] },
        { field: TIME_FIELDS[i % TIME_FIELDS.length], operator: "greater_than", value: 24 + 12 * (i % 10) },
        { field: "tags", operator: "not_contains", value: `auto-${i}` },
      ],
      any: [],
    },
    actions: [
      { type: "add_tags", value: [`auto-${i}`] },
      { type: "set_priority", value: "high" },
    ],
  };
}

// ------------------------------------------------------------------ 1. evaluation, pure

export async function evaluation(log) {
  const outfile = path.join(TMP, "rules-domain.mjs");
  await build({ entryPoints: [path.join(ROOT, "src", "domain", "rules.ts")], bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "warning", mainFields: ["module", "main"] });
  const domain = await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
  const options = { customFields: true, webhooks: true };
  const now = iso(T);
  const ticket = {
    status: "open", priority: "medium", category: "technical", channel: "web", tags: ["export"], assignee_id: null, team_id: null,
    requester_email: "someone@customer.example", subject: "Cannot export the monthly report (7)", description: "The CSV export stops early.",
    sla: { breached: false, at_risk: false }, custom_fields: {}, created_at: now, updated_at: now, status_changed_at: now, requester_updated_at: now, assignee_updated_at: null,
  };
  const out = [];
  for (const n of TRIGGER_COUNTS) {
    const triggers = Array.from({ length: n }, (_, i) => {
      const parsed = domain.parseRule("trigger", benchTrigger(i), options);
      if (!parsed.ok) throw new Error(`bench trigger ${i}: ${JSON.stringify(parsed.issues)}`);
      return { id: `t${i}`, name: `bench trigger ${i}`, ...parsed.value };
    });
    const situations = [
      { before: null, after: ticket, event: { types: ["ticket.created"], comment: null }, now, calendar: null },
      { before: ticket, after: ticket, event: { types: ["comment.created"], comment: { body: "Any news?", internal: false, author_role: "customer" } }, now, calendar: null },
    ];
    const perKind = {};
    for (const [kind, s] of [["create", situations[0]], ["comment", situations[1]]]) {
      const once = () => domain.nextInChain(triggers, { fired: new Set(), spent: new Set(), steps: 0 }, s);
      if (once().kind !== "done") throw new Error("a bench trigger matched");
      for (let i = 0; i < 2_000; i++) once();
      const t0 = process.cpuUsage();
      for (let i = 0; i < EVALUATIONS; i++) once();
      const used = process.cpuUsage(t0);
      perKind[kind] = (used.user + used.system) / 1000 / EVALUATIONS;
    }
    out.push({ triggers: n, cpuMsPerCreate: perKind.create, cpuMsPerComment: perKind.comment });
    log(`evaluating ${n} triggers: ${(perKind.create * 1000).toFixed(1)} µs per create, ${(perKind.comment * 1000).toFixed(1)} µs per comment (Node, D1 excluded)`);
  }
  return out;
}

// ------------------------------------------------------------------ helpers


async function call(baseUrl, tokenValue, method, url, body) {
  const res = await fetch(`${baseUrl}${url}`, { method, headers: { authorization: `Bearer ${tokenValue}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, rowsRead: Number(res.headers.get("x-d1-rows-read") ?? NaN) };
}

/** Replaces the active triggers named `bench trigger …` by `n` new ones, through the API. */
async function setTriggers(baseUrl, admin, n, prefix = "bench trigger") {
  for (;;) {
    const page = await call(baseUrl, admin, "GET", "/api/v1/rules?kind=trigger&limit=100");
    const ours = page.body.data.filter((r) => r.name.startsWith(prefix));
    if (!ours.length) break;
    for (const r of ours) await call(baseUrl, admin, "DELETE", `/api/v1/rules/${r.id}`);
  }
  for (let i = 0; i < n; i++) {
    const res = await call(baseUrl, admin, "POST", "/api/v1/rules", benchTrigger(i));
    if (res.status !== 201) throw new Error(`trigger ${i}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function insertRows(db, table, columns, rows, perStatement = 100, perBatch = 25) {
  const statements = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows.slice(i, i + perStatement).map((r) => `(${r.map(q).join(",")})`).join(",");
    statements.push(`INSERT INTO ${table} (${columns.join(",")}) VALUES ${values}`);
  }
  for (let i = 0; i < statements.length; i += perBatch) await db.batch(statements.slice(i, i + perBatch).map((s) => db.prepare(s)));
}

// ------------------------------------------------------------------ 2. through the Worker (harness)

async function triggersThroughWorker(ctx) {
  const { tokens, db, measure, log } = ctx;
  const open = (await db.prepare(`SELECT id FROM tickets WHERE deleted_at IS NULL AND status IN ('open', 'in_progress', 'pending') ORDER BY random() LIMIT 500`).all()).results.map((r) => r.id);
  const out = [];
  try {
    for (const n of TRIGGER_COUNTS) {
      await setTriggers(ctx.baseUrl, tokens.admin, n);
      log(`${n} active bench triggers`);
      // The rows pass runs after every module, with whatever rules are left: rows are measured in part 3.
      const create = await measure({
        name: `create ticket, ${n} triggers`,
        route: "POST /api/v1/tickets",
        as: "customer2",
        expectStatus: 201,
        rows: false,
        request: (i) => ({ method: "POST", path: "/api/v1/tickets", token: tokens.customer2, body: { subject: `Cannot export the monthly report (${i})`, description: "The CSV export stops at about 10,000 rows.", priority: "medium", category: "technical", channel: "web" } }),
      });
      const comment = await measure({
        name: `add comment, ${n} triggers`,
        route: "POST /api/v1/tickets/{id}/comments",
        as: "agent",
        expectStatus: 201,
        rows: false,
        request: (i) => ({ method: "POST", path: `/api/v1/tickets/${open[i % open.length]}/comments`, token: tokens.agent, body: { body: "Looking into it now.", internal: false } }),
      });
      out.push({ triggers: n, create: create?.load ?? create, comment: comment?.load ?? comment });
    }
  } finally {
    await setTriggers(ctx.baseUrl, tokens.admin, 0);
  }
  return out;
}

// ------------------------------------------------------------------ 3. its own metered database

const TICKET_COLUMNS = [
  "id", "number", "subject", "description", "status", "priority", "priority_rank", "category", "channel", "tags", "requester_id",
  "created_by_id", "version", "created_at", "updated_at", "sla_policy", "sla_next_due_at", "status_changed_at", "requester_updated_at",
];

/**
 * Open tickets whose clocks are spread over the 30 days before T (so a window a minute wide holds
 * tickets in proportion, as in a help desk that has run for a while), in the automations' queues.
 */
function openTicket(i, n) {
  const span = 30 * 24 * HOUR;
  const created = T - span + Math.floor(((i * 7919) % n) / n * span);
  const touched = created + Math.floor(((i * 104729) % 997) / 997 * (T - created));
  return [
    `rulesbench-${i}`, `TICK-20300601-${String(i).padStart(6, "0")}`, `Question ${i}`, "Details.", STATUSES[i % 3], "medium", 2, CATEGORIES[i % AUTOMATIONS], "web", "[]", "rulesbench-customer",
    "rulesbench-customer", 2, iso(created), iso(touched), "medium", "9999-12-31T23:59:59.999Z", iso(touched), iso(created),
  ];
}

async function ownDatabase({ log, scale, onLog }) {
  const state = mkdtempSync(path.join(os.tmpdir(), "edgedesk-bench-rules-"));
  const server = await startServer({ log, state, extraBindings: { D1_METRICS: "1" }, onLog });
  return { ...server, dispose: async () => { await server.dispose(); rmSync(state, { recursive: true, force: true }); } };
}

async function metered({ log, scale }) {
  const reports = [];
  const onLog = (message) => {
    for (const line of String(message).split("\n")) {
      try {
        const parsed = JSON.parse(line);
        if (parsed?.job) reports.push(parsed);
      } catch {
        /* not a job report */
      }
    }
  };
  const server = await ownDatabase({ log, scale, onLog });
  const result = {};
  try {
    const { db, baseUrl } = server;
    await applyMigrations(db, log);
    const now = iso(T - 40 * 24 * HOUR);
    await insertRows(db, "users", ["id", "name", "email", "role", "active", "password_hash", "token_version", "created_at", "updated_at"], [
      ["rulesbench-customer", "Bench Customer", "customer@rules.bench.test", "customer", 1, null, 0, now, now],
      ["rulesbench-admin", "Bench Admin", "admin@rules.bench.test", "admin", 1, null, 0, now, now],
    ]);
    const admin = await token("rulesbench-admin", "admin");

    // The sweep.
    const n = Math.max(1_000, Math.round(OPEN_TICKETS * scale));
    for (let from = 0; from < n; from += 10_000) {
      await insertRows(db, "tickets", TICKET_COLUMNS, Array.from({ length: Math.min(10_000, n - from) }, (_, k) => openTicket(from + k, n)));
      log(`seeded ${Math.min(n, from + 10_000)} of ${n} open tickets`);
    }
    for (let i = 0; i < AUTOMATIONS; i++) {
      const res = await call(baseUrl, admin, "POST", "/api/v1/rules", benchAutomation(i));
      if (res.status !== 201) throw new Error(`automation ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const worker = await server.mf.getWorker("edgedesk");
    const sweep = async (at) => {
      reports.length = 0;
      const t0 = performance.now();
      await worker.scheduled({ scheduledTime: new Date(at), cron: "* * * * *" });
      const wallMs = performance.now() - t0;
      for (let i = 0; i < 50 && !reports.some((r) => r.job === "automations"); i++) await new Promise((r) => setTimeout(r, 100));
      const r = reports.find((x) => x.job === "automations");
      // The job's own statements apart from the report rollups its ticket writes carry (issue 12 bounds those).
      const own = r && { rows_read: r.rows_read - r.rollups.rows_read, rows_written: r.rows_written - r.rollups.rows_written, statements: r.statements - r.rollups.statements };
      return { at: iso(at), wallMs, rows_read: r?.rows_read, rows_written: r?.rows_written, statements: r?.statements, own, rollups: r?.rollups, changed: r?.changed, windowed: r?.windowed, fired: r?.fired, skipped: r?.skipped, more: r?.more, top: r?.top?.slice(0, 6) };
    };
    // Backlog: new automations see every qualifying ticket at once; the budget bounds the run.
    result.backlog = await sweep(T);
    log(`backlog run: ${result.backlog.rows_read} rows read (own ${result.backlog.own?.rows_read}, rollups ${result.backlog.rollups?.rows_read}), ${result.backlog.windowed} windowed, ${result.backlog.fired} fired, ${result.backlog.skipped} skipped, more: ${result.backlog.more}`);
    // Steady state: each window as a drained run a minute before left it, the changed tickets since then.
    const steadyFrom = T + 10 * MIN;
    const rules = (await db.prepare(`SELECT id, conditions FROM rules WHERE kind = 'automation'`).all()).results;
    for (const r of rules) {
      const c = JSON.parse(r.conditions).all;
      const status = c.find((x) => x.field === "status").value;
      const time = c.find((x) => x.field.startsWith("hours_since_"));
      const column = { hours_since_status_changed: "status_changed_at", hours_since_updated: "updated_at", hours_since_requester_update: "requester_updated_at", hours_since_created: "created_at" }[time.field];
      const bound = iso(steadyFrom - MIN - time.value * HOUR - 1);
      const last = await db.prepare(`SELECT ${column} AS at, rowid FROM tickets WHERE status = ? AND deleted_at IS NULL AND ${column} <= ? ORDER BY ${column} DESC, rowid DESC LIMIT 1`).bind(status, bound).first();
      const sweepState = last ? { [`${column}:greater_than:${time.value}|${status}`]: [last.at, last.rowid] } : {};
      await db.prepare(`UPDATE rules SET sweep = ? WHERE id = ?`).bind(JSON.stringify(sweepState), r.id).run();
    }
    await db.prepare(`INSERT INTO rule_state (key, value) VALUES ('automations_changed_after', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).bind(JSON.stringify({ key: iso(steadyFrom - MIN), rowid: 0 })).run();
    result.steady = [];
    for (let k = 0; k < STEADY_RUNS; k++) {
      const r = await sweep(steadyFrom + k * MIN);
      result.steady.push(r);
      log(`steady run ${k + 1}: ${r.rows_read} rows read (own ${r.own?.rows_read}, rollups ${r.rollups?.rows_read}), ${r.windowed} windowed, ${r.changed} changed, ${r.fired} fired, ${r.skipped} skipped, ${r.wallMs.toFixed(0)} ms`);
    }
    result.openTickets = n;
  } finally {
    await server.dispose();
  }
  return result;
}

// ------------------------------------------------------------------ run

/** @param {import("./run.mjs").BenchContext} ctx */
export async function run(ctx) {
  const { log = console.log } = ctx;
  const scale = ctx.scale ?? (ctx.quick ? 0.05 : 1);
  // The harness builds the bundle before its modules; alone, this module builds its own.
  if ((!ctx.measure && !ctx.noBuild) || !existsSync(path.join(DIST, "index.js"))) buildBundle(log);
  const result = { module: "rules", machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() }, settings: { TRIGGER_COUNTS, OPEN_TICKETS, AUTOMATIONS, scale } };
  result.evaluation = await evaluation(log);
  if (ctx.measure) result.throughWorker = await triggersThroughWorker(ctx);
  result.metered = await metered({ log, scale });
  result.machine.loadAfter = os.loadavg();
  mkdirSync(RESULTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const file = path.join(RESULTS, `${stamp}-rules-${os.cpus().length}cpu.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  log(`results in ${path.relative(ROOT, file)}`);
  const steadyMax = Math.max(...result.metered.steady.map((r) => r.rows_read ?? 0));
  return {
    results: [
      {
        name: `automation sweep, ${AUTOMATIONS} automations, ${result.metered.openTickets} open (steady)`,
        route: "scheduled * * * * *",
        load: { requests: result.metered.steady.length, errors: 0, rps: 0, latencyMs: { p50: result.metered.steady[0]?.wallMs, p90: null, p99: null }, cpuMsPerRequest: null },
        rows: { rowsRead: { mean: result.metered.steady.reduce((a, r) => a + (r.rows_read ?? 0), 0) / result.metered.steady.length, max: steadyMax } },
        goals: { rowsRead: 5_000 },
      },
      {
        name: `automation sweep, backlog run (budget 500 tickets)`,
        route: "scheduled * * * * *",
        load: { requests: 1, errors: 0, rps: 0, latencyMs: { p50: result.metered.backlog.wallMs, p90: null, p99: null }, cpuMsPerRequest: null },
        rows: { rowsRead: { mean: result.metered.backlog.rows_read, max: result.metered.backlog.rows_read } },
        goals: { rowsRead: 5_000 },
      },
    ],
    notes: [
      `rules: details in ${path.relative(ROOT, file)}`,
      // Skipped: firings whose write found the ticket changed and no longer qualifying (none expected here: nothing else writes).
      `rules: backlog ${result.metered.backlog.fired} fired, ${result.metered.backlog.skipped} skipped; steady ${result.metered.steady.map((r) => `${r.fired} fired, ${r.skipped} skipped`).join(" / ")}`,
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const scale = Number(process.argv.find((a) => a.startsWith("--scale="))?.slice(8) ?? 1);
  run({ log: (m) => console.log(m), scale, noBuild: process.argv.includes("--no-build") }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
