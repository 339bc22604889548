import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { historyRows, ok, openTicket, patchTicket, rowOf } from "../tickets/fixtures";
import { defineField, fieldsOfEveryType, uniqueKey } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let f: Awaited<ReturnType<typeof fieldsOfEveryType>>;
beforeAll(async () => {
  s = await makeStaff();
  f = await fieldsOfEveryType(s.admin);
});

const good = () => ({
  [f.text.key]: "Order 42",
  [f.textarea.key]: "first line\nsecond line",
  [f.integer.key]: 12345,
  [f.decimal.key]: 19.99,
  [f.checkbox.key]: true,
  [f.date.key]: "2026-03-01",
  [f.dropdown.key]: "gadget",
  [f.multiselect.key]: ["widget", "gizmo"],
});

describe("custom field values on create and PATCH", () => {
  it("every type's valid value is stored, shown, and recorded in history", async () => {
    const t = await openTicket(s.agent, { custom_fields: good() });
    expect(t.custom_fields).toEqual(good());
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token })).body.custom_fields).toEqual(good());
    const [created] = await historyRows(t.id);
    expect(created!.changes[`custom_fields.${f.integer.key}`]).toEqual([null, 12345]);
  });

  it.each([
    ["text", 42, "must be a string"],
    ["textarea", { a: 1 }, "must be a string"],
    ["integer", "12", "must be an integer"],
    ["decimal", "19.99", "must be a number"],
    ["checkbox", "yes", "must be true or false"],
    ["date", "2026-02-30", "must be a date (YYYY-MM-DD)"],
    ["dropdown", "sprocket", "must be one of: widget, gadget, gizmo"],
    ["multiselect", ["widget", "sprocket"], "must be a list of: widget, gadget, gizmo"],
  ] as const)("a bad %s value is 400 naming the field, on create and on PATCH, and changes nothing", async (type, value, message) => {
    const key = f[type].key;
    const create = await api("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: `bad ${type}`, description: "d", custom_fields: { [key]: value } } });
    expectProblem(create, 400, "VALIDATION_ERROR");
    expect(create.body.errors).toEqual({ [`custom_fields.${key}`]: [message] });
    const list = await api("GET", `/api/v1/tickets?q=${encodeURIComponent(`bad ${type}`)}`, { token: s.agent.token });
    expect(list.body.data).toEqual([]);

    const t = await openTicket(s.agent);
    const patch = await patchTicket(s.agent, t.id, { custom_fields: { [key]: value }, priority: "high" });
    expectProblem(patch, 400, "VALIDATION_ERROR");
    expect(patch.body.errors).toEqual({ [`custom_fields.${key}`]: [message] });
    const row = await rowOf(t.id);
    expect(row).toMatchObject({ version: 1, priority: "medium", customFields: {} });
  });

  it("an unknown key is 400 naming it", async () => {
    const res = await api("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "x", description: "d", custom_fields: { no_such_field: 1 } } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toEqual({ "custom_fields.no_such_field": ["no such field"] });
  });

  it("PATCH sets and clears values, one version per change; the same values again change nothing", async () => {
    const t = await openTicket(s.agent, { custom_fields: { [f.integer.key]: 1 } });
    const set = await ok(patchTicket(s.agent, t.id, { custom_fields: { [f.integer.key]: 2, [f.dropdown.key]: "widget" } }));
    expect(set).toMatchObject({ version: 2, custom_fields: { [f.integer.key]: 2, [f.dropdown.key]: "widget" } });
    const same = await ok(patchTicket(s.agent, t.id, { custom_fields: { [f.integer.key]: 2 } }));
    expect(same.version).toBe(2);
    const cleared = await ok(patchTicket(s.agent, t.id, { custom_fields: { [f.integer.key]: null } }));
    expect(cleared).toMatchObject({ version: 3, custom_fields: { [f.dropdown.key]: "widget" } });
    const history = await historyRows(t.id);
    expect(history.map((h) => h.changes)).toEqual([
      expect.objectContaining({ [`custom_fields.${f.integer.key}`]: [null, 1] }),
      { [`custom_fields.${f.integer.key}`]: [1, 2], [`custom_fields.${f.dropdown.key}`]: [null, "widget"] },
      { [`custom_fields.${f.integer.key}`]: [2, null] },
    ]);
  });

  it("an inactive field keeps its values but takes no new ones", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("legacy"), label: "Legacy", type: "text" });
    const t = await openTicket(s.agent, { custom_fields: { [field.key]: "kept" } });
    await ok(api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { active: false } }));
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token })).body.custom_fields).toEqual({ [field.key]: "kept" });
    const res = await patchTicket(s.agent, t.id, { custom_fields: { [field.key]: "new" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toEqual({ [`custom_fields.${field.key}`]: ["the field is inactive"] });
  });

  it("a deleted field's values are shown nowhere at once and are dropped by the ticket's next write", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("gone"), label: "Gone", type: "dropdown", options: [{ value: "x", label: "X" }] });
    const t = await openTicket(s.agent, { custom_fields: { [field.key]: "x", [f.integer.key]: 5 } });
    expect((await api("GET", `/api/v1/tickets?cf.${field.key}=x`, { token: s.agent.token })).body.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect((await api("DELETE", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token })).status).toBe(204);
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token })).body.custom_fields).toEqual({ [f.integer.key]: 5 });
    expectProblem(await api("GET", `/api/v1/tickets?cf.${field.key}=x`, { token: s.agent.token }), 400, "VALIDATION_ERROR");
    const count = await api("GET", `/api/v1/ticket-fields`, { token: s.admin.token });
    expect(count.body.data.map((d: { key: string }) => d.key)).not.toContain(field.key);
    expect((await rowOf(t.id))!.customFields).toEqual({ [field.key]: "x", [f.integer.key]: 5 });
    await ok(patchTicket(s.agent, t.id, { priority: "high" }));
    expect((await rowOf(t.id))!.customFields).toEqual({ [f.integer.key]: 5 });
  });
});

describe("who may set which field", () => {
  it("a customer sets customer-editable fields on create and PATCH; a read-only visible field is 403; a hidden one is 400 like an unknown one", async () => {
    const editable = await defineField(s.admin, { key: uniqueKey("order"), label: "Order", type: "text", customer_visible: true, customer_editable: true });
    const readOnly = await defineField(s.admin, { key: uniqueKey("approved"), label: "Approved", type: "checkbox", customer_visible: true });
    const hidden = await defineField(s.admin, { key: uniqueKey("risk"), label: "Risk", type: "integer" });
    const t = await openTicket(s.customer, { custom_fields: { [editable.key]: "A-1" } });
    expect(t.custom_fields).toEqual({ [editable.key]: "A-1" });
    expect((await ok(patchTicket(s.customer, t.id, { custom_fields: { [editable.key]: "A-2" } }))).custom_fields).toEqual({ [editable.key]: "A-2" });

    const ro = await patchTicket(s.customer, t.id, { custom_fields: { [readOnly.key]: true } });
    expectProblem(ro, 403, "FORBIDDEN");
    expect(ro.body.errors).toEqual({ [`custom_fields.${readOnly.key}`]: ["customers may not change this field"] });
    const hid = await patchTicket(s.customer, t.id, { custom_fields: { [hidden.key]: 1 } });
    expectProblem(hid, 400, "VALIDATION_ERROR");
    expect(hid.body.errors).toEqual({ [`custom_fields.${hidden.key}`]: ["no such field"] });
    const onCreate = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "x", description: "d", custom_fields: { [readOnly.key]: true } } });
    expectProblem(onCreate, 403, "FORBIDDEN");
    expect((await rowOf(t.id))!.customFields).toEqual({ [editable.key]: "A-2" });
  });
});

describe("required to resolve", () => {
  it("resolving without the field is 422 naming it; with it (before or in the same PATCH) the ticket resolves", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("root_cause"), label: "Root cause", type: "dropdown", required_to_resolve: true, options: [{ value: "bug", label: "Bug" }] });
    // Opening a ticket needs none of them (mail and customers open tickets without them).
    const t = await openTicket(s.agent);
    const refused = await patchTicket(s.agent, t.id, { status: "resolved" });
    expectProblem(refused, 422, "INVALID_TRANSITION");
    expect(refused.body.errors).toEqual({ [`custom_fields.${field.key}`]: ["required to resolve"] });
    expect((await rowOf(t.id))!.status).toBe("open");
    const resolved = await ok(patchTicket(s.agent, t.id, { status: "resolved", custom_fields: { [field.key]: "bug" } }));
    expect(resolved).toMatchObject({ status: "resolved", custom_fields: { [field.key]: "bug" } });
    // Deactivated, it is required no more.
    await ok(api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { active: false } }));
    const other = await openTicket(s.agent);
    expect((await ok(patchTicket(s.agent, other.id, { status: "resolved" }))).status).toBe("resolved");
  });
});

describe("concurrent edits of custom fields", () => {
  it("a stale If-Match that changes the same field is 409 naming it; another field merges", async () => {
    const t = await openTicket(s.agent);
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [f.integer.key]: 1 } }, '"1"'));
    const clash = await patchTicket(s.agent2, t.id, { custom_fields: { [f.integer.key]: 2 } }, '"1"');
    expectProblem(clash, 409, "CONFLICT");
    expect(clash.body.conflicting_fields).toEqual([`custom_fields.${f.integer.key}`]);
    const merged = await ok(patchTicket(s.agent2, t.id, { custom_fields: { [f.text.key]: "x" } }, '"1"'));
    expect(merged).toMatchObject({ version: 3, custom_fields: { [f.integer.key]: 1, [f.text.key]: "x" } });
  });
});
