import { describe, expect, it } from "vitest";
import { parseActions, parseRule } from "../../src/domain/rules";
import {
  ACTION_TYPES,
  bulkChanges,
  CONDITION_FIELDS,
  conditionValue,
  defaultValue,
  describeAction,
  EMPTY_BULK,
  enumValues,
  errorsUnder,
  newAction,
  otherErrors,
  splitList,
  ticketChanges,
} from "../src/lib/automation";

const OPTIONS = { customFields: true, webhooks: true };
/** An automation needs a time condition; triggers do not. */
const clock = (kind: "trigger" | "automation") => (kind === "automation" ? [{ field: "hours_since_created", operator: "greater_than" as const, value: 1 }] : []);

describe("the structured rule editor speaks the Worker's rule language", () => {
  // Every field the editor offers, with the value it starts with, is a condition the API accepts for its kind.
  it.each(CONDITION_FIELDS.map((f) => [f.field, f] as const))("%s with its first value", (_, f) => {
    const operator = f.kind === "hours" ? "greater_than" : f.kind === "tags" ? "contains" : "is";
    const value = f.kind === "tags" ? "vip" : f.kind === "text" ? "refund" : f.kind === "user" || f.kind === "team" ? null : defaultValue(f.kind, operator);
    const kinds = f.scope === "both" ? (["trigger", "automation"] as const) : ([f.scope] as const);
    for (const kind of kinds) {
      const parsed = parseRule(kind, { conditions: { all: [{ field: f.field, operator: operator as never, value }, ...clock(kind)], any: [] }, actions: [{ type: "set_priority", value: "high" }] }, OPTIONS);
      expect(parsed, `${kind}: ${f.field} ${operator} ${JSON.stringify(value)}`).toMatchObject({ ok: true });
    }
  });

  it("offers a field only to the kind of rule that may name it", () => {
    for (const f of CONDITION_FIELDS.filter((x) => x.scope !== "both")) {
      const other = f.scope === "trigger" ? "automation" : "trigger";
      const value = f.kind === "hours" ? 24 : defaultValue(f.kind, "is");
      const parsed = parseRule(other, { conditions: { all: [{ field: f.field, operator: (f.kind === "hours" ? "greater_than" : "is") as never, value }, ...clock(other)], any: [] }, actions: [{ type: "set_priority", value: "high" }] }, OPTIONS);
      expect(parsed, f.field).toMatchObject({ ok: false, issues: [{ path: "conditions.all.0.field" }] });
    }
  });

  it("every new action the editor makes is a valid macro or rule action once its texts are filled", () => {
    for (const { type, rulesOnly } of ACTION_TYPES) {
      const action = newAction(type) as { type: string; value: any };
      if (type === "add_comment") action.value.body = "Hello {{requester.name}}";
      if (type === "add_tags" || type === "remove_tags") action.value = ["vip"];
      if (type === "set_custom_field") action.value = { key: "product", value: "pro" };
      if (type === "send_email") Object.assign(action.value, { subject: "S", body: "B" });
      if (type === "notify") action.value.title = "T";
      if (type === "webhook") action.value.webhook_id = "wh_1";
      expect(parseActions("trigger", [action as never], OPTIONS), type).toMatchObject({ ok: true });
      expect(parseActions("macro", [action as never], OPTIONS).ok, `macro ${type}`).toBe(!rulesOnly);
    }
  });

  it("enumerations are the Worker's", () => {
    const refused = parseRule("trigger", { conditions: { all: [{ field: "status", operator: "is", value: "nope" }], any: [] }, actions: [{ type: "set_priority", value: "high" }] }, OPTIONS);
    expect(refused.ok).toBe(false);
    for (const s of enumValues("status")!) {
      expect(parseRule("trigger", { conditions: { all: [{ field: "status", operator: "is", value: s }], any: [] }, actions: [{ type: "set_priority", value: "high" }] }, OPTIONS).ok, s).toBe(true);
    }
  });
});

describe("condition values from what a person typed", () => {
  it.each([
    ["text", "is", "Outage", "Outage"],
    ["text", "in", "a, b,, c ", ["a", "b", "c"]],
    ["boolean", "is", "true", true],
    ["boolean", "is", "false", false],
    ["hours", "greater_than", "72", 72],
    ["hours", "greater_than", "", ""],
    ["user", "is", "", null],
    ["team", "is_not", "t1", "t1"],
    ["status", "present", "open", undefined],
    ["tags", "changed", "", undefined],
  ] as const)("%s %s %j → %j", (kind, op, text, value) => {
    expect(conditionValue(kind, op, text)).toEqual(value);
  });

  it("a fresh value fits the operator", () => {
    expect(defaultValue("priority", "is")).toBe("critical");
    expect(defaultValue("priority", "in")).toEqual([]);
    expect(defaultValue("text", "absent")).toBeUndefined();
    expect(defaultValue("boolean", "is")).toBe(true);
  });

  it("splits comma lists", () => {
    expect(splitList(" vip ,billing,,  ")).toEqual(["vip", "billing"]);
  });
});

describe("API errors at their rows", () => {
  const errors = {
    name: ["must not be blank"],
    "conditions.all.1.operator": ["subject takes: is, is_not, contains, not_contains"],
    "conditions.all.10.value": ["must be a text"],
    "actions.0.value.body": ["must not be blank"],
    "actions.2": ["unknown action"],
  };
  it("claims a row's own entries, not a longer index's", () => {
    expect(errorsUnder(errors, "conditions.all.1")).toEqual(["operator: subject takes: is, is_not, contains, not_contains"]);
    expect(errorsUnder(errors, "actions.0")).toEqual(["body: must not be blank"]);
    expect(errorsUnder(errors, "actions.2")).toEqual(["unknown action"]);
    expect(errorsUnder(errors, "actions.1")).toEqual([]);
    expect(errorsUnder(undefined, "actions.1")).toEqual([]);
  });
  it("lists what no row shows", () => {
    expect(otherErrors(errors, (p) => p.startsWith("conditions.") || p.startsWith("actions."))).toEqual(["name: must not be blank"]);
  });
});

describe("what a macro preview would change", () => {
  const before = { status: "open", custom_status: null, priority: "low", category: null, assignee_id: null, team_id: null, tags: ["a", "b"], custom_fields: { product: "pro" } };
  it("names each changed field, tags by content not order", () => {
    const after = { ...before, status: "pending", priority: "high", assignee_id: "u1", tags: ["b", "a"], custom_fields: { product: "basic", order: "42" } };
    expect(ticketChanges(before, after)).toEqual([
      { field: "status", from: "open", to: "pending" },
      { field: "priority", from: "low", to: "high" },
      { field: "assignee_id", from: null, to: "u1" },
      { field: "custom_fields.order", from: null, to: "42" },
      { field: "custom_fields.product", from: "pro", to: "basic" },
    ]);
  });
  it("a custom status is shown as itself when it is not just the category", () => {
    expect(ticketChanges(before, { ...before, status: "pending", custom_status: "waiting_on_vendor" }).map((c) => c.field)).toEqual(["status", "custom_status"]);
    expect(ticketChanges(before, before)).toEqual([]);
  });
});

describe("bulk changes from the form", () => {
  it("sends only what is set; me and nobody become ids and null", () => {
    expect(bulkChanges(EMPTY_BULK, "me1")).toEqual({});
    expect(bulkChanges({ ...EMPTY_BULK, status: "pending", assignee: "me", addTags: "VIP, billing" }, "me1")).toEqual({ status: "pending", assignee_id: "me1", add_tags: ["vip", "billing"] });
    expect(bulkChanges({ ...EMPTY_BULK, assignee: "none", removeTags: "old" }, "me1")).toEqual({ assignee_id: null, remove_tags: ["old"] });
    expect(bulkChanges({ ...EMPTY_BULK, priority: "high", assignee: "u2" }, "me1")).toEqual({ priority: "high", assignee_id: "u2" });
  });
});

describe("actions in words", () => {
  it.each([
    [{ type: "add_comment", value: { body: "Hi {{requester.name}}", internal: false } }, "Reply “Hi {{requester.name}}”"],
    [{ type: "add_comment", value: { body: "note", internal: true } }, "Add an internal note “note”"],
    [{ type: "assign", value: "auto" }, "Assign automatically"],
    [{ type: "assign", value: null }, "Unassign"],
    [{ type: "assign", value: "u1" }, "Assign to Alex"],
    [{ type: "set_tags", value: [] }, "Replace tags with: none"],
    [{ type: "notify", value: { roles: ["manager"], user_ids: [], title: "Outage" } }, "Notify manager: “Outage”"],
  ])("%j", (action, text) => {
    expect(describeAction(action, { user: () => "Alex" })).toBe(text);
  });
});
