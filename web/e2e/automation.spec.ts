import { apiCall, createTicket, expect, expectAccessible, signIn, test, tokenFor } from "./fixtures";

/**
 * The automation screens of the console (API.md "Automation"): the notification bell, macros, bulk
 * changes, rules; and merge/split ("More channels and data").
 */
const unique = () => Math.random().toString(36).slice(2, 8);
/** A pushed notification reaches the bell over the agents' feed; the write and the push are the API's. */
const LIVE_MS = 5_000;

test.describe("console automation", () => {
  test("notification bell: a manager assigns a ticket to the agent, whose bell counts it live; open it, mark all read", async ({ page, problems }) => {
    const tag = unique();
    const manager = await tokenFor("manager@example.com");
    const agent2 = await tokenFor("agent2@example.com");
    const ticket = await createTicket("customer2@example.com", { subject: `Bell ${tag}` });
    expect((await apiCall("POST", "/api/v1/notifications/read", { token: agent2.token, body: { all: true } })).status).toBe(204);

    await signIn(page, "/app", "agent2@example.com", "/app/?view=all");
    const bell = page.getByRole("button", { name: /^Notifications, \d+ unread$/ });
    await expect(bell).toHaveAccessibleName("Notifications, 0 unread");
    // The feed socket must be up before the push (the count read on load would see it anyway otherwise).
    await expect(page.locator(".feed .live-dot")).toHaveClass(/live-open/, { timeout: 15_000 });

    const assigned = await apiCall("PATCH", `/api/v1/tickets/${ticket.id}`, { token: manager.token, body: { assignee_id: agent2.user.id } });
    expect(assigned.status).toBe(200);
    await expect(bell).not.toHaveAccessibleName("Notifications, 0 unread", { timeout: LIVE_MS });
    await expect(page.getByTestId("unread-count")).toHaveText(/^[1-9]\d*$/);

    await bell.click();
    const panel = page.getByRole("region", { name: "Notifications" });
    const item = panel.getByRole("listitem").filter({ hasText: `Bell ${tag}` });
    await expect(item).toHaveCount(1);
    await expect(item).toContainText("Unread");
    await expectAccessible(page, "notification panel");

    // Following a notification opens its ticket and marks it read.
    await item.getByRole("link").click();
    await expect(page.getByRole("heading", { level: 1, name: `Bell ${tag}` })).toBeVisible();
    await expect
      .poll(async () => (await apiCall<{ data: { ticket_id: string; read_at: string | null }[] }>("GET", "/api/v1/notifications?limit=50", { token: agent2.token })).body.data.find((n) => n.ticket_id === ticket.id)?.read_at)
      .toBeTruthy();

    // A second one (a customer reply on the ticket the agent holds), then "Mark all read".
    const customer = await tokenFor("customer2@example.com");
    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: customer.token, body: { body: `Any news? ${tag}` } })).status).toBe(201);
    await expect(bell).not.toHaveAccessibleName("Notifications, 0 unread", { timeout: LIVE_MS });
    await bell.click();
    await panel.getByRole("button", { name: "Mark all read" }).click();
    await expect(bell).toHaveAccessibleName("Notifications, 0 unread");
    expect((await apiCall<{ count: number }>("GET", "/api/v1/notifications/unread-count", { token: agent2.token })).body.count).toBe(0);
    await page.keyboard.press("Escape");
    await expect(panel).toBeHidden();
    expect(problems).toEqual([]);
  });
});
