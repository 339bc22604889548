// Year databases (issue 15 item 1, docs/scale.md "Year databases"): the ticket interface
// (src/db/ticket-stores.ts) with ten retired years bound, ~10x today's bench volume beside main.
//
// Run with the year databases bound: `BENCH_YEAR_DATABASES=10 npm run bench -- --only stores`
// (bench/lib/server.mjs binds TICKETS_<year> for the ten years before main's seeded ones). Each year
// database gets BENCH_STORES_PER_YEAR stubs (default 100,000) generated in SQL from a template row
// of main (a closed, archived-looking ticket of a seeded customer; spread evenly over the year, ids
// carrying their creation instant as lib/ids.ts makes them): what the retire job leaves there. The
// seeding is what it is (a stub per row, no R2 document): get-by-id and lists read stub rows only.
// Then get-by-id and list pages through the Worker's routes: latency, rows read per request, and
// (rows pass) databases touched per request and the most rows any one database read.
import { readFileSync } from "node:fs";
import path from "node:path";
import { benchYears, ROOT } from "./lib/server.mjs";

const CHUNK = 10_000;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const idExpr = (ms) =>
  `(${Array.from({ length: 10 }, (_, k) => `substr('${ALPHABET}', ((${ms} >> ${5 * (9 - k)}) & 31) + 1, 1)`).join(" || ")}) || lower(hex(randomblob(8)))`;

export async function run(ctx) {
  const { db, mf, log, tokens, measure } = ctx;
  const years = benchYears();
  if (!years.length) {
    log("stores: skipped (run with BENCH_YEAR_DATABASES=10: bench/lib/server.mjs binds the year databases)");
    return;
  }
  const perYear = Number(process.env.BENCH_STORES_PER_YEAR ?? 100_000);
  // The year schema, file by file, each applied where what it makes is missing, or (`-name`) what it
  // drops is still there (a state seeded before 0002 gets its search index: the migration's own
  // 'rebuild' indexes the stubs already there).
  const schema = [
    ["0001_retired_tickets.sql", "tickets"],
    ["0002_ticket_search.sql", "tickets_fts"],
    ["0003_returned.sql", "tickets.returned"],
    // The team index holds only tickets in a team (main's 0043); it keeps its name, so the check is the dropped one.
    ["0004_team_index_partial.sql", "-tickets_open_team_created_idx"],
    // The search index keyed in created order (GET /tickets?q= walks its postings).
    ["0005_ticket_search_created_order.sql", "tickets_search_docs"],
    // Its ids unique and in created order past 2^21 rowids (one trigger per event, ranked milliseconds).
    ["0006_ticket_search_ids.sql", "tickets_search_ranked"],
  ].map(([file, makes]) => ({ file, makes, statements: readFileSync(path.join(ROOT, "migrations-years", file), "utf8").split("--> statement-breakpoint").map((s) => s.trim()).filter(Boolean) }));
  // A template: a closed ticket of main, and the customers who request tickets (requesters must exist in main).
  const template = await db.prepare("SELECT * FROM tickets WHERE status = 'closed' AND deleted_at IS NULL LIMIT 1").first();
  const requesters = (await db.prepare("SELECT id FROM users WHERE role = 'customer' LIMIT 200").all()).results.map((r) => r.id);
  const customer = await db.prepare("SELECT id FROM users WHERE email = ?").bind(ctx.accounts.customer).first("id");
  if (customer && !requesters.includes(customer)) requesters.unshift(customer);
  const started = Date.now();
  const stores = {};
  for (const year of years) {
    const yd = await mf.getD1Database(`TICKETS_${year}`, "edgedesk");
    stores[year] = yd;
    for (const { file, makes, statements } of schema) {
      // A table or index (its name), a column (`table.column`), or a name the file drops (`-name`).
      const dropped = makes.startsWith("-");
      const [table, column] = makes.replace(/^-/, "").split(".");
      const present = column
        ? await yd.prepare("SELECT count(*) AS n FROM pragma_table_info(?) WHERE name = ?").bind(table, column).first("n")
        : await yd.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = ?").bind(table).first("n");
      if (dropped ? !present : present) continue;
      const t0 = Date.now();
      for (const statement of statements) await yd.prepare(statement).run();
      log(`TICKETS_${year}: migrations-years/${file} applied in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const have = await yd.prepare("SELECT count(*) AS n FROM tickets").first("n");
    if (have >= perYear) continue;
    const columns = (await yd.prepare("SELECT name FROM pragma_table_info('tickets')").all()).results.map((r) => r.name);
    const lo = Date.UTC(year, 0, 1);
    const step = Math.floor((Date.UTC(year + 1, 0, 1) - lo) / perYear);
    const ms = `(${lo} + i * ${step})`;
    const iso = `strftime('%Y-%m-%dT%H:%M:%fZ', ${ms} / 1000.0, 'unixepoch')`;
    const override = {
      id: idExpr(ms),
      number: `'TICK-' || strftime('%Y%m%d', ${ms} / 1000, 'unixepoch') || '-' || printf('%06d', i)`,
      subject: `'Archived ticket ' || i`,
      status: `'closed'`,
      priority: `CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END`,
      priority_rank: `(i % 4) + 1`,
      tags: `CASE WHEN i % 10 = 0 THEN '["vip"]' ELSE '[]' END`,
      requester_id: `json_extract(?2, '$[' || (i % ${requesters.length}) || ']')`,
      created_by_id: `json_extract(?2, '$[' || (i % ${requesters.length}) || ']')`,
      assignee_id: "NULL",
      team_id: "NULL",
      merged_into_id: "NULL",
      created_at: iso,
      updated_at: `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms} + 3 * 86400000) / 1000.0, 'unixepoch')`,
      resolved_at: `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms} + 2 * 86400000) / 1000.0, 'unixepoch')`,
      closed_at: `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms} + 3 * 86400000) / 1000.0, 'unixepoch')`,
      archived_at: `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms} + 400 * 86400000) / 1000.0, 'unixepoch')`,
      deleted_at: "NULL",
    };
    const select = columns.map((c) => override[c] ?? `json_extract(?1, '$.${c}')`).join(", ");
    const t0 = Date.now();
    for (let from = have; from < perYear; from += CHUNK) {
      const to = Math.min(perYear, from + CHUNK) - 1;
      await yd
        .prepare(`WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to}) INSERT INTO tickets (${columns.map((c) => `"${c}"`).join(", ")}) SELECT ${select} FROM n`)
        .bind(JSON.stringify(template), JSON.stringify(requesters))
        .run();
    }
    await yd.prepare("INSERT OR IGNORE INTO ticket_tag_index (tag, created_at, ticket_rowid) SELECT 'vip', created_at, rowid FROM tickets WHERE tags = '[\"vip\"]'").run();
    log(`TICKETS_${year}: ${perYear - have} stubs seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const total = (await Promise.all(years.map((y) => stores[y].prepare("SELECT count(*) AS n FROM tickets").first("n")))).reduce((a, b) => a + b, 0);
  const mainCount = await db.prepare("SELECT count(*) AS n FROM tickets").first("n");
  log(`year databases ready: ${years.length} (${years.at(-1)}–${years[0]}), ${total} stubs, main ${mainCount} tickets; seeding/checking took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Ids to read: 20 per year, and live ones of main.
  const retired = [];
  for (const y of years) retired.push(...(await stores[y].prepare("SELECT id FROM tickets ORDER BY random() LIMIT 20").all()).results.map((r) => r.id));
  const live = (await db.prepare("SELECT id FROM tickets WHERE deleted_at IS NULL ORDER BY random() LIMIT 200").all()).results.map((r) => r.id);
  const yearStart = (y) => Date.UTC(y, 0, 1);
  const step = (y) => Math.floor((Date.UTC(y + 1, 0, 1) - yearStart(y)) / perYear);
  const pick = (i) => years[i % years.length];
  const iso = (ms) => new Date(ms).toISOString();
  // BENCH_STORES_ONLY=<text>: only the scenarios whose name holds it (e.g. "search", "q=").
  const only = process.env.BENCH_STORES_ONLY?.split(",");
  const scenario = (name, route, as, request, note) =>
    !only || only.some((o) => name.includes(o)) ? measure({ name, route, as, request, note, goals: { rowsRead: 100 } }) : undefined;

  await scenario("stores: get retired ticket", "GET /api/v1/tickets/{id} (a year database)", "agent", (i) => ({ path: `/api/v1/tickets/${retired[i % retired.length]}`, token: tokens.agent }));
  await scenario("stores: get live ticket", "GET /api/v1/tickets/{id} (main)", "agent", (i) => ({ path: `/api/v1/tickets/${live[i % live.length]}`, token: tokens.agent }));
  await scenario("stores: closed, first page", "GET /api/v1/tickets?status=closed&limit=25", "agent", () => ({ path: "/api/v1/tickets?status=closed&limit=25", token: tokens.agent }));
  await scenario("stores: closed, deep page in a year", "GET /api/v1/tickets?status=closed&created_before=<mid-year>&limit=25", "agent", (i) => ({
    path: `/api/v1/tickets?status=closed&limit=25&created_before=${iso(yearStart(pick(i)) + 182 * 86_400_000)}`,
    token: tokens.agent,
  }));
  await scenario(
    "stores: page crossing two years",
    "GET /api/v1/tickets?status=closed&created_before=<year start + 10 tickets>&limit=25",
    "agent",
    (i) => ({ path: `/api/v1/tickets?status=closed&limit=25&created_before=${iso(yearStart(pick(i)) + 10 * step(pick(i)) + 1)}`, token: tokens.agent }),
    "10 rows of one year, 15 of the year before",
  );
  await scenario("stores: tag=vip deep", "GET /api/v1/tickets?tag=vip&created_before=<mid-year>&limit=25", "agent", (i) => ({
    path: `/api/v1/tickets?tag=vip&limit=25&created_before=${iso(yearStart(pick(i)) + 182 * 86_400_000)}`,
    token: tokens.agent,
  }));
  await scenario("stores: closed by update (every database)", "GET /api/v1/tickets?status=closed&sort=-updated_at&limit=25", "agent", () => ({ path: "/api/v1/tickets?status=closed&sort=-updated_at&limit=25", token: tokens.agent }), "no created-order pruning: each database is asked for a page");
  await scenario("stores: customer's closed tickets", "GET /api/v1/tickets?status=closed&limit=25 (customer)", "customer", () => ({ path: "/api/v1/tickets?status=closed&limit=25", token: tokens.customer }));

  // Search (docs/scale.md "Year databases"): every stub's subject is "Archived ticket <i>" (no ticket
  // of main has the word), its description the template's (e.g. "export", common in main too); "4242"
  // is one stub's number in each year. GET /search asks each year as one more ticket stream.
  const search = (name, route, as, path, note) => scenario(`stores: ${name}`, route, as, () => ({ path, token: tokens[as] }), note);
  await search("search, word of retired tickets", "GET /api/v1/search?q=archived&type=tickets", "agent", "/api/v1/search?q=archived&type=tickets&limit=25", "in every stub of every year, in no ticket of main");
  await search("search, word common everywhere", "GET /api/v1/search?q=export", "agent", "/api/v1/search?q=export&limit=25", "tickets, comments and articles; ~33% of main's tickets and every stub");
  await search("search, rare word", "GET /api/v1/search?q=4242", "agent", "/api/v1/search?q=4242&limit=25", "one stub per year");
  await search("search, customer", "GET /api/v1/search?q=archived (customer)", "customer", "/api/v1/search?q=archived&limit=25");
  const first = JSON.parse((await ctx.request({ path: "/api/v1/search?q=archived&type=tickets&limit=25", token: tokens.agent })).body);
  await search("search, page 2", "GET /api/v1/search?q=archived&type=tickets&cursor=<page 1's>", "agent", `/api/v1/search?q=archived&type=tickets&limit=25&cursor=${encodeURIComponent(first.next_cursor)}`);
  await search("search, status=open (main alone)", "GET /api/v1/search?q=export&status=open", "agent", "/api/v1/search?q=export&status=open&limit=25", "no retired ticket is open: no year asked");
  await search("list q=, word of retired tickets", "GET /api/v1/tickets?q=archived", "agent", "/api/v1/tickets?q=archived&limit=25");
  await search("list q=, word common everywhere", "GET /api/v1/tickets?q=export", "agent", "/api/v1/tickets?q=export&limit=25");
  await search("list q=, rare word", "GET /api/v1/tickets?q=4242", "agent", "/api/v1/tickets?q=4242&limit=25");
  await search("list q=, customer", "GET /api/v1/tickets?q=archived (customer)", "customer", "/api/v1/tickets?q=archived&limit=25");
  return { notes: [`${years.length} year databases (${years.at(-1)}–${years[0]}) × ${perYear} stubs = ${total}; main ${mainCount} tickets`] };
}
