import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, makeUser, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { commentRows, getTicket, historyRows, openTicket, rowOf } from "./fixtures";

/**
 * A reply to a ticket this isolate wrote a moment before plans from the row it kept
 * (src/features/tickets/kept-rows.ts) and costs one D1 call, its write (issue 15). Whatever
 * changed the ticket meanwhile elsewhere (another isolate: here, a direct D1 update that moves the
 * revision, as every writer does) makes that write stale, and the reply is decided again on a fresh
 * read exactly as without kept rows.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const reply = (who: TestUser, ref: string, body: Record<string, unknown>) => api("POST", `/api/v1/tickets/${ref}/comments`, { token: who.token, body });
const meteredReply = (who: TestUser, ref: string, body: Record<string, unknown>) => meteredApi("POST", `/api/v1/tickets/${ref}/comments`, { token: who.token, body });
const calls = (res: { headers: Headers }) => new Set(meteredStatements(res).map((st) => st.call)).size;

/** Another isolate's write: columns straight in D1, the revision moved. */
async function elsewhere(id: string, assignments: string, ...values: unknown[]) {
  await env.DB.prepare(`UPDATE tickets SET ${assignments}, revision = revision + 1 WHERE id = ?`)
    .bind(...values, id)
    .run();
}

/** A ticket of `requester` this isolate holds, and an agent this isolate verified: both wrote to it. */
async function keptTicket(requester: TestUser = s.customer, agent: TestUser = s.agent) {
  const t = await openTicket(requester);
  expect((await reply(agent, t.id, { body: "first" })).status).toBe(201);
  return t;
}

describe("a further reply to a ticket this isolate just wrote", () => {
  it("is one D1 call (the caller's guard and the check of their profile ride on it, the kept row's check in the row's update); by id or by number; the comment lands once", async () => {
    const t = await keptTicket();
    const byId = await meteredReply(s.agent, t.id, { body: "second" });
    expect(byId.status, JSON.stringify(byId.body)).toBe(201);
    expect(byId.body.author).toEqual({ id: s.agent.id, name: s.agent.name, role: "agent" });
    expect(calls(byId)).toBe(1);
    const sql = meteredStatements(byId).map((st) => st.sql);
    expect(sql[0]).toMatch(/^insert into "caller_guard"/);
    expect(sql.some((q) => /from "tickets" inner join "users"/.test(q))).toBe(false);
    // Statements the guard, the check and the row's update already do (were 3: the caller's row read
    // after the check, the kept row's own check before the update): one D1 call of 2 + the write's.
    expect(sql[1]).toContain("batch assumption failed: caller");
    expect(sql[2]).toMatch(/^update "tickets" set .* and \(exists \(select 1 from "users" where "users"\."id" = \? and "users"\."name" is \? and "users"\."email" is \?\)\)$/);
    expect(sql.some((q) => /^select abs\(case when exists/.test(q))).toBe(false);
    const byNumber = await meteredReply(s.agent, t.number, { body: "third" });
    expect(byNumber.status).toBe(201);
    expect(calls(byNumber)).toBe(1);
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["first", "second", "third"]);
    expect((await historyRows(t.id)).filter((h) => h.type === "commented")).toHaveLength(3);
  });

  it("a customer's reply reopens their pending ticket (the one reply that bumps the version): versions stay consecutive", async () => {
    const t = await keptTicket();
    for (const body of ["still broken", "and again"]) {
      // The PATCH writes through the ticket's room (maybe another isolate): the reply is right either way.
      expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "pending" } })).status).toBe(200);
      expect((await reply(s.customer, t.id, { body })).status).toBe(201);
    }
    const ticket = (await getTicket(s.agent, t.id)).body;
    expect(ticket.status).toBe("open");
    const versions = (await historyRows(t.id)).filter((h) => h.bumpsVersion).map((h) => h.version);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    expect(ticket.version).toBe(5);
  });
});

describe("a reply after another writer changed the ticket", () => {
  it("re-reads and keeps the other writer's change (no write from the kept row)", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "priority = 'critical', priority_rank = 4, subject = 'Changed elsewhere'");
    // GET routes never read kept rows.
    expect((await getTicket(s.agent, t.id)).body.subject).toBe("Changed elsewhere");
    const res = await meteredReply(s.agent, t.id, { body: "after the change" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(calls(res)).toBeGreaterThan(1);
    const row = await rowOf(t.id);
    expect([row!.priority, row!.subject]).toEqual(["critical", "Changed elsewhere"]);
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["after the change", "first"]);
  });

  it("costs three D1 calls: the write that found it stale, the fresh read carrying the caller's row, the write", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "subject = 'Changed again elsewhere'");
    const res = await meteredReply(s.agent, t.id, { body: "third call" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // The meter lists the calls that answered (the failed write's statements are not in it).
    const statements = meteredStatements(res);
    const byCall = [...new Set(statements.map((st) => st.call))].map((c) => statements.filter((st) => st.call === c).map((st) => st.sql));
    expect(byCall).toHaveLength(2);
    // No call of the caller's own: their row rides on the fresh read.
    expect(byCall[0]![0]).toContain('from "users" where "users"."id" = ? limit 1');
    expect(byCall[0]!.some((q) => /from "tickets"/.test(q))).toBe(true);
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["first", "third call"]);
    expect((await rowOf(t.id))!.subject).toBe("Changed again elsewhere");
  });

  it("a caller deactivated while their kept row went stale gets 401 (the guard, first in the write, refuses before the check), nothing written", async () => {
    const agent = await makeUser("agent");
    const t = await keptTicket(s.customer, agent);
    await elsewhere(t.id, "subject = 'Changed while they left'");
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?").bind(agent.id).run();
    expectProblem(await reply(agent, t.id, { body: "gone" }), 401, "UNAUTHORIZED");
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
  });

  it("closed meanwhile: refused as a reply to a closed ticket is (422), nothing written; an internal note still lands", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "status = 'closed', closed_at = ?", new Date().toISOString());
    const before = await historyRows(t.id);
    expectProblem(await reply(s.agent, t.id, { body: "too late" }), 422, "INVALID_TRANSITION");
    expectProblem(await reply(s.customer, t.id, { body: "too late" }), 422, "INVALID_TRANSITION");
    expect(await historyRows(t.id)).toEqual(before);
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
    expect((await reply(s.agent, t.id, { body: "note", internal: true })).status).toBe(201);
  });

  it("deleted meanwhile: 404 for a reply and for an internal note, nothing written", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "deleted_at = ?", new Date().toISOString());
    // The note first: it updates no row, so only the kept row's check finds the ticket gone.
    expectProblem(await reply(s.agent, t.id, { body: "note", internal: true }), 404, "NOT_FOUND");
    expectProblem(await reply(s.agent, t.id, { body: "hello?" }), 404, "NOT_FOUND");
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
  });

  it("merged meanwhile: refused as a reply to a merged ticket is (422), nothing written", async () => {
    const t = await keptTicket();
    const target = await openTicket(s.customer);
    await elsewhere(t.id, "merged_into_id = ?, status = 'closed'", target.id);
    const res = await reply(s.agent, t.id, { body: "hello?", internal: true });
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect(res.body.detail).toContain(target.id);
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
    expect(await commentRows(target.id)).toEqual([]);
  });

  it("an internal note (no row write) on a ticket changed meanwhile lands, and leaves the other writer's change", async () => {
    const t = await keptTicket();
    expect((await reply(s.agent, t.id, { body: "note 1", internal: true })).status).toBe(201);
    await elsewhere(t.id, "subject = 'Renamed elsewhere'");
    const res = await meteredReply(s.agent, t.id, { body: "note 2", internal: true });
    expect(res.status).toBe(201);
    expect(calls(res)).toBeGreaterThan(1);
    expect((await rowOf(t.id))!.subject).toBe("Renamed elsewhere");
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["first", "note 1", "note 2"]);
  });

  it("the requester's new address (changed elsewhere) gets the staff reply's mail, not the kept one", async () => {
    const requester = await makeUser("customer");
    const t = await keptTicket(requester);
    const address = `moved-${requester.id}@example.test`.toLowerCase();
    await env.DB.prepare("UPDATE users SET email = ?, name = 'Renamed Requester' WHERE id = ?").bind(address, requester.id).run();
    const res = await reply(s.agent, t.id, { body: "answer" });
    expect(res.status).toBe(201);
    const mail = await env.DB.prepare("SELECT to_address, to_name FROM outbound_messages WHERE comment_id = ?").bind(res.body.id).all<{ to_address: string; to_name: string }>();
    expect(mail.results).toEqual([{ to_address: address, to_name: "Renamed Requester" }]);
  });

  it("an agent renamed elsewhere is named as they are now on their reply and in its mail", async () => {
    const agent = await makeUser("agent");
    const t = await keptTicket(s.customer, agent);
    await env.DB.prepare("UPDATE users SET name = 'Ada Renamed' WHERE id = ?").bind(agent.id).run();
    const res = await reply(agent, t.id, { body: "answer" });
    expect(res.status).toBe(201);
    expect(res.body.author.name).toBe("Ada Renamed");
    const mail = await env.DB.prepare("SELECT data FROM outbound_messages WHERE comment_id = ?").bind(res.body.id).all<{ data: string }>();
    expect(mail.results.map((m) => JSON.parse(m.data).agent.name)).toEqual(["Ada Renamed"]);
  });
});

describe("a write from a kept row whose update is SQL (a customer's reply clearing the next response's at-risk bit)", () => {
  it("goes out in drizzle's form with the kept check in its WHERE, one D1 call, and clears the bit", async () => {
    const requester = await makeUser("customer");
    const t = await keptTicket(requester);
    // The sweep announced the next response at risk (another isolate: the revision moved), and a staff
    // reply read it afresh: this isolate keeps the row with the bit, which the customer's reply clears.
    await elsewhere(t.id, "sla_warned = 2");
    expect((await reply(s.agent, t.id, { body: "looking" })).status).toBe(201);
    const res = await meteredReply(requester, t.id, { body: "still broken" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(calls(res)).toBe(1);
    const sql = meteredStatements(res).map((st) => st.sql);
    // Not updateRow's text (it cannot write a value that is SQL): drizzle's, its WHERE in parentheses,
    // holding the kept check (ticket-write.ts guardedUpdate) that no statement before it makes.
    const update = sql.filter((q) => q.startsWith('update "tickets"'));
    expect(update).toHaveLength(1);
    expect(update[0]).toContain('"sla_warned" = "tickets"."sla_warned" & ?');
    expect(update[0]).toMatch(
      / where \("tickets"\."id" = \? and "tickets"\."deleted_at" is null and "tickets"\."revision" = \? .*and "tickets"\."merged_into_id" is null and "tickets"\."archived_at" is null and exists \(select 1 from "users" where "users"\."id" = \? and "users"\."name" is \? and "users"\."email" is \?\)\)$/,
    );
    expect(sql.some((q) => /^select abs\(case when exists/.test(q))).toBe(false);
    expect((await rowOf(t.id))!.slaWarned).toBe(0);
    expect((await commentRows(t.id)).map((c) => c.body)).toContain("still broken");
  });
});

describe("an idempotent reply planned from a kept row that went stale", () => {
  it("lands once, with one key; its replay answers the same comment", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "subject = 'Changed before the keyed reply'");
    const headers = { "idempotency-key": `kept-${t.id}` };
    const first = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "once" }, headers });
    expect(first.status).toBe(201);
    const again = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "once" }, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["first", "once"]);
    expect((await historyRows(t.id)).filter((h) => h.type === "commented")).toHaveLength(2);
    const keys = await env.DB.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE user_id = ? AND key = ?").bind(s.agent.id, headers["idempotency-key"]).first<{ n: number }>();
    expect(keys!.n).toBe(1);
  });
});

describe("who may reply, with the ticket kept", () => {
  it("a customer cannot reply to another customer's kept ticket: 404, nothing written", async () => {
    const t = await keptTicket(s.customer);
    // The other customer is one this isolate verified too (their profile is presumed, not read).
    await openTicket(s.customer2);
    expectProblem(await reply(s.customer2, t.id, { body: "not mine" }), 404, "NOT_FOUND");
    expectProblem(await reply(s.customer2, t.number, { body: "not mine" }), 404, "NOT_FOUND");
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
  });

  it("a ticket that moved to another requester elsewhere: its old requester gets 404 (nothing written), its new one may reply", async () => {
    const from = await makeUser("customer");
    const to = await makeUser("customer");
    const t = await keptTicket(from);
    // The old requester's own reply: this isolate knows them and keeps the row naming them.
    expect((await reply(from, t.id, { body: "mine" })).status).toBe(201);
    await elsewhere(t.id, "requester_id = ?", to.id);
    expectProblem(await reply(from, t.id, { body: "still mine?" }), 404, "NOT_FOUND");
    expect((await commentRows(t.id)).map((c) => c.body).sort()).toEqual(["first", "mine"]);
    expect((await reply(to, t.id, { body: "now mine" })).status).toBe(201);
  });

  it("a deactivated agent is refused (401) in the one call, and nothing is written", async () => {
    const agent = await makeUser("agent");
    const t = await keptTicket(s.customer, agent);
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?").bind(agent.id).run();
    const history = await historyRows(t.id);
    const guards = await env.DB.prepare("SELECT count(*) AS n FROM caller_guard").first<{ n: number }>();
    expectProblem(await reply(agent, t.id, { body: "after" }), 401, "UNAUTHORIZED");
    expectProblem(await reply(agent, t.id, { body: "after", internal: true }), 401, "UNAUTHORIZED");
    expect((await commentRows(t.id)).map((c) => c.body)).toEqual(["first"]);
    expect(await historyRows(t.id)).toEqual(history);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM caller_guard").first<{ n: number }>()).toEqual(guards);
  });
});

describe("concurrent replies to one kept ticket", () => {
  it("10 at once all land once, each with its history entry", async () => {
    const t = await keptTicket();
    const bodies = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const results = await Promise.all(bodies.map((body) => reply(s.agent, t.id, { body })));
    expect(results.map((r) => r.status)).toEqual(bodies.map(() => 201));
    const rows = await commentRows(t.id);
    expect(rows.map((c) => c.body).sort()).toEqual(["first", ...bodies].sort());
    expect(rows.map((c) => c.id)).toEqual(expect.arrayContaining(results.map((r) => r.body.id)));
    // One history entry per comment, none twice.
    const commented = (await historyRows(t.id)).filter((h) => h.type === "commented");
    expect(commented.map((h) => (h.changes as { comment_id: string }).comment_id).sort()).toEqual(rows.map((c) => c.id).sort());
  });
});

describe("review findings (stop 30)", () => {
  it("a ticket created and then replied to in this isolate carries its real number in the reply's rows (the kept row is settled too)", async () => {
    const created = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Numbered", description: "d" } });
    expect(created.status).toBe(201);
    const res = await meteredReply(s.agent, created.body.id, { body: "answer" });
    expect(res.status).toBe(201);
    expect(calls(res)).toBe(1);
    // The staff reply's mail to the requester names the ticket by its number.
    const mail = await env.DB.prepare("SELECT subject, data FROM outbound_messages WHERE comment_id = ?").bind(res.body.id).all<{ subject: string; data: string }>();
    expect(mail.results).toHaveLength(1);
    expect(`${mail.results[0]!.subject} ${mail.results[0]!.data}`).toContain(created.body.number);
    expect(`${mail.results[0]!.subject} ${mail.results[0]!.data}`).not.toMatch(/TICKNUM/);
  });

  it("a caller renamed elsewhere whose reply's first call is a read (an Idempotency-Key) gets 201 with their new name, not a 500", async () => {
    const agent = await makeUser("agent");
    const t = await keptTicket(s.customer, agent);
    await env.DB.prepare("UPDATE users SET name = 'Renamed Before Key' WHERE id = ?").bind(agent.id).run();
    const res = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: agent.token, body: { body: "keyed" }, headers: { "idempotency-key": `renamed-${t.id}` } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.author.name).toBe("Renamed Before Key");
    const mail = await env.DB.prepare("SELECT data FROM outbound_messages WHERE comment_id = ?").bind(res.body.id).all<{ data: string }>();
    expect(mail.results.map((m) => JSON.parse(m.data).agent.name)).toEqual(["Renamed Before Key"]);
  });

  it("a caller renamed elsewhere replying to someone else's kept ticket gets 404, not a 500", async () => {
    const customer = await makeUser("customer");
    const t = await keptTicket(s.customer);
    await openTicket(customer);
    await env.DB.prepare("UPDATE users SET name = 'Renamed Other' WHERE id = ?").bind(customer.id).run();
    expectProblem(await reply(customer, t.id, { body: "not mine" }), 404, "NOT_FOUND");
  });

  it("a customer's reply reopens their ticket set pending elsewhere after this isolate kept it", async () => {
    const t = await keptTicket();
    await elsewhere(t.id, "status = 'pending', status_changed_at = ?", new Date().toISOString());
    const res = await reply(s.customer, t.id, { body: "still broken" });
    expect(res.status).toBe(201);
    expect((await getTicket(s.agent, t.id)).body.status).toBe("open");
  });
});
