// A CPU profile of the Worker's isolate split by the invocation each sample belongs to: the request
// (the fetch handler), the Durable Objects it calls (TicketRoom, AgentsFeed, UserSessions) and the
// queue consumers it feeds (mail outbox, jobs, imports, webhooks). Locally all of them run in the one
// isolate the profile covers; in production the objects and the consumers are invocations of their
// own, billed apart from the request. Used by bench/lib/profile.mjs; alone on a saved profile:
//
//   npx node bench/lib/profile-split.mjs prof.cpuprofile [bench/.tmp/dist/index.js] [--n 200]
//
// How a sample is placed: the bundle's module markers (`// src/…` lines esbuild writes) name each
// frame's source module. A sample whose stack holds a frame of a Durable Object's module is the
// object's; one holding a frame of a queue consumer's module (or the default export's `queue`) is
// the consumer's; one holding any other frame of ours (src/, hono, the JWT library) is the request's.
// A stack with none of those (an `await` resumed inside drizzle or the D1 client, `(program)`, the
// garbage collector) goes to the invocation of the nearest placed sample in time: one invocation's
// turn runs on the thread until it awaits, so its library continuations sit between its own samples.
// `(idle)` is nobody's.
//
// What a sample's time means: V8 samples the isolate only while it runs (about every 190 µs at
// `--interval-us 100` on this machine), and the time until the next sample goes to the sample before.
// When the isolate lets go of the thread (the local D1 or R2 answering in another isolate, a Durable
// Object starting, workerd's own work, waiting) that gap lands on the frame that made the call: the
// binding's native `fetch` (D1, R2), the line that calls an object's stub. So each sample counts at
// most the median time between samples as the isolate RUNNING (its JavaScript, the engine, GC:
// CPU of this invocation); the rest of its time is a GAP, reported apart, the binding's `fetch`
// separately (the local D1's SQLite is most of it). `ms` columns of profile.mjs's function table are
// running + gap, as before.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const OBJECT_MODULES = /^src\/(ticket-room|agents-feed|user-sessions)\//;
const QUEUE_MODULES = /^src\/(email\/outbound\.ts|jobs\/job-queue\.ts|features\/imports\/imports\.runner\.ts|features\/webhooks\/webhooks\.delivery\.ts)$/;
const OURS = /^(src\/|node_modules\/(hono|jose)\/)/;

export const INVOCATIONS = ["request", "durable objects", "queue consumers"];

/** Line number (1-based) → source module of the bundle, from esbuild's `// path` markers. */
function moduleIndex(bundleText) {
  const starts = [];
  const lines = bundleText.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(lines[i]);
    if (m) starts.push([i + 1, m[1]]);
  }
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) (found = starts[mid][1]), (lo = mid + 1);
      else hi = mid - 1;
    }
    return found;
  };
}

/**
 * Per invocation: profiled ms (`total`), of which the D1/R2 binding's `fetch` self time (`bindingFetch`),
 * and how much was placed by time rather than by stack (`byTime`). `idle` apart.
 */
export function splitByInvocation(profile, bundleText) {
  const moduleOf = moduleIndex(bundleText);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A node's invocation by its stack (memoised: nodes are shared by many samples).
  const placed = new Map();
  const place = (id) => {
    if (placed.has(id)) return placed.get(id);
    let kind = null;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (!f.url || !/index\.js$/.test(f.url)) continue;
      const mod = moduleOf(f.lineNumber + 1);
      if (!mod) continue;
      if (OBJECT_MODULES.test(mod)) {
        kind = "durable objects";
        break;
      }
      if (QUEUE_MODULES.test(mod) || (mod === "src/index.ts" && f.functionName === "queue")) {
        kind = "queue consumers";
        break;
      }
      if (OURS.test(mod)) kind ??= "request";
    }
    placed.set(id, kind);
    return kind;
  };
  const n = profile.samples.length;
  const kinds = new Array(n);
  const idle = new Array(n).fill(false);
  for (let i = 0; i < n; i++) {
    const name = byId.get(profile.samples[i]).callFrame.functionName;
    idle[i] = name === "(idle)";
    kinds[i] = idle[i] ? null : place(profile.samples[i]);
  }
  // Unplaced samples: the invocation of the nearest placed sample (ties to the earlier one).
  const prev = new Array(n);
  const next = new Array(n);
  let last = -1;
  for (let i = 0; i < n; i++) ((prev[i] = last), kinds[i] && (last = i));
  last = -1;
  for (let i = n - 1; i >= 0; i--) ((next[i] = last), kinds[i] && (last = i));
  const out = Object.fromEntries(INVOCATIONS.map((k) => [k, { total: 0, running: 0, bindingFetch: 0, otherGap: 0, byTime: 0, layers: {} }]));
  // A sample's layer: the innermost frame that names one (a native function counts as its caller's).
  const layers = new Map();
  const layerOf = (id) => {
    if (layers.has(id)) return layers.get(id);
    let layer = null;
    for (let at = id; at !== undefined && !layer; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (/^\((program|garbage collector)\)$/.test(f.functionName)) layer = f.functionName;
      else if (at === id && f.functionName === "fetch" && !f.url) layer = "binding fetch (D1/R2 call)";
      else if (/^cloudflare-internal:(d1-api|tracing)/.test(f.url)) layer = "D1 client (JSON, spans)";
      else if (/index\.js$/.test(f.url)) {
        const mod = moduleOf(f.lineNumber + 1) ?? "";
        if (mod.startsWith("node_modules/drizzle-orm/")) layer = "drizzle";
        else if (mod === "src/features/live/live.service.ts") layer = "object RPC calls (live)";
        else if (mod.startsWith("node_modules/hono/")) layer = "hono";
        else if (mod.startsWith("node_modules/")) layer = `other libraries`;
        else if (mod) layer = "our code";
      }
    }
    layer ??= "other (native, unplaced)";
    layers.set(id, layer);
    return layer;
  };
  const deltas = profile.timeDeltas.slice(1).sort((a, b) => a - b);
  const step = (deltas[deltas.length >> 1] ?? 0) / 1000;
  let idleMs = 0;
  for (let i = 0; i < n; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const running = Math.min(ms, step);
    if (idle[i]) {
      idleMs += ms;
      continue;
    }
    let kind = kinds[i];
    let byTime = false;
    if (!kind) {
      const p = prev[i];
      const q = next[i];
      const pick = p < 0 ? q : q < 0 ? p : i - p <= q - i ? p : q;
      kind = pick < 0 ? "request" : kinds[pick];
      byTime = true;
    }
    const slot = out[kind];
    slot.total += ms;
    slot.running += running;
    const layer = layerOf(profile.samples[i]);
    slot.layers[layer] = (slot.layers[layer] ?? 0) + running;
    if (byTime) slot.byTime += running;
    const f = byId.get(profile.samples[i]).callFrame;
    if (f.functionName === "fetch" && !f.url) slot.bindingFetch += ms - running;
    else slot.otherGap += ms - running;
  }
  return { ...out, idle: idleMs, stepMs: step };
}

/** The split as printable lines, per request (`n` requests profiled). */
export function splitLines(split, n) {
  const ms = (v) => (v / n).toFixed(2).padStart(8);
  const all = INVOCATIONS.reduce((a, k) => a + split[k].running, 0);
  const lines = [
    `by invocation, ms per request (running: samples × at most ${(split.stepMs * 1000).toFixed(0)} µs; gaps: the isolate off the thread after that sample)`,
    "invocation         running (share)   of it placed by time   gap at binding fetch (local D1/R2)   other gaps",
  ];
  for (const k of INVOCATIONS) {
    const s = split[k];
    lines.push(`${k.padEnd(18)} ${ms(s.running)} (${((100 * s.running) / (all || 1)).toFixed(0).padStart(3)} %)   ${ms(s.byTime)}               ${ms(s.bindingFetch)}                           ${ms(s.otherGap)}`);
  }
  const req = split.request;
  lines.push("the request's running time by layer (innermost frame that names one):");
  for (const [layer, v] of Object.entries(req.layers).sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${layer.padEnd(30)} ${ms(v)} (${((100 * v) / (req.running || 1)).toFixed(0).padStart(3)} %)`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { n: { type: "string", default: "1" } } });
  const [prof, bundle = path.join(import.meta.dirname, "..", ".tmp", "dist", "index.js")] = positionals;
  const split = splitByInvocation(JSON.parse(readFileSync(prof, "utf8")), readFileSync(bundle, "utf8"));
  for (const line of splitLines(split, Number(values.n))) console.log(line);
}
