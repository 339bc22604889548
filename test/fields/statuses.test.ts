import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { historyRows, ok, openTicket, patchTicket, rowOf } from "../tickets/fixtures";
import { defineStatus, uniqueKey } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let vendor: { id: string; key: string };
let parts: { id: string; key: string };
let triage: { id: string; key: string };
let retired: { id: string; key: string };
beforeAll(async () => {
  s = await makeStaff();
  vendor = await defineStatus(s.admin, { key: uniqueKey("waiting_on_vendor"), label: "Waiting on vendor", category: "pending" });
  parts = await defineStatus(s.admin, { key: uniqueKey("waiting_on_parts"), label: "Waiting on parts", category: "pending" });
  triage = await defineStatus(s.admin, { key: uniqueKey("triage"), label: "Triage", category: "in_progress" });
  retired = await defineStatus(s.admin, { key: uniqueKey("retired"), label: "Retired", category: "open", active: false });
});

describe("custom statuses on tickets", () => {
  it("a new ticket shows its category's own name", async () => {
    const t = await openTicket(s.customer);
    expect(t).toMatchObject({ status: "open", custom_status: "open" });
  });

  it("PATCH custom_status moves the ticket to its category: status stays the category and the SLA clock pauses while pending", async () => {
    const t = await openTicket(s.customer);
    const waiting = await ok(patchTicket(s.agent, t.id, { custom_status: vendor.key }));
    expect(waiting).toMatchObject({ status: "pending", custom_status: vendor.key, version: 2, sla: { paused: true } });
    const pausedAt = (await rowOf(t.id))!.slaPausedAt;
    expect(pausedAt).not.toBeNull();

    // Another kind of pending: no transition, the pause goes on from the same instant.
    const other = await ok(patchTicket(s.agent, t.id, { custom_status: parts.key }));
    expect(other).toMatchObject({ status: "pending", custom_status: parts.key, sla: { paused: true } });
    expect((await rowOf(t.id))!.slaPausedAt).toBe(pausedAt);

    // A kind of in_progress: the category changes, the clock runs again.
    const working = await ok(patchTicket(s.agent, t.id, { custom_status: triage.key }));
    expect(working).toMatchObject({ status: "in_progress", custom_status: triage.key, sla: { paused: false } });
    expect((await rowOf(t.id))!.slaPausedAt).toBeNull();

    const history = await historyRows(t.id);
    expect(history.slice(1).map((h) => h.changes)).toEqual([
      { status: ["open", "pending"], custom_status: ["open", vendor.key] },
      { custom_status: [vendor.key, parts.key] },
      { status: ["pending", "in_progress"], custom_status: [parts.key, triage.key] },
    ]);
  });

  it("PATCH status alone moves to the category's own name; the category's own name as custom_status does too", async () => {
    const t = await openTicket(s.customer);
    await ok(patchTicket(s.agent, t.id, { custom_status: vendor.key }));
    const open = await ok(patchTicket(s.agent, t.id, { status: "open" }));
    expect(open).toMatchObject({ status: "open", custom_status: "open" });
    await ok(patchTicket(s.agent, t.id, { custom_status: vendor.key }));
    const pending = await ok(patchTicket(s.agent, t.id, { custom_status: "pending" }));
    expect(pending).toMatchObject({ status: "pending", custom_status: "pending" });
    // The same status again changes nothing and keeps a custom one.
    await ok(patchTicket(s.agent, t.id, { custom_status: parts.key }));
    const same = await ok(patchTicket(s.agent, t.id, { status: "pending" }));
    expect(same).toMatchObject({ custom_status: parts.key, version: pending.version + 1 });
  });

  it("both given must agree; unknown and inactive statuses are 400; nothing changes", async () => {
    const t = await openTicket(s.customer);
    for (const body of [{ status: "open", custom_status: vendor.key }, { custom_status: "no_such_status" }, { custom_status: retired.key }]) {
      const res = await patchTicket(s.agent, t.id, body);
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(res.body.errors)).toEqual(["custom_status"]);
    }
    expect((await rowOf(t.id))!).toMatchObject({ version: 1, status: "open", customStatus: null });
  });

  it("the transition table works on the category", async () => {
    const t = await openTicket(s.customer);
    await ok(patchTicket(s.agent, t.id, { status: "cancelled" }));
    expectProblem(await patchTicket(s.agent, t.id, { custom_status: vendor.key }), 422, "INVALID_TRANSITION");
    const resolved = await openTicket(s.customer);
    await ok(patchTicket(s.agent, resolved.id, { status: "resolved" }));
    // resolved -> pending is not in the table, whatever the pending kind is called.
    expectProblem(await patchTicket(s.agent, resolved.id, { custom_status: parts.key }), 422, "INVALID_TRANSITION");
  });

  it("customers never set a custom status; their own status changes clear it", async () => {
    const t = await openTicket(s.customer);
    await ok(patchTicket(s.agent, t.id, { custom_status: vendor.key }));
    expectProblem(await patchTicket(s.customer, t.id, { custom_status: parts.key }), 403, "FORBIDDEN");
    // A customer reply to a pending ticket reopens it: the pending kind goes with it.
    await ok(api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.customer.token, body: { body: "Any news?" } }), 201);
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token })).body).toMatchObject({ status: "open", custom_status: "open" });
  });

  // Statuses are read per request (fields.service.ts statusCatalog), never kept across requests as
  // the field catalog is: a status an admin just made, or just retired, is known to the very next one.
  it("a status created is accepted, and one deactivated refused, by the next request", async () => {
    const key = uniqueKey("waiting_on_legal");
    const t = await openTicket(s.customer);
    expectProblem(await patchTicket(s.agent, t.id, { custom_status: key }), 400, "VALIDATION_ERROR");
    const made = await defineStatus(s.admin, { key, label: "Waiting on legal", category: "pending" });
    expect(await ok(patchTicket(s.agent, t.id, { custom_status: key }))).toMatchObject({ status: "pending", custom_status: key });
    const listed = await ok(api("GET", `/api/v1/tickets?custom_status=${key}&limit=100`, { token: s.agent.token }));
    expect(listed.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    await ok(api("PATCH", `/api/v1/ticket-statuses/${made.id}`, { token: s.admin.token, body: { active: false } }));
    const other = await openTicket(s.customer);
    const refused = await patchTicket(s.agent, other.id, { custom_status: key });
    expectProblem(refused, 400, "VALIDATION_ERROR");
    expect(Object.keys(refused.body.errors)).toEqual(["custom_status"]);
    expect((await rowOf(other.id))!).toMatchObject({ version: 1, customStatus: null });
  });
});

describe("?custom_status= filter", () => {
  it("filters by custom keys and by categories' own names (tickets of the category without a custom status)", async () => {
    const a = await openTicket(s.customer);
    const b = await openTicket(s.customer);
    const c = await openTicket(s.customer);
    await ok(patchTicket(s.agent, a.id, { custom_status: vendor.key }));
    await ok(patchTicket(s.agent, b.id, { custom_status: parts.key }));
    await ok(patchTicket(s.agent, c.id, { status: "pending" }));
    const list = async (q: string, token = s.agent.token) =>
      (await ok(api("GET", `/api/v1/tickets?${q}&limit=100`, { token }))).data.map((t: { id: string }) => t.id).filter((id: string) => [a.id, b.id, c.id].includes(id));
    expect(await list(`custom_status=${vendor.key}`)).toEqual([a.id]);
    expect(await list(`custom_status=${vendor.key},${parts.key}`)).toEqual([b.id, a.id]);
    expect(await list("custom_status=pending")).toEqual([c.id]);
    expect(await list(`custom_status=pending,${parts.key}`)).toEqual([c.id, b.id]);
    expect(await list("status=pending")).toEqual([c.id, b.id, a.id]);
    expect(await list(`custom_status=${vendor.key}`, s.customer.token)).toEqual([a.id]);
    expect(await list(`custom_status=${vendor.key}`, s.customer2.token)).toEqual([]);
    const bad = await api("GET", "/api/v1/tickets?custom_status=nope", { token: s.agent.token });
    expectProblem(bad, 400, "VALIDATION_ERROR");
    expect(bad.body.errors).toEqual({ custom_status: ["no such status: nope"] });
  });
});
