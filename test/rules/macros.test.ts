import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { commentsOf, historyOf, ok, rowOf, settled } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let tricky: TestUser;
beforeAll(async () => {
  s = await makeStaff();
  // A requester whose name reads like a placeholder: it must come out as written, never expanded.
  tricky = await makeUser("customer", { name: "Eve {{requester.email}}" });
});

const newTicket = (token = s.customer.token, subject = "Printer jam") => ok(settled("POST", "/api/v1/tickets", { token, body: { subject, description: "It jams" } }), 201);
const macro = (token: string, body: Record<string, unknown>, status = 201) => ok(settled("POST", "/api/v1/macros", { token, body }), status);
const apply = (token: string, ticketId: string, macroId: string, query = "", headers: Record<string, string> = {}) =>
  settled("POST", `/api/v1/tickets/${ticketId}/macros/${macroId}/apply${query}`, { token, headers });

const WAITING = {
  name: "Waiting on the customer",
  scope: "shared",
  actions: [
    { type: "set_status", value: "pending" },
    { type: "add_tags", value: ["waiting"] },
    { type: "add_comment", value: { body: "Hi {{requester.name}}, {{current_user.name}} here about {{ticket.number}} ({{ticket.status}}). Could you send a photo?", internal: false } },
  ],
};

describe("macros: apply", () => {
  it("fills placeholders for the ticket as the change leaves it: one version bump, one history entry, the comment in the same write", async () => {
    const m = await macro(s.manager.token, WAITING);
    const t = await newTicket(tricky.token);
    const after = await ok(apply(s.agent.token, t.id, m.id));
    expect(after).toMatchObject({ id: t.id, status: "pending", tags: ["waiting"], version: 2 });
    const [comment] = await commentsOf(t.id);
    expect(comment).toMatchObject({ body: `Hi Eve {{requester.email}}, ${s.agent.name} here about ${t.number} (pending). Could you send a photo?`, internal: false, authorId: s.agent.id });
    const entries = (await historyOf(t.id)).filter((h) => h.version === 2);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: "updated", actorId: s.agent.id, ruleId: null });
    expect(entries[0]!.changes).toMatchObject({ status: ["open", "pending"], tags: [[], ["waiting"]], macro: { id: m.id, name: WAITING.name }, comment_id: expect.any(String) });
    // A staff reply through a macro is the first response.
    expect((await rowOf(t.id)).firstResponseAt).not.toBeNull();
    expect((await ok(api("GET", `/api/v1/macros/${m.id}`, { token: s.agent.token }))).usage_count).toBe(1);
  });

  it("the requester's history shows what a macro changed, not which macro (staff's tooling, as a rule is); staff see it", async () => {
    const m = await macro(s.manager.token, { name: "Suspected fraud - stall them", scope: "shared", actions: [{ type: "set_priority", value: "low" }] });
    const t = await newTicket();
    await ok(apply(s.agent.token, t.id, m.id));
    const entryOf = async (token: string) => ((await ok(api("GET", `/api/v1/tickets/${t.id}/history?limit=100`, { token }))).data as { version: number; changes: Record<string, unknown> }[]).find((e) => e.version === 2);
    const theirs = await entryOf(s.customer.token);
    expect(theirs?.changes).toEqual({ priority: ["medium", "low"] });
    expect(JSON.stringify(theirs)).not.toContain("fraud");
    expect((await entryOf(s.agent.token))?.changes).toMatchObject({ priority: ["medium", "low"], macro: { id: m.id, name: "Suspected fraud - stall them" } });
  });

  it("?dry_run=true answers with the ticket and comment as they would be and changes nothing", async () => {
    const m = await macro(s.manager.token, WAITING);
    const t = await newTicket();
    const before = await rowOf(t.id);
    const preview = await ok(apply(s.agent.token, t.id, m.id, "?dry_run=true"));
    expect(preview.ticket).toMatchObject({ id: t.id, status: "pending", tags: ["waiting"], version: 2 });
    expect(preview.comment).toEqual({ author: { id: s.agent.id, name: s.agent.name, role: "agent" }, body: `Hi ${s.customer.name}, ${s.agent.name} here about ${t.number} (pending). Could you send a photo?`, internal: false });
    expect(await rowOf(t.id)).toEqual(before);
    expect(await commentsOf(t.id)).toEqual([]);
    expect((await historyOf(t.id)).map((h) => h.type)).toEqual(["created"]);
    expect((await ok(api("GET", `/api/v1/macros/${m.id}`, { token: s.agent.token }))).usage_count).toBe(0);
  });

  it("runs with the caller's rights: an agent's macro that assigns someone else is 403 and changes nothing", async () => {
    const m = await macro(s.manager.token, { name: "To agent 2", scope: "shared", actions: [{ type: "assign", value: s.agent2.id }, { type: "add_comment", value: { body: "Handing over", internal: true } }] });
    const t = await newTicket();
    expectProblem(await apply(s.agent.token, t.id, m.id), 403, "FORBIDDEN");
    expect((await rowOf(t.id)).version).toBe(1);
    expect(await commentsOf(t.id)).toEqual([]);
    expect((await ok(apply(s.manager.token, t.id, m.id))).assignee_id).toBe(s.agent2.id);
  });

  it("a public reply to a closed ticket is refused (422) unless the macro reopens it", async () => {
    const reply = await macro(s.manager.token, { name: "Reply", scope: "shared", actions: [{ type: "add_comment", value: { body: "Thanks" } }] });
    const t = await newTicket();
    await ok(settled("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "resolved" } }));
    await ok(settled("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "closed" } }));
    expectProblem(await apply(s.agent.token, t.id, reply.id), 422, "INVALID_TRANSITION");
    const reopen = await macro(s.manager.token, { name: "Reopen and reply", scope: "shared", actions: [{ type: "set_status", value: "open" }, { type: "add_comment", value: { body: "Reopened" } }] });
    expect((await ok(apply(s.agent.token, t.id, reopen.id))).status).toBe("open");
  });

  it("honours Idempotency-Key: a retry replays, one comment", async () => {
    const m = await macro(s.manager.token, { name: "Note", scope: "shared", actions: [{ type: "add_comment", value: { body: "Looked at it", internal: true } }] });
    const t = await newTicket();
    const first = await apply(s.agent.token, t.id, m.id, "", { "idempotency-key": "apply-1" });
    const again = await apply(s.agent.token, t.id, m.id, "", { "idempotency-key": "apply-1" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await commentsOf(t.id)).toHaveLength(1);
  });
});

describe("macros: who sees and keeps which", () => {
  it("personal macros are their owner's alone: 404 for other agents by every route", async () => {
    const mine = await macro(s.agent.token, { name: "My canned reply", actions: [{ type: "add_comment", value: { body: "Mine" } }] });
    expect(mine).toMatchObject({ scope: "personal", owner_id: s.agent.id, usage_count: 0 });
    const t = await newTicket();
    for (const other of [s.agent2, s.manager, s.admin]) {
      expectProblem(await api("GET", `/api/v1/macros/${mine.id}`, { token: other.token }), 404, "NOT_FOUND");
      expectProblem(await api("PATCH", `/api/v1/macros/${mine.id}`, { token: other.token, body: { name: "Stolen" } }), 404, "NOT_FOUND");
      expectProblem(await api("DELETE", `/api/v1/macros/${mine.id}`, { token: other.token }), 404, "NOT_FOUND");
      expectProblem(await apply(other.token, t.id, mine.id), 404, "NOT_FOUND");
      const list = (await ok(api("GET", "/api/v1/macros?limit=100", { token: other.token }))).data;
      expect(list.map((m: any) => m.id)).not.toContain(mine.id);
    }
    expect((await ok(api("GET", "/api/v1/macros?scope=personal", { token: s.agent.token }))).data.map((m: any) => m.id)).toContain(mine.id);
    expect((await ok(api("PATCH", `/api/v1/macros/${mine.id}`, { token: s.agent.token, body: { name: "Renamed" } }))).name).toBe("Renamed");
    expect((await api("DELETE", `/api/v1/macros/${mine.id}`, { token: s.agent.token })).status).toBe(204);
  });

  it("shared macros: everyone applies them, managers and admins keep them", async () => {
    expectProblem(await api("POST", "/api/v1/macros", { token: s.agent.token, body: { ...WAITING, name: "Agent shared" } }), 403, "FORBIDDEN");
    const shared = await macro(s.manager.token, { ...WAITING, name: "Aaa shared" });
    expect(shared).toMatchObject({ scope: "shared", owner_id: null });
    expectProblem(await api("PATCH", `/api/v1/macros/${shared.id}`, { token: s.agent.token, body: { name: "x" } }), 403, "FORBIDDEN");
    expectProblem(await api("DELETE", `/api/v1/macros/${shared.id}`, { token: s.agent.token }), 403, "FORBIDDEN");
    expect((await ok(api("GET", `/api/v1/macros/${shared.id}`, { token: s.agent2.token }))).name).toBe("Aaa shared");
    expect((await ok(api("PATCH", `/api/v1/macros/${shared.id}`, { token: s.admin.token, body: { description: "For pending tickets" } }))).description).toBe("For pending tickets");
    for (const route of [["GET", "/api/v1/macros"], ["GET", `/api/v1/macros/${shared.id}`]] as const) expectProblem(await api(route[0], route[1], { token: s.customer.token }), 403, "FORBIDDEN");
  });

  it("lists by name, shared and own merged, with a cursor", async () => {
    const agent = await makeUser("agent");
    const names = ["m-c", "m-a", "m-e"];
    for (const name of names) await macro(agent.token, { name, actions: [{ type: "add_tags", value: ["x"] }] });
    const seen: { id: string; name: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await ok(api("GET", `/api/v1/macros?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: agent.token }));
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    const all = (await ok(api("GET", "/api/v1/macros?limit=100", { token: agent.token }))).data;
    expect(seen.map((m) => m.id)).toEqual(all.map((m: any) => m.id));
    expect(seen.map((m) => m.name)).toEqual(seen.map((m) => m.name).sort());
    expect(seen.map((m) => m.name).filter((n) => n.startsWith("m-"))).toEqual(["m-a", "m-c", "m-e"]);
    expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
  });

  it("refuses what a macro cannot do, naming the entry", async () => {
    const res = await api("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "x", actions: [{ type: "add_tags", value: ["ok"] }, { type: "notify", value: { roles: ["agent"], title: "t" } }] } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toEqual({ "actions.1.type": ["macros cannot notify"] });
    const bad = await api("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "x", actions: [{ type: "assign", value: s.customer.id }, { type: "add_comment", value: { body: "{{ticket.secret}}" } }] } });
    expectProblem(bad, 400, "VALIDATION_ERROR");
    expect(Object.keys(bad.body.errors)).toEqual(["actions.1.value.body"]);
    const customerAssignee = await api("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "x", actions: [{ type: "assign", value: s.customer.id }] } });
    expect(customerAssignee.body.errors).toEqual({ "actions.0.value": ["must be an active agent, manager or admin"] });
  });
});
