import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff, makeUser, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { seeded } from "../helpers/random";

/**
 * The per-agent load counter (issue 15 item 4): team_members carries each member's running and
 * critical tickets, moved by the one ticket write, so routing reads one row per member. Whatever
 * sequence of changes reaches the tickets, the counter equals a recount.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(closeAll);


interface MemberRow {
  team_id: string;
  user_id: string;
  availability: string;
  max_open_tickets: number;
  active_tickets: number;
  critical_tickets: number;
  skills: string;
}

/** Each member row of `teamIds` next to what it copies, recounted from the sources. */
async function copiesAndSources(teamIds: string[]) {
  const marks = teamIds.map(() => "?").join(", ");
  const { results } = await env.DB.prepare(
    `SELECT m.team_id, m.user_id, m.availability, m.max_open_tickets, m.active_tickets, m.critical_tickets, m.skills,
       coalesce(r.availability, 'online') AS src_availability, coalesce(r.max_open_tickets, 20) AS src_max,
       (SELECT count(*) FROM tickets t WHERE t.assignee_id = m.user_id AND t.status IN ('open', 'in_progress') AND t.deleted_at IS NULL) AS src_active,
       (SELECT count(*) FROM tickets t WHERE t.assignee_id = m.user_id AND t.status IN ('open', 'in_progress') AND t.deleted_at IS NULL AND t.priority = 'critical') AS src_critical,
       coalesce((SELECT json_group_object(skill, proficiency) FROM user_skills k WHERE k.user_id = m.user_id), '{}') AS src_skills
     FROM team_members m LEFT JOIN agent_routing r ON r.user_id = m.user_id WHERE m.team_id IN (${marks}) ORDER BY m.team_id, m.user_id`,
  )
    .bind(...teamIds)
    .all<MemberRow & { src_availability: string; src_max: number; src_active: number; src_critical: number; src_skills: string }>();
  return results;
}

const STATUSES = ["open", "in_progress", "pending", "resolved", "closed", "cancelled"] as const;
const PRIORITIES = ["low", "medium", "high", "critical"] as const;

describe("the load counter equals a recount after any sequence of changes", () => {
  for (const seed of [1, 2, 3]) {
    it(`random changes, seed ${seed}`, async () => {
      const rnd = seeded(seed);
      const agents: TestUser[] = await Promise.all([1, 2, 3, 4, 5].map(() => makeUser("agent")));
      const [a0, a1, a2, a3] = agents as [TestUser, TestUser, TestUser, TestUser, TestUser];
      const team = async (members: TestUser[], strategy: string) => {
        const res = await api("POST", "/api/v1/teams", { token: s.manager.token, body: { name: `load ${seed} ${crypto.randomUUID()}`, strategy, members: members.map((m) => m.id) } });
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      // Two teams sharing a0 and a1: a change of their load moves both copies.
      const teams = [await team([a0, a1, a2], "least_loaded"), await team([a0, a1, a3], "skill_based")];
      const members = new Map<string, Set<string>>([
        [teams[0]!, new Set([a0.id, a1.id, a2.id])],
        [teams[1]!, new Set([a0.id, a1.id, a3.id])],
      ]);
      for (const a of agents) await open(FEED_PATH, a.token);
      const tickets: string[] = [];
      const counts: Record<string, number> = {};
      const did = (what: string, status: number) => {
        const key = `${what} ${status}`;
        counts[key] = (counts[key] ?? 0) + 1;
      };

      let sawLoad = false;
      let sawSkillRows = false;
      const compare = async (when: string) => {
        const rows = await copiesAndSources(teams);
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) {
          const who = `${r.user_id} in ${r.team_id} ${when}`;
          expect(r.active_tickets, who).toBe(r.src_active);
          expect(r.critical_tickets, who).toBe(r.src_critical);
          expect(r.availability, who).toBe(r.src_availability);
          expect(r.max_open_tickets, who).toBe(r.src_max);
          expect(JSON.parse(r.skills), who).toEqual(JSON.parse(r.src_skills));
        }
        sawLoad ||= rows.some((r) => r.active_tickets > 0);
        // The walk's copies (triggers, migrations/0040): one row per member and skill held, with the member's state; the member count.
        const marks = teams.map(() => "?").join(", ");
        const derived = `SELECT m.team_id, m.user_id, j.key AS skill, j.value AS proficiency, m.availability, m.max_open_tickets, m.active_tickets, m.critical_tickets, m.last_assigned_at
          FROM team_members m, json_each(m.skills) j WHERE m.team_id IN (${marks}) AND j.value >= 1`;
        const copy = `SELECT team_id, user_id, skill, proficiency, availability, max_open_tickets, active_tickets, critical_tickets, last_assigned_at FROM team_member_skills WHERE team_id IN (${marks})`;
        const diff = await env.DB.prepare(`SELECT (SELECT count(*) FROM (${derived} EXCEPT ${copy})) + (SELECT count(*) FROM (${copy} EXCEPT ${derived})) AS n`).bind(...teams, ...teams, ...teams, ...teams).first<{ n: number }>();
        expect(diff!.n, `team_member_skills ${when}`).toBe(0);
        sawSkillRows ||= (await env.DB.prepare(`SELECT count(*) AS n FROM team_member_skills WHERE team_id IN (${marks})`).bind(...teams).first<{ n: number }>())!.n > 0;
        const counts = await env.DB.prepare(`SELECT t.member_count AS kept, (SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS counted FROM teams t WHERE t.id IN (${marks})`).bind(...teams).all<{ kept: number; counted: number }>();
        for (const c of counts.results) expect(c.kept, `member_count ${when}`).toBe(c.counted);
      };

      for (let step = 0; step < 70; step++) {
        const op = tickets.length < 4 ? "create" : rnd.pick(["create", "assign", "auto", "status", "status", "priority", "escalate", "reply", "delete", "members", "availability", "skills"] as const);
        const ticket = rnd.pick(tickets.length ? tickets : [""]);
        let res;
        switch (op) {
          case "create": {
            const filed = rnd.next() < 0.5;
            res = filed
              ? await api("POST", "/api/v1/tickets", {
                  token: s.manager.token,
                  body: { subject: "s", description: "d", priority: rnd.pick(PRIORITIES), category: "billing", requester_email: s.customer.email, team_id: rnd.pick(teams), auto_assign: rnd.next() < 0.7 },
                })
              : await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d", priority: rnd.pick(PRIORITIES) } });
            if (res.status === 201) tickets.push(res.body.id);
            break;
          }
          case "assign":
            res = await api("POST", `/api/v1/tickets/${ticket}/assign`, { token: s.manager.token, body: { assignee_id: rnd.next() < 0.2 ? null : rnd.pick(agents).id } });
            break;
          case "auto": {
            await api("PATCH", `/api/v1/tickets/${ticket}`, { token: s.manager.token, body: { team_id: rnd.pick(teams) } });
            res = await api("POST", `/api/v1/tickets/${ticket}/assign`, { token: s.manager.token, body: { strategy: "auto" } });
            break;
          }
          case "status":
            res = await api("PATCH", `/api/v1/tickets/${ticket}`, { token: rnd.pick([s.manager, s.agent]).token, body: { status: rnd.pick(STATUSES) } });
            break;
          case "priority":
            res = await api("PATCH", `/api/v1/tickets/${ticket}`, { token: s.manager.token, body: { priority: rnd.pick(PRIORITIES) } });
            break;
          case "escalate":
            res = await api("POST", `/api/v1/tickets/${ticket}/escalate`, { token: s.manager.token, body: { reason: "r", ...(rnd.next() < 0.5 ? { to_user_id: rnd.pick(agents).id } : {}) } });
            break;
          case "reply":
            // A customer reply reopens a pending ticket (load comes back); on others it changes nothing of the load.
            res = await api("POST", `/api/v1/tickets/${ticket}/comments`, { token: s.customer.token, body: { body: "any news?" } });
            break;
          case "delete":
            res = await api("DELETE", `/api/v1/tickets/${ticket}`, { token: s.admin.token });
            if (res.status === 204) tickets.splice(tickets.indexOf(ticket), 1);
            break;
          case "members": {
            const teamId = rnd.pick(teams);
            const set = members.get(teamId)!;
            const who = rnd.pick(agents).id;
            if (set.has(who) && set.size > 1) set.delete(who);
            else set.add(who);
            res = await api("PATCH", `/api/v1/teams/${teamId}`, { token: s.manager.token, body: { members: [...set] } });
            expect(res.status).toBe(200);
            break;
          }
          case "availability":
            res = await api("PUT", `/api/v1/users/${rnd.pick(agents).id}/availability`, { token: s.manager.token, body: { availability: rnd.pick(["online", "away", "online"]) } });
            break;
          case "skills":
            res = await api("PUT", `/api/v1/users/${rnd.pick(agents).id}/skills`, { token: s.manager.token, body: rnd.next() < 0.3 ? [] : [{ skill: "billing", proficiency: 1 + Math.floor(rnd.next() * 5) }] });
            break;
        }
        did(op, res!.status);
        if (step % 10 === 9) await compare(`after step ${step}`);
      }

      // Not vacuous: agents carried load along the way, and the sequence hit the paths that move it.
      expect(sawLoad, JSON.stringify(counts)).toBe(true);
      expect(sawSkillRows).toBe(true);
      for (const op of ["create 201", "assign 200", "status 200", "auto 200"]) expect(counts[op], `${op} in ${JSON.stringify(counts)}`).toBeGreaterThan(0);
    });
  }
});

describe("auto-assignment reads one row per member, not their tickets", () => {
  it("among 60 agents with 10 running tickets each, it reads fewer rows than members × 1.5 (and the load still decides)", async () => {
    const AGENTS = 60;
    const LOAD = 10;
    const agents = await Promise.all(Array.from({ length: AGENTS }, () => makeUser("agent")));
    // Every agent but the last carries LOAD running tickets (straight in D1, before the team
    // exists: joining a team counts a member's load from the tickets).
    const now = new Date().toISOString();
    const insert = env.DB.prepare(
      `INSERT INTO tickets (id, number, subject, description, status, priority, priority_rank, channel, tags, requester_id, assignee_id, created_by_id, version, created_at, updated_at, sla_policy, sla_next_due_at)
       VALUES (?, ?, 's', 'd', 'open', 'medium', 2, 'web', '[]', ?, ?, ?, 1, ?, ?, 'medium', ?)`,
    );
    const run = crypto.randomUUID();
    const rows = agents.slice(0, -1).flatMap((a, i) =>
      Array.from({ length: LOAD }, (_, j) => insert.bind(`load-${run}-${i}-${j}`, `LOAD-${run}-${i}-${j}`, s.customer.id, a.id, s.customer.id, now, now, now)),
    );
    for (let i = 0; i < rows.length; i += 100) await env.DB.batch(rows.slice(i, i + 100));
    const res = await api("POST", "/api/v1/teams", { token: s.manager.token, body: { name: `big ${run}`, strategy: "least_loaded", members: agents.map((a) => a.id) } });
    expect(res.status).toBe(201);
    const teamId = res.body.id as string;
    for (const a of agents) await open(FEED_PATH, a.token);

    const created = await api("POST", "/api/v1/tickets", { token: s.manager.token, body: { subject: "s", description: "d", requester_email: s.customer.email, team_id: teamId } });
    const assigned = await meteredApi("POST", `/api/v1/tickets/${created.body.id}/assign`, { token: s.manager.token, body: { strategy: "auto" } });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body.assignee_id).toBe(agents.at(-1)!.id);
    // Before: members, users, routing states, skills and all 590 running tickets. The report
    // rollups the same write keeps (issue 12) read rows of their own, whatever the team's size.
    const routing = meteredStatements(assigned).filter((st) => !/\breport_/.test(st.sql));
    expect(routing.reduce((n, st) => n + st.rows_read, 0)).toBeLessThan(AGENTS * 1.5);
  });
});
