import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";

describe("tickets smoke", () => {
  it("creates, lists, patches, comments", async () => {
    const { customer, agent, admin } = await makeStaff();
    const created = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Printer on fire", description: "Help", tags: ["Fire", "printer"] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.number).toMatch(/^TICK-\d{8}-\d{4}$/);
    expect(created.headers.get("etag")).toBe('"1"');
    const id = created.body.id;
    const list = await api("GET", "/api/v1/tickets?limit=1", { token: agent.token });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const p = await api("PATCH", `/api/v1/tickets/${id}`, { token: agent.token, body: { priority: "high", status: "in_progress" }, headers: { "if-match": '"1"' } });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body.version).toBe(2);
    const c = await api("POST", `/api/v1/tickets/${id}/comments`, { token: agent.token, body: { body: "On it" } });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const n = await api("POST", `/api/v1/tickets/${id}/comments`, { token: agent.token, body: { body: "secret", internal: true } });
    expect(n.status).toBe(201);
    const cc = await api("GET", `/api/v1/tickets/${id}/comments`, { token: customer.token });
    expect(cc.body.data.map((x: any) => x.body)).toEqual(["On it"]);
    const h = await api("GET", `/api/v1/tickets/${id}/history`, { token: agent.token });
    expect(h.status, JSON.stringify(h.body)).toBe(200);
    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${id}`, { token: admin.token });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(audit.body.data.length).toBeGreaterThan(0);
    const t = await api("GET", `/api/v1/tickets/${created.body.number}`, { token: customer.token });
    expect(t.body.first_response_at).not.toBeNull();
  });
});
