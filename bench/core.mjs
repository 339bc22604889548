// Core scenarios (issue 2): read a ticket, the ticket lists staff and customers use all day,
// create a ticket, add a comment. Every module in bench/ has this shape: export run(ctx).

// Issue 2's goals, per request: D1 rows read (a page of 25 at most 100; a get at most 5 plus its
// comments, and GET /tickets/{id} returns none) and server CPU.
const LIST_GOALS = { rowsRead: 100, cpuMs: 1.5 };
const GET_GOALS = { rowsRead: 5 };
const CREATE_GOALS = { cpuMs: 2 };

// Roughly the seed's mix (bench/lib/seed.mjs), cycled.
const CREATE_PRIORITIES = ["medium", "low", "medium", "high", "medium", "low", "medium", "high", "medium", "low", "medium", "high", "medium", "low", "medium", "high", "medium", "low", "medium", "critical"];
const CREATE_CATEGORIES = ["technical", "billing", "account", "technical", "shipping", "billing", "returns", "technical", "account", "feature_request"];
// A customer creates, so the channels a customer may use (issue 9: mail, chat, phone and social are recorded by staff).
const CREATE_CHANNELS = ["web", "api", "web", "web", "api", "web", "api", "web", "web", "api"];

// Subjects and descriptions from the seed's own words, so the tickets a run creates (they land at
// the head of every list) hold a text filter's words as often as the seed's tickets do: a fixed
// text made `q=error` walk hundreds of new tickets without the word (432 rows, a bench artifact).
const createText = (i) => ({
  subject: `${PROBLEMS[i % PROBLEMS.length]} ${THINGS[(i * 7) % THINGS.length].replace("{n}", String(10000 + i))} (${i})`,
  description: [0, 1, 2].map((k) => SENTENCES[(i * 3 + k * 5) % SENTENCES.length]).join(" "),
});

// How many distinct tickets the get and comment scenarios spread over (a hot set, not one row).
const GET_SAMPLE = 2_000;
const COMMENT_SAMPLE = 500;

import { PROBLEMS, SENTENCES, THINGS } from "./lib/seed.mjs";

/**
 * The list's other filters and sorts (API.md "Tickets") as [name, query, as]: rows only, each should
 * read about its page. A name with "page 2" is read through the first page's cursor. Also
 * bench/list-rows.mjs's, which sends them alone on a given state.
 */
export async function listProbes(db) {
  const team = (await db.prepare("SELECT id FROM teams ORDER BY created_at LIMIT 1").first("id")) ?? "none";
  const monthAgo = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
  return [
    ["page 2 (cursor)", "", "agent"],
    ["sort=priority", "?sort=priority", "agent"],
    ["sort=-updated_at", "?sort=-updated_at", "agent"],
    ["status=open&sort=sla_due", "?status=open&sort=sla_due", "agent"],
    ["status=open,in_progress", "?status=open,in_progress", "agent"],
    ["unassigned open", "?assignee_id=none&status=open", "agent"],
    ["unassigned", "?assignee_id=none", "agent"],
    ["assignee=me&status=open", "?assignee_id=me&status=open", "agent"],
    ["team", `?team_id=${team}`, "agent"],
    ["category=billing", "?category=billing", "agent"],
    // A filter value nothing matches: the worst case of a filter without an index of its own.
    ["category (no match)", "?category=no-such-category", "agent"],
    ["channel=social", "?channel=social", "agent"],
    ["tag=vip", "?tag=vip", "agent"],
    ["breached=true", "?breached=true", "agent"],
    // Full text inside the list (issue 15): a common word, and a less common one (bench/search.mjs).
    ["q= common word", "?q=error", "agent"],
    ["q= medium word", "?q=vat", "agent"],
    // The console's search box inside a view: the text with the unsolved statuses.
    ["q= common word + unsolved", "?q=error&status=open,in_progress,pending", "agent"],
    // Their second pages, through the first page's cursor (a text walked from the cursor's position).
    ["q= common word, page 2", "?q=error", "agent"],
    ["q= medium word, page 2", "?q=vat", "agent"],
    ["q= common word + unsolved, page 2", "?q=error&status=open,in_progress,pending", "agent"],
    ["created_after (30 days)", `?created_after=${encodeURIComponent(monthAgo)}`, "agent"],
    ["customer status=closed", "?status=closed", "customer"],
  ];
}

/** @param {import("./run.mjs").BenchContext} ctx */
export async function run({ tokens, db, measure, probe, request, log }) {
  const ids = (await db.prepare(`SELECT id FROM tickets WHERE deleted_at IS NULL ORDER BY random() LIMIT ${GET_SAMPLE}`).all()).results.map((r) => r.id);
  // Staff reply to tickets still in the queue (closed or cancelled ones refuse public replies).
  const open = (
    await db
      .prepare(`SELECT id FROM tickets WHERE deleted_at IS NULL AND status IN ('open', 'in_progress', 'pending') ORDER BY random() LIMIT ${COMMENT_SAMPLE}`)
      .all()
  ).results.map((r) => r.id);
  if (!ids.length || !open.length) throw new Error("core: the database has no tickets to read or comment on (seed missing?)");
  log(`core: ${ids.length} tickets to read, ${open.length} open tickets to comment on`);

  await measure({
    name: "get ticket",
    route: "GET /api/v1/tickets/{id}",
    as: "agent",
    request: (i) => ({ path: `/api/v1/tickets/${ids[i % ids.length]}`, token: tokens.agent }),
    goals: GET_GOALS,
  });
  const list = (name, query, as, note) =>
    measure({
      name,
      route: `GET /api/v1/tickets${query}`,
      as,
      note,
      request: () => ({ path: `/api/v1/tickets${query}`, token: tokens[as] }),
      goals: LIST_GOALS,
    });
  await list("list default", "", "agent");
  await list("list status+priority", "?status=open&priority=high", "agent");
  await list("list assignee=me", "?assignee_id=me", "agent", "the busiest agent");
  await list("list sort=sla_due", "?sort=sla_due", "agent");
  await list("list as customer", "", "customer", "a frequent requester: own tickets only");

  // The list's other filters and sorts, rows only.
  const probes = await listProbes(db);
  for (const [name, query, as] of probes) {
    let path = `/api/v1/tickets${query}`;
    if (name.includes("page 2")) {
      const first = await request({ path, token: tokens.agent });
      const cursor = JSON.parse(first.body).next_cursor;
      path = `${path}${query ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
    }
    await probe({ name: `list ${name}`, route: `GET ${path.length > 80 ? `${path.slice(0, 80)}…` : path}`, as, request: () => ({ path, token: tokens[as] }), goals: { rowsRead: LIST_GOALS.rowsRead } });
  }

  // Another customer than the one whose list is measured, and a mix of fields like the seed's, so
  // the tickets each run adds do not pile up at the head of the lists and filters it measures.
  await measure({
    name: "create ticket",
    route: "POST /api/v1/tickets",
    as: "customer2",
    expectStatus: 201,
    request: (i) => ({
      method: "POST",
      path: "/api/v1/tickets",
      token: tokens.customer2,
      body: {
        ...createText(i),
        priority: CREATE_PRIORITIES[i % CREATE_PRIORITIES.length],
        category: CREATE_CATEGORIES[i % CREATE_CATEGORIES.length],
        channel: CREATE_CHANNELS[i % CREATE_CHANNELS.length],
        tags: [["export"], [], ["export", "bug"], ["refund"], []][i % 5],
      },
    }),
    goals: CREATE_GOALS,
  });
  await measure({
    name: "add comment",
    route: "POST /api/v1/tickets/{id}/comments",
    as: "agent",
    expectStatus: 201,
    // The warm-up replies once to every ticket the window replies to: each ticket's room starts then
    // (with --request-only a stand-in object on the Worker's thread, ~1.5-2 ms of workerd CPU a start
    // that production bills to the object), and each ticket's first response is taken. The window
    // then measures what the rows pass replays (its samples reply to the same tickets again): an
    // agent's further reply on a running room. reply29 profiled a first response apart. (This
    // scenario's warm-up is its own: --warmup does not change it.)
    warmupRequests: open.length,
    request: (i) => ({
      method: "POST",
      path: `/api/v1/tickets/${open[i % open.length]}/comments`,
      token: tokens.agent,
      body: { body: "Thanks for reaching out, I am looking into this now and will get back to you shortly.", internal: false },
    }),
  });
}
