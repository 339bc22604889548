// Webhook throughput (issue 11's benchmark): a Worker of the deploy bundle with its real queue
// consumer, a webhook pointing at a local receiver (scripts/webhook-receiver.mjs), N tickets created
// through the API at a fixed concurrency. Each ticket's commit is the moment its 201 arrives (the
// batch with the delivery row committed before it); its receipt is when the receiver got the signed
// `ticket.created`. Reported: events/s, commit → receipt p50/p90/p99, and what was lost, duplicated
// or failed its signature check (goal: p99 < 2 s with 1,000 events, none lost).
//
//   npm run bench -- --only webhooks [--scale 0.05]      node bench/webhooks.mjs [--quick] [--no-build]
//
// Its own throw-away database (the seeded bench database is not touched) and its own Miniflare, so
// the queue consumer and nothing else runs beside the requests. Cron triggers stay off.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startReceiver } from "../scripts/webhook-receiver.mjs";
import { applyMigrations } from "./lib/migrate.mjs";
import { newAgent, send } from "./lib/load.mjs";
import { BENCH_PASSWORD, hashPassword } from "./lib/seed.mjs";
import { BENCH_SECRETS, DIST, ROOT, buildBundle, startServer } from "./lib/server.mjs";

const EVENTS = 1_000;
const CONCURRENCY = 20;
/** After the last commit, how long the receiver may take before what is missing counts as lost. */
const DRAIN_TIMEOUT_MS = 120_000;

const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);

async function adminToken(server, baseUrl, agent) {
  const now = new Date().toISOString();
  const hash = hashPassword(BENCH_PASSWORD, BENCH_SECRETS.PASSWORD_PEPPER, randomBytes(16));
  await server.db
    .prepare("INSERT INTO users (id, name, email, role, active, password_hash, token_version, created_at, updated_at) VALUES (?, 'Bench Admin', 'hooks-admin@bench.edgedesk.test', 'admin', 1, ?, 0, ?, ?)")
    .bind(`bench-hooks-admin`, hash, now, now)
    .run();
  const res = await send(agent, baseUrl, { method: "POST", path: "/api/v1/auth/login", body: { email: "hooks-admin@bench.edgedesk.test", password: BENCH_PASSWORD } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body}`);
  return JSON.parse(res.body).access_token;
}

export async function run({ log = console.log, quick = false, build = false } = {}) {
  if (build || !existsSync(path.join(DIST, "index.js"))) buildBundle(log);
  const events = quick ? 100 : EVENTS;
  const receipts = new Map();
  let received = 0;
  let unverified = 0;
  const receiver = await startReceiver({
    port: 0,
    onDelivery: (r) => {
      received++;
      if (!r.verified) unverified++;
      const ticketId = JSON.parse(r.body).data?.ticket?.id;
      const seen = receipts.get(ticketId);
      if (seen) seen.copies++;
      else receipts.set(ticketId, { at: r.received_at, webhookId: r.id, copies: 1 });
    },
  });
  const state = mkdtempSync(path.join(os.tmpdir(), "edgedesk-bench-webhooks-"));
  const server = await startServer({ log, extraBindings: { WEBHOOKS_ALLOW_LOCAL: "true" }, state });
  const agent = newAgent(CONCURRENCY);
  try {
    await applyMigrations(server.db, log);
    const token = await adminToken(server, server.baseUrl, agent);
    const created = await send(agent, server.baseUrl, { method: "POST", path: "/api/v1/webhooks", token, body: { url: receiver.endpoint("bench"), events: ["ticket.created"] } });
    if (created.status !== 201) throw new Error(`webhook: ${created.status} ${created.body}`);
    receiver.setSecrets("bench", [JSON.parse(created.body).secret]);

    const commits = new Map();
    let next = 0;
    let errors = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < events) {
          const i = next++;
          const res = await send(agent, server.baseUrl, { method: "POST", path: "/api/v1/tickets", token, body: { subject: `Webhook bench ${i}`, description: "d" } });
          if (res.status !== 201) {
            errors++;
            continue;
          }
          commits.set(JSON.parse(res.body).id, Date.now());
        }
      }),
    );
    const committedIn = Date.now() - started;
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while ([...commits.keys()].some((id) => !receipts.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    const latencies = [...commits].filter(([id]) => receipts.has(id)).map(([id, at]) => receipts.get(id).at - at).sort((a, b) => a - b);
    const lastReceipt = Math.max(...[...receipts.values()].map((r) => r.at));
    const lost = [...commits.keys()].filter((id) => !receipts.has(id)).length;
    const duplicates = [...receipts.values()].reduce((n, r) => n + r.copies - 1, 0);
    const [{ n: failedRows }] = (await server.db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'").all()).results;
    const result = {
      name: `webhooks: ${events} ticket.created → local receiver (c=${CONCURRENCY})`,
      events,
      committed: commits.size,
      createErrors: errors,
      received,
      lost,
      duplicates,
      unverified,
      notDeliveredRows: failedRows,
      eventsPerSecond: commits.size / ((lastReceipt - started) / 1000),
      commitsPerSecond: commits.size / (committedIn / 1000),
      latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: latencies.at(-1) },
      goal: { p99Ms: 2_000, lost: 0 },
      met: quantile(latencies, 0.99) < 2_000 && lost === 0 && unverified === 0,
      load: os.loadavg(),
    };
    log(
      `webhooks: ${result.committed} events, ${result.eventsPerSecond.toFixed(0)} events/s end to end (${result.commitsPerSecond.toFixed(0)} commits/s); commit → receipt p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms; lost ${lost}, duplicates ${duplicates}, unverified ${unverified}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
    );
    const report = { module: "webhooks", at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() }, quick, results: [result] };
    const dir = path.join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `webhooks-${report.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`webhooks: results in ${path.relative(ROOT, file)}`);
    return { results: [], report };
  } finally {
    agent.destroy();
    await server.dispose();
    await receiver.close();
    rmSync(state, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await run({ quick: process.argv.includes("--quick"), build: !process.argv.includes("--no-build") });
}
