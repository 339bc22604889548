// Webhook throughput (issue 11's benchmark): a Worker of the deploy bundle with its real queue
// consumer, a webhook pointing at a local receiver (scripts/webhook-receiver.mjs), N tickets created
// through the API at a fixed concurrency. Each ticket's commit is the moment its 201 arrives (the
// batch with the delivery row committed before it); its receipt is when the receiver got the signed
// `ticket.created`. Reported: events/s, commit → receipt p50/p90/p99, and what was lost, duplicated
// or failed its signature check (goal: p99 < 2 s with 1,000 events, none lost).
//
//   npm run bench -- --only webhooks [--scale 0.05] [--rate 20,40,0]
//   node bench/webhooks.mjs [--quick] [--no-build] [--rate=20,40,0]
//
// Without --rate: one closed-loop run (20 connections, each sending its next create when the last
// answer is in): that is the saturation run, commits outpace the consumer and the backlog sets the
// latency. `--rate R` sends R creates per second open-loop (on a fixed schedule, whatever the
// answers' speed), so latency is measured below saturation; a comma list runs each rate in turn on
// the same Worker (0 = the closed loop), each after the previous one drained.
// The queue broker's own per-batch lines (Miniflare logs `QUEUE edgedesk-webhooks 25/25 (812ms)` at
// INFO) are captured: batches, their sizes and durations, i.e. what the local consumer can drain.
//
// Its own throw-away database (the seeded bench database is not touched) and its own Miniflare, so
// the queue consumer and nothing else runs beside the requests. Cron triggers stay off.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startReceiver } from "../scripts/webhook-receiver.mjs";
import { applyMigrations } from "./lib/migrate.mjs";
import { Log, LogLevel } from "miniflare";
import { newAgent, send } from "./lib/load.mjs";
import { BENCH_PASSWORD, hashPassword } from "./lib/seed.mjs";
import { BENCH_SECRETS, DIST, ROOT, buildBundle, startServer } from "./lib/server.mjs";

const EVENTS = 1_000;
const CONCURRENCY = 20;
/** wrangler.toml's batch settings of the webhooks consumer (what the local broker applies too). */
const CONSUMER = (() => {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const block = toml.split("[[queues.consumers]]").find((b) => /queue\s*=\s*"edgedesk-webhooks"/.test(b.split("[[")[0])) ?? "";
  const setting = (key) => Number(new RegExp(`^\\s*${key}\\s*=\\s*([\\d.]+)`, "m").exec(block)?.[1] ?? NaN);
  return { max_batch_size: setting("max_batch_size"), max_batch_timeout: setting("max_batch_timeout"), max_concurrency: setting("max_concurrency") };
})();
const MAX_BATCH_SIZE = CONSUMER.max_batch_size;
/** After the last commit, how long the receiver may take before what is missing counts as lost. */
const DRAIN_TIMEOUT_MS = 120_000;

const WEBHOOKS_QUEUE = "edgedesk-webhooks";

/** Miniflare's log, quiet as usual (warnings and errors), that also hands the queue broker's batch lines to `onBatch`. */
class QueueLog extends Log {
  constructor(onBatch) {
    super(LogLevel.INFO);
    this.onBatch = onBatch;
  }
  logWithLevel(level, message) {
    // eslint-disable-next-line no-control-regex
    const plain = String(message).replace(/\x1b\[[0-9;]*m/g, "");
    const m = /QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/.exec(plain);
    if (m) return this.onBatch({ queue: m[1], acked: Number(m[2]), size: Number(m[3]), ms: m[4] === undefined ? null : Number(m[4]), at: Date.now() });
    if (level <= LogLevel.WARN) super.logWithLevel(level, message);
  }
}

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

export async function run({ log = console.log, quick = false, build = false, rates } = {}) {
  if (build || !existsSync(path.join(DIST, "index.js"))) buildBundle(log);
  const events = quick ? 100 : EVENTS;
  const phases = rates?.length ? rates : [0];
  if (phases.some((r) => !Number.isFinite(r) || r < 0)) throw new Error(`webhooks: invalid --rate ${rates}`);
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
  const batches = [];
  const state = mkdtempSync(path.join(os.tmpdir(), "edgedesk-bench-webhooks-"));
  const server = await startServer({ log, extraBindings: { WEBHOOKS_ALLOW_LOCAL: "true" }, state, logger: new QueueLog((b) => b.queue === WEBHOOKS_QUEUE && batches.push(b)) });
  const agent = newAgent(CONCURRENCY);
  try {
    await applyMigrations(server.db, log);
    const token = await adminToken(server, server.baseUrl, agent);
    const created = await send(agent, server.baseUrl, { method: "POST", path: "/api/v1/webhooks", token, body: { url: receiver.endpoint("bench"), events: ["ticket.created"] } });
    if (created.status !== 201) throw new Error(`webhook: ${created.status} ${created.body}`);
    receiver.setSecrets("bench", [JSON.parse(created.body).secret]);

    const results = [];
    let seq = 0;
    // Written after every phase, so a run cut short keeps the rates it finished.
    const at = new Date().toISOString();
    const dir = path.join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `webhooks-${at.replace(/[:.]/g, "-")}.json`);
    const save = (extra = { complete: false }) => {
      const report = { module: "webhooks", at, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() }, quick, queueSettings: { ...CONSUMER, local_concurrency: "1 (Miniflare's broker runs one batch at a time)" }, ...extra, results };
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      return report;
    };
    for (const rate of phases) {
      const commits = new Map();
      let errors = 0;
      const receivedBefore = received;
      const unverifiedBefore = unverified;
      const batchesBefore = batches.length;
      const loadBefore = os.loadavg();
      const create = async () => {
        const i = seq++;
        const res = await send(agent, server.baseUrl, { method: "POST", path: "/api/v1/tickets", token, body: { subject: `Webhook bench ${i}`, description: "d" } });
        if (res.status !== 201) errors++;
        else commits.set(JSON.parse(res.body).id, Date.now());
      };
      const started = Date.now();
      if (rate === 0) {
        // Closed loop: as fast as the Worker answers.
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < events) await create();
          }),
        );
      } else {
        // Open loop: create k leaves at started + k/rate, whether or not earlier ones are answered.
        const pending = [];
        for (let k = 0; k < events; k++) {
          const wait = started + (k * 1000) / rate - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          pending.push(create());
        }
        await Promise.all(pending);
      }
      const committedIn = Date.now() - started;
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while ([...commits.keys()].some((id) => !receipts.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // The broker logs a batch when it is done: let the last one's line arrive.
      await new Promise((r) => setTimeout(r, 300));

      const mine = [...commits].filter(([id]) => receipts.has(id));
      const latencies = mine.map(([id, at]) => receipts.get(id).at - at).sort((a, b) => a - b);
      const lastReceipt = Math.max(...mine.map(([id]) => receipts.get(id).at));
      const lost = [...commits.keys()].filter((id) => !receipts.has(id)).length;
      const duplicates = mine.reduce((n, [id]) => n + receipts.get(id).copies - 1, 0);
      const phaseBatches = batches.slice(batchesBefore);
      const sizes = phaseBatches.map((b) => b.size);
      const durations = phaseBatches.map((b) => b.ms).filter((v) => v !== null).sort((a, b) => a - b);
      const full = phaseBatches.filter((b) => b.size === MAX_BATCH_SIZE && b.ms !== null);
      const fullMeanMs = full.length ? full.reduce((a, b) => a + b.ms, 0) / full.length : null;
      const result = {
        name: `webhooks: ${events} ticket.created → local receiver (${rate === 0 ? `closed loop, c=${CONCURRENCY}` : `${rate} events/s open loop`})`,
        rate: rate === 0 ? "closed" : rate,
        events,
        committed: commits.size,
        createErrors: errors,
        received: received - receivedBefore,
        lost,
        duplicates,
        unverified: unverified - unverifiedBefore,
        eventsPerSecond: commits.size / ((lastReceipt - started) / 1000),
        commitsPerSecond: commits.size / (committedIn / 1000),
        latencyMs: { p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: latencies.at(-1) },
        queue: {
          batches: phaseBatches.length,
          meanSize: sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : null,
          fullBatches: full.length,
          batchMs: { p50: quantile(durations, 0.5), p90: quantile(durations, 0.9), max: durations.at(-1) },
          // One batch at a time (the local broker flushes the next only when the last is done): its ceiling.
          drainCeilingPerSecond: fullMeanMs ? (MAX_BATCH_SIZE * 1000) / fullMeanMs : null,
        },
        goal: { p99Ms: 2_000, lost: 0 },
        met: quantile(latencies, 0.99) < 2_000 && lost === 0 && unverified === unverifiedBefore,
        load: { before: loadBefore, after: os.loadavg() },
      };
      results.push(result);
      save();
      log(
        `webhooks ${rate === 0 ? "closed loop" : `${rate}/s`}: ${result.committed} events, ${result.eventsPerSecond.toFixed(1)} events/s end to end (${result.commitsPerSecond.toFixed(1)} commits/s); commit → receipt p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms; lost ${lost}, duplicates ${duplicates}, unverified ${result.unverified}; ` +
          `${result.queue.batches} batches (mean ${result.queue.meanSize?.toFixed(1)}, p50 ${result.queue.batchMs.p50} ms, full-batch ceiling ${result.queue.drainCeilingPerSecond?.toFixed(0)}/s); load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
      );
    }
    const [{ n: failedRows }] = (await server.db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'").all()).results;
    const report = save({ notDeliveredRows: failedRows, complete: true });
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
  const rate = process.argv.find((a) => a.startsWith("--rate="))?.slice(7);
  await run({ quick: process.argv.includes("--quick"), build: !process.argv.includes("--no-build"), rates: rate ? rate.split(",").map(Number) : undefined });
}
