import { expect, expectAccessible, signIn, test } from "./fixtures";

test.describe("help centre (a visitor, no account)", () => {
  test("searches, reads an article and rates it", async ({ page, problems }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "How can we help?" })).toBeVisible();
    await expectAccessible(page, "help centre home");
    await page.getByRole("searchbox", { name: "Search the help centre" }).fill("refund");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/\/search\?q=refund/);
    await expect(page.getByRole("heading", { name: /Results for/ })).toBeVisible();
    await expectAccessible(page, "search results");
    await page.getByRole("link", { name: "How refunds work" }).click();
    await expect(page).toHaveURL(/\/articles\/\w+\/how-refunds-work$/);
    await expect(page.getByRole("heading", { level: 1, name: "How refunds work" })).toBeVisible();
    await expectAccessible(page, "article");
    // With JavaScript the vote needs no reload.
    const url = page.url();
    await page.getByRole("button", { name: "Yes" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Thank you for your feedback." })).toBeVisible();
    expect(page.url()).toBe(url);
    expect(problems).toEqual([]);
  });

  test("sees suggested articles while typing a question, then continues to the portal with it", async ({ page, problems }) => {
    await page.goto("/ask");
    await expectAccessible(page, "ask a question");
    await page.getByLabel("Subject").fill("two-factor codes rejected");
    // No submit: the list updates as the visitor types.
    await expect(page.locator("#suggestions").getByRole("link", { name: "Two-factor authentication codes are rejected" })).toBeVisible();
    await page.getByLabel("Details").fill("My phone app codes never work");
    await page.getByRole("button", { name: "Send it to our team" }).click();
    await expect(page).toHaveURL(/\/portal\/tickets\/new\?/);
    await page.getByLabel("Email").fill("customer2@example.com");
    await page.getByLabel("Password").fill("demo-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByLabel("Subject")).toHaveValue("two-factor codes rejected");
    await expect(page.getByLabel("How can we help?")).toHaveValue("My phone app codes never work");
    expect(problems).toEqual([]);
  });

  test("the 404 page is the help centre's own, and accessible", async ({ page }) => {
    const res = await page.goto("/no/such/page");
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expectAccessible(page, "404");
  });

  test("/docs renders the API reference from our own bundle, offline from any CDN", async ({ page, problems }) => {
    const foreign: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(process.env.E2E_BASE_URL!) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) foreign.push(r.url());
    });
    await page.goto("/docs");
    // Swagger UI parses and renders the whole document (110 paths) before anything shows; under load that took over 5 s.
    await expect(page.getByText("edgedesk API", { exact: false }).first()).toBeVisible({ timeout: 20_000 });
    await expect(page.locator(".opblock").first()).toBeVisible();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});

test.describe("help centre without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("reads an article and votes by form post", async ({ page }) => {
    await page.goto("/");
    await page.getByRole("link", { name: "Billing" }).first().click();
    await page.getByRole("link", { name: "Update your payment method" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Update your payment method" })).toBeVisible();
    await expect(page.getByText("Replace card")).toBeVisible();
    await page.getByRole("button", { name: "No" }).click();
    await expect(page).toHaveURL(/feedback=no/);
    await expect(page.getByText("Thank you for your feedback.")).toBeVisible();
  });

  test("searches and asks a question with server-rendered suggestions", async ({ page }) => {
    await page.goto("/ask");
    await page.getByLabel("Subject").fill("export orders csv timeout");
    await page.getByRole("button", { name: "Find answers" }).click();
    await expect(page.locator("#suggestions").getByRole("link", { name: "Export orders to CSV" })).toBeVisible();
  });
});

test("a signed-in customer's help-centre link works both ways", async ({ page }) => {
  await signIn(page, "/portal", "customer1@example.com");
  await page.getByRole("link", { name: "Help centre" }).click();
  await expect(page.getByRole("heading", { name: "How can we help?" })).toBeVisible();
});
