import { expect, signIn, test } from "./fixtures";

test("help centre home renders", async ({ page, problems }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "How can we help?" })).toBeVisible();
  void problems;
});

test("portal sign-in", async ({ page, problems }) => {
  await signIn(page, "/portal", "customer1@example.com");
  await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();
  void problems;
});

test("console sign-in", async ({ page, problems }) => {
  await signIn(page, "/app", "agent1@example.com");
  await expect(page.getByRole("heading", { name: "My open tickets" })).toBeVisible();
  await page.screenshot({ path: "test-results/console.png" });
  void problems;
});
