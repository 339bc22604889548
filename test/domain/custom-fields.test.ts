import { describe, expect, it } from "vitest";
import {
  applyFieldEdit,
  checkFieldValue,
  customerChanges,
  customerTicket,
  indexEntries,
  missingToResolve,
  parseFilterValue,
  type FieldCatalog,
  type FieldDefinition,
} from "../../src/domain/custom-fields";
import { customStatusOf, resolveStatusEdit, type StatusCatalog } from "../../src/domain/custom-statuses";
import type { FieldType } from "../../src/domain/vocabulary";

const def = (type: FieldType, over: Partial<FieldDefinition> = {}): FieldDefinition => ({
  id: `f-${type}`,
  key: type,
  label: type,
  type,
  options: type === "dropdown" || type === "multiselect" ? [{ value: "a", label: "A" }, { value: "b", label: "B" }] : null,
  requiredToResolve: false,
  customerVisible: false,
  customerEditable: false,
  active: true,
  ...over,
});

describe("checkFieldValue: every type", () => {
  it.each([
    ["text", "  Order 42  ", "Order 42"],
    ["text", "   ", null],
    ["textarea", "line 1\nline 2", "line 1\nline 2"],
    ["integer", 12345, 12345],
    ["integer", -3, -3],
    ["decimal", 12.5, 12.5],
    ["decimal", 3, 3],
    ["checkbox", true, true],
    ["checkbox", false, false],
    ["date", "2026-02-28", "2026-02-28"],
    ["date", "2028-02-29", "2028-02-29"],
    ["dropdown", "b", "b"],
    ["multiselect", ["b", "a", "b"], ["b", "a"]],
    ["multiselect", [], null],
    ["integer", null, null],
  ] as const)("%s accepts %j as %j", (type, raw, stored) => {
    expect(checkFieldValue(def(type), raw)).toEqual({ ok: true, value: stored });
  });

  it.each([
    ["text", 42, "must be a string"],
    ["text", "two\nlines", "must be a single line"],
    ["text", "x".repeat(256), "must be at most 255 characters"],
    ["textarea", "x".repeat(10_001), "must be at most 10000 characters"],
    ["integer", 1.5, "must be an integer"],
    ["integer", "12", "must be an integer"],
    ["integer", 2 ** 60, "must be an integer"],
    ["decimal", "1.5", "must be a number"],
    ["checkbox", "true", "must be true or false"],
    ["checkbox", 1, "must be true or false"],
    ["date", "2026-02-30", "must be a date (YYYY-MM-DD)"],
    ["date", "2026-2-3", "must be a date (YYYY-MM-DD)"],
    ["date", "2026-02-03T00:00:00Z", "must be a date (YYYY-MM-DD)"],
    ["dropdown", "c", "must be one of: a, b"],
    ["dropdown", ["a"], "must be one of: a, b"],
    ["multiselect", "a", "must be a list of: a, b"],
    ["multiselect", ["a", "z"], "must be a list of: a, b"],
    ["multiselect", [1], "must be a list of: a, b"],
  ] as const)("%s refuses %j: %s", (type, raw, message) => {
    expect(checkFieldValue(def(type), raw)).toEqual({ ok: false, message });
  });
});

const catalog: FieldCatalog = new Map(
  [
    def("integer", { key: "order_number", requiredToResolve: true }),
    def("dropdown", { key: "product", customerVisible: true, customerEditable: true }),
    def("checkbox", { key: "refund_approved", customerVisible: true, requiredToResolve: true }),
    def("text", { key: "internal_ref" }),
    def("text", { key: "legacy", active: false }),
  ].map((d) => [d.key, d]),
);

describe("applyFieldEdit: who may set what", () => {
  it("staff set any active field; values that do not change are no change", () => {
    const r = applyFieldEdit(catalog, { product: "a" }, { order_number: 7, product: "a", internal_ref: "X-1" }, "staff");
    expect(r).toEqual({ ok: true, next: { product: "a", order_number: 7, internal_ref: "X-1" }, changes: { order_number: [null, 7], internal_ref: [null, "X-1"] } });
  });

  it("null clears a value", () => {
    expect(applyFieldEdit(catalog, { order_number: 7 }, { order_number: null }, "staff")).toEqual({ ok: true, next: {}, changes: { order_number: [7, null] } });
  });

  it("every bad value is named at once", () => {
    expect(applyFieldEdit(catalog, {}, { order_number: "seven", product: "z", nope: 1 }, "staff")).toEqual({
      ok: false,
      reason: "validation",
      errors: { "custom_fields.order_number": ["must be an integer"], "custom_fields.product": ["must be one of: a, b"], "custom_fields.nope": ["no such field"] },
    });
  });

  it("an inactive field keeps its value but takes no new one (clearing it is allowed)", () => {
    expect(applyFieldEdit(catalog, {}, { legacy: "x" }, "staff")).toMatchObject({ ok: false, errors: { "custom_fields.legacy": ["the field is inactive"] } });
    expect(applyFieldEdit(catalog, { legacy: "x" }, { legacy: null }, "staff")).toMatchObject({ ok: true, next: {} });
  });

  it("customers set customer-editable fields; a visible read-only one is forbidden; a hidden one does not exist for them", () => {
    expect(applyFieldEdit(catalog, {}, { product: "b" }, "customer")).toMatchObject({ ok: true, next: { product: "b" } });
    expect(applyFieldEdit(catalog, {}, { refund_approved: true }, "customer")).toEqual({
      ok: false,
      reason: "forbidden",
      errors: { "custom_fields.refund_approved": ["customers may not change this field"] },
    });
    // The same answer as for a key that does not exist: no oracle of hidden field names.
    const hidden = applyFieldEdit(catalog, {}, { order_number: 1 }, "customer");
    const missing = applyFieldEdit(catalog, {}, { no_such: 1 }, "customer");
    expect(hidden).toEqual({ ok: false, reason: "validation", errors: { "custom_fields.order_number": ["no such field"] } });
    expect(missing).toEqual({ ok: false, reason: "validation", errors: { "custom_fields.no_such": ["no such field"] } });
  });
});

describe("missingToResolve", () => {
  it("names the active required fields without a value; a required checkbox must be ticked", () => {
    expect(missingToResolve(catalog, {})).toEqual(["order_number", "refund_approved"]);
    expect(missingToResolve(catalog, { order_number: 1, refund_approved: false })).toEqual(["refund_approved"]);
    expect(missingToResolve(catalog, { order_number: 1, refund_approved: true })).toEqual([]);
  });

  it("an inactive required field is not required", () => {
    const c: FieldCatalog = new Map([["old", def("text", { key: "old", requiredToResolve: true, active: false })]]);
    expect(missingToResolve(c, {})).toEqual([]);
  });
});

describe("customer projections", () => {
  it("keep only the visible fields of a ticket and of a changes map", () => {
    const ticket = { id: "t", status: "open", custom_fields: { product: "a", order_number: 7 } };
    expect(customerTicket(ticket, ["product"])).toEqual({ id: "t", status: "open", custom_fields: { product: "a" } });
    expect(customerChanges({ status: ["open", "pending"], "custom_fields.order_number": [null, 7], "custom_fields.product": [null, "a"] }, ["product"])).toEqual({
      status: ["open", "pending"],
      "custom_fields.product": [null, "a"],
    });
  });
});

describe("the filter index", () => {
  it.each([
    ["dropdown", "a", [{ text: "a", int: null }]],
    ["multiselect", ["a", "b"], [{ text: "a", int: null }, { text: "b", int: null }]],
    ["checkbox", false, [{ text: null, int: 0 }]],
    ["integer", 42, [{ text: null, int: 42 }]],
    ["date", "2026-01-02", [{ text: "2026-01-02", int: null }]],
    ["text", "x", []],
    ["decimal", 1.5, []],
  ] as const)("%s %j has index rows %j", (type, value, rows) => {
    expect(indexEntries(def(type), value as never)).toEqual(rows);
  });

  it.each([
    ["checkbox", "true", { ok: true, value: { int: 1 } }],
    ["checkbox", "yes", { ok: false, message: "must be true or false" }],
    ["integer", "-12", { ok: true, value: { int: -12 } }],
    ["integer", "1e3", { ok: false, message: "must be an integer" }],
    ["date", "2026-13-01", { ok: false, message: "must be a date (YYYY-MM-DD)" }],
    ["dropdown", "b", { ok: true, value: { text: "b" } }],
    ["dropdown", "' OR 1=1 --", { ok: false, message: "must be one of: a, b" }],
    ["multiselect", "a", { ok: true, value: { text: "a" } }],
    ["text", "x", { ok: false, message: "a text field cannot be filtered by" }],
  ] as const)("a %s filter of %j", (type, raw, result) => {
    expect(parseFilterValue(def(type), raw)).toEqual(result);
  });
});

describe("custom statuses", () => {
  const statuses: StatusCatalog = new Map([
    ["waiting_on_vendor", { id: "s1", key: "waiting_on_vendor", label: "Waiting on vendor", category: "pending", active: true }],
    ["old_status", { id: "s2", key: "old_status", label: "Old", category: "open", active: false }],
  ]);

  it.each([
    [{ status: "pending" }, { ok: true, edit: { status: "pending" } }],
    [{ customStatus: "waiting_on_vendor" }, { ok: true, edit: { status: "pending", customStatus: "waiting_on_vendor" } }],
    [{ status: "pending", customStatus: "waiting_on_vendor" }, { ok: true, edit: { status: "pending", customStatus: "waiting_on_vendor" } }],
    [{ customStatus: "open" }, { ok: true, edit: { status: "open", customStatus: null } }],
    [{ status: "open", customStatus: "waiting_on_vendor" }, { ok: false, errors: { custom_status: ["waiting_on_vendor is a kind of pending, not open"] } }],
    [{ status: "open", customStatus: "pending" }, { ok: false, errors: { custom_status: ["pending is not a kind of open"] } }],
    [{ customStatus: "nope" }, { ok: false, errors: { custom_status: ["no such status"] } }],
    [{ customStatus: "old_status" }, { ok: false, errors: { custom_status: ["the status is inactive"] } }],
  ] as const)("%j -> %j", (input, result) => {
    expect(resolveStatusEdit(statuses, input)).toEqual(result);
  });

  it("a ticket without a custom status shows its category's name", () => {
    expect(customStatusOf({ status: "pending", customStatus: null })).toBe("pending");
    expect(customStatusOf({ status: "pending", customStatus: "waiting_on_vendor" })).toBe("waiting_on_vendor");
  });
});
