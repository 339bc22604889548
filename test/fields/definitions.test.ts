import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { auditRows } from "../tickets/fixtures";
import { defineField, defineStatus, uniqueKey } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const post = (body: unknown, token = s.admin.token) => api("POST", "/api/v1/ticket-fields", { token, body });

describe("custom field definitions (admin)", () => {
  it("creates a dropdown with the documented shape and an audit row", async () => {
    const key = uniqueKey("product");
    const res = await post({ key, label: "Product", type: "dropdown", options: [{ value: "widget", label: "Widget" }], customer_visible: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      key,
      label: "Product",
      type: "dropdown",
      options: [{ value: "widget", label: "Widget" }],
      required_to_resolve: false,
      customer_visible: true,
      customer_editable: false,
      active: true,
      position: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const audit = await auditRows(res.body.id);
    expect(audit.map((a) => a.action)).toEqual(["ticket_field.created"]);
    expect(audit[0]!.actorId).toBe(s.admin.id);
  });

  it.each([
    ["a key that is not a word", { key: "Order Number", label: "x", type: "text" }, "key"],
    ["an unknown type", { key: uniqueKey("k"), label: "x", type: "color" }, "type"],
    ["a dropdown without options", { key: uniqueKey("k"), label: "x", type: "dropdown" }, "options"],
    ["a multiselect with an empty option list", { key: uniqueKey("k"), label: "x", type: "multiselect", options: [] }, "options"],
    ["options on a text field", { key: uniqueKey("k"), label: "x", type: "text", options: [{ value: "a", label: "A" }] }, "options"],
    ["a duplicate option value", { key: uniqueKey("k"), label: "x", type: "dropdown", options: [{ value: "a", label: "A" }, { value: "a", label: "B" }] }, "options"],
    ["an option value with spaces", { key: uniqueKey("k"), label: "x", type: "dropdown", options: [{ value: "a b", label: "A" }] }, "options.0.value"],
    ["customer_editable without customer_visible", { key: uniqueKey("k"), label: "x", type: "text", customer_editable: true }, "customer_editable"],
    ["an empty label", { key: uniqueKey("k"), label: " ", type: "text" }, "label"],
  ])("refuses %s with 400 naming it", async (_, body, field) => {
    const res = await post(body);
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(Object.keys(res.body.errors)).toContain(field);
    const list = await api("GET", "/api/v1/ticket-fields", { token: s.admin.token });
    expect(list.body.data.map((f: { key: string }) => f.key)).not.toContain((body as { key: string }).key);
  });

  it("a taken key is 409, also once its field was deleted (old values can never surface under a new field)", async () => {
    const key = uniqueKey("ref");
    const field = await defineField(s.admin, { key, label: "Ref", type: "text" });
    expectProblem(await post({ key, label: "Again", type: "integer" }), 409, "CONFLICT");
    expect((await api("DELETE", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token })).status).toBe(204);
    expectProblem(await post({ key, label: "Again", type: "integer" }), 409, "CONFLICT");
    expectProblem(await api("GET", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token }), 404, "NOT_FOUND");
    expectProblem(await api("DELETE", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token }), 404, "NOT_FOUND");
  });

  it("PATCH changes label, options, visibility and activity; key and type are fixed", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("size"), label: "Size", type: "dropdown", options: [{ value: "s", label: "S" }] });
    const res = await api("PATCH", `/api/v1/ticket-fields/${field.id}`, {
      token: s.admin.token,
      body: { label: "T-shirt size", options: [{ value: "s", label: "S" }, { value: "m", label: "M" }], customer_visible: true, customer_editable: true, active: false },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ label: "T-shirt size", options: [{ value: "s" }, { value: "m" }], customer_visible: true, customer_editable: true, active: false });
    const key = await api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { key: "other_key" } });
    expectProblem(key, 400, "VALIDATION_ERROR");
    expect(key.body.errors).toEqual({ key: ["fixed once the field exists"] });
    expectProblem(await api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { type: "text" } }), 400, "VALIDATION_ERROR");
    // Hiding it while customers may still edit it is refused.
    expectProblem(await api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { customer_visible: false } }), 400, "VALIDATION_ERROR");
    const now = await api("GET", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token });
    expect(now.body).toEqual(res.body);
    expect((await auditRows(field.id)).map((a) => a.action)).toEqual(["ticket_field.created", "ticket_field.updated"]);
  });

  it("only admins write definitions; nothing changes for anyone else", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("locked"), label: "Locked", type: "text" });
    for (const user of [s.customer, s.agent, s.manager]) {
      expectProblem(await post({ key: uniqueKey("x"), label: "x", type: "text" }, user.token), 403, "FORBIDDEN");
      expectProblem(await api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: user.token, body: { label: "Mine" } }), 403, "FORBIDDEN");
      expectProblem(await api("DELETE", `/api/v1/ticket-fields/${field.id}`, { token: user.token }), 403, "FORBIDDEN");
    }
    expectProblem(await api("GET", "/api/v1/ticket-fields"), 401, "UNAUTHORIZED");
    expect((await api("GET", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token })).body.label).toBe("Locked");
  });

  it("customers read the active fields they may see (a portal form), staff every one", async () => {
    const shown = await defineField(s.admin, { key: uniqueKey("shown"), label: "Shown", type: "text", customer_visible: true });
    const hidden = await defineField(s.admin, { key: uniqueKey("hidden"), label: "Hidden", type: "text" });
    const retired = await defineField(s.admin, { key: uniqueKey("retired"), label: "Retired", type: "text", customer_visible: true, active: false });
    const keys = async (token: string) => (await api("GET", "/api/v1/ticket-fields", { token })).body.data.map((f: { key: string }) => f.key);
    const customerKeys = await keys(s.customer.token);
    expect(customerKeys).toContain(shown.key);
    expect(customerKeys).not.toContain(hidden.key);
    expect(customerKeys).not.toContain(retired.key);
    expect(await keys(s.agent.token)).toEqual(expect.arrayContaining([shown.key, hidden.key, retired.key]));
    expectProblem(await api("GET", `/api/v1/ticket-fields/${hidden.id}`, { token: s.customer.token }), 404, "NOT_FOUND");
  });
});

describe("custom status definitions (admin)", () => {
  it("creates, lists and renames a status; key and category are fixed", async () => {
    const key = uniqueKey("waiting_on_vendor");
    const status = await defineStatus(s.admin, { key, label: "Waiting on vendor", category: "pending" });
    expect(status).toEqual({ id: expect.any(String), key, label: "Waiting on vendor", category: "pending", active: true, position: 0, created_at: expect.any(String), updated_at: expect.any(String) });
    const list = await api("GET", "/api/v1/ticket-statuses", { token: s.customer.token });
    expect(list.body.data).toContainEqual(status);
    const renamed = await api("PATCH", `/api/v1/ticket-statuses/${status.id}`, { token: s.admin.token, body: { label: "Vendor", active: false } });
    expect(renamed.body).toMatchObject({ label: "Vendor", active: false, category: "pending" });
    expectProblem(await api("PATCH", `/api/v1/ticket-statuses/${status.id}`, { token: s.admin.token, body: { category: "open" } }), 400, "VALIDATION_ERROR");
    expect((await auditRows(status.id)).map((a) => a.action)).toEqual(["ticket_status.created", "ticket_status.updated"]);
  });

  it.each([
    ["a category's own name", { key: "pending", label: "P", category: "pending" }, 400],
    ["cancelled as a category", { key: uniqueKey("gone"), label: "G", category: "cancelled" }, 400],
    ["an upper-case key", { key: "Waiting", label: "W", category: "pending" }, 400],
  ])("refuses %s", async (_, body, status) => {
    expect((await api("POST", "/api/v1/ticket-statuses", { token: s.admin.token, body })).status).toBe(status);
  });

  it("a taken key is 409; non-admins may not write", async () => {
    const key = uniqueKey("on_hold");
    await defineStatus(s.admin, { key, label: "On hold", category: "pending" });
    expectProblem(await api("POST", "/api/v1/ticket-statuses", { token: s.admin.token, body: { key, label: "Again", category: "open" } }), 409, "CONFLICT");
    expectProblem(await api("POST", "/api/v1/ticket-statuses", { token: s.manager.token, body: { key: uniqueKey("m"), label: "M", category: "open" } }), 403, "FORBIDDEN");
  });
});
