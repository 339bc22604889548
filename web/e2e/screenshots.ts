import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";
import { apiCall, newPage, signIn, tokenFor } from "./fixtures";

/**
 * `npm run screenshots`: the README's pictures of each main screen (docs/screenshots/*.png), taken from
 * the demo seed. Not part of npm test (web/e2e/screenshots.config.ts runs only this file).
 */
// Beside the README, wherever the runner's working directory is.
const OUT = fileURLToPath(new URL("../../docs/screenshots", import.meta.url));
const shot = (name: string) => ({ path: `${OUT}/${name}.png`, fullPage: false });

test.use({ viewport: { width: 1280, height: 800 } });

test("help centre", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "How can we help?" })).toBeVisible();
  await page.screenshot(shot("help-centre"));
  await page.getByRole("link", { name: "How refunds work" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.screenshot(shot("help-article"));
});

test("portal and console, live", async ({ browser }) => {
  const customer = await tokenFor("customer1@example.com");
  const list = await apiCall("GET", "/api/v1/tickets?limit=50", { token: customer.token });
  const ticket = list.body.data.find((t: any) => t.subject.startsWith("Charged twice")) ?? list.body.data[0];
  // Reopen it so the reply box shows (the demo resolved it).
  if (ticket.status === "resolved") await apiCall("PATCH", `/api/v1/tickets/${ticket.id}`, { token: customer.token, body: { status: "open" } });

  const { page: portal } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  await signIn(portal, "/portal", "customer1@example.com");
  await expect(portal.locator("table.list")).toBeVisible();
  await portal.screenshot(shot("portal-tickets"));
  await portal.goto(`/portal/tickets/${ticket.id}`);
  await expect(portal.locator(".conversation")).toBeVisible();

  const { page: alex } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  const { page: sam } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  await signIn(alex, "/app", "agent1@example.com", "/app/?view=open");
  await expect(alex.locator("table.list")).toBeVisible();
  await alex.screenshot(shot("console-list"));
  await alex.goto(`/app/tickets/${ticket.id}`);
  await signIn(sam, "/app", "agent2@example.com", `/app/tickets/${ticket.id}`);
  await sam.locator("#composer-body").fill("I can take this one");
  await alex.locator("#composer-body").fill("Hi Casey, following up on the refund: ");
  await expect(alex.getByTestId("collision")).toBeVisible();
  await expect(portal.getByTestId("typing")).toContainText("typing");
  await alex.screenshot(shot("console-ticket"));
  await portal.screenshot(shot("portal-ticket"));
});

test("settings and docs", async ({ page }) => {
  await signIn(page, "/app", "admin@example.com", "/app/settings/sla");
  await expect(page.getByRole("heading", { name: "SLA policies" })).toBeVisible();
  await page.screenshot(shot("console-settings"));
  await page.goto("/app/settings/fields");
  await expect(page.getByRole("heading", { level: 2, name: "Order number" })).toBeVisible();
  await page.screenshot(shot("console-fields"));
  await page.goto("/docs");
  await expect(page.locator(".opblock").first()).toBeVisible();
  await page.screenshot(shot("docs"));
});

test("automation in the console", async ({ page, browser }) => {
  await signIn(page, "/app", "admin@example.com", "/app/settings/rules");
  await expect(page.getByTestId("rule-card").first()).toBeVisible();
  await page.screenshot(shot("console-rules"));

  const agent = await tokenFor("agent1@example.com");
  const open = await apiCall("GET", "/api/v1/tickets?status=open&limit=20", { token: agent.token });
  const ticket = open.body.data.find((t: any) => t.channel === "email") ?? open.body.data[0];
  const { page: alex } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  await signIn(alex, "/app", "agent1@example.com", `/app/tickets/${ticket.id}`);
  const macros = alex.getByRole("region", { name: "Macros" });
  await macros.getByLabel("Macro").selectOption({ label: "Ask for details" });
  await macros.getByRole("button", { name: "Preview" }).click();
  await expect(macros.getByTestId("macro-preview")).toBeVisible();
  await macros.scrollIntoViewIfNeeded();
  await alex.screenshot(shot("console-macro"));

  await alex.goto("/app/?view=all");
  const boxes = alex.getByRole("checkbox", { name: /^Select (?!all)/ });
  for (let i = 0; i < 3; i++) await boxes.nth(i).check();
  await alex.getByRole("form", { name: "Change 3 selected tickets" }).getByLabel("Priority").selectOption("high");
  await alex.getByRole("button", { name: /^Notifications, \d+ unread$/ }).click();
  await expect(alex.getByRole("region", { name: "Notifications" }).getByRole("listitem").first()).toBeVisible();
  await alex.screenshot(shot("console-bulk-bell"));
});

test("reports", async ({ page }) => {
  await signIn(page, "/app", "manager@example.com", "/app/reports");
  await expect(page.getByTestId("series-chart").locator("canvas")).toBeVisible();
  await expect(page.getByTestId("agents-table")).toBeVisible();
  await page.screenshot(shot("console-reports"));
  await page.getByRole("heading", { name: "Backlog now" }).scrollIntoViewIfNeeded();
  await page.screenshot(shot("console-reports-tables"));
});

test("time and satisfaction", async ({ browser }) => {
  const customer = await tokenFor("customer1@example.com");
  const list = await apiCall("GET", "/api/v1/tickets?status=resolved,closed&limit=50", { token: customer.token });
  const rated = list.body.data.find((t: any) => t.satisfaction) ?? list.body.data[0];
  const { page: portal } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  await signIn(portal, "/portal", "customer1@example.com", `/portal/tickets/${rated.id}`);
  await expect(portal.getByRole("heading", { name: "How did we do?" })).toBeVisible();
  await portal.getByRole("heading", { name: "How did we do?" }).scrollIntoViewIfNeeded();
  await portal.screenshot(shot("portal-satisfaction"));
  const { page: agent } = await newPage(await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  await signIn(agent, "/app", "agent1@example.com", `/app/tickets/${rated.id}`);
  await expect(agent.locator(".conversation")).toBeVisible();
  await agent.getByTestId("time-spent").scrollIntoViewIfNeeded();
  await agent.screenshot(shot("console-time"));
});
