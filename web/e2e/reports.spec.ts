import { readFileSync } from "node:fs";
import { strFromU8, unzipSync } from "fflate";
import Papa from "papaparse";
import type { Page } from "@playwright/test";
import { apiCall, expect, expectAccessible, signIn, test, tokenFor } from "./fixtures";

/** The browser's zone in these tests (playwright.config.ts): the reports must be asked for in it. */
const ZONE = "Europe/Berlin";
const todayInZone = () => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const count = (n: number) => n.toLocaleString("en-GB");

/** The text of the figure labelled `label` in a figures list. */
const figure = (page: Page, label: string) => page.locator(".figure", { has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator(".figure-value");

test.describe("reports", () => {
  test("a manager picks a period and reads the API's figures, a chart with its table, agents, backlog, SLA and time; uPlot loads only here", async ({ page, problems }) => {
    const manager = await tokenFor("manager@example.com");
    const scripts: string[] = [];
    // The figures are compared with the answers this page received, not with a second call: other tests
    // change the shared demo database meanwhile, and the page may refetch.
    const answers = new Map<string, any>();
    const answer = async (key: string) => {
      await expect.poll(() => answers.has(key)).toBe(true);
      return answers.get(key);
    };
    page.on("response", async (r) => {
      const url = new URL(r.url());
      if (r.request().resourceType() === "script") scripts.push(url.pathname);
      if (url.pathname.startsWith("/api/v1/reports/") && r.ok()) {
        const body = await r.json().catch(() => undefined);
        if (body) answers.set(`${url.pathname.slice("/api/v1/reports/".length)}${url.searchParams.get("granularity") === "week" ? ":week" : ""}`, body);
      }
    });
    await signIn(page, "/app", "manager@example.com", "/app/?view=all");
    await expect(page.getByRole("heading", { level: 1, name: "All tickets" })).toBeVisible();
    // The console's first load holds no report code (and so no uPlot).
    expect(scripts.filter((s) => /ReportsPage/.test(s))).toEqual([]);

    const overviewAsked = page.waitForRequest((r) => r.url().includes("/api/v1/reports/overview"));
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
    expect(scripts.some((s) => /ReportsPage/.test(s))).toBe(true);
    // The default period: the last 30 days ending today in the user's zone, asked for in that zone.
    const asked = new URL((await overviewAsked).url());
    const to = todayInZone();
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ from: shift(to, -29), to, tz: ZONE, granularity: "day" });
    await expect(page.getByLabel("From", { exact: true })).toHaveValue(shift(to, -29));

    // Another period per week, through the form.
    const from = shift(to, -55);
    await page.getByLabel("From", { exact: true }).fill(from);
    await page.getByLabel("Per", { exact: true }).selectOption("week");
    const weekly = page.waitForResponse((r) => r.url().includes("/api/v1/reports/overview") && r.url().includes("granularity=week"));
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await weekly;
    await expect(page).toHaveURL(new RegExp(`from=${from}.*granularity=week|granularity=week.*from=${from}`));
    let o = await answer("overview:week");
    await expect(async () => {
      o = answers.get("overview:week");
      const quick = { timeout: 1_000 };
      await expect(figure(page, "Created")).toHaveText(count(o.created), quick);
      await expect(figure(page, "Solved")).toHaveText(count(o.solved), quick);
      await expect(figure(page, "Reopened")).toHaveText(count(o.reopened), quick);
      const backlog = Object.values(o.backlog.by_status as Record<string, number>).reduce((a, b) => a + b, 0);
      await expect(figure(page, "Backlog now")).toHaveText(count(backlog), quick);
      await expect(figure(page, "Satisfaction")).toHaveText(o.satisfaction.score_pct === null ? "—" : `${o.satisfaction.score_pct} %`, quick);
      const spent = o.time_spent_minutes as number;
      await expect(figure(page, "Time spent")).toHaveText(spent < 60 ? `${spent} min` : new RegExp(`^${Math.floor(spent / 60)} h`), quick);
    }).toPass();
    expect(o.series.length).toBeGreaterThanOrEqual(8);
    // The page asked for what the form says, and the API answers that call the same way when asked directly.
    const direct = (await apiCall("GET", `/api/v1/reports/overview?from=${from}&to=${to}&tz=${encodeURIComponent(ZONE)}&granularity=week`, { token: manager.token })).body;
    expect(direct.series.map((p: { period: string }) => p.period)).toEqual(o.series.map((p: { period: string }) => p.period));

    // The chart is drawn, hidden from screen readers, described in words, and its data is a table.
    const chart = page.getByTestId("series-chart");
    await expect(chart.locator("canvas")).toBeVisible();
    await expect(chart).toHaveAttribute("aria-hidden", "true");
    const created = (o.series as { created: number }[]).reduce((n, p) => n + p.created, 0);
    await expect(page.locator("figure.chart figcaption")).toContainText(`Tickets per week over ${o.series.length} weeks: ${count(created)} created`);
    await page.getByText("The series as a table").click();
    const seriesTable = page.getByRole("table", { name: "Tickets per week" });
    await expect(seriesTable.locator("tbody tr")).toHaveCount(o.series.length);
    await expect(seriesTable.locator("tbody tr").first().locator("th")).toHaveText(/^Week of \d{1,2} \w{3} \d{4}$/);

    // Agents: every row of the API, by name.
    await expect(async () => {
      const agents = answers.get("agents").data as { agent: { name: string } }[];
      await expect(page.getByTestId("agents-table").locator("tbody tr")).toHaveCount(agents.length, { timeout: 1_000 });
    }).toPass();
    await expect(page.getByTestId("agents-table")).toContainText("Alex Agent");
    await expect(page.getByTestId("agents-table")).toContainText("Sam Agent");

    // Backlog by status × priority adds up to the API's total.
    await answer("backlog");
    await expect(async () => {
      await expect(page.getByTestId("backlog-matrix").locator("tfoot td").last()).toHaveText(count(answers.get("backlog").total), { timeout: 1_000 });
    }).toPass();
    await expect(page.getByTestId("sla-table").locator("tbody tr").first()).toBeVisible();

    // Time by ticket: rows link to their tickets.
    await page.getByLabel("Group by").selectOption("ticket");
    await expect(page).toHaveURL(/group=ticket/);
    await expect(page.getByTestId("time-table").locator("tbody tr").first().getByRole("link")).toHaveText(/^TICK-/);

    await expectAccessible(page, "reports page");

    // A period the API would refuse is stopped in the form, with the reason.
    await page.getByLabel("From", { exact: true }).fill(shift(to, 1));
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await expect(page.locator("#report-period-problem")).toHaveText("The first day must not be after the last day.");
    await expect(page.getByLabel("From", { exact: true })).toHaveAttribute("aria-invalid", "true");
    expect(problems).toEqual([]);
  });

  test("an agent sees their own row only, and no exports", async ({ page, problems }) => {
    await signIn(page, "/app", "agent1@example.com", "/app/reports");
    await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
    await expect(page.getByText("You see your own figures.")).toBeVisible();
    const rows = page.getByTestId("agents-table").locator("tbody tr");
    await expect(rows).toHaveCount(1);
    await expect(rows.first().locator("th")).toHaveText("Alex Agent");
    await expect(page.getByRole("heading", { name: "Export" })).toHaveCount(0);
    await expectAccessible(page, "an agent's reports");
    expect(problems).toEqual([]);
  });

  test("a manager exports the ticket list's current filters as CSV, watches it finish, and downloads exactly those tickets", async ({ page, problems }) => {
    const manager = await tokenFor("manager@example.com");
    const listed: string[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const res: { body: { data: { id: string }[]; next_cursor: string | null } } = await apiCall("GET", `/api/v1/tickets?priority=critical&limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: manager.token });
      listed.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.next_cursor;
    }
    expect(listed.length).toBeGreaterThan(0);

    await signIn(page, "/app", "manager@example.com", "/app/?view=all&priority=critical");
    await expect(page.getByRole("heading", { level: 1, name: "All tickets" })).toBeVisible();
    await page.getByRole("button", { name: "Export…" }).click();
    const dialog = page.getByRole("dialog", { name: "Export: All tickets" });
    await expect(dialog).toBeVisible();
    await expectAccessible(page, "export dialog");
    const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/exports") && r.request().method() === "POST");
    await dialog.getByRole("button", { name: "Start export" }).click();
    expect(await (await created).json()).toMatchObject({ kind: "tickets", format: "csv", status: "queued" });
    const download = dialog.getByRole("button", { name: /^Download tickets-\d{4}-\d{2}-\d{2}\.csv$/ });
    await expect(download).toBeVisible({ timeout: 60_000 });
    await expect(dialog.getByTestId("export-status")).toContainText(/Done: \d+ rows?/);

    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^tickets-.*\.csv$/);
    const csv = Papa.parse<Record<string, string>>(readFileSync((await file.path())!, "utf8").replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    expect(csv.errors).toEqual([]);
    expect(csv.data.length).toBeGreaterThan(0);
    expect(new Set(csv.data.map((r) => r.priority))).toEqual(new Set(["critical"]));
    // Everything the list held when the export was asked for is in the file (a snapshot: later tickets are not).
    const exported = new Set(csv.data.map((r) => r.id));
    expect(listed.filter((id) => !exported.has(id))).toEqual([]);
    expect(problems).toEqual([]);
  });

  test("a list filtered by a custom field exports with that filter: the file holds what the list shows", async ({ page, problems }) => {
    const manager = await tokenFor("manager@example.com");
    const listed: { body: { data: { id: string }[]; next_cursor: string | null } } = await apiCall("GET", "/api/v1/tickets?cf.product=hardware&limit=100", { token: manager.token });
    expect(listed.body.data.length).toBeGreaterThan(0);
    expect(listed.body.next_cursor).toBeNull();

    await signIn(page, "/app", "manager@example.com", "/app/?view=all&cf.product=hardware");
    await expect(page.getByRole("heading", { level: 1, name: "All tickets" })).toBeVisible();
    await page.getByRole("button", { name: "Export…" }).click();
    const dialog = page.getByRole("dialog", { name: "Export: All tickets" });
    const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/exports") && r.request().method() === "POST");
    await dialog.getByRole("button", { name: "Start export" }).click();
    // The request body is not read here (Playwright reports none for it): the file below shows which filter the export applied.
    expect((await created).status()).toBe(202);
    const download = dialog.getByRole("button", { name: /^Download tickets-\d{4}-\d{2}-\d{2}\.csv$/ });
    await expect(download).toBeVisible({ timeout: 60_000 });
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    const csv = Papa.parse<Record<string, string>>(readFileSync((await file.path())!, "utf8").replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    expect(csv.errors).toEqual([]);
    // The demo's hardware tickets, exactly those the list holds, and nothing else.
    expect(new Set(csv.data.map((r) => r.id))).toEqual(new Set(listed.body.data.map((t) => t.id)));
    expect(new Set(csv.data.map((r) => r["custom_fields.product"]))).toEqual(new Set(["hardware"]));
    expect(problems).toEqual([]);
  });

  test("a manager exports the agents report of the period as XLSX from the reports screen", async ({ page, problems }) => {
    await signIn(page, "/app", "manager@example.com", "/app/reports");
    await expect(page.getByRole("heading", { level: 2, name: "Export" })).toBeVisible();
    // The reports above the form load on their own; until they have, the form moves down the page and a click can land beside it.
    await expect(page.locator(".reports .loading")).toHaveCount(0);
    await page.getByLabel("What").selectOption("agents_report");
    await page.getByLabel("Excel (XLSX)").check();
    await expect(page.getByLabel("Excel (XLSX)")).toBeChecked();
    const created = page.waitForResponse((r) => r.url().endsWith("/api/v1/exports") && r.request().method() === "POST");
    await page.getByRole("button", { name: "Start export" }).click();
    expect(await (await created).json()).toMatchObject({ kind: "agents_report", format: "xlsx" });
    const download = page.getByRole("button", { name: /^Download agents-report-.*\.xlsx$/ });
    await expect(download).toBeVisible({ timeout: 60_000 });
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    // An XLSX file is a zip of XML parts: the sheet names the agents of the report.
    const parts = unzipSync(new Uint8Array(readFileSync((await file.path())!)));
    const text = Object.entries(parts)
      .filter(([name]) => name.startsWith("xl/"))
      .map(([, bytes]) => strFromU8(bytes))
      .join("\n");
    expect(text).toContain("Alex Agent");
    expect(text).toContain("Sam Agent");
    await page.getByText(/Your recent exports/).click();
    await expect(page.locator(".recent-exports")).toContainText(/agents-report-.*\.xlsx/);
    await expectAccessible(page, "reports export");
    expect(problems).toEqual([]);
  });
});
