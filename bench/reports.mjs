// Reports (issue 12): what a report read costs in D1 rows at the seeded scale, and what keeping the
// rollups costs each ticket write.
//
// The seed writes tickets straight into D1, past the one ticket write that keeps the rollups, so
// this module first rebuilds them once (POST /api/v1/reports/rebuild, the admin route; the JOBS
// queue runs it in chunks) and records how long that took; later runs find them built. Satisfaction
// answers and time entries are not in the seed: the figures that use them read the same rows
// whether they are zero or not.
//
// Reads are the headline: a report reads the prefix-sum rows at the ends of its period per key
// (per end a day row, and a quarter row unless it is a UTC midnight; per 32-day block a block row),
// so a series of 365 days costs about 12 times one of 30, two ends about the same whatever the
// period, and neither should depend on the number of tickets. Write cost: the create and comment probes below
// carry their statements in the JSON report; the rollup share is the statements on report_* tables
// (bench/results notes say how many rows those wrote).

const READ_GOAL = { rowsRead: 5_000 };
const DAY = 86_400_000;

async function signIn(ctx, email) {
  const login = await ctx.request({ method: "POST", path: "/api/v1/auth/login", body: { email, password: ctx.password } });
  if (login.status !== 200) throw new Error(`sign-in of ${email}: ${login.status} ${login.body.slice(0, 300)}`);
  return JSON.parse(login.body).access_token;
}

async function rollupsBuilt(ctx) {
  const { db, request, tokens, log } = ctx;
  const state = await db.prepare("SELECT phase FROM report_state WHERE id = 1").first("phase");
  const rows = await db.prepare("SELECT count(*) AS n FROM report_days").first("n");
  const tickets = await db.prepare("SELECT count(*) AS n FROM tickets").first("n");
  if (state === "live" && rows > 0) return null;
  log(`reports: rebuilding the rollups of ${tickets} tickets through the JOBS queue …`);
  const started = Date.now();
  const res = await request({ method: "POST", path: "/api/v1/reports/rebuild", token: tokens.admin });
  if (res.status !== 202) throw new Error(`rebuild: ${res.status} ${res.body}`);
  // A rebuild runs at a few hundred tickets/s locally: allow 10 ms per ticket (an hour at least).
  const limit = Math.max(60 * 60_000, tickets * 10);
  let logged = started;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2_000));
    let s = await request({ path: "/api/v1/reports/rebuild", token: tokens.admin });
    if (s.status === 401) {
      // The access token outlives no rebuild of a large database: sign in again.
      tokens.admin = await signIn(ctx, ctx.accounts.admin);
      s = await request({ path: "/api/v1/reports/rebuild", token: tokens.admin });
    }
    if (s.status !== 200) throw new Error(`rebuild status: ${s.status} ${s.body.slice(0, 300)}`);
    const body = JSON.parse(s.body);
    if (body.phase === "live") break;
    if (Date.now() - logged > 60_000) {
      logged = Date.now();
      log(`reports: rebuild ${body.phase}, ${body.tickets_done} tickets (${((logged - started) / 1000).toFixed(0)} s)`);
    }
    if (Date.now() - started > limit) throw new Error(`rebuild still ${body.phase} after ${(limit / 60_000).toFixed(0)} min (${body.tickets_done} tickets)`);
  }
  const seconds = (Date.now() - started) / 1000;
  // Every account's token may have expired meanwhile (a 1M rebuild takes ~15 min, a token 15 min):
  // the timed pass after it would measure 401s.
  for (const [role, email] of Object.entries(ctx.accounts)) tokens[role] = await signIn(ctx, email);
  const days = await db.prepare("SELECT count(*) AS n FROM report_days").first("n");
  const quarters = await db.prepare("SELECT count(*) AS n FROM report_quarters").first("n");
  log(`reports: rebuilt in ${seconds.toFixed(0)} s: ${days} day rows, ${quarters} quarter rows`);
  return { seconds, tickets, days, quarters };
}

export async function run(ctx) {
  const { tokens, measure, probe, db } = ctx;
  const built = await rollupsBuilt(ctx);
  const notes = [];
  if (built) notes.push(`rollups rebuilt from ${built.tickets} tickets in ${built.seconds.toFixed(0)} s (JOBS queue, chunks): ${built.days} report_days rows, ${built.quarters} report_quarters rows`);
  const sizes = {
    days: await db.prepare("SELECT count(*) AS n FROM report_days").first("n"),
    quarters: await db.prepare("SELECT count(*) AS n FROM report_quarters").first("n"),
    keys: await db.prepare("SELECT count(*) AS n FROM (SELECT DISTINCT dim, key FROM report_days)").first("n"),
  };
  notes.push(`rollup tables: ${sizes.days} day rows, ${sizes.quarters} quarter rows, ${sizes.keys} (dimension, key) pairs`);
  const team = await db.prepare("SELECT id FROM teams ORDER BY id LIMIT 1").first("id");

  const today = new Date().toISOString().slice(0, 10);
  const daysBack = (n) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);
  const report = (name, path, as = "manager", goals = READ_GOAL) => ({ name: `report ${name}`, route: `GET ${path}`, as, request: () => ({ path, token: tokens[as] }), goals });

  // The headlines, under load and for rows: 30 and 365 days.
  await measure(report("overview 30 d", `/api/v1/reports/overview?from=${daysBack(29)}&to=${today}`));
  await measure(report("overview 365 d", `/api/v1/reports/overview?from=${daysBack(364)}&to=${today}`));
  const probes = [
    report("overview 365 d by month", `/api/v1/reports/overview?from=${daysBack(364)}&to=${today}&granularity=month`),
    report("overview 30 d Europe/Berlin", `/api/v1/reports/overview?from=${daysBack(29)}&to=${today}&tz=Europe/Berlin`),
    report("overview 30 d one team", `/api/v1/reports/overview?from=${daysBack(29)}&to=${today}&team_id=${team}`),
    report("overview 30 d, agent's own", `/api/v1/reports/overview?from=${daysBack(29)}&to=${today}`, "agent"),
    report("agents 30 d", `/api/v1/reports/agents?from=${daysBack(29)}&to=${today}`),
    report("agents 365 d", `/api/v1/reports/agents?from=${daysBack(364)}&to=${today}`),
    report("backlog", "/api/v1/reports/backlog"),
    report("backlog one team", `/api/v1/reports/backlog?team_id=${team}`),
    report("sla 365 d", `/api/v1/reports/sla?from=${daysBack(364)}&to=${today}`),
    report("time by agent 30 d", `/api/v1/reports/time?from=${daysBack(29)}&to=${today}&group_by=agent`),
  ];
  for (const p of probes) await probe(p);

  // Write cost: the same writes as the core module's create and comment, rows pass only; their
  // statements (JSON report) show what the rollup statements wrote.
  const open = (await db.prepare("SELECT id FROM tickets WHERE deleted_at IS NULL AND status IN ('open', 'in_progress') ORDER BY random() LIMIT 50").all()).results.map((r) => r.id);
  await probe({
    name: "create ticket (rollups incl.)",
    route: "POST /api/v1/tickets",
    as: "customer",
    expectStatus: 201,
    request: (i) => ({ method: "POST", path: "/api/v1/tickets", token: tokens.customer, body: { subject: `Report bench ${i}`, description: "Rollup write cost", priority: "medium" } }),
    goals: {},
  });
  // The seed writes SLA due dates but never runs the sweep, so most seeded open tickets are past a
  // due date without its breach flag: a comment on one records those breaches, dated back to their
  // due dates (days ago), and pays what the sweep would have paid within a minute of each. The
  // probe below comments on tickets with no target overdue and no late first response left unflagged:
  // what a comment costs when the sweep keeps up, as it does in a deployment.
  const now = new Date().toISOString();
  const onTime = (
    await db
      .prepare(
        `SELECT id FROM tickets WHERE deleted_at IS NULL AND status IN ('open', 'in_progress')
           AND ((first_response_at IS NULL AND first_response_due_at > ?1)
             OR (first_response_at IS NOT NULL AND (first_response_breached = 1 OR first_response_due_at IS NULL OR first_response_at <= first_response_due_at)))
           AND (resolution_due_at IS NULL OR resolution_due_at > ?1) AND (next_response_due_at IS NULL OR next_response_due_at > ?1)
         ORDER BY random() LIMIT 50`,
      )
      .bind(now)
      .all()
  ).results.map((r) => r.id);
  if (onTime.length) {
    await probe({
      name: "add comment, no target overdue (rollups incl.)",
      route: "POST /api/v1/tickets/{id}/comments",
      as: "agent",
      expectStatus: 201,
      request: (i) => ({ method: "POST", path: `/api/v1/tickets/${onTime[i % onTime.length]}/comments`, token: tokens.agent, body: { body: "A public reply from the report bench" } }),
      goals: {},
    });
  }
  await probe({
    name: "add comment, overdue targets not yet flagged (rollups incl.)",
    route: "POST /api/v1/tickets/{id}/comments",
    as: "agent",
    expectStatus: 201,
    request: (i) => ({ method: "POST", path: `/api/v1/tickets/${open[i % open.length]}/comments`, token: tokens.agent, body: { body: "A public reply from the report bench" } }),
    goals: {},
  });
  // A change dated back: time logged late, dated 360 days back, moves the rollup rows after its
  // instant (the busiest agent's and the ticket's keys have figures on nearly every day since). Its
  // statements on report_* tables are the cost the blocks of day rows bound (BLOCK_DAYS).
  await probe({
    name: "log time dated 360 days back (rollups incl.)",
    route: "POST /api/v1/tickets/{id}/time-entries",
    as: "agent",
    expectStatus: 201,
    request: (i) => ({
      method: "POST",
      path: `/api/v1/tickets/${open[i % open.length]}/time-entries`,
      token: tokens.agent,
      body: { minutes: 5, billable: true, started_at: new Date(Date.now() - 360 * DAY - i * 60_000).toISOString() },
    }),
    goals: {},
  });
  return { notes };
}
