import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, type ApiResponse, type TestUser } from "../helpers";
import { openTicket, patchTicket, type TicketBody } from "../tickets/fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
let t: TicketBody;
beforeAll(async () => {
  s = await makeStaff();
  t = await openTicket(s.customer, { priority: "low" });
  const steps: [TestUser, string, string, unknown][] = [
    [s.agent, "PATCH", "", { status: "in_progress" }],
    [s.agent, "POST", "/comments", { body: "public" }],
    [s.agent, "POST", "/comments", { body: "note", internal: true }],
    [s.agent, "POST", "/assign", { assignee_id: s.agent.id }],
    [s.manager, "POST", "/escalate", { reason: "important customer" }],
    [s.agent, "PATCH", "", { status: "pending" }],
    [s.customer, "POST", "/comments", { body: "here you go" }],
    [s.agent, "PATCH", "", { status: "resolved" }],
  ];
  for (const [who, method, path, body] of steps) {
    const res = await api(method, `/api/v1/tickets/${t.id}${path}`, { token: who.token, body });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
});

const history = (who: TestUser, q = "") => api("GET", `/api/v1/tickets/${t.id}/history${q}`, { token: who.token });

async function walk(who: TestUser, limit: number) {
  const seen: { type: string; version: number }[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await history(who, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...res.body.data);
    cursor = res.body.next_cursor;
  } while (cursor);
  return seen;
}

describe("GET /tickets/{id}/history", () => {
  it("staff see every entry, oldest first, each with the version after it and its actor", async () => {
    const res = await history(s.agent);
    expect(res.body.next_cursor).toBeNull();
    const entries = res.body.data;
    const summary = entries.map((h: { type: string; version: number }) => `${h.version}:${h.type}`);
    // The customer's reply reopens the pending ticket: its comment and status change share version 7.
    expect(summary.slice(0, 7)).toEqual(["1:created", "2:updated", "2:commented", "2:note_added", "3:assigned", "4:escalated", "5:updated"]);
    expect(summary.slice(7, 9).sort()).toEqual(["6:commented", "6:updated"]);
    expect(summary.slice(9)).toEqual(["7:updated"]);
    for (const h of entries) {
      expect(Object.keys(h).sort()).toEqual(["actor", "at", "changes", "id", "type", "version"]);
      expect(h.actor).toEqual(expect.objectContaining({ id: expect.any(String), name: expect.any(String), role: expect.any(String) }));
    }
    expect(entries.find((h: { type: string }) => h.type === "escalated")).toMatchObject({
      actor: { id: s.manager.id, role: "manager" },
      changes: { priority: ["low", "medium"], reason: "important customer" },
    });
    expect(entries.at(-1).changes).toEqual({ status: ["open", "resolved"] });
  });

  it("customers see no internal event", async () => {
    const entries = (await history(s.customer)).body.data;
    const types = entries.map((h: { type: string }) => h.type);
    expect(types).not.toContain("note_added");
    expect(types).not.toContain("escalated");
    expect(types.filter((x: string) => x === "commented")).toHaveLength(2);
    expect(JSON.stringify(entries)).not.toContain("important customer");
  });

  it.each([1, 2, 3, 50])("walking pages of %i gives the same entries, no duplicates or gaps", async (limit) => {
    for (const who of [s.agent, s.customer]) {
      const full = (await history(who)).body.data;
      expect(await walk(who, limit)).toEqual(full);
    }
  });

  it("a cursor of another ticket's history, a tampered one or a bad limit → 400", async () => {
    const other = await openTicket(s.customer);
    await patchTicket(s.agent, other.id, { priority: "high" });
    const cursor: string = (await api("GET", `/api/v1/tickets/${other.id}/history?limit=1`, { token: s.agent.token })).body.next_cursor;
    expectProblem(await history(s.agent, `?limit=1&cursor=${encodeURIComponent(cursor)}`), 400, "VALIDATION_ERROR");
    const own: string = (await history(s.agent, "?limit=1")).body.next_cursor;
    expectProblem(await history(s.agent, `?cursor=${encodeURIComponent(own.replace(/.$/, own.endsWith("A") ? "B" : "A"))}`), 400, "VALIDATION_ERROR");
    for (const q of ["?limit=0", "?limit=101", "?cursor=garbage"]) expectProblem(await history(s.agent, q), 400, "VALIDATION_ERROR");
  });

  it("another customer gets 404; no token gets 401", async () => {
    expectProblem(await history(s.customer2), 404, "NOT_FOUND");
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/history`), 401, "UNAUTHORIZED");
  });
});
