// `node bench/list-rows.mjs [--no-build] [--settle-sla] [--tag NAME]`: the ticket list's rows pass
// alone (no load test) on a bench database that exists already (BENCH_STATE_DIR, e.g. a copy of the
// 1M state): builds the bundle, starts the Worker with D1_METRICS on (Durable Objects stubbed),
// applies pending migrations, with --settle-sla runs the minute cron until the SLA sweep is settled
// (as npm run bench does; its only writes), and sends core's list probes and fields' cf probes, each
// 3 times, the last one kept (the same request every time: a steady figure). Writes
// bench/results/<time>-<tag>.md with each probe's rows and, for q= probes, each statement's. For
// comparing code on one large state without `npm run bench`'s load tests (which also add tickets to
// the head of every list).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { listProbes } from "./core.mjs";
import { applyMigrations } from "./lib/migrate.mjs";
import { settleSlaSweep } from "./lib/sla-settle.mjs";
import { newAgent, send } from "./lib/load.mjs";
import { ACCOUNTS, BENCH_PASSWORD } from "./lib/seed.mjs";
import { ROOT, STATE, buildBundle, startServer } from "./lib/server.mjs";

const { values: args } = parseArgs({ options: { "no-build": { type: "boolean", default: false }, tag: { type: "string", default: "list-rows" }, "settle-sla": { type: "boolean", default: false }, only: { type: "string" }, "full-sql": { type: "boolean", default: false } } });
const log = (msg) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const SAMPLES = 3;

if (!args["no-build"]) buildBundle(log);
log(`state ${STATE}`);
const server = await startServer({ log, requestOnly: true, extraBindings: { D1_METRICS: "1" } });
const t0 = Date.now();
await applyMigrations(server.db, log);
log(`migrations took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const settled = args["settle-sla"] ? await settleSlaSweep(server, log) : null;
const agent = newAgent(1);
const request = (req) => send(agent, server.baseUrl, req);
const tokens = {};
for (const role of ["agent", "customer"]) {
  const res = await request({ method: "POST", path: "/api/v1/auth/login", body: { email: ACCOUNTS[role], password: BENCH_PASSWORD } });
  if (res.status !== 200) throw new Error(`login as ${role}: ${res.status} ${res.body.slice(0, 200)}`);
  tokens[role] = JSON.parse(res.body).access_token;
}
const UNSOLVED = "status=open,in_progress,pending";
// core.mjs's measured lists and its probes (a "page 2" read through page 1's cursor), then more.
const probes = [
  ["list default", "", "agent"],
  ["list status+priority", "?status=open&priority=high", "agent"],
  ["list assignee=me", "?assignee_id=me", "agent"],
  ["list sort=sla_due", "?sort=sla_due", "agent"],
  ["list as customer", "", "customer"],
  ...(await listProbes(server.db)).map(([name, query, as]) => [`list ${name}`, query, as, name.includes("page 2")]),
  ["list q= common word + unsolved, oldest first", `?q=error&${UNSOLVED}&sort=created_at`, "agent"],
  ["list q= common word + unsolved, page 3", `?q=error&${UNSOLVED}`, "agent", 2],
  ["list q= common word + pending", "?q=error&status=pending", "agent"],
  ["list q= common word + high,critical", "?q=error&priority=high,critical", "agent"],
  ["list q= common word as customer", "?q=error", "customer"],
  ["list q= common word + my unsolved", `?q=error&${UNSOLVED}&assignee_id=me`, "agent"],
  // The console's views (web/src/console/views.ts ticketQuery) with a word typed in the search box.
  ["view mine + q=", `?q=error&assignee_id=me&${UNSOLVED}&sort=sla_due`, "agent"],
  ["view unassigned + q=", `?q=error&assignee_id=none&${UNSOLVED}&sort=sla_due`, "agent"],
  ["view at risk + q=", "?q=error&status=open,in_progress&breached=false&sort=sla_due", "agent"],
  ["view breached + q=", `?q=error&${UNSOLVED}&breached=true&sort=sla_due`, "agent"],
  ["view all unsolved + q=", `?q=error&${UNSOLVED}&sort=-updated_at`, "agent"],
  ["view all unsolved + q=, page 2", `?q=error&${UNSOLVED}&sort=-updated_at`, "agent", true],
  ["view pending + q=", "?q=error&status=pending&sort=-updated_at", "agent"],
  ["view solved + q=", "?q=error&status=resolved,closed&sort=-updated_at", "agent"],
  ["view all + q=", "?q=error&sort=-created_at", "agent"],
  ["list mine (sla_due)", `?${UNSOLVED}&assignee_id=me&sort=sla_due`, "agent"],
  ["list all unsolved (-updated_at)", `?${UNSOLVED}&sort=-updated_at`, "agent"],
  ["cf dropdown (50 %)", "?cf.bench_product=web_app", "agent"],
  ["cf dropdown (1 %)", "?cf.bench_product=legacy", "agent"],
  ["cf dropdown (none)", "?cf.bench_product=retired", "agent"],
  ["cf dropdown page 2", "?cf.bench_product=api", "agent", true],
  ["cf dropdown oldest first", "?cf.bench_product=hardware&sort=created_at", "agent"],
  ["cf checkbox", "?cf.bench_refund_approved=true", "agent"],
  ["cf integer", "?cf.bench_order_size=7", "agent"],
  ["cf two filters (3 %)", "?cf.bench_product=mobile_app&cf.bench_order_size=3", "agent"],
  ["cf dropdown + status", "?cf.bench_product=api&status=open", "agent"],
  ["cf dropdown + unsolved", `?cf.bench_product=api&${UNSOLVED}`, "agent"],
  ["cf dropdown + my open (sla_due)", `?cf.bench_product=web_app&assignee_id=me&${UNSOLVED}&sort=sla_due`, "agent"],
  ["cf two filters + unsolved", `?cf.bench_product=web_app&cf.bench_order_size=3&${UNSOLVED}`, "agent"],
  ["cf customer's own (50 %)", "?cf.bench_product=web_app", "customer"],
  ["cf dropdown sort=-updated_at", "?cf.bench_product=web_app&sort=-updated_at", "agent"],
];

// bench/fields.mjs backfills its fields once; a state it never ran on has none: their probes are left out.
const hasFields = Boolean(await server.db.prepare("SELECT 1 AS x FROM ticket_fields WHERE key = 'bench_product'").first("x"));
if (!hasFields) log("no bench_product field in this state (bench/fields.mjs never ran on it): the cf probes are left out");
const notes = [
  hasFields ? null : "The cf probes are left out: this state has no bench fields (bench/fields.mjs backfills them).",
  settled ? `${settled}.` : "No SLA sweep is run first (--settle-sla runs it, as npm run bench does): breaches not flagged yet weigh on breached=true.",
].filter(Boolean);
const statementsOf = (headers) => JSON.parse(Buffer.from(String(headers["x-d1-statements"] ?? "W10"), "base64url").toString("utf8"));
const lines = [];
const details = [];
// --only: the probes whose name holds this text (one shape looked at closely, without the whole pass).
for (const [name, query, as, pages] of probes.filter(([name]) => (hasFields || !name.startsWith("cf ")) && (!args.only || name.includes(args.only)))) {
  let p = `/api/v1/tickets${query}`;
  // Follow the cursor `pages` times (true: once).
  for (let k = 0; k < Number(pages ?? 0); k++) {
    const res = await request({ path: p, token: tokens[as] });
    const cursor = JSON.parse(res.body).next_cursor;
    if (!cursor) break;
    p = `${p.replace(/[?&]cursor=[^&]*/, "")}${p.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
  }
  let last;
  const reads = [];
  for (let i = 0; i < SAMPLES; i++) {
    last = await request({ path: p, token: tokens[as] });
    if (last.status !== 200) throw new Error(`${name}: ${last.status} ${last.body.slice(0, 300)}`);
    reads.push(Number(last.headers["x-d1-rows-read"]));
  }
  const body = JSON.parse(last.body);
  const statements = statementsOf(last.headers);
  const requesters = new Set(body.data.map((t) => t.requester?.id)).size;
  // D1 calls: a batch is one, whatever its statements (metrics.ts numbers each statement's call).
  const calls = new Set(statements.map((s) => s.call)).size;
  const line = `| ${name} | ${reads.at(-1)} | ${body.data.length} | ${requesters} | ${statements.length} | ${calls} |`;
  lines.push(line);
  log(line);
  if (/q=|sort=-updated_at/.test(query) || name.startsWith("view")) {
    details.push(`### ${name}\n\n\`GET ${p.length > 140 ? `${p.slice(0, 140)}…` : p}\` as ${as}: ${reads.at(-1)} rows\n`);
    for (const s of statements) details.push(`- ${s.rows_read} rows: \`${s.sql.length > 260 && !args["full-sql"] ? `${s.sql.slice(0, 260)}…` : s.sql}\``);
    details.push("");
  }
}
await server.dispose();
agent.destroy();
const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, "-");
const out = path.join(ROOT, "bench", "results", `${stamp}-${args.tag}.md`);
writeFileSync(
  out,
  `# List rows pass: ${args.tag} (${new Date().toISOString()})\n\nbench/list-rows.mjs on ${path.relative(ROOT, STATE)}; ${SAMPLES} requests a probe, the last one's D1 rows read (workerd's meter, D1_METRICS). ${notes.join(" ")}\n\n| probe | rows read | tickets | requesters | statements | D1 calls |\n| --- | ---: | ---: | ---: | ---: | ---: |\n${lines.join("\n")}\n\n## Statements\n\n${details.join("\n")}\n`,
);
log(`wrote ${path.relative(ROOT, out)}`);
