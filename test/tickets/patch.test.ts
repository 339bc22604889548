import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { teams } from "../../src/db/schema";
import { api, expectProblem, makeStaff } from "../helpers";
import { auditRows, DAY, getTicket, historyRows, HOUR, openTicket, patchTicket, rowOf, setTicketColumns } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
const TEAM = "team-patch";
beforeAll(async () => {
  s = await makeStaff();
  await createDb(env.DB).insert(teams).values({ id: TEAM, name: "Billing", createdAt: new Date().toISOString() });
});

describe("PATCH /tickets/{id}: changes, versions, history", () => {
  it("each change bumps the version by exactly one; the history entry carries the new version and {field: [old, new]}", async () => {
    const t = await openTicket(s.customer, { tags: ["a"] });
    const steps: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ priority: "high" }, { priority: ["medium", "high"] }],
      [{ subject: "New", category: "billing" }, { subject: [t.subject, "New"], category: [null, "billing"] }],
      [{ tags: ["b", "a"] }, { tags: [["a"], ["b", "a"]] }],
      [{ status: "in_progress", assignee_id: s.agent.id }, { status: ["open", "in_progress"], assignee_id: [null, s.agent.id] }],
      [{ description: "Longer" }, { description: [t.description, "Longer"] }],
    ];
    let version = 1;
    for (const [body, changes] of steps) {
      const res = await patchTicket(s.agent, t.id, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      version++;
      expect(res.body.version).toBe(version);
      expect(res.headers.get("etag")).toBe(`"${version}"`);
      const history = (await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.agent.token })).body.data;
      expect(history).toHaveLength(version);
      expect(history.at(-1)).toMatchObject({ type: "updated", version, actor: { id: s.agent.id, name: s.agent.name, role: "agent" } });
      expect(history.at(-1).changes).toEqual(changes);
    }
    const final = await getTicket(s.agent, t.id);
    expect(final.body).toMatchObject({ priority: "high", subject: "New", category: "billing", tags: ["b", "a"], status: "in_progress", assignee_id: s.agent.id, description: "Longer", version: 6 });
    expect(final.headers.get("etag")).toBe('"6"');
    expect((await auditRows(t.id)).map((a) => a.action)).toEqual(["ticket.created", ...Array(5).fill("ticket.updated")]);
  });

  it("a PATCH that changes nothing answers 200, keeps the version and writes no history", async () => {
    const t = await openTicket(s.customer, { tags: ["x"], category: "c" });
    const before = await rowOf(t.id);
    for (const body of [{}, { priority: "medium" }, { tags: ["x"], category: "c", status: "open", subject: t.subject }, { tags: ["X", "x"] }, { assignee_id: null }]) {
      const res = await patchTicket(s.agent, t.id, body);
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(1);
      expect(res.headers.get("etag")).toBe('"1"');
    }
    expect(await rowOf(t.id)).toEqual(before);
    expect(await historyRows(t.id)).toHaveLength(1);
    expect(await auditRows(t.id)).toHaveLength(1);
  });

  it("unknown and read-only fields are ignored", async () => {
    const t = await openTicket(s.customer);
    const res = await patchTicket(s.agent, t.id, { version: 99, number: "TICK-1", requester_id: s.customer2.id, created_at: "2000-01-01T00:00:00Z", foo: 1, priority: "low" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, number: t.number, requester: { id: s.customer.id }, created_at: t.created_at, priority: "low" });
    const only = await patchTicket(s.agent, t.id, { foo: "bar", sla: { breached: true }, first_response_at: "2000-01-01T00:00:00Z" });
    expect(only.body).toMatchObject({ version: 2, first_response_at: null, sla: { breached: false } });
  });

  it("tags are replaced: the tag filter follows", async () => {
    const tag = `t${crypto.randomUUID().slice(0, 6)}`;
    const t = await openTicket(s.customer, { tags: [tag] });
    const find = async (x: string) => (await api("GET", `/api/v1/tickets?tag=${x}`, { token: s.agent.token })).body.data.map((r: { id: string }) => r.id);
    expect(await find(tag)).toEqual([t.id]);
    await patchTicket(s.agent, t.id, { tags: [`${tag}-new`] });
    expect(await find(tag)).toEqual([]);
    expect(await find(`${tag}-new`)).toEqual([t.id]);
    await patchTicket(s.agent, t.id, { tags: [] });
    expect(await find(`${tag}-new`)).toEqual([]);
  });

  it("team_id: managers move tickets to an existing team; an unknown team → 400; agents → 403", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await patchTicket(s.agent, t.id, { team_id: TEAM }), 403, "FORBIDDEN");
    expectProblem(await patchTicket(s.manager, t.id, { team_id: "no-such-team" }), 400, "VALIDATION_ERROR");
    expect((await patchTicket(s.manager, t.id, { team_id: TEAM })).body).toMatchObject({ team_id: TEAM, version: 2 });
    expect((await patchTicket(s.manager, t.id, { team_id: null })).body).toMatchObject({ team_id: null, version: 3 });
  });

  it("assignee_id through PATCH: a customer or unknown id → 400, nothing changes", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await patchTicket(s.manager, t.id, { assignee_id: s.customer.id, priority: "high" }), 400, "VALIDATION_ERROR");
    expectProblem(await patchTicket(s.manager, t.id, { assignee_id: "ghost" }), 400, "VALIDATION_ERROR");
    expect((await rowOf(t.id))!).toMatchObject({ version: 1, priority: "medium", assigneeId: null });
  });
});

describe("PATCH: If-Match field-level merge", () => {
  it("two PATCHes from the same version on different fields both apply (1 → 2 → 3)", async () => {
    const t = await openTicket(s.customer);
    const a = await patchTicket(s.agent, t.id, { priority: "high" }, '"1"');
    expect(a.body.version).toBe(2);
    const b = await patchTicket(s.agent2, t.id, { category: "billing" }, '"1"');
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(b.body).toMatchObject({ version: 3, priority: "high", category: "billing" });
    expect(b.headers.get("etag")).toBe('"3"');
    expect((await historyRows(t.id)).map((h) => [h.version, Object.keys(h.changes)])).toEqual([
      [1, expect.any(Array)],
      [2, ["priority"]],
      [3, ["category"]],
    ]);
  });

  it("on the same field the second gets 409 with conflicting_fields and the current ticket; nothing changes", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { priority: "high" }, '"1"');
    const before = await rowOf(t.id);
    const res = await patchTicket(s.agent2, t.id, { priority: "low", subject: "mine" }, '"1"');
    expectProblem(res, 409, "CONFLICT");
    expect(res.body.conflicting_fields).toEqual(["priority"]);
    const current = await getTicket(s.agent, t.id);
    expect(res.body.current).toEqual(current.body);
    expect(res.body.current.version).toBe(2);
    expect(await rowOf(t.id)).toEqual(before);
    expect(await historyRows(t.id)).toHaveLength(2);
    // Re-based on the current version, the same edit applies.
    const retry = await patchTicket(s.agent2, t.id, { priority: "low", subject: "mine" }, `"${res.body.current.version}"`);
    expect(retry.body).toMatchObject({ version: 3, priority: "low", subject: "mine" });
  });

  it("a field changed and changed back since If-Match still conflicts; the same value as now is no change", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { priority: "high" });
    await patchTicket(s.agent, t.id, { priority: "medium" });
    const res = await patchTicket(s.agent2, t.id, { priority: "low" }, '"1"');
    expectProblem(res, 409, "CONFLICT");
    expect(res.body.conflicting_fields).toEqual(["priority"]);
    const same = await patchTicket(s.agent2, t.id, { priority: "medium" }, '"1"');
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(3);
  });

  it("several conflicting fields are all named, in wire names", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.manager, t.id, { assignee_id: s.agent.id, team_id: TEAM, tags: ["z"] });
    const res = await patchTicket(s.manager, t.id, { assignee_id: s.agent2.id, team_id: null, tags: ["y"], subject: "ok" }, '"1"');
    expectProblem(res, 409, "CONFLICT");
    expect([...res.body.conflicting_fields].sort()).toEqual(["assignee_id", "tags", "team_id"]);
  });

  it("If-Match of the current version applies; a version from the future → 409", async () => {
    const t = await openTicket(s.customer);
    expect((await patchTicket(s.agent, t.id, { priority: "low" }, '"1"')).body.version).toBe(2);
    const future = await patchTicket(s.agent, t.id, { priority: "high" }, '"7"');
    expectProblem(future, 409, "CONFLICT");
    expect(future.body.current.version).toBe(2);
  });

  it.each(['"1"', "1", 'W/"1"', ' "1" '])("If-Match %j is understood", async (header) => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { priority: "high" });
    expectProblem(await patchTicket(s.agent2, t.id, { priority: "low" }, header), 409, "CONFLICT");
  });

  it.each(["abc", '"1', '1"', 'W/"1', '"1", "2"', "-1", "1.5", '""', '"*"', '"99999999999"', "' OR 1=1 --"])("malformed If-Match %j → 400, nothing changes", async (header) => {
    const t = await openTicket(s.customer);
    expectProblem(await patchTicket(s.agent, t.id, { priority: "high" }, header), 400, "VALIDATION_ERROR");
    expect((await rowOf(t.id))!.version).toBe(1);
  });

  it("If-Match: * means any version: the edit applies", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { priority: "high" });
    expect((await patchTicket(s.agent2, t.id, { priority: "low" }, "*")).body).toMatchObject({ priority: "low", version: 3 });
  });

  it("without If-Match the last write wins", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { priority: "high" });
    const res = await patchTicket(s.agent2, t.id, { priority: "low" });
    expect(res.body).toMatchObject({ priority: "low", version: 3 });
  });

  it("a comment between read and write does not make an If-Match stale field conflict", async () => {
    const t = await openTicket(s.customer);
    await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "hello" } });
    const res = await patchTicket(s.agent, t.id, { priority: "high" }, '"1"');
    expect(res.body).toMatchObject({ priority: "high", version: 2 });
  });
});

describe("PATCH: status workflow", () => {
  it("an invalid transition → 422 INVALID_TRANSITION naming the allowed targets; nothing changes", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { status: "resolved" });
    const res = await patchTicket(s.agent, t.id, { status: "pending", priority: "high" });
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect(res.body.detail).toContain("closed, open");
    expect((await rowOf(t.id))!).toMatchObject({ status: "resolved", priority: "medium", version: 2 });

    const c = await openTicket(s.customer);
    await patchTicket(s.customer, c.id, { status: "cancelled" });
    const dead = await patchTicket(s.admin, c.id, { status: "open" });
    expectProblem(dead, 422, "INVALID_TRANSITION");
    expect(dead.body.detail).toContain("allowed: none");
  });

  it("customer: cancels an open ticket, cannot resolve it (403)", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await patchTicket(s.customer, t.id, { status: "resolved" }), 403, "FORBIDDEN");
    expectProblem(await patchTicket(s.customer, t.id, { status: "in_progress" }), 403, "FORBIDDEN");
    expect((await patchTicket(s.customer, t.id, { status: "cancelled" })).body).toMatchObject({ status: "cancelled", version: 2 });
  });

  it("customer: cannot change priority, category or tags after creation (403, nothing changes)", async () => {
    const t = await openTicket(s.customer, { priority: "low", category: "c", tags: ["a"] });
    const before = await rowOf(t.id);
    for (const body of [{ priority: "critical" }, { category: "other" }, { category: null }, { tags: ["a", "b"] }, { tags: [] }, { status: "cancelled", priority: "high" }]) {
      expectProblem(await patchTicket(s.customer, t.id, body, '"1"'), 403, "FORBIDDEN");
    }
    expect(await rowOf(t.id)).toEqual(before);
    expect(await historyRows(t.id)).toHaveLength(1);
  });

  it("customer: closes a resolved ticket; reopens a resolved one", async () => {
    const a = await openTicket(s.customer);
    await patchTicket(s.agent, a.id, { status: "resolved" });
    const closed = await patchTicket(s.customer, a.id, { status: "closed" });
    expect(closed.body).toMatchObject({ status: "closed", version: 3 });
    expect(closed.body.closed_at).not.toBeNull();
    expect(closed.body.resolved_at).not.toBeNull();

    const b = await openTicket(s.customer);
    const resolved = await patchTicket(s.agent, b.id, { status: "resolved" });
    expect(resolved.body.resolved_at).not.toBeNull();
    expect(resolved.body.sla.breached).toBe(false);
    const reopened = await patchTicket(s.customer, b.id, { status: "open" });
    expect(reopened.body).toMatchObject({ status: "open", resolved_at: null, closed_at: null, version: 3 });
  });

  it("customer: reopens a ticket closed 6 days 23 hours ago, not one closed 7 days and 1 ms ago", async () => {
    const make = async (closedAgo: number) => {
      const t = await openTicket(s.customer);
      await patchTicket(s.agent, t.id, { status: "resolved" });
      await patchTicket(s.agent, t.id, { status: "closed" });
      await setTicketColumns(t.id, { closedAt: new Date(Date.now() - closedAgo).toISOString() });
      return t;
    };
    const fresh = await make(6 * DAY + 23 * HOUR);
    expect((await patchTicket(s.customer, fresh.id, { status: "open" })).body).toMatchObject({ status: "open", closed_at: null });
    // A margin for the time the request takes: the window is measured at the server's now.
    const stale = await make(7 * DAY + 1 + 5_000);
    const res = await patchTicket(s.customer, stale.id, { status: "open" });
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect(res.body.detail).toContain("7 days");
    // The window binds staff as well.
    expectProblem(await patchTicket(s.admin, stale.id, { status: "open" }), 422, "INVALID_TRANSITION");
  });
});

describe("PATCH: invalid input → 400, nothing changes", () => {
  it.each([
    ["subject of 201 chars", { subject: "s".repeat(201) }],
    ["empty subject", { subject: "" }],
    ["blank subject", { subject: "  " }],
    ["description of 50,001 chars", { description: "d".repeat(50_001) }],
    ["null subject", { subject: null }],
    ["unknown priority", { priority: "urgent" }],
    ["null priority", { priority: null }],
    ["unknown status", { status: "deleted" }],
    ["tags as a string", { tags: "a" }],
    ["tags with a bad tag", { tags: ["ok", "not ok"] }],
    ["numeric assignee", { assignee_id: 5 }],
    ["array body", [{ priority: "high" }]],
    ["string body", "priority"],
  ])("%s", async (_l, body) => {
    const t = await openTicket(s.customer);
    const before = await rowOf(t.id);
    const res = await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, raw: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(await rowOf(t.id)).toEqual(before);
  });

  it("malformed JSON", async () => {
    const t = await openTicket(s.customer);
    const res = await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, raw: '{"priority": "high"', headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect((await rowOf(t.id))!.version).toBe(1);
  });

  it("the 200-char subject is accepted", async () => {
    const t = await openTicket(s.customer);
    expect((await patchTicket(s.agent, t.id, { subject: "s".repeat(200) })).status).toBe(200);
  });
});
