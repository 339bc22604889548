import { describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";

const { agent, agent2, customer, admin } = await makeStaff();
const create = (token: string, body: unknown, headers: Record<string, string> = {}) => api("POST", "/api/v1/saved-searches", { token, body, headers });

describe("saved searches", () => {
  it("are created, listed, changed and deleted by their owner", async () => {
    const made = await create(agent.token, { name: "My refunds", query: "refund", filters: { type: ["tickets"], status: ["open", "pending"] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.headers.get("location")).toBe(`/api/v1/saved-searches/${made.body.id}`);
    expect(made.body).toMatchObject({ name: "My refunds", query: "refund", filters: { type: ["tickets"], status: ["open", "pending"] } });
    const id = made.body.id;

    const listed = await api("GET", "/api/v1/saved-searches", { token: agent.token });
    expect(listed.body.data.map((s: { id: string }) => s.id)).toEqual([id]);

    const patched = await api("PATCH", `/api/v1/saved-searches/${id}`, { token: agent.token, body: { name: "Refunds", filters: { priority: ["high"] } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Refunds", query: "refund", filters: { priority: ["high"] } });
    expect((await api("GET", `/api/v1/saved-searches/${id}`, { token: agent.token })).body.name).toBe("Refunds");

    expect((await api("DELETE", `/api/v1/saved-searches/${id}`, { token: agent.token })).status).toBe(204);
    expectProblem(await api("GET", `/api/v1/saved-searches/${id}`, { token: agent.token }), 404, "NOT_FOUND");
  });

  it("are private: anyone else gets 404 and changes nothing", async () => {
    const made = await create(agent.token, { name: "Private", query: "secret stuff" });
    const id = made.body.id;
    for (const other of [agent2, customer, admin]) {
      expectProblem(await api("GET", `/api/v1/saved-searches/${id}`, { token: other.token }), 404, "NOT_FOUND");
      expectProblem(await api("PATCH", `/api/v1/saved-searches/${id}`, { token: other.token, body: { name: "Mine now" } }), 404, "NOT_FOUND");
      expectProblem(await api("DELETE", `/api/v1/saved-searches/${id}`, { token: other.token }), 404, "NOT_FOUND");
      const theirs = await api("GET", "/api/v1/saved-searches?limit=100", { token: other.token });
      expect(theirs.body.data.map((s: { id: string }) => s.id)).not.toContain(id);
    }
    const mine = await api("GET", `/api/v1/saved-searches/${id}`, { token: agent.token });
    expect(mine.body).toMatchObject({ name: "Private", query: "secret stuff" });
    expectProblem(await api("GET", `/api/v1/saved-searches/${id}`), 401, "UNAUTHORIZED");
  });

  it("names are unique per owner, not across owners", async () => {
    expect((await create(agent2.token, { name: "Daily", query: "a" })).status).toBe(201);
    expectProblem(await create(agent2.token, { name: "Daily", query: "b" }), 409, "CONFLICT");
    expect((await create(customer.token, { name: "Daily", query: "c" })).status).toBe(201);
    const other = await create(agent2.token, { name: "Weekly", query: "d" });
    expectProblem(await api("PATCH", `/api/v1/saved-searches/${other.body.id}`, { token: agent2.token, body: { name: "Daily" } }), 409, "CONFLICT");
  });

  it("refuse bad input", async () => {
    for (const body of [
      {},
      { name: "", query: "x" },
      { name: "x".repeat(101), query: "x" },
      { name: "n", query: "x".repeat(501) },
      { name: "n", query: "x", filters: { type: ["users"] } },
      { name: "n", query: "x", filters: { status: ["lost"] } },
      { name: "n", query: "x", filters: { owner: "someone" } },
      { name: "n", query: "x", filters: [] },
    ]) {
      expectProblem(await create(agent.token, body), 400, "VALIDATION_ERROR");
    }
  });

  it("honour Idempotency-Key", async () => {
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await create(customer.token, { name: "Once", query: "x" }, headers);
    const again = await create(customer.token, { name: "Once", query: "x" }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it("page with a cursor", async () => {
    const { customer2: owner } = await makeStaff();
    for (let i = 0; i < 3; i++) expect((await create(owner.token, { name: `S${i}`, query: "q" })).status).toBe(201);
    const first = await api("GET", "/api/v1/saved-searches?limit=2", { token: owner.token });
    expect(first.body.data.map((s: { name: string }) => s.name)).toEqual(["S0", "S1"]);
    const second = await api("GET", `/api/v1/saved-searches?limit=2&cursor=${first.body.next_cursor}`, { token: owner.token });
    expect(second.body).toMatchObject({ data: [{ name: "S2" }], next_cursor: null });
    // Another user's cursor is not theirs to replay.
    expectProblem(await api("GET", `/api/v1/saved-searches?cursor=${first.body.next_cursor}`, { token: agent.token }), 400, "VALIDATION_ERROR");
  });
});
