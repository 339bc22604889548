import { describe, expect, it, vi } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { search, ticket, word } from "./support";

const { customer, agent, manager, admin } = await makeStaff();

describe("GET /search/analytics", () => {
  it("is for admins only", async () => {
    expectProblem(await api("GET", "/api/v1/search/analytics"), 401, "UNAUTHORIZED");
    for (const who of [customer, agent, manager]) {
      expectProblem(await api("GET", "/api/v1/search/analytics", { token: who.token }), 403, "FORBIDDEN");
    }
    expectProblem(await api("GET", "/api/v1/search/analytics?days=91", { token: admin.token }), 400, "VALIDATION_ERROR");
  });

  it("counts top queries and queries that found nothing, by their normalised words", async () => {
    const found = word();
    const missing = word();
    await ticket(customer.token, `Found ${found}`, "x");
    await ticket(customer.token, `Found again ${found}`, "x");
    await search(customer.token, found);
    await search(agent.token, found.toUpperCase());
    await search(agent.token, `  ${found}!! `);
    await search(agent.token, missing);
    // Paging on is the same search: counted once.
    const first = await search(agent.token, found, { limit: "1" });
    expect(first.next_cursor).not.toBeNull();
    await search(agent.token, found, { limit: "1", cursor: first.next_cursor! });

    await vi.waitFor(
      async () => {
        const res = await api("GET", "/api/v1/search/analytics?limit=100", { token: admin.token });
        expect(res.status).toBe(200);
        expect(res.body.top_queries).toContainEqual({ query: found, searches: 4, zero_results: 0 });
        expect(res.body.zero_result_queries).toContainEqual({ query: missing, searches: 1, zero_results: 1 });
        expect(res.body.zero_result_queries.map((q: { query: string }) => q.query)).not.toContain(found);
        expect(res.body.to).toBe(new Date().toISOString().slice(0, 10));
      },
      { timeout: 5000, interval: 100 },
    );
  });
});
