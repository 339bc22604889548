// Where the Worker's CPU goes on create ticket and add comment (issue 15 item 3): the bench bundle
// (bench/.tmp/dist, build it first: npm run bench -- --only core --scale 0.05 builds and seeds) in
// Miniflare with workerd's inspector; the CDP Profiler samples N sequential requests of each and
// prints self time by function. D1 runs in its own isolate, so its CPU is not in the profile; the
// D1 client in the Worker (cloudflare-internal:d1-api) is. Writes tickets and comments: point STATE
// at a copy of the bench state, and run it inside flock /work/bench.lock like any benchmark.
//   STATE=/tmp/state-copy INSPECTOR_PORT=8731 N=200 node scripts/profile-writes.mjs
// Profiles go to $OUT (default /tmp) as create.cpuprofile and comment.cpuprofile (Chrome DevTools opens them).
import path from "node:path";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import WebSocket from "ws";
const ROOT = process.env.ROOT ?? path.resolve(import.meta.dirname, "..");
const OUT = process.env.OUT ?? "/tmp";
const { bundleModules, BENCH_SECRETS } = await import(path.join(ROOT, "bench/lib/server.mjs"));
const { ACCOUNTS, BENCH_PASSWORD } = await import(path.join(ROOT, "bench/lib/seed.mjs"));
const STATE = process.env.STATE;
if (!STATE) throw new Error("STATE: a copy of the bench state directory (this script writes tickets)");
const PORT = Number(process.env.INSPECTOR_PORT ?? 8731);
const N = Number(process.env.N ?? 200);
const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
const { modulesRules: _r, cronTriggers: _c, ...opts } = workerOptions;
const DIST = path.join(ROOT, "bench/.tmp/dist");
const mf = new Miniflare(convertV4MiniflareOptions({
  resourcePersistencePath: STATE, host: "127.0.0.1", port: 0, cf: { colo: "LOCAL", country: "XX" },
  log: new Log(LogLevel.WARN), logRequests: false, telemetry: { enabled: false }, inspectorPort: PORT,
  workers: [{ ...opts, name: "edgedesk", rootPath: ROOT, modules: bundleModules(DIST), modulesRoot: DIST, bindings: { ...opts.bindings, ...BENCH_SECRETS }, unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] }],
}));
const base = (await mf.unsafeGetDirectURL("edgedesk")).href.replace(/\/$/, "");
const call = async (method, p, token, body) => {
  const res = await fetch(base + p, { method, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const token = async (email) => (await call("POST", "/api/v1/auth/login", null, { email, password: BENCH_PASSWORD })).body.access_token;
const agent = await token(ACCOUNTS.agent);
const customer = await token(ACCOUNTS.customer2);
const targets = await (await fetch(`http://127.0.0.1:${PORT}/json`)).json();
const target = targets.find((t) => /edgedesk/.test(t.webSocketDebuggerUrl ?? t.url ?? t.id)) ?? targets[0];
console.error("inspector targets:", targets.map((t) => t.webSocketDebuggerUrl).join(" "));
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.once("open", r));
let seq = 0;
const pending = new Map();
ws.on("message", (m) => { const d = JSON.parse(m); if (d.id && pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); } });
const cdp = (method, params = {}) => new Promise((r) => { const id = ++seq; pending.set(id, r); ws.send(JSON.stringify({ id, method, params })); });
const createBody = (i) => ({ subject: `Cannot export the monthly report (${i})`, description: "Since this morning the CSV export stops at about 10,000 rows and the file is truncated. Other people in my team see the same problem.", priority: ["medium", "low", "high"][i % 3], category: "billing", channel: "web", tags: [["export"], [], ["export", "bug"]][i % 3] });
// warm-up
const created = [];
for (let i = 0; i < 30; i++) { const r = await call("POST", "/api/v1/tickets", customer, createBody(i)); if (r.status !== 201) throw new Error(JSON.stringify(r)); created.push(r.body.id); }
for (let i = 0; i < 30; i++) await call("POST", `/api/v1/tickets/${created[i % created.length]}/comments`, agent, { body: "Thanks for reaching out, I am looking into this now.", internal: false });
await cdp("Profiler.enable");
await cdp("Profiler.setSamplingInterval", { interval: 50 });
const summarize = (profile, label, n) => {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map();
  let total = 0, idle = 0;
  for (const [id, us] of dt) {
    const node = byId.get(id); const f = node.callFrame;
    const name = f.functionName || "(anonymous)";
    if (["(idle)", "(program)", "(garbage collector)"].includes(name)) { if (name === "(idle)") { idle += us; continue; } }
    total += us;
    const key = `${name} ${f.url ? path.basename(f.url) : ""}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  console.log(`\n## ${label}: ${n} requests, busy ${(total / 1000).toFixed(0)} ms (${(total / 1000 / n).toFixed(2)} ms/request), idle ${(idle / 1000).toFixed(0)} ms`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000 / n).toFixed(3)} ms/req  ${k}`);
  return { total, self };
};
const profileOf = async (label, fn) => {
  await cdp("Profiler.start");
  for (let i = 0; i < N; i++) await fn(i);
  const { result } = await cdp("Profiler.stop");
  const fs = await import("node:fs");
  fs.writeFileSync(path.join(OUT, `${label}.cpuprofile`), JSON.stringify(result.profile));
  return summarize(result.profile, label, N);
};
await profileOf("create", async (i) => { const r = await call("POST", "/api/v1/tickets", customer, createBody(i + 100)); if (r.status !== 201) throw new Error(JSON.stringify(r.body)); created.push(r.body.id); });
await profileOf("comment", async (i) => { const r = await call("POST", `/api/v1/tickets/${created[i % created.length]}/comments`, agent, { body: "Thanks for reaching out, I am looking into this now and will get back to you shortly.", internal: false }); if (r.status !== 201) throw new Error(JSON.stringify(r.body)); });
ws.close();
await mf.dispose();
