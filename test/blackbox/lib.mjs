// Black-box helpers: start `npm start` on a free port (or use BASE_URL), call the API over the
// network, and drive real WebSocket clients (Node 22's global WebSocket). Plain Node ESM, no deps.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEMO_PASSWORD = "demo-password-1";
const START_TIMEOUT_MS = 240_000;

if (typeof WebSocket !== "function") {
  console.error("Node 22+ is needed (global WebSocket): run through npm (the project's node@22 devDependency) or `npx node …`");
  process.exit(2);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// What `npm start` needs of the project; node_modules is linked, not copied.
const SNAPSHOT_ENTRIES = ["src", "migrations", "scripts", "web", "wrangler.toml", "package.json", "tsconfig.json"];

/**
 * A copy of the project to run `npm start` from: wrangler dev reloads the Worker (dropping every
 * WebSocket) whenever a watched file changes, and in a working tree others edit, that happens mid-run.
 */
function snapshot(dir) {
  for (const entry of SNAPSHOT_ENTRIES) if (existsSync(path.join(ROOT, entry))) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * `npm start` on a free port with its own throw-away state directory, resolved once the demo is
 * seeded (its banner is printed). Returns { baseUrl, pid, stop }. With BASE_URL set, uses that server.
 * Runs from a snapshot of the project unless SNAPSHOT=0 (see snapshot()).
 */
export async function startServer({ log = () => {}, persistTo } = {}) {
  if (process.env.BASE_URL) return { baseUrl: process.env.BASE_URL.replace(/\/$/, ""), pid: null, stop: async () => {} };
  const port = await freePort();
  const work = mkdtempSync(path.join(os.tmpdir(), "edgedesk-blackbox-"));
  const state = persistTo ?? path.join(work, "state");
  const cwd = process.env.SNAPSHOT === "0" ? ROOT : snapshot(path.join(work, "app"));
  log(`npm start on port ${port} (${cwd === ROOT ? "the working tree" : `a snapshot in ${cwd}`}, state in ${state}) …`);
  const child = spawn(process.platform === "win32" ? "npm.cmd" : "npm", ["start"], {
    cwd,
    env: { ...process.env, PORT: String(port), PERSIST_TO: state },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends wrangler and workerd with it
  });
  let output = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${START_TIMEOUT_MS / 1000}s:\n${output.slice(-3000)}`)), START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk;
      if (output.includes("edgedesk is running on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", (c) => (output += c));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before it was ready:\n${output.slice(-3000)}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGINT");
      } catch {
        /* gone */
      }
      await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  if (/seeding the demo failed/.test(output)) log("! npm start reports the demo seed failed; demo logins may not work");
  return { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid, stop, output: () => output };
}

/** One JSON call; returns { status, body }. */
export async function api(baseUrl, method, pathname, { token, body, headers = {} } = {}) {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function login(baseUrl, email, password = DEMO_PASSWORD) {
  const res = await api(baseUrl, "POST", "/api/v1/auth/login", { body: { email, password } });
  if (res.status !== 200) throw new Error(`login as ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.body.access_token, user: res.body.user };
}

/**
 * The HTTP answer to an upgrade request without opening a socket: a browser's WebSocket only says
 * "error", so refusals (401/403/404) are checked with a raw upgrade. Resolves { status, body }.
 */
export function upgradeStatus(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, {
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": randomBytes(16).toString("base64") },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, body: null });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c));
      res.on("end", () => {
        let parsed = body;
        try {
          parsed = JSON.parse(body);
        } catch {
          /* keep text */
        }
        resolve({ status: res.statusCode, contentType: res.headers["content-type"], body: parsed });
      });
    });
    req.on("error", reject);
  });
}

export const wsUrl = (baseUrl, pathname, token) => `${baseUrl.replace(/^http/, "ws")}${pathname}?access_token=${encodeURIComponent(token)}`;

/** A WebSocket client that buffers messages (with their arrival time) so callers can await them in any order. */
export class Client {
  /** @param {string} url */
  constructor(url) {
    this.log = [];
    this.pending = [];
    this.waiters = [];
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener("open", () => resolve(), { once: true });
      this.ws.addEventListener("error", () => reject(new Error(`WebSocket ${url.replace(/access_token=[^&]+/, "access_token=…")} failed to open`)), { once: true });
    });
    this.closed = new Promise((resolve) => this.ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    this.ws.addEventListener("message", (e) => {
      const at = performance.now();
      const message = JSON.parse(e.data);
      Object.defineProperty(message, "receivedAt", { value: at, enumerable: false });
      this.log.push(message);
      const i = this.waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(message);
      else this.pending.push(message);
    });
  }

  static async open(url) {
    const c = new Client(url);
    await c.opened;
    return c;
  }

  next(type, where = () => true, timeoutMs = 5_000) {
    const match = (m) => m.type === type && where(m);
    const i = this.pending.findIndex(match);
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no "${type}" message within ${timeoutMs} ms (received: ${this.log.map((m) => m.type).join(", ") || "nothing"})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Presence listing exactly these user ids. */
  presence(ids, timeoutMs) {
    const want = [...ids].sort().join(",");
    return this.next("presence", (m) => m.users.map((u) => u.id).sort().join(",") === want, timeoutMs);
  }

  send(message) {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  close() {
    if (this.ws.readyState <= 1) this.ws.close(1000);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
