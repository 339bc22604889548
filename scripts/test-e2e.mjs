// `npm run test:e2e`: the browser tests (web/e2e, Playwright in Debian's Chromium) against `npm start`
// on a free port with a fresh state directory, so they never touch your local demo.
//
//   E2E_PORTS=8752-8759 (where to look for free ports: the server's, its inspector's and its webhook receiver's)
//   E2E_BASE_URL=http://…  (test a server that is already running instead; it must hold the demo seed;
//                          E2E_SERVER_LOG=<its output> for the tests that read mail it sent)
//   E2E_CONFIG=web/e2e/screenshots.config.ts (another Playwright config: `npm run screenshots`)
//   Extra arguments go to `playwright test` (a file, --grep …).
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const READY_TIMEOUT_MS = 300_000;

if (!existsSync(CHROMIUM)) {
  console.error(`[e2e] ✗ ${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it on CI machines)`);
  process.exit(1);
}

const free = (port) =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });

async function freePorts(count) {
  const [lo, hi] = (process.env.E2E_PORTS ?? "8752-8759").split("-").map(Number);
  const out = [];
  for (let p = lo; p <= hi && out.length < count; p++) if (await free(p)) out.push(p);
  if (out.length < count) throw new Error(`no ${count} free ports in ${lo}-${hi}`);
  return out;
}

function run(cmd, args, env) {
  return spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

async function startServer() {
  const [port, inspector, receiver] = await freePorts(3);
  const state = mkdtempSync(path.join(os.tmpdir(), "edgedesk-e2e-"));
  const server = run(process.execPath, ["scripts/start.mjs"], { PORT: String(port), INSPECTOR_PORT: String(inspector), RECEIVER_PORT: String(receiver), PERSIST_TO: state, SKIP_WEB_BUILD: "1" });
  // The server's output as a file the tests read: wrangler logs where it saved each mail it "sent".
  const logFile = path.join(state, "server.log");
  server.stdout.on("data", (c) => appendFileSync(logFile, c));
  server.stderr.on("data", (c) => appendFileSync(logFile, c));
  let log = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${READY_TIMEOUT_MS / 1000}s`)), READY_TIMEOUT_MS);
    const onData = (chunk) => {
      log += chunk;
      // The banner comes after the seed.
      if (log.includes("edgedesk is running on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    server.stdout.setEncoding("utf8").on("data", onData);
    server.stderr.setEncoding("utf8").on("data", (c) => (log += c));
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code})`));
    });
  });
  try {
    await ready;
  } catch (err) {
    process.stderr.write(log);
    throw err;
  }
  // A demo ticket the seed could not make (its reason is on the line) is worth seeing beside a test's failure.
  for (const line of log.split("\n").filter((l) => /\[start\] +! /.test(l))) console.warn(`[e2e] seed: ${line.trim()}`);
  if (/seeding the demo failed/.test(log)) {
    process.stderr.write(log);
    throw new Error("the demo seed failed");
  }
  const stop = async () => {
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    rmSync(state, { recursive: true, force: true });
  };
  return { base: `http://127.0.0.1:${port}`, stop, log: () => log, logFile };
}

const started = Date.now();
let server = null;
let code = 1;
try {
  let base = process.env.E2E_BASE_URL;
  let serverLog = process.env.E2E_SERVER_LOG;
  if (!base) {
    server = await startServer();
    base = server.base;
    serverLog = server.logFile;
    console.log(`[e2e] npm start ready on ${base} after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  const pw = spawn(process.execPath, [path.join(ROOT, "node_modules", "@playwright", "test", "cli.js"), "test", "-c", process.env.E2E_CONFIG ?? "web/e2e/playwright.config.ts", ...process.argv.slice(2)], {
    cwd: ROOT,
    env: { ...process.env, E2E_BASE_URL: base, ...(serverLog ? { E2E_SERVER_LOG: serverLog } : {}) },
    stdio: "inherit",
  });
  code = await new Promise((resolve) => pw.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0 && server) process.stderr.write(`\n[e2e] server log (last 4000 chars):\n${server.log().slice(-4000)}\n`);
} catch (err) {
  console.error(`[e2e] ✗ ${err.message}`);
} finally {
  await server?.stop();
}
console.log(`[e2e] done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(code);
