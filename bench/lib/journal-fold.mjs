// What the report journal (src/features/reports/reports.journal.ts) costs: rows each write writes to
// report_* tables (its journal row), and what one cron fold of N such rows reads and writes. Not a
// bench module: run it on a seeded bench database (after `npm run bench -- --only reports`, which
// builds the bundle and the rollups), e.g.
//
//   flock /work/bench.lock npx node --max-http-header-size=4000000 bench/lib/journal-fold.mjs [--n 100]
//
// Each round sends N writes of one kind over HTTP (D1_METRICS: every answer carries its rows and
// statements), then triggers the Worker's `scheduled` entry point (the minute cron) and reads the
// `report-journal` job's own JSON line (rows read and written, statements, folds). Prints JSON.
import { parseArgs } from "node:util";
import { startServer, token } from "./server.mjs";

const { values: args } = parseArgs({ options: { n: { type: "string", default: "100" } } });
const N = Number(args.n);
const log = (m) => console.error(`[journal] ${m}`);
const lines = [];
const server = await startServer({ log, extraBindings: { D1_METRICS: "1" }, onLog: (m) => lines.push(m) });
const out = { n: N, rounds: [] };
try {
  const db = server.db;
  const user = (role) => db.prepare("SELECT id, role FROM users WHERE role = ? AND active = 1 ORDER BY email LIMIT 1").bind(role).first();
  const [customer, manager] = [await user("customer"), await user("manager")];
  const agent = await user("agent");
  const auth = async (u) => `Bearer ${await token(u.id, u.role)}`;
  const tokens = { customer: await auth(customer), manager: await auth(manager), agent: await auth(agent) };
  const team = await db.prepare("SELECT id FROM teams ORDER BY id LIMIT 1").first("id");
  const worker = await server.mf.getWorker("edgedesk");

  const send = async (as, method, path, body) => {
    const res = await fetch(server.baseUrl + path, { method, headers: { authorization: tokens[as], "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { body: JSON.parse(text), read: Number(res.headers.get("x-d1-rows-read")), written: Number(res.headers.get("x-d1-rows-written")) };
  };
  const journalRows = async () => Number(await db.prepare("SELECT count(*) AS n FROM report_journal").first("n"));
  const fold = async () => {
    lines.length = 0;
    const t0 = performance.now();
    await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" });
    const wallMs = performance.now() - t0;
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('"report-journal"')); i++) await new Promise((r) => setTimeout(r, 100));
    const line = lines.find((l) => l.includes('"job":"report-journal"'));
    const r = line ? JSON.parse(line.slice(line.indexOf("{"))) : null;
    return { wallMs: Math.round(wallMs), rows: r?.rows, folds: r?.folds, more: r?.more, rows_read: r?.rows_read, rows_written: r?.rows_written, statements: r?.statements, top: r?.top?.slice(0, 5) };
  };
  const mean = (xs) => Math.round((10 * xs.reduce((a, b) => a + b, 0)) / xs.length) / 10;

  out.leftover = { journal: await journalRows(), fold: await fold() };
  const round = async (name, write) => {
    const per = [];
    for (let i = 0; i < N; i++) per.push(await write(i));
    const waiting = await journalRows();
    const r = { name, journal_rows: waiting, write_rows_read: mean(per.map((p) => p.read)), write_rows_written: mean(per.map((p) => p.written)), fold: await fold(), after: await journalRows() };
    log(JSON.stringify(r));
    out.rounds.push(r);
    return per;
  };
  await round("create (customer: 4 keys)", (i) => send("customer", "POST", "/api/v1/tickets", { subject: `journal ${i}`, description: "d", priority: ["low", "medium", "high"][i % 3] }));
  const rich = await round("create (manager: team + category, 6 keys)", (i) =>
    send("manager", "POST", "/api/v1/tickets", { subject: `journal rich ${i}`, description: "d", priority: "high", channel: "email", category: `bench-${i % 5}`, team_id: team, requester_email: "journal-bench@example.com" }),
  );
  await round("assign (7 keys after)", (i) => send("manager", "PATCH", `/api/v1/tickets/${rich[i].body.id}`, { assignee_id: agent.id }));
  await round("first-response comment", (i) => send("agent", "POST", `/api/v1/tickets/${rich[i].body.id}/comments`, { body: "A public reply" }));
  await round("second comment (no rollup change)", (i) => send("agent", "POST", `/api/v1/tickets/${rich[i].body.id}/comments`, { body: "Another reply" }));
} finally {
  await server.dispose();
}
console.log(JSON.stringify(out, null, 2));
