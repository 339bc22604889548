import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { commentsOf, historyOf, ok, rowOf, settled } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const newTicket = (subject = "Bulk me") => ok(settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "d", tags: ["keep"] } }), 201);
const bulk = (token: string, body: unknown, headers: Record<string, string> = {}) => settled("POST", "/api/v1/tickets/bulk", { token, body, headers });

/** What a bulk change must not touch: everything but the fields it names. */
const untouched = async (id: string) => {
  const r = await rowOf(id);
  return { subject: r.subject, description: r.description, priority: r.priority, category: r.category, requesterId: r.requesterId, channel: r.channel };
};

describe("POST /tickets/bulk", () => {
  it("mixed rights, a stale ticket, an invalid transition, a missing one: each answers for itself, nothing else changes", async () => {
    const [mine, theirs, stale, closed, fine] = await Promise.all([newTicket(), newTicket(), newTicket(), newTicket(), newTicket()]);
    await ok(settled("POST", `/api/v1/tickets/${mine.id}/assign`, { token: s.agent.token, body: { assignee_id: s.agent.id } }));
    await ok(settled("POST", `/api/v1/tickets/${theirs.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent2.id } }));
    // Someone else changed the status since the caller read version 1.
    await ok(settled("PATCH", `/api/v1/tickets/${stale.id}`, { token: s.agent2.token, body: { status: "in_progress" } }));
    for (const status of ["resolved", "closed"]) await ok(settled("PATCH", `/api/v1/tickets/${closed.id}`, { token: s.agent.token, body: { status } }));
    const before = Object.fromEntries(await Promise.all([mine, theirs, stale, closed, fine].map(async (t) => [t.id, await untouched(t.id)])));

    // An agent unassigning: theirs is someone else's (403), the others are not assigned to anyone else.
    const res = await ok(
      bulk(s.agent.token, {
        ids: [mine.id, theirs.id, { id: stale.id, version: 1 }, closed.number, fine.id, "no-such-ticket"],
        changes: { status: "pending", assignee_id: null, add_tags: ["bulk"], remove_tags: ["keep"] },
      }),
    );
    expect(res.results.map((r: any) => [r.id, r.status, r.error?.code])).toEqual([
      [mine.id, 403, "FORBIDDEN"],
      [theirs.id, 403, "FORBIDDEN"],
      [stale.id, 409, "CONFLICT"],
      [closed.number, 422, "INVALID_TRANSITION"],
      [fine.id, 200, undefined],
      ["no-such-ticket", 404, "NOT_FOUND"],
    ]);
    expect(res.results[4].ticket).toMatchObject({ id: fine.id, status: "pending", assignee_id: null, tags: ["bulk"], version: 2 });
    // The refused ones changed nothing of themselves.
    expect((await rowOf(mine.id))).toMatchObject({ status: "open", assigneeId: s.agent.id, tags: ["keep"] });
    expect((await rowOf(theirs.id))).toMatchObject({ status: "open", assigneeId: s.agent2.id, tags: ["keep"] });
    expect((await rowOf(stale.id))).toMatchObject({ status: "in_progress", tags: ["keep"], version: 2 });
    expect((await rowOf(closed.id))).toMatchObject({ status: "closed", tags: ["keep"] });
    for (const t of [mine, theirs, stale, closed, fine]) expect(await untouched(t.id)).toEqual(before[t.id]);
  });

  it("a comment on each ticket, in the same write as its change", async () => {
    const [a, b] = await Promise.all([newTicket(), newTicket()]);
    const res = await ok(bulk(s.agent.token, { ids: [a.id, b.id], changes: { priority: "high" }, comment: { body: "Looking into all of these" } }));
    expect(res.results.map((r: any) => r.status)).toEqual([200, 200]);
    for (const t of [a, b]) {
      expect((await commentsOf(t.id)).map((c) => [c.body, c.internal, c.authorId])).toEqual([["Looking into all of these", false, s.agent.id]]);
      const v2 = (await historyOf(t.id)).filter((h) => h.version === 2);
      expect(v2).toHaveLength(1);
      expect(v2[0]!.changes).toMatchObject({ priority: ["medium", "high"], bulk: true, comment_id: expect.any(String) });
      // The requester reads the change and the reply, not that it came from staff's bulk tool.
      const theirs = (await ok(settled("GET", `/api/v1/tickets/${t.id}/history?limit=100`, { token: s.customer.token }))).data.find((e: { version: number }) => e.version === 2);
      expect(theirs.changes).toEqual({ priority: ["medium", "high"], comment_id: v2[0]!.changes.comment_id });
      const staff = (await ok(settled("GET", `/api/v1/tickets/${t.id}/history?limit=100`, { token: s.agent.token }))).data.find((e: { version: number }) => e.version === 2);
      expect(staff.changes).toMatchObject({ bulk: true });
    }
  });

  it("with a macro: its actions, then the request's changes over them", async () => {
    const m = await ok(settled("POST", "/api/v1/macros", { token: s.manager.token, body: { name: "Pending + note", scope: "shared", actions: [{ type: "set_status", value: "pending" }, { type: "set_priority", value: "low" }, { type: "add_comment", value: { body: "Waiting for {{requester.name}}", internal: true } }] } }), 201);
    const t = await newTicket();
    const res = await ok(bulk(s.agent.token, { ids: [t.id], changes: { priority: "critical" }, macro_id: m.id }));
    expect(res.results[0].ticket).toMatchObject({ status: "pending", priority: "critical" });
    expect((await commentsOf(t.id))[0]).toMatchObject({ body: `Waiting for ${s.customer.name}`, internal: true });
    expect((await ok(api("GET", `/api/v1/macros/${m.id}`, { token: s.agent.token }))).usage_count).toBe(1);
    expectProblem(await bulk(s.agent.token, { ids: [t.id], macro_id: m.id, comment: { body: "two comments?" } }), 400, "VALIDATION_ERROR");
  });

  it("an idempotent retry replays every ticket and changes nothing more; another body under the key is refused", async () => {
    const [a, b] = await Promise.all([newTicket(), newTicket()]);
    const body = { ids: [a.id, b.id], changes: { add_tags: ["once"] }, comment: { body: "Once", internal: true } };
    const first = await ok(bulk(s.agent.token, body, { "idempotency-key": "bulk-1" }));
    const again = await ok(bulk(s.agent.token, body, { "idempotency-key": "bulk-1" }));
    expect(again).toEqual(first);
    for (const t of [a, b]) {
      expect(await commentsOf(t.id)).toHaveLength(1);
      expect((await rowOf(t.id)).version).toBe(2);
    }
    const other = await ok(bulk(s.agent.token, { ...body, changes: { add_tags: ["twice"] } }, { "idempotency-key": "bulk-1" }));
    expect(other.results.map((r: any) => r.status)).toEqual([409, 409]);
    expect((await rowOf(a.id)).tags).toEqual(["keep", "once"]);
  });

  it("refuses the request as a whole when it cannot make sense (400), and customers (403): nothing changes", async () => {
    const t = await newTicket();
    expectProblem(await bulk(s.manager.token, { ids: [t.id], changes: { assignee_id: s.customer.id } }), 400, "VALIDATION_ERROR");
    expectProblem(await bulk(s.manager.token, { ids: [t.id], changes: {} }), 400, "VALIDATION_ERROR");
    expectProblem(await bulk(s.manager.token, { ids: Array.from({ length: 101 }, () => t.id), changes: { priority: "low" } }), 400, "VALIDATION_ERROR");
    expectProblem(await bulk(s.manager.token, { ids: [t.id], changes: { status: "nope" } }), 400, "VALIDATION_ERROR");
    expectProblem(await bulk(s.manager.token, { ids: [t.id], changes: { subject: "renamed" } }), 400, "VALIDATION_ERROR");
    expectProblem(await bulk(s.customer.token, { ids: [t.id], changes: { status: "cancelled" } }), 403, "FORBIDDEN");
    expect((await rowOf(t.id)).version).toBe(1);
  });
});
