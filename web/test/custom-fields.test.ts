import { describe, expect, it } from "vitest";
import { barFilterControl, barFilterValue, customStatusLabel, fieldEdits, formatFieldValue, formatOptions, fromDraft, parseOptions, statusChoices, toDraft, type TicketField, type TicketStatusDef } from "../src/lib/custom-fields";
import { statusLabel } from "../src/lib/format";
import { parseListSearch, ticketQuery } from "../src/console/views";

const field = (key: string, type: TicketField["type"], options: TicketField["options"] = null): TicketField => ({
  id: `f-${key}`,
  key,
  label: key,
  type,
  options,
  required_to_resolve: false,
  customer_visible: true,
  customer_editable: true,
  active: true,
  position: 0,
  created_at: "2026-12-01T00:00:00.000Z",
  updated_at: "2026-12-01T00:00:00.000Z",
});
const product = field("product", "dropdown", [
  { value: "web_app", label: "Web app" },
  { value: "api", label: "API" },
]);
const platforms = field("platforms", "multiselect", [
  { value: "ios", label: "iOS" },
  { value: "android", label: "Android" },
]);

describe("custom field drafts", () => {
  it.each([
    [field("n", "integer"), "42", 42],
    [field("n", "integer"), " -7 ", -7],
    [field("d", "decimal"), "3.25", 3.25],
    [field("t", "text"), "  A-1234  ", "A-1234"],
    [field("t", "text"), "   ", null],
    [field("a", "textarea"), "line 1\nline 2", "line 1\nline 2"],
    [field("c", "checkbox"), true, true],
    [field("c", "checkbox"), false, false],
    [field("day", "date"), "2026-02-28", "2026-02-28"],
    [field("day", "date"), "", null],
    [product, "api", "api"],
    [product, "", null],
    [platforms, ["ios", "android"], ["ios", "android"]],
    [platforms, [], null],
  ] as const)("%s: %j is sent as %j", (def, draft, value) => {
    expect(fromDraft(def, draft as never)).toEqual({ ok: true, value });
  });

  it.each([
    [field("n", "integer"), "4.5", "must be an integer"],
    [field("n", "integer"), "twelve", "must be an integer"],
    [field("d", "decimal"), "1,5", "must be a number"],
    [field("t", "text"), "x".repeat(256), "must be at most 255 characters"],
    [field("day", "date"), "2026-02-30", "must be a date (YYYY-MM-DD)"],
    [product, "hardware", "must be one of: web_app, api"],
  ] as const)("%s: %j is refused with the Worker's message", (def, draft, message) => {
    expect(fromDraft(def, draft)).toEqual({ ok: false, message });
  });

  it("round-trips stored values through the form", () => {
    expect(toDraft(field("n", "integer"), 12)).toBe("12");
    expect(toDraft(field("c", "checkbox"), undefined)).toBe(false);
    expect(toDraft(platforms, ["ios"])).toEqual(["ios"]);
    expect(toDraft(product, undefined)).toBe("");
  });

  it("sends only what the user changed, and names what is no value", () => {
    const defs = [field("n", "integer"), field("c", "checkbox"), product];
    const values = { n: 5, product: "api" };
    // Unchanged drafts (an untouched checkbox, the same number) are not sent; a cleared dropdown is null.
    expect(fieldEdits(defs, values, { n: "5", c: false, product: "" })).toEqual({ edits: { product: null }, errors: {} });
    expect(fieldEdits(defs, values, { n: "6", c: true })).toEqual({ edits: { n: 6, c: true }, errors: {} });
    expect(fieldEdits(defs, values, { n: "six" })).toEqual({ edits: {}, errors: { n: "must be an integer" } });
  });
});

describe("custom field values as people read them", () => {
  it("shows option labels, Yes/No and an absent value", () => {
    expect(formatFieldValue(product, "web_app")).toBe("Web app");
    expect(formatFieldValue(platforms, ["android", "ios"])).toBe("Android, iOS");
    expect(formatFieldValue(field("c", "checkbox"), false)).toBe("No");
    expect(formatFieldValue(field("t", "text"), undefined)).toBe("—");
    // An option removed since stays readable by its value.
    expect(formatFieldValue(product, "legacy")).toBe("legacy");
  });

  it("shows a date on its own calendar day in every time zone", () => {
    const text = formatFieldValue(field("day", "date"), "2026-03-01");
    expect(text).toMatch(/\b1\b/);
    expect(text).toMatch(/Mar/);
    expect(text).not.toMatch(/Feb|28/);
  });
});

describe("custom statuses", () => {
  const statuses: TicketStatusDef[] = [
    { id: "s1", key: "waiting_on_vendor", label: "Waiting on vendor", category: "pending", active: true, position: 0, created_at: "", updated_at: "" },
    { id: "s2", key: "old_wait", label: "Old wait", category: "pending", active: false, position: 1, created_at: "", updated_at: "" },
    { id: "s3", key: "triage", label: "Triage", category: "open", active: true, position: 0, created_at: "", updated_at: "" },
  ];

  it("lists each allowed category with its active custom statuses", () => {
    const choices = statusChoices(["in_progress", "pending", "resolved"], statuses, "in_progress", statusLabel);
    expect(choices.map((c) => c.value)).toEqual(["in_progress", "pending", "waiting_on_vendor", "resolved"]);
  });

  it("keeps a ticket's own deactivated custom status in the list", () => {
    expect(statusChoices(["pending"], statuses, "old_wait", statusLabel).map((c) => c.value)).toEqual(["pending", "waiting_on_vendor", "old_wait"]);
  });

  it("names a ticket's status by its custom status, else its category", () => {
    expect(customStatusLabel({ status: "pending", custom_status: "waiting_on_vendor" }, statuses, statusLabel)).toBe("Waiting on vendor");
    expect(customStatusLabel({ status: "in_progress", custom_status: "in_progress" }, statuses, statusLabel)).toBe(statusLabel("in_progress"));
    expect(customStatusLabel({ status: "pending", custom_status: "gone_status" }, undefined, statusLabel)).toBe("gone status");
  });
});

describe("custom field filters in the console's URL", () => {
  it("passes cf.<key> and custom_status to the list API", () => {
    const search = parseListSearch({ view: "all", "cf.product": "api", "cf.vip": true, "cf.count": 3, custom_status: "waiting_on_vendor" });
    expect(ticketQuery(search)).toEqual({ sort: "-created_at", "cf.product": "api", "cf.vip": "true", "cf.count": "3", custom_status: "waiting_on_vendor" });
  });

  it("drops keys that are no field key and objects, and keeps at most five filters", () => {
    const search = parseListSearch({ "cf.Bad-Key": "x", "cf.": "x", "cf.ok": { a: 1 }, limit: "1000", "cf.a": "1", "cf.b": "1", "cf.c": "1", "cf.d": "1", "cf.e": "1", "cf.f": "1" });
    expect(Object.keys(search)).toEqual(["cf.a", "cf.b", "cf.c", "cf.d", "cf.e"]);
  });
});

describe("options as admins write them", () => {
  it("reads `value = Label` lines and labels alone, once each", () => {
    expect(parseOptions("web_app = Web app\n\nMobile App\n  Café crème \napi=API\nMobile App")).toEqual([
      { value: "web_app", label: "Web app" },
      { value: "mobile_app", label: "Mobile App" },
      { value: "cafe_creme", label: "Café crème" },
      { value: "api", label: "API" },
    ]);
  });

  it("writes them back the same way", () => {
    const options = [
      { value: "a", label: "Alpha" },
      { value: "b", label: "Beta" },
    ];
    expect(parseOptions(formatOptions(options))).toEqual(options);
  });
});

describe("whole-number and date fields in the filter bar", () => {
  it.each([
    ["dropdown", "select"],
    ["multiselect", "select"],
    ["checkbox", "select"],
    ["integer", "integer"],
    ["date", "date"],
    ["text", null],
    ["textarea", null],
    ["decimal", null],
  ] as const)("a %s field gets %s", (type, control) => {
    expect(barFilterControl(field("f", type))).toBe(control);
  });

  it("offers no control for a field that was switched off", () => {
    expect(barFilterControl({ ...field("f", "integer"), active: false })).toBeNull();
  });

  it.each([
    ["integer", "250", "250"],
    ["integer", " 007 ", "7"],
    ["integer", "-3", "-3"],
    ["integer", "1.5", null],
    ["integer", "1e3", null],
    ["integer", "", null],
    ["integer", "12345678901234567", null],
    ["date", "2027-01-15", "2027-01-15"],
    ["date", "2027-02-30", null],
    ["date", "15.01.2027", null],
    ["date", "", null],
  ] as const)("%s %j → %j", (control, text, value) => {
    expect(barFilterValue(control, text)).toBe(value);
  });
});
