// Zendesk import throughput (issue 14): a synthetic export of 10,000 tickets (at --scale 1) with
// their comments, users and organizations, in the formats test/fixtures/zendesk shows (full JSON
// export NDJSON: one ticket with its `comments` per line), uploaded through the API and imported by
// the real Queue consumer of the bench's Miniflare. Measures wall time from start to done:
// tickets/s and comments/s. A new account host per bench run, so every run imports afresh into the
// same database (the refs of earlier runs do not match). BENCH_IMPORT_TICKETS=10000 sets the export's
// size apart from --scale (which also sizes the seeded database).
// Rows: every table's row count before and after (exact and load-independent; D1's rows_written
// also counts each index entry, estimated from the tables' indexes). Then the SAME export is
// imported a second time: it must add no ticket, comment, user or organization (idempotent by
// external id), and its counts and time are reported too.

import os from "node:os";

const TICKETS = 10_000;
const USERS_PER_TICKET = 0.2;
const AGENTS = 40;
const ORGANIZATIONS = 50;
const STATUSES = ["new", "open", "pending", "hold", "solved", "closed", "closed", "closed", "solved", "open"];
const PRIORITIES = ["low", "normal", "normal", "high", "urgent", null];
const CHANNELS = ["email", "web", "chat", "voice", "api", "twitter"];
const WORDS = "printer invoice refund password login export report delivery account order error timeout sync mobile app billing".split(" ");

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The export's files as text: organizations and users NDJSON, tickets NDJSON with comments. */
export function syntheticExport(tickets, host) {
  const r = rng(42);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const url = (kind, id) => `https://${host}/api/v2/${kind}/${id}.json`;
  const orgs = Array.from({ length: ORGANIZATIONS }, (_, i) => ({ url: url("organizations", 100 + i), id: 100 + i, name: `Org ${i}`, domain_names: [`org${i}.example`], shared_tickets: false }));
  const customers = Math.max(10, Math.round(tickets * USERS_PER_TICKET));
  const users = [
    ...Array.from({ length: AGENTS }, (_, i) => ({ url: url("users", 1_000 + i), id: 1_000 + i, name: `Agent ${i}`, email: `agent${i}@${host}`, role: "agent", verified: true })),
    ...Array.from({ length: customers }, (_, i) => ({
      url: url("users", 100_000 + i),
      id: 100_000 + i,
      name: `Customer ${i}`,
      email: `customer${i}@${host}`,
      role: "end-user",
      verified: r() < 0.8,
      organization_id: 100 + (i % ORGANIZATIONS),
    })),
  ];
  const start = Date.UTC(2025, 0, 1);
  const lines = [];
  let comments = 0;
  for (let i = 0; i < tickets; i++) {
    const created = start + i * 3_000_000;
    const requester = 100_000 + Math.floor(r() * customers);
    const agent = 1_000 + Math.floor(r() * AGENTS);
    const status = pick(STATUSES);
    const n = 1 + Math.floor(r() * 5);
    const thread = Array.from({ length: n }, (_, k) => ({
      id: 10_000_000 + i * 10 + k,
      type: "Comment",
      author_id: k % 2 === 0 ? requester : agent,
      body: sentence(20 + Math.floor(r() * 40)),
      public: k === 0 || r() < 0.8,
      created_at: new Date(created + k * 600_000).toISOString(),
    }));
    comments += n - 1;
    lines.push(
      JSON.stringify({
        url: url("tickets", i + 1),
        id: i + 1,
        subject: sentence(6),
        description: thread[0].body,
        status,
        priority: pick(PRIORITIES),
        requester_id: requester,
        submitter_id: requester,
        assignee_id: status === "new" ? null : agent,
        organization_id: 100 + (i % ORGANIZATIONS),
        tags: [pick(WORDS), pick(WORDS)],
        via: { channel: pick(CHANNELS) },
        created_at: new Date(created).toISOString(),
        updated_at: new Date(created + n * 600_000).toISOString(),
        comments: thread,
      }),
    );
  }
  return {
    files: {
      "organizations.ndjson": orgs.map((o) => JSON.stringify(o)).join("\n"),
      "users.ndjson": users.map((u) => JSON.stringify(u)).join("\n"),
      "tickets.ndjson": lines.join("\n"),
    },
    counts: { tickets, comments, users: users.length, organizations: orgs.length },
  };
}

/** Row counts of every table (FTS shadow tables included) and the number of indexes on each. */
async function tableRows(db) {
  const tables = (await db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`).all()).results.map((r) => r.name);
  const indexes = (await db.prepare(`SELECT tbl_name AS t, count(*) AS n FROM sqlite_master WHERE type = 'index' GROUP BY tbl_name`).all()).results;
  const counts = {};
  for (const t of tables) counts[t] = (await db.prepare(`SELECT count(*) AS n FROM "${t.replaceAll('"', '""')}"`).first()).n;
  return { counts, indexes: Object.fromEntries(indexes.map((r) => [r.t, r.n])) };
}

function rowsAdded(before, after) {
  const added = {};
  let rows = 0;
  let withIndexes = 0;
  for (const [t, n] of Object.entries(after.counts)) {
    const d = n - (before.counts[t] ?? 0);
    if (!d) continue;
    added[t] = d;
    rows += d;
    // An insert writes the row and one entry per index (partial indexes may skip it: an upper bound).
    withIndexes += d * (1 + (after.indexes[t] ?? 0));
  }
  return { byTable: added, rows, rowsWrittenEstimate: withIndexes };
}

/** Uploads the export as a new import, starts it and waits for it to finish. */
async function importOnce(ctx, files, counts, label) {
  const { log, request } = ctx;
  let admin = ctx.tokens.admin;
  // Access tokens last 15 minutes; a full-scale import on a busy machine may take longer.
  const relogin = async () => {
    const res = await request({ method: "POST", path: "/api/v1/auth/login", body: { email: ctx.accounts.admin, password: ctx.password } });
    admin = JSON.parse(res.body).access_token;
  };
  await relogin();
  const created = await request({ method: "POST", path: "/api/v1/imports", token: admin, body: { source: "zendesk" } });
  if (created.status !== 201) throw new Error(`create import: ${created.status} ${created.body}`);
  const { id } = JSON.parse(created.body);
  for (const [name, text] of Object.entries(files)) {
    const res = await request({ method: "PUT", path: `/api/v1/imports/${id}/upload`, token: admin, body: text, headers: { "content-type": "application/x-ndjson" } });
    if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${res.body}`);
  }
  const t0 = performance.now();
  const started = await request({ method: "POST", path: `/api/v1/imports/${id}/start`, token: admin });
  if (started.status !== 202) throw new Error(`start: ${started.status} ${started.body}`);
  let state;
  let lastLog = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    let res = await request({ path: `/api/v1/imports/${id}`, token: admin });
    if (res.status === 401) {
      await relogin();
      res = await request({ path: `/api/v1/imports/${id}`, token: admin });
    }
    state = JSON.parse(res.body);
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`import ${label}: ${state.phase}, ${state.progress.tickets}/${counts.tickets} tickets after ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`);
    }
    if (state.status === "done" || state.status === "failed") break;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { id, seconds, state, ticketsPerSecond: state.progress.tickets / seconds, commentsPerSecond: state.progress.comments / seconds };
}

export async function run(ctx) {
  const { log, db } = ctx;
  // BENCH_IMPORT_TICKETS sizes the export apart from the seeded database (e.g. 10,000 into the 5,000-ticket one).
  const tickets = Number(process.env.BENCH_IMPORT_TICKETS) || Math.max(200, Math.round(TICKETS * (ctx.scale ?? 1)));
  const host = `bench-${Date.now()}.zendesk.com`;
  const { files, counts } = syntheticExport(tickets, host);
  const bytes = Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0);
  log(`import: ${counts.tickets} tickets, ${counts.comments} comments, ${counts.users} users, ${(bytes / 1048576).toFixed(1)} MiB`);

  const load0 = os.loadavg();
  const before = await tableRows(db);
  const first = await importOnce(ctx, files, counts, "1");
  const load1 = os.loadavg();
  const afterFirst = await tableRows(db);
  const rows = rowsAdded(before, afterFirst);
  log(`import 1: ${first.state.status} in ${first.seconds.toFixed(1)} s: ${first.ticketsPerSecond.toFixed(1)} tickets/s, ${first.commentsPerSecond.toFixed(1)} comments/s, ${first.state.error_count} errors; ${rows.rows} rows added (~${rows.rowsWrittenEstimate} rows_written with index entries); load ${load0[0].toFixed(1)} → ${load1[0].toFixed(1)}`);
  log(`import 1 rows by table: ${JSON.stringify(rows.byTable)}`);

  // The same export again: idempotent by external id, so nothing may be imported twice.
  const second = await importOnce(ctx, files, counts, "2");
  const load2 = os.loadavg();
  const afterSecond = await tableRows(db);
  const again = rowsAdded(afterFirst, afterSecond);
  const duplicated = ["tickets", "comments", "users", "organizations", "external_refs"].filter((t) => (again.byTable[t] ?? 0) !== 0);
  log(`import 2 (same export): ${second.state.status} in ${second.seconds.toFixed(1)} s, progress ${JSON.stringify(second.state.progress)}; rows added ${JSON.stringify(again.byTable)}${duplicated.length ? `; DUPLICATED in ${duplicated.join(", ")}` : "; nothing imported twice"}`);

  const summary = (r) => ({ seconds: r.seconds, ticketsPerSecond: r.ticketsPerSecond, commentsPerSecond: r.commentsPerSecond, progress: r.state.progress, errors: r.state.error_count, firstErrors: r.state.errors?.slice(0, 5), status: r.state.status });
  return {
    results: [
      {
        name: `zendesk import of ${counts.tickets} tickets`,
        route: "POST /api/v1/imports/{id}/start → done",
        as: "admin",
        load: { latencyMs: { p50: first.seconds * 1000, p90: null, p99: null }, rps: first.ticketsPerSecond, cpuMsPerRequest: null, requests: 1, errors: first.state.status === "done" ? 0 : 1 },
        import: { ...summary(first), bytes, expected: counts, rows, loadavg: { before: load0, after: load1 } },
      },
      {
        name: `zendesk import of the same ${counts.tickets} tickets again (idempotence)`,
        route: "POST /api/v1/imports/{id}/start → done",
        as: "admin",
        load: { latencyMs: { p50: second.seconds * 1000, p90: null, p99: null }, rps: second.ticketsPerSecond, cpuMsPerRequest: null, requests: 1, errors: second.state.status === "done" && !duplicated.length ? 0 : 1 },
        import: { ...summary(second), rows: again, duplicated, loadavg: { before: load1, after: load2 } },
      },
    ],
    notes: [
      `zendesk import: ${first.state.progress.tickets} tickets and ${first.state.progress.comments} comments (${first.state.progress.users} users, ${first.state.progress.organizations} organizations) in ${first.seconds.toFixed(1)} s: ${first.ticketsPerSecond.toFixed(1)} tickets/s, ${first.commentsPerSecond.toFixed(1)} comments/s; ${rows.rows} table rows added (~${rows.rowsWrittenEstimate} D1 rows_written counting index entries); load ${load0[0].toFixed(1)} → ${load1[0].toFixed(1)} ("req/s" of its row is tickets/s; p50 its wall time)`,
      `zendesk import again (same export): ${second.seconds.toFixed(1)} s, progress ${JSON.stringify(second.state.progress)}, ${duplicated.length ? `DUPLICATED rows in ${duplicated.join(", ")}` : "nothing imported twice"}`,
    ],
  };
}
