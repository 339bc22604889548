import { apiCall, expect, expectAccessible, test, tokenFor, signIn } from "./fixtures";

/**
 * The webhooks admin page (API.md "Webhook") against `npm start`'s own local receiver (the demo
 * webhook points at it; WEBHOOKS_ALLOW_LOCAL lets a local server post to loopback over http).
 */
test.describe("webhooks admin", () => {
  test("an admin adds a webhook (secret shown once), pings it, reads its delivery log, disables and deletes it", async ({ page, problems }) => {
    const admin = await tokenFor("admin@example.com");
    const hooks = await apiCall<{ data: { url: string; description: string }[] }>("GET", "/api/v1/webhooks?limit=100", { token: admin.token });
    const receiver = hooks.body.data.find((h) => h.url.includes("/hooks/"))?.url;
    expect(receiver, "npm start keeps a demo webhook pointing at its local receiver").toBeTruthy();
    const description = `e2e ${Math.random().toString(36).slice(2, 8)}`;

    await signIn(page, "/app", "admin@example.com", "/app/settings/webhooks");
    await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
    const form = page.getByRole("form", { name: "New webhook" });
    await form.getByLabel("Endpoint URL").fill(receiver!);
    await form.getByLabel("Description").fill(description);
    await form.getByLabel("SLA breached").check();
    await form.getByRole("button", { name: "Add webhook" }).click();
    await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    await expectAccessible(page, "webhooks page with a new secret");
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);

    const card = page.locator("section.card", { hasText: description });
    await expect(card).toHaveCount(1);
    await card.getByRole("button", { name: "Send test ping" }).click();
    await expect(card.getByRole("status")).toHaveText(/Test ping: delivered \(HTTP 2\d\d\)/, { timeout: 15_000 });
    await card.getByRole("button", { name: "Show deliveries" }).click();
    const row = card.getByRole("row").filter({ hasText: "webhook.test" });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("delivered");
    await expectAccessible(page, "webhook delivery log");

    await card.getByRole("button", { name: "Disable" }).click();
    await expect(card).toContainText("disabled");
    page.once("dialog", (d) => void d.accept());
    await card.getByRole("button", { name: "Delete" }).click();
    await expect(page.locator("section.card", { hasText: description })).toHaveCount(0);
    const after = await apiCall<{ data: { description: string }[] }>("GET", "/api/v1/webhooks?limit=100", { token: admin.token });
    expect(after.body.data.map((h) => h.description)).not.toContain(description);
    expect(problems).toEqual([]);
  });
});
