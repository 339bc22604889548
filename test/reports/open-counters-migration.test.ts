import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import { createDb } from "../../src/db/client";
import { tickets } from "../../src/db/schema";
import type { Actor } from "../../src/domain/permissions";
import { backlogCell } from "../../src/domain/rollups";
import { createTeam } from "../../src/features/teams/teams.service";
import { changeTicket, createTicket } from "../../src/features/tickets/tickets.service";
import { api, makeStaff, type TestUser } from "../helpers";
import { bindings, expectRollupsMatchRows, foldNow } from "./support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

/** The counters as migration 0022 kept them: report_backlog and report_backlog_agents, counted from the rows. */
async function toOldCounters() {
  const creates = env.TEST_MIGRATIONS.find((m) => m.name.includes("report_rollups"))!.queries.filter((q) => /CREATE TABLE report_backlog/.test(q));
  expect(creates).toHaveLength(2);
  const backlog = new Map<string, number>();
  const agents = new Map<string, number>();
  for (const row of await createDb(env.DB).select().from(tickets)) {
    const c = backlogCell(row);
    if (!c) continue;
    const k = JSON.stringify([c.team, c.channel, c.status, c.priority, c.sla]);
    backlog.set(k, (backlog.get(k) ?? 0) + 1);
    const a = JSON.stringify([c.agent, c.team, c.status, c.priority, c.sla]);
    agents.set(a, (agents.get(a) ?? 0) + 1);
  }
  await env.DB.batch([
    env.DB.prepare("DROP TABLE report_open"),
    env.DB.prepare("DROP TABLE report_open_by"),
    ...creates.map((q) => env.DB.prepare(q)),
    ...[...backlog].map(([k, n]) => env.DB.prepare("INSERT INTO report_backlog (team, channel, status, priority, sla, tickets) VALUES (?, ?, ?, ?, ?, ?)").bind(...JSON.parse(k), n)),
    ...[...agents].map(([k, n]) => env.DB.prepare("INSERT INTO report_backlog_agents (agent, team, status, priority, sla, tickets) VALUES (?, ?, ?, ?, ?, ?)").bind(...JSON.parse(k), n)),
    // A cell emptied by a change: kept at 0 by the old writes, left out by the migration.
    env.DB.prepare("INSERT INTO report_backlog_agents (agent, team, status, priority, sla, tickets) VALUES ('gone', '', 'open', 'low', 'ok', 0)"),
  ]);
  return backlog.size;
}

/** A report as it reads at any moment: the oldest open ticket's age grows with the clock (reads a minute apart differ by one). */
function steady(body: any) {
  if (!body?.oldest_open) return body;
  return { ...body, oldest_open: { ...body.oldest_open, age_minutes: "ages with the clock" } };
}

describe("migrations 0037 and 0038 turn the old backlog counters into per-scope counters", () => {
  it("the backlog, agents and overview reports read the same after it, without a rebuild", async () => {
    const s = await makeStaff();
    const at = (u: TestUser) => callerContext(bindings, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date("2026-01-01T10:00:00Z") });
    const team = (await createTeam(at(s.manager), { name: `Open ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [s.agent.id, s.agent2.id] })).id;
    const priorities = ["low", "medium", "high", "critical"] as const;
    const channels = ["web", "email", "api"] as const;
    for (let i = 0; i < 14; i++) {
      const id = (await createTicket(at(s.customer), { subject: `m${i}`, description: "d", priority: priorities[i % 4]!, channel: channels[i % 3]!, tags: [] })).body.id;
      if (i % 5 === 4) continue; // no team, unassigned
      const status = i % 7 === 3 ? ("pending" as const) : i % 7 === 5 ? ("resolved" as const) : undefined;
      await changeTicket(at(s.manager), id, { teamId: team, assigneeId: i % 3 ? s.agent.id : s.agent2.id, ...(status ? { status } : {}) }, { type: "updated" });
    }
    await expectRollupsMatchRows();
    const paths = [
      "/api/v1/reports/backlog",
      `/api/v1/reports/backlog?team_id=${team}`,
      `/api/v1/reports/agents?from=2026-01-01&to=2026-01-02&team_id=${team}`,
      "/api/v1/reports/overview?from=2026-01-01&to=2026-01-02&channel=email",
      `/api/v1/reports/overview?from=2026-01-01&to=2026-01-02&agent_id=${s.agent.id}`,
    ];
    const before = await Promise.all(paths.map((p) => api("GET", p, { token: s.manager.token })));
    const own = await api("GET", "/api/v1/reports/backlog", { token: s.agent.token });
    for (const r of [...before, own]) expect(r.status).toBe(200);
    expect(before[1]!.body.total).toBe(10); // 12 in the team, 2 of them resolved

    // The counters as they were before migration 0037 (which had no journal): everything folded.
    await foldNow();
    expect(await toOldCounters()).toBeGreaterThan(4);
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("open_counters"));
    expect(migration?.queries.length).toBe(6);
    for (const query of migration!.queries) await env.DB.prepare(query).run();
    // 0038: no rows for no assignee or no team; the reports derive them from the scope's total.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM report_open_by WHERE member = ''").first<number>("n")).toBeGreaterThan(0);
    const noMember = env.TEST_MIGRATIONS.find((m) => m.name.includes("open_by_no_member_rows"));
    expect(noMember?.queries.length).toBe(1);
    for (const query of noMember!.queries) await env.DB.prepare(query).run();
    expect(await env.DB.prepare("SELECT count(*) AS n FROM report_open_by WHERE member = ''").first<number>("n")).toBe(0);

    await expectRollupsMatchRows();
    const zero = await env.DB.prepare("SELECT count(*) AS n FROM report_open_by WHERE tickets = 0").first<number>("n");
    expect(zero).toBe(0);
    const after = await Promise.all(paths.map((p) => api("GET", p, { token: s.manager.token })));
    expect(after.map((r) => steady(r.body))).toEqual(before.map((r) => steady(r.body)));
    // What the reports show for no assignee and no team (the scope's total less its members') is what the rows hold.
    const open = "deleted_at IS NULL AND status IN ('open', 'in_progress', 'pending')";
    const unassigned = await env.DB.prepare(`SELECT count(*) AS n FROM tickets WHERE ${open} AND assignee_id IS NULL`).first<number>("n");
    const noTeam = await env.DB.prepare(`SELECT count(*) AS n FROM tickets WHERE ${open} AND team_id IS NULL`).first<number>("n");
    expect(unassigned).toBeGreaterThanOrEqual(2);
    expect(after[0]!.body.by_assignee.find((a: any) => a.agent === null)?.tickets).toBe(unassigned);
    expect(after[0]!.body.by_team.find((t: any) => t.team === null)?.tickets).toBe(noTeam);
    expect(after[1]!.body.by_assignee.find((a: any) => a.agent === null)).toBeUndefined(); // the team's tickets are all assigned
    expect(steady((await api("GET", "/api/v1/reports/backlog", { token: s.agent.token })).body)).toEqual(steady(own.body));
    const gone = await env.DB.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('report_backlog', 'report_backlog_agents')").first<number>("n");
    expect(gone).toBe(0);
  }, 300_000);
});
