import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { systemContext } from "../../src/contexts";
import { createDb, type Database } from "../../src/db/client";
import { startRebuild, rebuildState } from "../../src/features/reports/reports.rebuild";
import { foldJournal } from "../../src/features/reports/reports.journal";
import { createTeam } from "../../src/features/teams/teams.service";
import worker from "../../src/index";
import { api, makeStaff, meteredApi, meteredStatements } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { bindings, drainJobs, expectRollupsMatchRows, expectTotalsMatchRows, foldNow, journalCount, jobsEnv, meteredFold } from "./support";

/**
 * Rows a metered answer's statements wrote to report_* tables (the journal included). The answer's
 * statement list is cut at a size (src/db/metrics.ts), and the rollup statements come last in a
 * write's batch: rows written by statements not listed count as rollup rows (an upper bound).
 */
function rollupRowsWritten(res: { headers: Headers; rowsWritten: number }) {
  const listed = meteredStatements(res);
  const others = listed.filter((st) => !/\breport_\w+/.test(st.sql)).reduce((n, st) => n + st.rows_written, 0);
  return res.rowsWritten - others;
}

/** Every rollup table but the journal, as it is (to prove a write left them alone). */
async function rollupTables() {
  const out: Record<string, unknown[]> = {};
  for (const t of ["report_blocks", "report_days", "report_quarters", "report_staging", "report_open", "report_open_by"]) {
    out[t] = (await env.DB.prepare(`SELECT * FROM ${t}`).all()).results;
  }
  return out;
}

/** The minute cron through the Worker's `scheduled` entry point. */
async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env as never, ctx);
  await waitOnExecutionContext(ctx);
}

/** A database whose next batch waits until `release` is called: a fold stopped between its reads and its batch. */
function pausedBatch(): { db: Database; release: () => void; paused: Promise<void> } {
  const db = createDb(env.DB);
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const paused = new Promise<void>((r) => (reached = r));
  const batch = db.batch.bind(db);
  const wrapped = Object.create(db, {
    batch: {
      value: async (items: never) => {
        reached();
        await gate;
        return batch(items);
      },
    },
  }) as Database;
  return { db: wrapped, release, paused };
}

describe("the report journal", () => {
  afterEach(closeAll);

  it("a create filed into a team, with an assignee and a category, writes one rollup row, and the reports count it before any fold", async () => {
    const s = await makeStaff();
    const team = (await createTeam(systemContext(bindings, "vitest", { now: new Date() }), { name: `J ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [s.agent.id] })).id;
    // Routing on create picks among the team's members who are online.
    const socket = await open(FEED_PATH, s.agent.token);
    await socket.next("presence", (p) => p.users.some((x: { id: string }) => x.id === s.agent.id));
    await foldNow();
    const today = new Date().toISOString().slice(0, 10);
    const overview = `/api/v1/reports/overview?from=${today}&to=${today}&team_id=${team}`;
    const agents = `/api/v1/reports/agents?from=${today}&to=${today}&team_id=${team}`;
    const read = async () => {
      const [o, b, a, sla] = (await Promise.all([overview, `/api/v1/reports/backlog?team_id=${team}`, agents, `/api/v1/reports/sla?from=${today}&to=${today}`].map((p) => api("GET", p, { token: s.manager.token })))) as [any, any, any, any];
      for (const r of [o, b, a, sla]) expect(r.status).toBe(200);
      return { overview: o.body, backlog: b.body, agents: a.body, sla: sla.body };
    };
    const before = await read();

    const tables = await rollupTables();
    const res = await meteredApi("POST", "/api/v1/tickets", {
      token: s.manager.token,
      body: { subject: "Rich create", description: "d", priority: "high", channel: "email", category: `cat-${crypto.randomUUID()}`, team_id: team, auto_assign: true, requester_email: s.customer.email },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ team_id: team, assignee_id: s.agent.id });
    // Seven keys (all, priority, channel, policy, team, category, agent) and four open-counter scopes: one row.
    const written = rollupRowsWritten(res);
    console.log(`create with team + assignee + category: ${written} rollup row(s) written at most (was up to 22), ${res.rowsWritten} in all`);
    expect(written).toBeLessThanOrEqual(10);
    // Exactly: its journal row, and no other rollup table changed.
    expect(await journalCount()).toBe(1);
    expect(await rollupTables()).toEqual(tables);

    // Before any fold, every report counts it.
    const after = await read();
    expect(after.overview.created).toBe(before.overview.created + 1);
    expect(after.overview.backlog.by_priority.high).toBe(before.overview.backlog.by_priority.high + 1);
    expect(after.backlog.total).toBe(before.backlog.total + 1);
    expect(after.backlog.by_assignee).toEqual([{ agent: { id: s.agent.id, name: s.agent.name }, tickets: after.backlog.total }]);
    expect(after.agents.data.find((r: any) => r.agent.id === s.agent.id)).toMatchObject({ assigned: 1, open_now: 1 });
    await expectRollupsMatchRows();
    await expectTotalsMatchRows([Date.now() - 3_600_000, Math.ceil(Date.now() / 900_000) * 900_000]);

    // A first response: one row too.
    const comment = await meteredApi("POST", `/api/v1/tickets/${res.body.id}/comments`, { token: s.agent.token, body: { body: "on it" } });
    expect(comment.status).toBe(201);
    console.log(`first-response comment: ${rollupRowsWritten(comment)} rollup row(s) written, ${comment.rowsWritten} in all`);
    expect(rollupRowsWritten(comment)).toBeLessThanOrEqual(10);
    expect(await journalCount()).toBe(2);
    expect(await rollupTables()).toEqual(tables);
    const replied = await read();

    // The minute cron folds it: the same answers, read from the tables alone.
    await cron();
    expect(await journalCount()).toBe(0);
    expect(await read()).toEqual(replied);
    await expectRollupsMatchRows();
    // A retried run finds nothing to do.
    await cron();
    expect(await read()).toEqual(replied);
  });

  it("a fold applies each journal row once: two folds racing, a fold crossing a rebuild's start", async () => {
    const s = await makeStaff();
    const create = (i: number) => api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `race ${i}`, description: "d", priority: i % 2 ? "low" : "medium" } });
    for (let i = 0; i < 6; i++) expect((await create(i)).status).toBe(201);
    const waiting = await journalCount();
    expect(waiting).toBeGreaterThanOrEqual(6);

    // A fold reads the journal and stops before its batch; another folds everything meanwhile and
    // more writes land: the first one's batch is rolled back, applying nothing.
    const slow = pausedBatch();
    const first = foldJournal({ db: slow.db });
    await slow.paused;
    expect((await foldJournal({ db: createDb(env.DB) })).rows).toBe(waiting);
    for (let i = 6; i < 9; i++) expect((await create(i)).status).toBe(201);
    slow.release();
    expect(await first).toEqual({ rows: 0, more: true });
    expect(await journalCount()).toBe(3);
    await expectRollupsMatchRows();

    // The same across a rebuild's start: the rebuild discards the journal (it recounts every ticket).
    const late = pausedBatch();
    const crossing = foldJournal({ db: late.db });
    await late.paused;
    const jobs = jobsEnv();
    await startRebuild(systemContext(jobs.env, "vitest", { now: new Date() }));
    expect(await journalCount()).toBe(0);
    late.release();
    expect(await crossing).toEqual({ rows: 0, more: true });
    // Writes during the rebuild write their deltas themselves (no journal row), folds do nothing.
    for (let i = 9; i < 12; i++) {
      expect((await create(i)).status).toBe(201);
      await drainJobs(jobs, undefined, 3).catch(() => undefined);
      expect(await foldNow()).toMatchObject({ rows: 0 });
    }
    expect(await journalCount()).toBe(0);
    await drainJobs(jobs);
    expect((await rebuildState({ db: createDb(env.DB) })).phase).toBe("live");
    await expectRollupsMatchRows();
    // Live again: the journal takes the writes again.
    expect((await create(12)).status).toBe(201);
    expect(await journalCount()).toBe(1);
    await expectRollupsMatchRows();
  });

  it("a fold of many journal rows writes the prefix sums once per key and quarter hour", async () => {
    const s = await makeStaff();
    await foldNow();
    const n = 40;
    const tables = await rollupTables();
    for (let i = 0; i < n; i++) {
      const res = await meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `many ${i}`, description: "d", priority: (["low", "medium", "high"] as const)[i % 3] } });
      expect(res.status).toBe(201);
      expect(rollupRowsWritten(res)).toBeLessThanOrEqual(10);
    }
    // One journal row each, nothing else written.
    expect(await journalCount()).toBe(n);
    expect(await rollupTables()).toEqual(tables);
    const fold = await meteredFold();
    expect(fold.rows).toBe(n);
    expect(fold.more).toBe(false);
    console.log(`fold of ${n} creates: ${fold.rowsRead} rows read, ${fold.rowsWritten} written (${fold.prefixSumRowsWritten} prefix-sum rows), ${fold.statements} statements`);
    // Six keys at most (all, three priorities, web, three policies share...) in one or two quarter hours.
    expect(fold.prefixSumRowsWritten).toBeLessThan(n);
    await expectRollupsMatchRows();
  });
});
