// A CPU profile of the Worker serving one request, repeated: where its JavaScript time goes.
// Not a bench module: run it on a seeded bench database, e.g.
//
//   BENCH_STATE_DIR=bench/.tmp/state npx node bench/lib/profile.mjs --as manager --n 200 \
//     --path '/api/v1/reports/overview?from=2025-12-06&to=2026-12-05' [--inspector-port 9229] [--out prof.cpuprofile]
//     [--method POST --body '{"subject":"s {i}","description":"d"}'] [--focus 'rollupWrites|reportRollups'] [--dist dir]
//
// (With --metrics, run node with --max-http-header-size=4000000: the answers carry their statements.)
// It serves the last built bundle (bench/.tmp/dist: run the bench once, or `wrangler deploy --dry-run
// --outdir bench/.tmp/dist`) with Miniflare and the Worker's DevTools inspector, sends the request
// --warmup times unprofiled, then --n times one after the other under the V8 sampling profiler, and
// prints the functions with the most self time per request (ms) and the profile's total per request.
// The local D1 runs in another isolate on the same thread: its SQLite time shows as self time of the
// binding's native `fetch` (the frame on the stack when this isolate let go); the D1 binding's client
// side (sending, decoding results) is ours. It then splits the time by invocation: the request, the
// Durable Objects and the queue consumers it sets off (bench/lib/profile-split.mjs). --out writes the
// .cpuprofile for Chrome DevTools.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { splitByInvocation, splitLines } from "./profile-split.mjs";
import { cpuMs, DIST, startServer, token } from "./server.mjs";

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    path: { type: "string" },
    method: { type: "string", default: "GET" },
    body: { type: "string" },
    as: { type: "string", default: "manager" },
    n: { type: "string", default: "200" },
    warmup: { type: "string", default: "30" },
    "inspector-port": { type: "string", default: "9229" },
    "interval-us": { type: "string", default: "100" },
    top: { type: "string", default: "30" },
    out: { type: "string" },
    focus: { type: "string" },
    dist: { type: "string" },
    metrics: { type: "boolean", default: false },
    "ids-sql": { type: "string" },
    // --prime-body: before the warmup, each id of --ids-sql is sent this body once (unprofiled), e.g.
    // an internal note, so the replies profiled after it find their ticket rooms already running
    // (locally a stand-in object starts on the Worker's thread; production bills that to the object)
    // while their tickets' SLA clocks are as seeded.
    "prime-body": { type: "string" },
    profile: { type: "boolean", default: true },
    // The request alone: Durable Objects stubbed, queue consumers off (bench/lib/server.mjs).
    "request-only": { type: "boolean", default: false },
  },
});
if (!args.path) throw new Error("--path is required");
const log = (m) => console.error(`[profile] ${m}`);
const inspectorPort = Number(args["inspector-port"]);
// --metrics: D1_METRICS, every answer carries its D1 rows read and written (src/db/metrics.ts), summed
// below; it adds the metering's own CPU to the profile.
const server = await startServer({ log, inspectorPort, extraBindings: args.metrics ? { D1_METRICS: "1" } : {}, ...(args.dist ? { dist: args.dist } : {}), requestOnly: args["request-only"] });
const rows = { read: 0, written: 0 };
try {
  const user = await server.db.prepare("SELECT id, role FROM users WHERE role = ? AND active = 1 ORDER BY email LIMIT 1").bind(args.as).first();
  if (!user) throw new Error(`no ${args.as} in the database`);
  const auth = `Bearer ${await token(user.id, user.role)}`;
  // --ids-sql: ids (first column) that `{id}` in --path and --body takes in turn; `?1` is now (ISO).
  const ids = args["ids-sql"] ? (await server.db.prepare(args["ids-sql"]).bind(new Date().toISOString()).raw()).map((r) => r[0]) : [];
  if (args["ids-sql"] && !ids.length) throw new Error("--ids-sql found no ids");
  const send = async (i) => {
    const fill = (text) => text.replaceAll("{i}", String(i)).replaceAll("{id}", String(ids[i % ids.length]));
    const path = fill(args.path);
    const body = args.body === undefined ? undefined : fill(args.body);
    const res = await fetch(server.baseUrl + path, {
      method: args.method,
      headers: { authorization: auth, ...(body ? { "content-type": "application/json" } : {}) },
      body,
    });
    const text = await res.text();
    rows.read += Number(res.headers.get("x-d1-rows-read") ?? 0);
    rows.written += Number(res.headers.get("x-d1-rows-written") ?? 0);
    if (res.status >= 400) throw new Error(`${args.method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text.length;
  };

  // The user Worker's inspector target.
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => /edgedesk/.test(t.id ?? t.title ?? "")) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  let nextId = 1;
  const pending = new Map();
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const cdp = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id, method, params }));
    });

  if (args["prime-body"]) {
    const body = args.body;
    args.body = args["prime-body"];
    for (let i = 0; i < ids.length; i++) await send(i);
    args.body = body;
  }
  for (let i = 0; i < Number(args.warmup); i++) await send(i);
  // --no-profile: the workerd process's CPU per request only (Worker and local D1), without the profiler's own cost.
  if (args.profile) {
    await cdp("Profiler.enable");
    await cdp("Profiler.setSamplingInterval", { interval: Number(args["interval-us"]) });
    await cdp("Profiler.start");
  }
  rows.read = rows.written = 0;
  const n = Number(args.n);
  const cpuBefore = cpuMs(server.workerdPids);
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += await send(Number(args.warmup) + i);
  const wall = performance.now() - started;
  const cpu = cpuMs(server.workerdPids) - cpuBefore;
  const what = args["request-only"] ? "the request alone: objects stubbed, no queue consumer" : "the request, the objects and queue consumers it sets off";
  console.log(`workerd CPU per request (${what}; local D1 included${args.profile ? "; and the profiler" : ""}): ${(cpu / n).toFixed(2)} ms`);
  if (!args.profile) {
    console.log(`${args.method} ${args.path} as ${args.as}: ${n} requests, ${(wall / n).toFixed(2)} ms wall each, ${(bytes / n).toFixed(0)} B answer`);
    if (args.metrics) console.log(`D1 rows per request: read ${(rows.read / n).toFixed(1)}, written ${(rows.written / n).toFixed(1)}`);
    ws.close();
  } else {
  const { profile } = await cdp("Profiler.stop");
  ws.close();
  if (args.out) writeFileSync(args.out, JSON.stringify(profile));

  // Self time per node: samples × the interval between them.
  const self = new Map();
  const dt = profile.timeDeltas;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i + 1] ?? 0) / 1000);
  }
  const byFunction = new Map();
  let busy = 0;
  for (const [id, ms] of self) {
    const f = byNode.get(id).callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    if (!/^\((idle|program|garbage collector)\)/.test(name) || name.startsWith("(garbage")) busy += name.startsWith("(idle)") ? 0 : ms;
  }
  // --focus: time spent inside functions whose name matches (self plus callees), per request.
  if (args.focus) {
    const re = new RegExp(args.focus);
    const parent = new Map();
    for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
    const inside = new Map();
    for (const [id, ms] of self) {
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const name = byNode.get(at).callFrame.functionName;
        if (re.test(name)) {
          inside.set(name, (inside.get(name) ?? 0) + ms);
          break;
        }
      }
    }
    const total = [...inside.values()].reduce((a, b) => a + b, 0);
    console.log(`inside /${args.focus}/ (self + callees) per request: ${(total / n).toFixed(3)} ms ${JSON.stringify(Object.fromEntries([...inside].map(([k, v]) => [k, +(v / n).toFixed(3)])))}`);
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top));
  console.log(`${args.method} ${args.path} as ${args.as}: ${n} requests, ${(wall / n).toFixed(2)} ms wall each, ${(bytes / n).toFixed(0)} B answer`);
  if (args.metrics) console.log(`D1 rows per request: read ${(rows.read / n).toFixed(1)}, written ${(rows.written / n).toFixed(1)}`);
  console.log(`profiled JS time (not idle) per request: ${(busy / n).toFixed(2)} ms`);
  // The request apart from the Durable Objects and queue consumers it sets off (other invocations in
  // production, all in this one isolate locally): bench/lib/profile-split.mjs says how samples are placed.
  const split = splitByInvocation(profile, readFileSync(path.join(args.dist ?? DIST, "index.js"), "utf8"));
  for (const line of splitLines(split, n)) console.log(line);
  console.log("self ms/request  function");
  for (const [name, ms] of top) console.log(`${(ms / n).toFixed(3).padStart(15)}  ${name}`);
  }
} finally {
  await server.dispose();
}
