// The Worker under test: the deploy bundle served by Miniflare with a direct socket, so requests
// reach workerd without wrangler dev's proxy, debugger and request logging in between.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { SignJWT } from "jose";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const TMP = path.join(ROOT, "bench", ".tmp");
export const DIST = path.join(TMP, "dist");
// BENCH_STATE_DIR: another database (e.g. a small one for trying things) without losing the seeded one.
export const STATE = process.env.BENCH_STATE_DIR ? path.resolve(process.env.BENCH_STATE_DIR) : path.join(TMP, "state");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

// Local-only secrets of the bench instance. The pepper also goes into the seeded password hashes,
// so it is fixed: a different value would make every seeded login fail.
export const BENCH_SECRETS = {
  JWT_SECRET: "bench-jwt-secret-0123456789abcdef0123456789abcdef",
  PASSWORD_PEPPER: "bench-pepper",
};

/** `npm run build` then `wrangler deploy --dry-run`: the exact bundle (and static assets) a deployment would upload. */
export function buildBundle(log) {
  const web = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--config", path.join(ROOT, "web", "vite.config.ts"), "--logLevel", "warn"], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (web.status !== 0) throw new Error(`building the web app failed (exit ${web.status}):\n${web.stdout}\n${web.stderr}`);
  const r = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", DIST], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    // No silent fallback to an older bundle: it would measure code that is not the working tree's.
    throw new Error(`wrangler deploy --dry-run failed (exit ${r.status}); fix the build, or pass --no-build to measure the last bundle:\n${r.stdout}\n${r.stderr}`);
  }
  const size = readFileSync(path.join(DIST, "index.js")).length;
  log(`bundle built: ${path.relative(ROOT, DIST)}/index.js (${(size / 1024).toFixed(0)} KiB)`);
}

const MODULE_TYPES = [
  [/\.m?js$/, "ESModule"],
  [/\.cjs$/, "CommonJS"],
  [/\.wasm$/, "CompiledWasm"],
  [/\.(txt|html|sql)$/, "Text"],
  [/\.bin$/, "Data"],
];

/** A `[[rules]]` glob as a RegExp (the `**\/` and `*` that wrangler.toml's globs use). */
const globRegExp = (glob) =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "\0").replace(/\*/g, "[^/]*").replace(/\?/g, ".").replace(/\0/g, "(?:.*/)?")}$`);

/**
 * The module type of a bundle file: wrangler.toml's `[[rules]]` first (e.g. the chat widget's files as
 * Text; wrangler writes them as `<sha1>-<name>`), then the file's extension.
 */
function moduleType(file, rules) {
  const name = path.basename(file).replace(/^[0-9a-f]{40}-/, "");
  const rule = rules.find((r) => r.include.some((glob) => globRegExp(glob).test(name)));
  return rule?.type ?? MODULE_TYPES.find(([re]) => re.test(name))?.[1];
}

/** Every module of a bundle (index.js first); Miniflare 5 takes an explicit list. */
export function bundleModules(dist = DIST) {
  const rules = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml")).workerOptions.modulesRules ?? [];
  const files = readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  const main = path.join(dist, "index.js");
  if (!existsSync(main)) throw new Error(`no bundle at ${main}; build first`);
  const modules = [{ type: "ESModule", path: main }];
  for (const file of files) {
    if (file === main) continue;
    const type = moduleType(file, rules);
    if (type) modules.push({ type, path: file });
  }
  return modules;
}

/**
 * The Worker options of wrangler.toml as wrangler itself maps them (vars, D1, Durable Objects,
 * queues, R2, send_email …), read at run time so bindings added to wrangler.toml come along.
 */
function workerOptionsFromConfig(log) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(ROOT, "wrangler.toml"));
  // Miniflare 5 refuses v4 modulesRules (the bundle's files are listed instead); crons would fire
  // in the background and add CPU to whatever scenario is running.
  const { modulesRules: _rules, cronTriggers: _crons, ...rest } = workerOptions;
  const bound = Object.entries(rest)
    .map(([k, v]) => [k, k === "email" ? (v?.send_email ?? []).map((b) => b.name) : /Databases|durableObjects|queue|r2Buckets|kvNamespaces/.test(k) && v ? Object.keys(v) : []])
    .filter(([, names]) => names.length)
    .map(([k, names]) => `${k}: ${names.join(", ")}`);
  log(`bindings from wrangler.toml: ${bound.join("; ") || "(none)"}`);
  return rest;
}

// A second Worker on the same D1 database that repeats a request's D1 calls the way the app makes
// them (selects through prepare/bind/raw, writes in a batch). Load on it with and without `execute`
// isolates what the local D1 costs workerd: in production D1 runs outside the Worker's CPU.
// Writes must not change the database, so each write call runs as a batch that ends in a failing
// statement (D1 rolls the whole batch back), with the ids and ticket numbers the original request
// created replaced by fresh ones (the original rows exist, so the same ids would fail at once).
const REPLAY_WORKER = "bench-d1-replay";
const REPLAY_SCRIPT = `
const ROLLBACK = "SELECT json('bench: roll back')";
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const fresh = (v) => /^TICK-\\d{8}-\\d+$/.test(v)
  ? "TICK-29991231-" + String(Math.floor(Math.random() * 1e9))
  : Array.from({ length: v.length }, () => ALPHABET[Math.floor(Math.random() * 32)]).join("");
export default {
  async fetch(request, env) {
    const { calls, execute } = await request.json();
    // New rows of the original request: the first value of each INSERT, and ticket numbers.
    const renamed = new Map();
    for (const call of calls) for (const s of call) {
      // The caller's guard (src/db/caller-gate.ts) names the caller, who must stay the same to pass;
      // the day's counter (src/db/ticket-numbering.ts) is the day the ticket's number is taken from in SQL.
      if (!/^\\s*insert/i.test(s.sql) || /^\\s*insert into "(caller_guard|ticket_counters)"/i.test(s.sql)) continue;
      if (typeof s.params[0] === "string") renamed.set(s.params[0], null);
      for (const p of s.params) if (typeof p === "string" && /^TICK-\\d{8}-\\d+$/.test(p)) renamed.set(p, null);
    }
    for (const k of renamed.keys()) renamed.set(k, fresh(k));
    // A write's guard check (db/errors.ts abortUnlessChanged) would stop the replay: the original request already moved the row.
    const GUARD = /changes\\(\\) = 0 THEN -9223372036854775807/;
    const bind = (s) => env.DB.prepare(GUARD.test(s.sql) ? "SELECT 0" : s.sql).bind(...(GUARD.test(s.sql) ? [] : s.params.map((p) => renamed.get(p) ?? p)));
    if (!execute) return new Response(String(calls.length));
    for (const call of calls) {
      if (call.length === 1 && /^\\s*select/i.test(call[0].sql)) {
        try {
          await bind(call[0]).raw();
        } catch (err) {
          return new Response("replay failed: " + (err?.message ?? err), { status: 500 });
        }
        continue;
      }
      try {
        await env.DB.batch([...call.map(bind), env.DB.prepare(ROLLBACK)]);
        return new Response("the rollback statement did not fail", { status: 500 });
      } catch (err) {
        if (!/malformed JSON/i.test(String(err?.message) + String(err?.cause?.message))) {
          return new Response("replay failed: " + (err?.message ?? err), { status: 500 });
        }
      }
    }
    return new Response(String(calls.length));
  },
};`;

// --request-only (bench/lib/profile.mjs): the Durable Objects answer from this stand-in, each method
// doing nothing, and no queue consumer runs (messages stay queued). What the workerd process then
// spends is the request's own work (the calls to the objects and queues included, as in production)
// with the local D1, without the objects' and consumers' invocations, which production bills apart.
// Only for writes that do not wait on an object's answer (a ticket edit through the room does).
const OBJECTS_STUB_WORKER = "bench-objects-stub";
const OBJECTS_STUB_SCRIPT = `
import { DurableObject } from "cloudflare:workers";
const none = () => undefined;
export class TicketRoom extends DurableObject { publish() {} patch() {} present() {} left() {} presenceNow() { return []; } fetch() { return new Response(null, { status: 404 }); } }
export class AgentsFeed extends DurableObject { publish() {} notify() {} fetch() { return new Response(null, { status: 404 }); } }
export class UserSessions extends DurableObject { end() {} fetch() { return new Response(null, { status: 404 }); } }
export default { fetch: () => new Response(null, { status: 404 }) };`;

/** The year databases of bench/stores.mjs: the N years before the one of main's oldest seeded tickets (none unless BENCH_YEAR_DATABASES is set). */
export function benchYears() {
  const n = Number(process.env.BENCH_YEAR_DATABASES ?? 0);
  const last = new Date().getUTCFullYear() - 4;
  return Array.from({ length: Number.isInteger(n) && n > 0 ? n : 0 }, (_, i) => last - i);
}

/**
 * Starts the bundle. `extraBindings` are plain-text vars on top of wrangler.toml's (D1_METRICS);
 * `state` another state directory than the seeded bench database (a module's own throw-away one);
 * `onLog(message)` receives the Worker's console output (job reports) instead of the terminal.
 * Returns { mf, baseUrl, replayUrl, workerdPids, db, dispose }.
 */
export async function startServer({ log, extraBindings = {}, verbose = false, state = STATE, onLog, logger, inspectorPort, dist = DIST, requestOnly = false }) {
  const config = workerOptionsFromConfig(log);
  const opts = requestOnly
    ? {
        ...config,
        queueConsumers: undefined,
        durableObjects: Object.fromEntries(Object.entries(config.durableObjects ?? {}).map(([k, v]) => [k, { ...v, scriptName: OBJECTS_STUB_WORKER }])),
      }
    : config;
  // bench/stores.mjs: BENCH_YEAR_DATABASES=N binds N year databases (TICKETS_<year>, src/db/ticket-stores.ts).
  for (const year of benchYears()) opts.d1Databases = { ...opts.d1Databases, [`TICKETS_${year}`]: `tickets-${year}` };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: state,
      host: "127.0.0.1",
      port: 0,
      // No network lookup of Request.cf (the machine may be offline).
      cf: { colo: "LOCAL", country: "XX" },
      // `logger`: a module's own Log (e.g. one that reads the queue broker's per-batch INFO lines).
      log: logger ?? new Log(verbose ? LogLevel.INFO : LogLevel.WARN),
      logRequests: false,
      telemetry: { enabled: false },
      // A DevTools inspector on the Worker, for a CPU profile (bench/lib/profile.mjs).
      ...(inspectorPort ? { inspectorPort } : {}),
      // The Worker's console lines (cron jobs log their reports there), for a module that reads them.
      ...(onLog ? { handleStructuredLogs: ({ message }) => onLog(message) } : {}),
      workers: [
        {
          ...opts,
          name: "edgedesk",
          rootPath: ROOT,
          modules: bundleModules(dist),
          modulesRoot: dist,
          bindings: { ...opts.bindings, ...BENCH_SECRETS, ...extraBindings },
          // Straight to the user Worker: no Miniflare entry worker or proxy on the request path.
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
        {
          name: REPLAY_WORKER,
          compatibilityDate: opts.compatibilityDate,
          compatibilityFlags: opts.compatibilityFlags,
          modules: [{ type: "ESModule", path: "replay.mjs", contents: REPLAY_SCRIPT }],
          d1Databases: opts.d1Databases,
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
        ...(requestOnly
          ? [
              {
                name: OBJECTS_STUB_WORKER,
                compatibilityDate: opts.compatibilityDate,
                compatibilityFlags: opts.compatibilityFlags,
                modules: [{ type: "ESModule", path: "objects-stub.mjs", contents: OBJECTS_STUB_SCRIPT }],
                durableObjects: Object.fromEntries(Object.entries(config.durableObjects ?? {}).map(([k, v]) => [k, { className: v.className }])),
              },
            ]
          : []),
      ],
    }),
  );
  const baseUrl = (await mf.unsafeGetDirectURL("edgedesk")).href.replace(/\/$/, "");
  const replayUrl = (await mf.unsafeGetDirectURL(REPLAY_WORKER)).href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB", "edgedesk");
  const workerdPids = findWorkerdPids();
  if (!workerdPids.length) log("warning: no workerd process found under this Node process; CPU figures will be missing");
  return { mf, baseUrl, replayUrl, db, workerdPids, dispose: () => mf.dispose() };
}

function readStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // comm may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state): ppid = field 4, utime = 14, stime = 15 (proc(5)).
  return { pid, comm, ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) };
}

/** workerd processes descending from this Node process (Miniflare spawns one; a shell may sit in between). */
export function findWorkerdPids() {
  const all = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      all.push(readStat(Number(d)));
    } catch {
      /* exited meanwhile */
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true));
  }
  return all.filter((p) => p.pid !== process.pid && mine.has(p.pid) && /workerd/.test(p.comm)).map((p) => p.pid);
}

// USER_HZ: 100 on every Linux the bench targets (getconf CLK_TCK).
export const CLOCK_TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU milliseconds (user + system, all threads) the given processes have used so far. */
export function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const s = readStat(pid);
      ticks += s.utime + s.stime;
    } catch {
      /* gone */
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU milliseconds of this Node process (the load generator and the bench itself). */
export const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** An access token for `sub` signed with the bench secret (an hour), as the Worker issues them. */
export async function token(sub, role) {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ role, tv: 0 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer("edgedesk")
    .setAudience("edgedesk-api")
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(new TextEncoder().encode(BENCH_SECRETS.JWT_SECRET));
}
