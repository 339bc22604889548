import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { addComment } from "../../src/features/comments/comments.service";
import { BLOCK_DAYS, PERCENTILE_MAX_RELATIVE_ERROR } from "../../src/domain/rollups";
import { rateTicket } from "../../src/features/satisfaction/satisfaction.service";
import { createTeam } from "../../src/features/teams/teams.service";
import { logTime } from "../../src/features/time/time.service";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { api, expectProblem, makeStaff, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { ok } from "../tickets/fixtures";
import { bindings, expectRollupsMatchRows, foldNow } from "./support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });
const at = (u: TestUser, iso: string) => callerContext(bindings, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date(iso) });
const body = (subject: string, priority: "low" | "medium" | "high") => ({ subject, description: "d", priority, channel: "web" as const, tags: [] });

let s: Awaited<ReturnType<typeof makeStaff>>;
let team: string;
const ids: Record<string, string> = {};

/**
 * Two days in June 2026 (Europe/Berlin is UTC+2 then), on one team:
 * - t1 (high): created 06-01 08:00Z, assigned to `agent`, first reply 08:30 (30 min), 20 min logged,
 *   resolved 10:00 (120 min), rated 5.
 * - t2 (low): created 06-01 23:30Z (06-02 01:30 in Berlin), assigned to `agent2`, open.
 * - t3: created 06-02 10:00Z and deleted at 12:00: in no report.
 * - t4 (medium): created 06-02 12:00Z, assigned to `agent`, reply 12:10 (10 min), resolved 13:00,
 *   reopened by the requester 14:00: open again.
 */
beforeAll(async () => {
  s = await makeStaff();
  team = (await createTeam(at(s.manager, "2026-05-31T00:00:00Z"), { name: `Reports ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [s.agent.id, s.agent2.id] })).id;
  const open = async (id: string, when: string, priority: "low" | "medium" | "high", agent: TestUser) => {
    ids[id] = (await createTicket(at(s.customer, when), body(id, priority))).body.id;
    await changeTicket(at(s.manager, when.replace(/:00Z$/, ":01Z")), ids[id]!, { teamId: team, assigneeId: agent.id }, { type: "updated" });
  };
  await open("t1", "2026-06-01T08:00:00Z", "high", s.agent);
  await addComment(at(s.agent, "2026-06-01T08:30:00Z"), ids.t1!, { body: "on it", internal: false });
  await logTime(at(s.agent, "2026-06-01T09:00:00Z"), ids.t1!, { minutes: 20 });
  await changeTicket(at(s.agent, "2026-06-01T10:00:00Z"), ids.t1!, { status: "resolved" }, { type: "updated" });
  await rateTicket(at(s.customer, "2026-06-01T11:00:00Z"), ids.t1!, { score: 5, comment: "great" });
  await open("t2", "2026-06-01T23:30:00Z", "low", s.agent2);
  await open("t3", "2026-06-02T10:00:00Z", "medium", s.agent);
  await deleteTicket(at(s.admin, "2026-06-02T12:00:00Z"), ids.t3!);
  await open("t4", "2026-06-02T12:00:00Z", "medium", s.agent);
  await addComment(at(s.agent, "2026-06-02T12:10:00Z"), ids.t4!, { body: "try this", internal: false });
  await changeTicket(at(s.agent, "2026-06-02T13:00:00Z"), ids.t4!, { status: "resolved" }, { type: "updated" });
  await addComment(at(s.customer, "2026-06-02T14:00:00Z"), ids.t4!, { body: "still broken", internal: false });
}, 120_000);

/** A percentile from the histograms: exact below 16 minutes, else within the documented bound (plus rounding to the minute). */
const near = (exact: number) => expect.toSatisfy((n: number) => Math.abs(n - exact) <= exact * PERCENTILE_MAX_RELATIVE_ERROR + 1, `≈ ${exact}`);

const get = (u: TestUser, path: string) => api("GET", path, { token: u.token });

describe("report reads", () => {
  it("the rollups the writes kept equal a recomputation from the rows", async () => {
    await expectRollupsMatchRows();
  });

  it("overview of a team: counts, medians, SLA, satisfaction, time and a daily series; a deleted ticket counts nowhere", async () => {
    const r = await ok(get(s.manager, `/api/v1/reports/overview?from=2026-06-01&to=2026-06-02&team_id=${team}`));
    expect(r).toMatchObject({
      from: "2026-06-01",
      to: "2026-06-02",
      tz: "UTC",
      created: 3,
      solved: 1,
      reopened: 1,
      satisfaction: { responses: 1, score_pct: 100 },
      time_spent_minutes: 20,
      backlog: { by_status: { open: 2 }, by_priority: { low: 1, medium: 1 } },
      sla: { breaches: 0 },
    });
    expect(r.first_response.median_minutes).toBe(10);
    expect(r.first_response.p90_minutes).toEqual(near(30));
    expect(r.first_response.sla_met_pct).toBe(100);
    expect(r.resolution).toMatchObject({ median_minutes: near(120), sla_met_pct: 100 });
    expect(r.series).toEqual([
      { period: "2026-06-01", created: 2, solved: 1, breaches: 0, median_first_response_minutes: near(30) },
      { period: "2026-06-02", created: 1, solved: 0, breaches: 0, median_first_response_minutes: 10 },
    ]);
  });

  it("a time zone moves tickets to their local day exactly (t2 is 06-01 in UTC, 06-02 in Berlin)", async () => {
    const utc = await ok(get(s.manager, `/api/v1/reports/overview?from=2026-06-02&to=2026-06-02&team_id=${team}`));
    const berlin = await ok(get(s.manager, `/api/v1/reports/overview?from=2026-06-02&to=2026-06-02&team_id=${team}&tz=Europe/Berlin`));
    const kolkata = await ok(get(s.manager, `/api/v1/reports/overview?from=2026-06-01&to=2026-06-01&team_id=${team}&tz=Asia/Kolkata`));
    expect(utc.created).toBe(1);
    expect(berlin.created).toBe(2);
    // 06-01 in Kolkata (UTC+5:30) ends at 18:30Z: t1 only.
    expect(kolkata.created).toBe(1);
    const week = await ok(get(s.manager, `/api/v1/reports/overview?from=2026-06-01&to=2026-06-07&team_id=${team}&granularity=week`));
    expect(week.series).toEqual([expect.objectContaining({ period: "2026-06-01", created: 3, solved: 1 })]);
  });

  it("agents: managers see every agent of the team, an agent only their own row, customers 403", async () => {
    const all = await ok(get(s.manager, `/api/v1/reports/agents?from=2026-06-01&to=2026-06-02&team_id=${team}`));
    const row = (u: TestUser) => all.data.find((r: any) => r.agent.id === u.id);
    expect(row(s.agent)).toMatchObject({ assigned: 2, solved: 1, open_now: 1, first_response_median_minutes: 10, satisfaction_pct: 100, time_spent_minutes: 20 });
    expect(row(s.agent2)).toMatchObject({ assigned: 1, solved: 0, open_now: 1, satisfaction_pct: null, time_spent_minutes: 0 });
    const own = await ok(get(s.agent2, `/api/v1/reports/agents?from=2026-06-01&to=2026-06-02&team_id=${team}`));
    expect(own.data.map((r: any) => r.agent.id)).toEqual([s.agent2.id]);
    const ownOverview = await ok(get(s.agent2, `/api/v1/reports/overview?from=2026-06-01&to=2026-06-02`));
    expect(ownOverview).toMatchObject({ created: 1, solved: 0 });
    expect((await get(s.agent2, `/api/v1/reports/overview?from=2026-06-01&to=2026-06-02&agent_id=${s.agent.id}`)).status).toBe(403);
    for (const path of ["overview", "agents", "backlog", "sla", "time"]) expectProblem(await get(s.customer, `/api/v1/reports/${path}`), 403, "FORBIDDEN");
  });

  it("backlog now: status × priority, by assignee, the oldest open ticket", async () => {
    const b = await ok(get(s.manager, `/api/v1/reports/backlog?team_id=${team}`));
    expect(b).toMatchObject({ total: 2, by_status: { open: 2 }, by_status_priority: { open: { low: 1, medium: 1 } } });
    expect(b.oldest_open).toMatchObject({ ticket_id: ids.t2, created_at: "2026-06-01T23:30:00.000Z" });
    expect(b.by_assignee.map((a: any) => [a.agent?.id, a.tickets]).sort()).toEqual([[s.agent.id, 1], [s.agent2.id, 1]].sort());
    expect(b.by_team).toEqual([{ team: { id: team, name: expect.any(String) }, tickets: 2 }]);
  });

  it("backlog now, per scope: an agent's own, everyone's, a priority's and a channel's, and open_now per agent", async () => {
    // agent holds t4 (reopened, medium), agent2 holds t2 (low); t1 is solved and t3 deleted.
    const own = await ok(get(s.agent, "/api/v1/reports/backlog"));
    expect(own).toMatchObject({ total: 1, by_status: { open: 1 }, by_priority: { medium: 1, low: 0 } });
    expect(own.by_team).toEqual([{ team: { id: team, name: expect.any(String) }, tickets: 1 }]);
    expect(own.by_assignee).toEqual([{ agent: { id: s.agent.id, name: s.agent.name }, tickets: 1 }]);
    const all = await ok(get(s.manager, "/api/v1/reports/backlog"));
    expect(all.by_team.find((t: any) => t.team?.id === team)).toMatchObject({ tickets: 2 });
    expect(all.by_assignee.filter((a: any) => [s.agent.id, s.agent2.id].includes(a.agent?.id)).map((a: any) => [a.agent.id, a.tickets]).sort()).toEqual([[s.agent.id, 1], [s.agent2.id, 1]].sort());
    expect(all.total).toBe(all.by_team.reduce((n: number, t: any) => n + t.tickets, 0));
    expect(all.total).toBe(all.by_assignee.reduce((n: number, a: any) => n + a.tickets, 0));
    const low = await ok(get(s.manager, "/api/v1/reports/overview?from=2026-06-01&to=2026-06-02&priority=low"));
    expect(low.backlog.by_priority).toMatchObject({ low: all.by_priority.low, medium: 0, high: 0 });
    const web = await ok(get(s.manager, "/api/v1/reports/overview?from=2026-06-01&to=2026-06-02&channel=web"));
    expect(web.backlog.by_status.open).toBeGreaterThanOrEqual(2);
    const mine = await ok(get(s.agent2, "/api/v1/reports/overview?from=2026-06-01&to=2026-06-02"));
    expect(mine.backlog).toMatchObject({ by_status: { open: 1, in_progress: 0, pending: 0 }, by_priority: { low: 1 } });
    const agentsReport = await ok(get(s.manager, `/api/v1/reports/agents?from=2026-06-01&to=2026-06-02&team_id=${team}`));
    expect(agentsReport.data.map((r: any) => [r.agent.id, r.open_now]).sort()).toEqual([[s.agent.id, 1], [s.agent2.id, 1]].sort());
  });

  it("the backlog reads its own scope's counters only: other teams' open tickets cost it nothing", async () => {
    const metered = async () => {
      const res = await meteredApi("GET", `/api/v1/reports/backlog?team_id=${team}`, { token: s.manager.token });
      expect(res.status).toBe(200);
      return meteredStatements(res)
        .filter((st) => /\breport_open(_by)?\b/.test(st.sql))
        .reduce((n, st) => n + st.rows_read, 0);
    };
    // What the backlog counters cost, the journal folded (the minute cron folds it; its rows are bounded apart: JOURNAL_READ_MAX).
    await foldNow();
    const before = await metered();
    // Another team's backlog: every priority, three agents, several channels.
    const other = (await createTeam(at(s.manager, "2026-06-03T00:00:00Z"), { name: `Other ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [s.agent.id, s.agent2.id, s.manager.id] })).id;
    const priorities = ["low", "medium", "high", "critical"] as const;
    for (let i = 0; i < 12; i++) {
      const id = (await createTicket(at(s.customer, "2026-06-03T09:00:00Z"), { ...body(`o${i}`, "low"), priority: priorities[i % 4]!, channel: i % 2 ? "email" : "api" })).body.id;
      await changeTicket(at(s.manager, "2026-06-03T09:01:00Z"), id, { teamId: other, assigneeId: [s.agent.id, s.agent2.id, s.manager.id][i % 3]!, ...(i % 3 === 2 ? { status: "pending" as const } : {}) }, { type: "updated" });
    }
    // Each of the two range reads may also read the first row past its scope (now another team's).
    await foldNow();
    const after = await metered();
    expect(after).toBeLessThanOrEqual(before + 2);
    const scopeRows = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM report_open WHERE scope = ?1) + (SELECT count(*) FROM report_open_by WHERE scope = ?1 AND kind = 'assignee') AS n",
    ).bind(`team:${team}`).first<number>("n");
    // Plus, per statement, its look into the report journal (empty once folded: one row read).
    expect(after).toBeLessThanOrEqual(scopeRows! + 2 + 2);
    const b = await ok(get(s.manager, `/api/v1/reports/backlog?team_id=${other}`));
    expect(b).toMatchObject({ total: 12, by_priority: { low: 3, medium: 3, high: 3, critical: 3 }, by_status: { pending: 4 } });
    await expectRollupsMatchRows();
  });

  it("time by agent and by ticket; SLA per policy and target", async () => {
    const byAgent = await ok(get(s.manager, "/api/v1/reports/time?from=2026-06-01&to=2026-06-02&group_by=agent"));
    expect(byAgent.data.find((r: any) => r.agent?.id === s.agent.id)).toMatchObject({ billable_minutes: 20, non_billable_minutes: 0, total_minutes: 20 });
    const byTicket = await ok(get(s.manager, "/api/v1/reports/time?from=2026-06-01&to=2026-06-02&group_by=ticket"));
    expect(byTicket.data.find((r: any) => r.ticket?.id === ids.t1)).toMatchObject({ total_minutes: 20 });
    const sla = await ok(get(s.manager, "/api/v1/reports/sla?from=2026-06-01&to=2026-06-02"));
    const high = sla.data.filter((r: any) => r.policy === "high");
    expect(high.find((r: any) => r.target === "first_response")).toMatchObject({ measured: 1, met: 1, breached: 0, compliance_pct: 100 });
    expect(high.find((r: any) => r.target === "resolution")).toMatchObject({ measured: 1, met: 1, breached: 0, compliance_pct: 100 });
  });

  it("the longest period, two years by day off UTC midnight: every day, a row per key and end (two off UTC midnight) and per block", async () => {
    await foldNow();
    const res = await meteredApi("GET", `/api/v1/reports/overview?from=2025-06-03&to=2027-06-03&team_id=${team}&tz=Asia/Kolkata`, { token: s.manager.token });
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(731);
    expect(res.body.created).toBe(3);
    expect(res.body.series.filter((p: any) => p.created).map((p: any) => [p.period, p.created])).toEqual([["2026-06-01", 1], ["2026-06-02", 2]]);
    const [rollups] = meteredStatements(res).filter((st) => /\breport_days\b/.test(st.sql));
    const boundaries = 732;
    const blocks = Math.ceil(732 / BLOCK_DAYS) + 1;
    // Plus one for its look into the report journal (folded: empty).
    expect(rollups!.rows_read).toBeLessThanOrEqual(1 + 2 * boundaries + blocks + 1);
  });

  it("bad periods and zones are a 400", async () => {
    for (const q of ["from=2026-13-01", "from=2026-06-02&to=2026-06-01", "from=2020-01-01&to=2026-06-01", "tz=Mars/Olympus", "granularity=hour"]) {
      expectProblem(await get(s.manager, `/api/v1/reports/overview?${q}`), 400, "VALIDATION_ERROR");
    }
  });
});
