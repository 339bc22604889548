import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agentRouting } from "../../src/db/schema";
import { api, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { closeAll, FEED_PATH, open, type LiveSocket } from "../helpers/sockets";
import { db, historyOf, rowOf } from "./helpers";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(closeAll);

let n = 0;
const uniqueName = (base: string) => `${base} ${++n}-${Math.random().toString(36).slice(2, 8)}`;

async function createTeam(body: Record<string, unknown>, token = s.manager.token) {
  const res = await api("POST", "/api/v1/teams", { token, body: { name: uniqueName("Team"), ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; members: string[]; manager_id: string | null; strategy: string };
}

const skills = (user: TestUser, list: { skill: string; proficiency: number }[]) => api("PUT", `/api/v1/users/${user.id}/skills`, { token: s.manager.token, body: list });

/** Agents connected to the agents' feed: online for routing (their manual status caps it). */
async function online(...users: TestUser[]): Promise<LiveSocket[]> {
  const sockets: LiveSocket[] = [];
  for (const u of users) {
    const socket = await open(FEED_PATH, u.token);
    await socket.next("presence", (p) => p.users.some((x: { id: string }) => x.id === u.id));
    sockets.push(socket);
  }
  return sockets;
}

async function openTicket(body: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/tickets", { token: s.manager.token, body: { subject: "Invoice wrong", description: "d", requester_email: s.customer.email, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** `count` tickets assigned to `user`, in `status` and `priority`, through the API (whose writes keep the load routing reads). */
async function load(user: TestUser, count: number, over: { status?: string; priority?: string } = {}) {
  for (let i = 0; i < count; i++) {
    const t = await openTicket(over.priority ? { priority: over.priority } : {});
    const res = await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.manager.token, body: { assignee_id: user.id, ...(over.status ? { status: over.status } : {}) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

const autoAssign = (id: string, token = s.manager.token) => api("POST", `/api/v1/tickets/${id}/assign`, { token, body: { strategy: "auto" } });

describe("teams API", () => {
  it("managers create, read, change and delete teams; agents read; customers and strangers are refused", async () => {
    const [a1, a2] = [await makeUser("agent"), await makeUser("agent")];
    const team = await createTeam({ manager_id: s.manager.id, strategy: "round_robin", members: [a1.id, a2.id, a1.id] });
    expect(team).toMatchObject({ manager_id: s.manager.id, strategy: "round_robin", auto_assign_on_create: false });
    expect([...team.members].sort()).toEqual([a1.id, a2.id].sort());
    expect((await api("GET", `/api/v1/teams/${team.id}`, { token: s.agent.token })).body.id).toBe(team.id);
    const list = await api("GET", "/api/v1/teams?limit=100", { token: s.agent.token });
    expect(list.body.data.map((t: { id: string }) => t.id)).toContain(team.id);

    expectProblem(await api("POST", "/api/v1/teams", { token: s.agent.token, body: { name: uniqueName("x") } }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/teams", { token: s.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/teams"), 401, "UNAUTHORIZED");
    expectProblem(await api("PATCH", `/api/v1/teams/${team.id}`, { token: s.agent.token, body: { name: "mine" } }), 403, "FORBIDDEN");

    const patched = await api("PATCH", `/api/v1/teams/${team.id}`, { token: s.admin.token, body: { members: [a2.id], strategy: "least_loaded" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ members: [a2.id], strategy: "least_loaded" });
    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${team.id}`, { token: s.admin.token });
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual(["team.created", "team.updated"]);

    expect((await api("DELETE", `/api/v1/teams/${team.id}`, { token: s.manager.token })).status).toBe(204);
    expectProblem(await api("GET", `/api/v1/teams/${team.id}`, { token: s.agent.token }), 404, "NOT_FOUND");
  });

  it("refuses bad input with 400 and changes nothing: unknown or customer members, a non-manager manager, bad strategy, unknown fields", async () => {
    const cases: Record<string, unknown>[] = [
      { name: uniqueName("x"), members: ["no-such-user"] },
      { name: uniqueName("x"), members: [s.customer.id] },
      { name: uniqueName("x"), manager_id: s.agent.id },
      { name: uniqueName("x"), strategy: "random" },
      { name: "" },
      { name: uniqueName("x"), owner: "me" },
    ];
    for (const body of cases) {
      const res = await api("POST", "/api/v1/teams", { token: s.manager.token, body });
      expectProblem(res, 400, "VALIDATION_ERROR");
    }
    const team = await createTeam({});
    expectProblem(await api("PATCH", `/api/v1/teams/${team.id}`, { token: s.manager.token, body: { members: [s.customer.id] } }), 400, "VALIDATION_ERROR");
    expect((await api("GET", `/api/v1/teams/${team.id}`, { token: s.agent.token })).body.members).toEqual([]);
  });

  it("a duplicate name is 409; a team that tickets belong to cannot be deleted (409)", async () => {
    const team = await createTeam({});
    const name = (await api("GET", `/api/v1/teams/${team.id}`, { token: s.agent.token })).body.name;
    expectProblem(await api("POST", "/api/v1/teams", { token: s.manager.token, body: { name } }), 409, "CONFLICT");
    await openTicket({ team_id: team.id });
    expectProblem(await api("DELETE", `/api/v1/teams/${team.id}`, { token: s.manager.token }), 409, "CONFLICT");
    expect((await api("GET", `/api/v1/teams/${team.id}`, { token: s.agent.token })).status).toBe(200);
  });
});

describe("skills, availability and capacity", () => {
  it("managers replace an agent's skills (lowercased, proficiency 1–5); bad input is 400; customers have no profile (404)", async () => {
    const agent = await makeUser("agent");
    const res = await skills(agent, [{ skill: "Billing", proficiency: 4 }, { skill: "refunds", proficiency: 1 }]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual([{ skill: "billing", proficiency: 4 }, { skill: "refunds", proficiency: 1 }]);
    for (const body of [[{ skill: "x", proficiency: 6 }], [{ skill: "x", proficiency: 0 }], [{ skill: "a", proficiency: 2 }, { skill: "A", proficiency: 3 }], { skill: "x" }, [{ skill: "", proficiency: 1 }]]) {
      expectProblem(await api("PUT", `/api/v1/users/${agent.id}/skills`, { token: s.manager.token, body }), 400, "VALIDATION_ERROR");
    }
    expectProblem(await api("PUT", `/api/v1/users/${agent.id}/skills`, { token: s.agent.token, body: [] }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", `/api/v1/users/${s.customer.id}/skills`, { token: s.manager.token, body: [] }), 404, "NOT_FOUND");
    const profile = await api("GET", `/api/v1/users/${agent.id}/routing`, { token: s.agent.token });
    expect(profile.body).toMatchObject({ user_id: agent.id, availability: "online", presence: "offline", max_open_tickets: 20, active_tickets: 0, skills: res.body.data });
    await online(agent);
    expect((await api("GET", `/api/v1/users/${agent.id}/routing`, { token: s.agent.token })).body.presence).toBe("online");
  });

  it("agents set their own availability, managers anyone's; capacity is a manager's call", async () => {
    const agent = await makeUser("agent");
    const other = await makeUser("agent");
    expect((await api("PUT", `/api/v1/users/${agent.id}/availability`, { token: agent.token, body: { availability: "away" } })).body.availability).toBe("away");
    expectProblem(await api("PUT", `/api/v1/users/${other.id}/availability`, { token: agent.token, body: { availability: "offline" } }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", `/api/v1/users/${agent.id}/availability`, { token: agent.token, body: { availability: "busy" } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("PUT", `/api/v1/users/${agent.id}/availability`, { token: s.customer.token, body: { availability: "online" } }), 403, "FORBIDDEN");
    expect((await api("PUT", `/api/v1/users/${other.id}/availability`, { token: s.manager.token, body: { availability: "offline" } })).body.availability).toBe("offline");
    expect((await api("PUT", `/api/v1/users/${agent.id}/capacity`, { token: s.manager.token, body: { max_open_tickets: 3 } })).body.max_open_tickets).toBe(3);
    expectProblem(await api("PUT", `/api/v1/users/${agent.id}/capacity`, { token: agent.token, body: { max_open_tickets: 99 } }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", `/api/v1/users/${agent.id}/capacity`, { token: s.manager.token, body: { max_open_tickets: -1 } }), 400, "VALIDATION_ERROR");
    expect((await api("GET", `/api/v1/users/${agent.id}/routing`, { token: s.agent.token })).body).toMatchObject({ availability: "away", max_open_tickets: 3 });
  });
});

describe("auto-assignment", () => {
  it("skill-based: the lowest active + 2 × critical − 5 × proficiency wins; the history entry carries the breakdown", async () => {
    const [ana, ben, cleo] = [await makeUser("agent"), await makeUser("agent"), await makeUser("agent")];
    await skills(ana, [{ skill: "billing", proficiency: 4 }]); // 5 active → −15
    await skills(ben, [{ skill: "billing", proficiency: 2 }]); // 1 active → −9
    await skills(cleo, [{ skill: "billing", proficiency: 5 }]); // 2 active, 2 critical → −19
    await load(ana, 5);
    await load(ben, 1);
    await load(cleo, 2, { priority: "critical" });
    const team = await createTeam({ members: [ana.id, ben.id, cleo.id] });
    await online(ana, ben, cleo);

    const t = await openTicket({ team_id: team.id, category: "Billing" });
    const res = await autoAssign(t.id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.assignee_id).toBe(cleo.id);
    const entry = (await historyOf(t.id)).find((h) => h.type === "assigned")!;
    expect(entry.changes).toMatchObject({
      assignee_id: [null, cleo.id],
      reason: {
        strategy: "skill_based",
        skill: "billing",
        eligible: 3,
        chosen: { user_id: cleo.id, active_tickets: 2, critical_tickets: 2, proficiency: 5, score: -19 },
        runner_up: { user_id: ana.id, score: -15 },
      },
    });
    // The reason names other agents and their loads: staff only.
    const seen = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token });
    expect(seen.status).toBe(200);
    expect(seen.body.data.map((h: { type: string }) => h.type)).toEqual(["created"]);
    expect(JSON.stringify(seen.body)).not.toContain(ana.id);
    // Assigning makes cleo the latest assigned: her routing state says so.
    const [state] = await db().select().from(agentRouting).where(eq(agentRouting.userId, cleo.id));
    expect(state!.lastAssignedAt).not.toBeNull();
  });

  it("only tickets whose clock runs count as load: pending and resolved ones do not (least-loaded)", async () => {
    const [busy, idle] = [await makeUser("agent"), await makeUser("agent")];
    await load(busy, 3, { status: "pending" });
    await load(busy, 2, { status: "resolved" });
    await load(idle, 1, { status: "in_progress" });
    const team = await createTeam({ strategy: "least_loaded", members: [busy.id, idle.id] });
    await online(busy, idle);
    const t = await openTicket({ team_id: team.id });
    expect((await autoAssign(t.id)).body.assignee_id).toBe(busy.id);
  });

  it("honours capacity and availability: offline, away (manual or idle), not connected and full agents are skipped", async () => {
    const [full, away, offline, absent, free] = await Promise.all([1, 2, 3, 4, 5].map(() => makeUser("agent")));
    await api("PUT", `/api/v1/users/${full!.id}/capacity`, { token: s.manager.token, body: { max_open_tickets: 1 } });
    await load(full!, 1);
    await api("PUT", `/api/v1/users/${away!.id}/availability`, { token: away!.token, body: { availability: "away" } });
    await api("PUT", `/api/v1/users/${offline!.id}/availability`, { token: offline!.token, body: { availability: "offline" } });
    await load(free!, 3);
    const team = await createTeam({ strategy: "least_loaded", members: [full!.id, away!.id, offline!.id, absent!.id, free!.id] });
    await online(full!, away!, offline!, free!); // `absent` never connects
    const t = await openTicket({ team_id: team.id });
    const res = await autoAssign(t.id);
    expect(res.body.assignee_id).toBe(free!.id);
    const reason = (await historyOf(t.id)).find((h) => h.type === "assigned")!.changes.reason as { skipped: Record<string, number> };
    expect(reason.skipped).toEqual({ unavailable: 3, at_capacity: 1, lacks_skill: 0, excluded: 0 });
  });

  it("nobody available: the ticket goes back to the team's queue (assignee null, team kept), with the reason", async () => {
    const agent = await makeUser("agent");
    const team = await createTeam({ members: [agent.id] }); // agent not connected: offline
    const t = await openTicket({ team_id: team.id });
    await api("POST", `/api/v1/tickets/${t.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent.id } });
    const res = await autoAssign(t.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ assignee_id: null, team_id: team.id });
    const entries = (await historyOf(t.id)).filter((h) => h.type === "assigned");
    expect(entries.at(-1)!.changes).toMatchObject({ assignee_id: [s.agent.id, null], reason: { fallback: "team_queue", eligible: 0 } });
  });

  it("round-robin takes turns in the team", async () => {
    const [a, b] = [await makeUser("agent"), await makeUser("agent")];
    const team = await createTeam({ strategy: "round_robin", members: [a.id, b.id] });
    await online(a, b);
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = await openTicket({ team_id: team.id });
      picks.push((await autoAssign(t.id)).body.assignee_id);
    }
    expect(picks[0]).not.toBe(picks[1]);
    expect(picks[2]).toBe(picks[0]);
    expect(picks[3]).toBe(picks[1]);
  });

  it("on create: `auto_assign: true` or the team's auto_assign_on_create routes at once; agents may not file into a team; customers' team_id is ignored", async () => {
    const agent = await makeUser("agent");
    const team = await createTeam({ members: [agent.id] });
    await online(agent);
    const asked = await openTicket({ team_id: team.id, auto_assign: true });
    expect(asked).toMatchObject({ team_id: team.id, assignee_id: agent.id });
    expect((await historyOf(asked.id)).map((h) => h.type)).toEqual(["created", "assigned"]);

    const routed = await createTeam({ members: [agent.id], auto_assign_on_create: true });
    expect((await openTicket({ team_id: routed.id })).assignee_id).toBe(agent.id);
    expect((await openTicket({ team_id: team.id })).assignee_id).toBeNull();

    expectProblem(await api("POST", "/api/v1/tickets", { token: s.manager.token, body: { subject: "x", description: "y", auto_assign: true } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("POST", "/api/v1/tickets", { token: s.manager.token, body: { subject: "x", description: "y", team_id: "no-such-team" } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "x", description: "y", team_id: team.id } }), 403, "FORBIDDEN");
    const byCustomer = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "x", description: "y", team_id: team.id, auto_assign: true } });
    expect(byCustomer.status).toBe(201);
    expect(byCustomer.body).toMatchObject({ team_id: null, assignee_id: null });
  });

  it("auto-assign is manager+ (agents 403), 404 for tickets the caller cannot see, 422 without a team", async () => {
    const t = await openTicket();
    expectProblem(await autoAssign(t.id, s.agent.token), 403, "FORBIDDEN");
    expectProblem(await autoAssign(t.id, s.customer2.token), 404, "NOT_FOUND");
    expectProblem(await autoAssign("no-such-ticket"), 404, "NOT_FOUND");
    expectProblem(await autoAssign(t.id), 422, "INVALID_TRANSITION");
    expect((await rowOf(t.id)).version).toBe(1);
  });

  it("load counts walk the assignee+status index (no scan of tickets)", async () => {
    const plan = (
      await env.DB.prepare(
        `EXPLAIN QUERY PLAN SELECT assignee_id, count(*), coalesce(sum(priority_rank = 4), 0) FROM tickets
         WHERE (deleted_at IS NULL AND status IN ('open', 'in_progress')) AND tickets.assignee_id IN (SELECT user_id FROM team_members WHERE team_id = 'x')
         GROUP BY assignee_id`,
      ).all<{ detail: string }>()
    ).results.map((r) => r.detail);
    expect(plan.join(" | ")).toMatch(/SEARCH tickets USING (COVERING )?INDEX tickets_assignee_status_created_idx \(assignee_id=\? AND status=\?\)/);
    expect(plan.join(" | ")).not.toMatch(/SCAN tickets\b/);
  });
});
