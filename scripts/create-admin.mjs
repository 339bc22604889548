// Creates the first admin of a deployment (no API call can: self-registration always makes a customer).
//
//   PASSWORD_PEPPER=<the deployed secret> node scripts/create-admin.mjs --email admin@acme.com --name "Ada Admin" [--remote|--local]
//
// The password comes from ADMIN_PASSWORD or is asked for (hidden, twice). It is hashed here exactly as the
// Worker hashes it (scripts/lib/password.mjs), with PASSWORD_PEPPER, which must equal the Worker's secret
// (`wrangler secret put PASSWORD_PEPPER`); with another pepper the admin cannot log in. Then the user row is
// inserted with `wrangler d1 execute DB --remote` (default) or `--local`. For --local the pepper may also
// come from .dev.vars, and PERSIST_TO selects the local state directory as for `npm start`.
// Only Node built-ins.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hashPassword, newId, sqlString } from "./lib/password.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const USAGE = `Usage: node scripts/create-admin.mjs --email <email> --name <name> [--remote | --local]

  --email     the admin's email (stored lowercased)
  --name      the admin's display name
  --remote    insert into the deployed D1 database (default)
  --local     insert into the local D1 database of wrangler dev / npm start

  PASSWORD_PEPPER  required: the same value as the Worker's PASSWORD_PEPPER secret
                   (for --local, read from .dev.vars when not set)
  ADMIN_PASSWORD   the password (8..256 characters); asked for when not set
  PERSIST_TO       with --local: the local state directory, as for npm start`;

function fail(msg) {
  console.error(`create-admin: ${msg}`);
  process.exit(1);
}

let opts;
try {
  opts = parseArgs({
    options: {
      email: { type: "string" },
      name: { type: "string" },
      remote: { type: "boolean", default: false },
      local: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (err) {
  fail(`${err.message}\n\n${USAGE}`);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
if (opts.remote && opts.local) fail("give either --remote or --local, not both");
const target = opts.local ? "--local" : "--remote";

const email = (opts.email ?? "").trim().toLowerCase();
const name = (opts.name ?? "").trim();
if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) fail(`--email must be an email address\n\n${USAGE}`);
if (!name || name.length > 200) fail(`--name must be 1..200 characters\n\n${USAGE}`);
if (!existsSync(WRANGLER)) fail("wrangler is not installed: run `npm install` first");

function pepperFromDevVars() {
  const file = path.join(ROOT, ".dev.vars");
  if (!existsSync(file)) return undefined;
  const m = readFileSync(file, "utf8").match(/^\s*(?:export\s+)?PASSWORD_PEPPER\s*=\s*(.*?)\s*$/m);
  return m ? m[1].replace(/^(["'])(.*)\1$/, "$2") : undefined;
}
const pepper = process.env.PASSWORD_PEPPER || (opts.local ? pepperFromDevVars() : undefined);
if (!pepper) {
  fail(
    opts.local
      ? "set PASSWORD_PEPPER (or run npm start once, which writes it to .dev.vars)"
      : "set PASSWORD_PEPPER to the value of the Worker's PASSWORD_PEPPER secret (secrets cannot be read back from Cloudflare)",
  );
}

/** Reads one line without echoing it (or a plain line when stdin is not a terminal). */
function ask(question) {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve) => {
      const rl = createInterface({ input: stdin });
      let answered = false;
      rl.once("line", (line) => {
        answered = true;
        rl.close();
        resolve(line);
      });
      rl.once("close", () => answered || resolve(""));
    });
  }
  return new Promise((resolve) => {
    process.stdout.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.resume();
    let value = "";
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          stdin.off("data", onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stdout.write("\n");
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          stdin.setRawMode(false);
          process.stdout.write("\n");
          process.exit(130);
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function readPassword() {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const first = await ask(`Password for ${email}: `);
  if (process.stdin.isTTY && (await ask("Repeat the password: ")) !== first) fail("the passwords differ");
  return first;
}

const password = await readPassword();
if (password.length < 8 || password.length > 256) fail("the password must be 8..256 characters");

const now = new Date().toISOString();
const sql =
  "INSERT INTO users (id, name, email, role, active, password_hash, token_version, email_verified_at, created_at, updated_at) VALUES (" +
  [newId(), name, email, "admin"].map(sqlString).join(", ") +
  `, 1, ${sqlString(hashPassword(password, pepper))}, 0, ${sqlString(now)}, ${sqlString(now)}, ${sqlString(now)});`;

// wrangler 4 needs Node 22+; the project pins it as a devDependency.
const localNode = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "node.cmd" : "node");
const node = Number(process.versions.node.split(".")[0]) >= 22 || !existsSync(localNode) ? process.execPath : localNode;
const persist = opts.local && process.env.PERSIST_TO ? ["--persist-to", path.resolve(process.env.PERSIST_TO)] : [];
const args = [WRANGLER, "d1", "execute", "DB", target, ...persist, "--yes", "--command", sql];

console.log(`Creating admin ${email} in the ${opts.local ? "local" : "remote"} D1 database (binding DB) …`);
// Inherited stdio: wrangler may need to log in (`wrangler login`) or show its own errors.
const r = spawnSync(node, args, { cwd: ROOT, stdio: "inherit" });
if (r.status !== 0) {
  fail(
    `wrangler d1 execute failed (exit ${r.status ?? r.signal ?? r.error?.message}); ` +
      "\"UNIQUE constraint failed: users.email\" means a user with this email exists already",
  );
}
console.log(`Done: ${email} (admin) can now log in with POST /api/v1/auth/login.`);
