// Email benchmark (issue 4): inbound throughput and CPU per message for a 5 KB plain mail, a
// 200 KB HTML mail and a 5 MB mail with attachments; peak memory for a 25 MB mail.
//
// Inbound mail reaches the Worker through the `email` handler, which the harness's direct socket
// cannot call. So this module serves the same deploy bundle (bench/.tmp/dist) in a second Miniflare
// with Miniflare's trigger routes on (`POST /cdn-cgi/handler/email?from=&to=`, what `wrangler dev`
// exposes as /cdn-cgi/handler/email; Miniflare calls it /cdn-cgi/local/email) and its own throw-away state, so the seeded database is not touched. Its queue consumer
// is left out: the numbers are the inbound path (parse, R2 writes, one D1 batch, the outbox row and
// its queue send), not the later delivery. CPU is workerd's (user + system, /proc), which locally
// includes D1 and R2; memory is workerd's resident set, sampled every 5 ms during the request.
//
// Called by bench/run.mjs as `run({ baseUrl, tokens, log, mf, db })`; or standalone:
//   node bench/email.mjs [--quick] [--no-build]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { applyMigrations } from "./lib/migrate.mjs";
import { BENCH_SECRETS, DIST, ROOT, buildBundle, bundleModules, cpuMs, findWorkerdPids } from "./lib/server.mjs";

const SUPPORT = "support@example.com";
/** Messages per size class (sequential, then concurrent): enough for a stable mean, short enough for CI. */
const COUNTS = { plain5k: 200, html200k: 40, attachments5m: 8, huge25m: 3 };
const CONCURRENCY = 4;
const MEMORY_SAMPLE_MS = 5;

// ------------------------------------------------------------------ messages

let serial = 0;
const uid = () => `${Date.now().toString(36)}-${(serial++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const words = "the printer on the third floor shows an error when I try to print a document from my laptop and nothing happens after that".split(" ");
const prose = (bytes) => {
  let out = "";
  for (let i = 0; out.length < bytes; i++) out += words[i % words.length] + (i % 14 === 13 ? ".\r\n" : " ");
  return out.slice(0, bytes);
};
const b64lines = (buf) => buf.toString("base64").replace(/(.{76})/g, "$1\r\n");

function headers(from, subject, contentType) {
  return [`From: "Bench Customer" <${from}>`, `To: ${SUPPORT}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${uid()}@bench.example.net>`, "MIME-Version: 1.0", `Content-Type: ${contentType}`];
}

/** A plain text mail of about `bytes` bytes. */
export function plainMail(from, bytes = 5_000) {
  return [...headers(from, "Printer error on the third floor", "text/plain; charset=utf-8"), "", prose(bytes - 400), ""].join("\r\n");
}

/** An HTML-only newsletter-like mail of about `bytes` bytes (tables, styles, links: what the converter and sanitiser chew on). */
export function htmlMail(from, bytes = 200_000) {
  const row = `<tr><td style="padding:4px;color:#333"><a href="https://example.com/p?id=${"x".repeat(8)}">Item</a></td><td class="c">${prose(120)}</td><td><img src="cid:logo" alt=""></td></tr>\n`;
  let body = `<html><head><style>.c{font-family:Arial}</style></head><body><h1>Hello</h1><p>${prose(500)}</p><table>`;
  while (body.length < bytes - 600) body += row;
  body += "</table><script>alert(1)</script></body></html>";
  return [...headers(from, "Weekly report", "text/html; charset=utf-8"), "Content-Transfer-Encoding: quoted-printable", "", body.replace(/=/g, "=3D").replace(/(.{72})/g, "$1=\r\n"), ""].join("\r\n");
}

/** A mail with a short text and binary attachments adding up to about `bytes` bytes of raw message. */
export function attachmentMail(from, bytes, parts) {
  const boundary = `b-${uid()}`;
  const each = Math.floor(((bytes - 2_000) / parts) * 0.74); // base64 grows by 4/3 plus line breaks
  const lines = [...headers(from, "Logs and screenshots", `multipart/mixed; boundary="${boundary}"`), "", `--${boundary}`, "Content-Type: text/plain; charset=utf-8", "", prose(1_000)];
  for (let i = 0; i < parts; i++) {
    const content = Buffer.alloc(each, i + 1);
    for (let j = 0; j < content.length; j += 4096) content[j] = (j / 4096 + i) & 0xff; // not one repeated byte
    lines.push(`--${boundary}`, `Content-Type: application/octet-stream; name="part-${i}.bin"`, `Content-Disposition: attachment; filename="part-${i}.bin"`, "Content-Transfer-Encoding: base64", "", b64lines(content));
  }
  lines.push(`--${boundary}--`, "");
  return lines.join("\r\n");
}

// ------------------------------------------------------------------ the server

async function startMailServer(log, extraBindings = {}) {
  const state = mkdtempSync(path.join(os.tmpdir(), "edgedesk-bench-email-"));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  // No crons (they would add CPU), no queue consumer (delivery is not what is measured).
  const { modulesRules: _rules, cronTriggers: _crons, queueConsumers: _consumers, ...opts } = workerOptions;
  const before = new Set(findWorkerdPids());
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: state,
      host: "127.0.0.1",
      port: 0,
      cf: { colo: "LOCAL", country: "XX" },
      log: new Log(LogLevel.WARN),
      telemetry: { enabled: false },
      unsafeTriggerHandlers: true,
      workers: [
        {
          ...opts,
          name: "edgedesk",
          rootPath: ROOT,
          modules: bundleModules(),
          modulesRoot: DIST,
          bindings: { ...opts.bindings, ...BENCH_SECRETS, EMAIL_AUTH_REQUIRED: "false", ...extraBindings },
        },
      ],
    }),
  );
  const url = (await mf.ready).href.replace(/\/$/, "");
  await applyMigrations(await mf.getD1Database("DB", "edgedesk"), log);
  const pids = findWorkerdPids().filter((p) => !before.has(p));
  if (!pids.length) log("warning: the mail server's workerd process was not found; CPU and memory will be missing");
  return {
    url,
    pids,
    dispose: async () => {
      await mf.dispose();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

const rssKiB = (pids) => {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return total;
};

async function post(url, raw, from, { refusedOk = false } = {}) {
  const res = await fetch(`${url}/cdn-cgi/local/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(SUPPORT)}`, { method: "POST", body: raw });
  const text = await res.text();
  if (res.status !== 200 && !(refusedOk && /reject/i.test(text))) throw new Error(`mail route ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** Sends `count` messages made by `make`, `concurrency` at a time; workerd CPU and wall time around them. */
async function measure(server, { name, count, concurrency, make }) {
  const messages = Array.from({ length: count + Math.min(2, count) }, (_, i) => {
    const from = `bench-${i % 50}@customers.example.net`;
    return { from, raw: Buffer.from(make(from)) };
  });
  // Warm-up (JIT, SQLite page cache): the first two are not counted.
  for (const m of messages.splice(0, Math.min(2, count))) await post(server.url, m.raw, m.from);
  const size = messages[0].raw.length;
  const latencies = [];
  const cpu0 = cpuMs(server.pids);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const m = messages[next++];
        const s = performance.now();
        await post(server.url, m.raw, m.from);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = cpuMs(server.pids) - cpu0;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    name,
    messageBytes: size,
    messages: count,
    concurrency,
    messagesPerSecond: (count / wallMs) * 1000,
    mbPerSecond: ((size * count) / wallMs) * 1000 / 1e6,
    cpuMsPerMessage: server.pids.length ? cpu / count : null,
    latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) },
  };
}

/** One message at a time, workerd's resident set sampled while it is processed. */
async function peakMemory(server, { name, count, make, refusedOk = false }) {
  const runs = [];
  for (let i = 0; i < count; i++) {
    const from = `bench-big-${i}@customers.example.net`;
    const raw = Buffer.from(make(from));
    if (global.gc) global.gc();
    await new Promise((r) => setTimeout(r, 200));
    const baseline = rssKiB(server.pids);
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, rssKiB(server.pids))), MEMORY_SAMPLE_MS);
    const cpu0 = cpuMs(server.pids);
    const t0 = performance.now();
    await post(server.url, raw, from, { refusedOk });
    const ms = performance.now() - t0;
    clearInterval(timer);
    peak = Math.max(peak, rssKiB(server.pids));
    runs.push({ messageBytes: raw.length, baselineMiB: baseline / 1024, peakMiB: peak / 1024, growthMiB: (peak - baseline) / 1024, ms, cpuMs: cpuMs(server.pids) - cpu0 });
  }
  return {
    name,
    messageBytes: runs[0].messageBytes,
    runs,
    peakGrowthMiB: Math.max(...runs.map((r) => r.growthMiB)),
    note: "growth of workerd's resident set over its level before the message (the isolate's limit is 128 MB); the local D1 and R2 live in the same process",
  };
}

// ------------------------------------------------------------------ entry points

export async function run({ log = console.log, quick = false, build = false } = {}) {
  // Under bench/run.mjs the bundle was just built; standalone, build it unless asked not to.
  if (build || !existsSync(path.join(DIST, "index.js"))) buildBundle(log);
  const server = await startMailServer(log);
  const counts = quick ? { plain5k: 30, html200k: 8, attachments5m: 3, huge25m: 1 } : COUNTS;
  const results = [];
  try {
    const classes = [
      { name: "inbound 5 KB plain", count: counts.plain5k, make: (f) => plainMail(f, 5_000) },
      { name: "inbound 200 KB HTML", count: counts.html200k, make: (f) => htmlMail(f, 200_000) },
      { name: "inbound 5 MB, 3 attachments", count: counts.attachments5m, make: (f) => attachmentMail(f, 5_000_000, 3) },
    ];
    for (const c of classes) {
      for (const concurrency of [1, CONCURRENCY]) {
        const r = await measure(server, { ...c, concurrency });
        log(
          `email: ${r.name} ×${r.messages} (c=${concurrency}): ${r.messagesPerSecond.toFixed(1)} msg/s, ${r.cpuMsPerMessage?.toFixed(1) ?? "?"} ms CPU/msg, p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`,
        );
        results.push(r);
      }
    }
    const mem = await peakMemory(server, { name: "inbound 25 MB, 4 attachments (peak memory)", count: counts.huge25m, make: (f) => attachmentMail(f, 25_000_000, 4) });
    log(`email: ${mem.name}: workerd resident set grew by at most ${mem.peakGrowthMiB.toFixed(1)} MiB (${mem.runs.map((r) => `${r.ms.toFixed(0)} ms, ${r.cpuMs.toFixed(0)} ms CPU`).join("; ")})`);
    results.push(mem);
  } finally {
    await server.dispose();
  }
  // The same mail against a Worker that refuses it at its size check (before reading a byte): what
  // Miniflare's own mail route costs (it parses the whole message itself); the difference is ours.
  const refusing = await startMailServer(log, { MAX_EMAIL_BYTES: "1000" });
  try {
    const base = await peakMemory(refusing, { name: "baseline: the 25 MB mail refused at the size check", count: counts.huge25m, make: (f) => attachmentMail(f, 25_000_000, 4), refusedOk: true });
    const ours = results.at(-1);
    ours.baselineGrowthMiB = base.peakGrowthMiB;
    ours.edgedeskGrowthMiB = Math.max(0, ours.peakGrowthMiB - base.peakGrowthMiB);
    log(`email: baseline (local mail route alone) ${base.peakGrowthMiB.toFixed(1)} MiB → edgedesk's own share ≈ ${ours.edgedeskGrowthMiB.toFixed(1)} MiB`);
    results.push(base);
  } finally {
    await refusing.dispose();
  }
  const report = { module: "email", at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, quick, results };
  const dir = path.join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `email-${report.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`email: results in ${path.relative(ROOT, file)}`);
  // The harness's report takes load-test entries of its own shape; this module's figures live in its own file.
  return { results: [], report };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await run({ quick: process.argv.includes("--quick"), build: !process.argv.includes("--no-build") });
}
