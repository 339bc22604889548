import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";

const { customer, agent } = await makeStaff();
const create = (body: Record<string, unknown>, token = agent.token) => api("POST", "/api/v1/kb/categories", { token, body });

describe("categories", () => {
  it("nest one level and are listed to anyone in display order", async () => {
    const top = await create({ name: "Accounts", description: "Sign-in and billing", position: 2 });
    expect(top.status, JSON.stringify(top.body)).toBe(201);
    expect(top.headers.get("location")).toBe(`/api/v1/kb/categories/${top.body.id}`);
    expect(top.body).toMatchObject({ name: "Accounts", description: "Sign-in and billing", parent_id: null, position: 2 });
    const first = await create({ name: "Getting started", position: 1 });
    const child = await create({ name: "Passwords", parent_id: top.body.id });
    expect(child.body.parent_id).toBe(top.body.id);

    const listed = await api("GET", "/api/v1/kb/categories");
    expect(listed.status).toBe(200);
    expect(listed.body.next_cursor).toBeNull();
    const order = listed.body.data.map((c: { id: string }) => c.id);
    expect(order.indexOf(child.body.id)).toBeLessThan(order.indexOf(first.body.id));
    expect(order.indexOf(first.body.id)).toBeLessThan(order.indexOf(top.body.id));
    expect((await api("GET", `/api/v1/kb/categories/${child.body.id}`, { token: customer.token })).body.name).toBe("Passwords");
  });

  it("refuse a second level, a parent of itself, and a parent that has children", async () => {
    const top = await create({ name: "Top" });
    const child = await create({ name: "Child", parent_id: top.body.id });
    const other = await create({ name: "Other" });
    expectProblem(await create({ name: "Grandchild", parent_id: child.body.id }), 400, "VALIDATION_ERROR");
    expectProblem(await create({ name: "Orphan", parent_id: "missing" }), 400, "VALIDATION_ERROR");
    const patch = (id: string, body: Record<string, unknown>) => api("PATCH", `/api/v1/kb/categories/${id}`, { token: agent.token, body });
    expectProblem(await patch(top.body.id, { parent_id: top.body.id }), 400, "VALIDATION_ERROR");
    expectProblem(await patch(top.body.id, { parent_id: other.body.id }), 400, "VALIDATION_ERROR");
    expectProblem(await patch(other.body.id, { parent_id: child.body.id }), 400, "VALIDATION_ERROR");
    const moved = await patch(other.body.id, { parent_id: top.body.id, name: "Moved" });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: "Moved", parent_id: top.body.id });
    const back = await patch(other.body.id, { parent_id: null });
    expect(back.body.parent_id).toBeNull();
  });

  it("only an empty category can be deleted", async () => {
    const top = await create({ name: "Full" });
    const child = await create({ name: "Sub", parent_id: top.body.id });
    const article = await api("POST", "/api/v1/kb/articles", { token: agent.token, body: { title: "In sub", body: "x", category_id: child.body.id } });
    expectProblem(await api("DELETE", `/api/v1/kb/categories/${top.body.id}`, { token: agent.token }), 409, "CONFLICT");
    expectProblem(await api("DELETE", `/api/v1/kb/categories/${child.body.id}`, { token: agent.token }), 409, "CONFLICT");
    await api("PATCH", `/api/v1/kb/articles/${article.body.id}`, { token: agent.token, body: { category_id: null } });
    expect((await api("DELETE", `/api/v1/kb/categories/${child.body.id}`, { token: agent.token })).status).toBe(204);
    expect((await api("DELETE", `/api/v1/kb/categories/${top.body.id}`, { token: agent.token })).status).toBe(204);
    expectProblem(await api("GET", `/api/v1/kb/categories/${top.body.id}`), 404, "NOT_FOUND");
  });

  it("are written by staff only, with valid input", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM kb_categories").first<{ n: number }>();
    expectProblem(await create({ name: "Mine" }, customer.token), 403, "FORBIDDEN");
    expectProblem(await api("POST", "/api/v1/kb/categories", { body: { name: "Anon" } }), 401, "UNAUTHORIZED");
    for (const body of [{}, { name: "" }, { name: "x".repeat(101) }, { name: "n", position: -1 }, { name: "n", position: 1.5 }]) {
      expectProblem(await create(body), 400, "VALIDATION_ERROR");
    }
    const after = await env.DB.prepare("SELECT count(*) AS n FROM kb_categories").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
    const top = await create({ name: "Locked" });
    expectProblem(await api("PATCH", `/api/v1/kb/categories/${top.body.id}`, { token: customer.token, body: { name: "x" } }), 403, "FORBIDDEN");
    expectProblem(await api("DELETE", `/api/v1/kb/categories/${top.body.id}`, { token: customer.token }), 403, "FORBIDDEN");
  });
});
