import { apiCall, createTicket, expect, expectAccessible, mailedLink, newPage, signIn, test, tokenFor } from "./fixtures";

const unique = () => Math.random().toString(36).slice(2, 8);

test.describe("customer portal", () => {
  test("signs up, opens a ticket with an attachment, sees the agent's reply arrive, replies", async ({ page, problems }) => {
    const tag = unique();
    await page.goto("/portal/sign-up");
    await expectAccessible(page, "sign-up");
    await page.getByLabel("Name").fill(`Pat Portal ${tag}`);
    await page.getByLabel("Email").fill(`pat-${tag}@example.com`);
    await page.getByLabel("Password").fill("a long password 123");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();
    await expect(page.getByText("You have no tickets yet")).toBeVisible();
    await expect(page.getByText(`we sent a link to pat-${tag}@example.com to verify your address`)).toBeVisible();
    await expectAccessible(page, "empty ticket list");

    await page.getByRole("link", { name: "New ticket" }).first().click();
    await page.getByLabel("Subject").fill(`Invoice charged twice ${tag}`);
    await page.getByLabel("How can we help?").fill("I was charged twice for my invoice and need a refund.");
    await expect(page.getByRole("link", { name: "How refunds work" })).toBeVisible();
    await page.getByLabel("Attachments").setInputFiles({ name: `statement-${tag}.pdf`, mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 demo") });
    await expectAccessible(page, "new ticket");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Invoice charged twice ${tag}` })).toBeVisible();
    await expect(page.getByRole("button", { name: `statement-${tag}.pdf` })).toBeVisible();
    await expectAccessible(page, "ticket");
    const ticketId = page.url().split("/").pop()!;

    // The agent answers over the API; the page shows it without a reload.
    const agent = await tokenFor("agent1@example.com");
    const reply = await apiCall("POST", `/api/v1/tickets/${ticketId}/comments`, { token: agent.token, body: { body: `We refunded it ${tag}.` } });
    expect(reply.status).toBe(201);
    // From the moment the reply exists to the customer seeing it.
    const sent = Date.now();
    await expect(page.getByText(`We refunded it ${tag}.`)).toBeVisible({ timeout: 1_000 });
    expect(Date.now() - sent).toBeLessThan(1_000);

    await page.getByLabel("Your reply").fill(`Thanks, got it ${tag}!`);
    await page.getByRole("button", { name: "Send reply" }).click();
    // In the conversation (the reply box holds the same text until the send is done), then the box is empty.
    await expect(page.getByRole("list", { name: "Conversation" }).getByText(`Thanks, got it ${tag}!`)).toBeVisible();
    await expect(page.getByLabel("Your reply")).toHaveValue("");
    const comments = await apiCall("GET", `/api/v1/tickets/${ticketId}/comments`, { token: agent.token });
    expect(comments.body.data.map((c: any) => c.body)).toEqual([`We refunded it ${tag}.`, `Thanks, got it ${tag}!`]);
    expect(problems).toEqual([]);
  });

  test("verifies the address with the mailed link, and sets a new password with a reset link", async ({ page, problems }) => {
    const email = `riley-${unique()}@example.com`;
    await page.goto("/portal/sign-up");
    await page.getByLabel("Name").fill("Riley Reset");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("first password 1");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("to verify your address")).toBeVisible();

    await page.goto(await mailedLink(email, "/portal/verify-email"));
    await expect(page.getByText("Your address is verified.")).toBeVisible();
    await expect(page).not.toHaveURL(/token=/);
    await expectAccessible(page, "verified");
    await page.getByRole("link", { name: "Go to your tickets" }).click();
    await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();
    await expect(page.getByText("to verify your address")).toHaveCount(0);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await expect(page.getByText(`If an account has the address ${email}`)).toBeVisible();
    await expectAccessible(page, "forgot password");

    await page.goto(await mailedLink(email, "/portal/reset-password"));
    await expect(page.getByRole("heading", { name: "Set a new password" })).toBeVisible();
    await expectAccessible(page, "reset password");
    await page.getByLabel("New password", { exact: true }).fill("second password 2");
    await page.getByLabel("New password again").fill("second password 2");
    await page.getByRole("button", { name: "Set password" }).click();
    await expect(page.getByText("Your new password is set")).toBeVisible();
    expect((await apiCall("POST", "/api/v1/auth/login", { body: { email, password: "first password 1" } })).status).toBe(401);
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("second password 2");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("another customer's ticket is not found, and so is an unknown one", async ({ page }) => {
    const theirs = await createTicket("customer2@example.com", { subject: `Private matter ${unique()}` });
    await signIn(page, "/portal", "customer1@example.com", `/portal/tickets/${theirs.id}`);
    await expect(page.getByRole("heading", { name: "Ticket not found" })).toBeVisible();
    await expect(page.getByText("Private matter")).toHaveCount(0);
    await page.goto(`/portal/tickets/01doesnotexist`);
    await expect(page.getByRole("heading", { name: "Ticket not found" })).toBeVisible();
    await page.goto(`/portal/no/such/page`);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  });

  test("an internal note never reaches the customer: not the page, not a response, not a socket frame", async ({ page }) => {
    const marker = `SECRET-NOTE-${unique()}`;
    const ticket = await createTicket("customer1@example.com", { subject: `Where is my parcel ${unique()}` });
    const seen: string[] = [];
    page.on("response", async (res) => {
      try {
        seen.push(await res.text());
      } catch {
        /* redirects and aborted bodies */
      }
    });
    page.on("websocket", (ws) => ws.on("framereceived", (f) => seen.push(String(f.payload))));
    await signIn(page, "/portal", "customer1@example.com", `/portal/tickets/${ticket.id}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Where is my parcel");
    const agent = await tokenFor("agent1@example.com");
    // An internal note, then a public reply: when the reply shows, the note's moment has passed.
    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: marker, internal: true } })).status).toBe(201);
    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "It is on its way." } })).status).toBe(201);
    await expect(page.getByText("It is on its way.")).toBeVisible();
    await page.reload();
    await expect(page.getByText("It is on its way.")).toBeVisible();
    await page.waitForLoadState("networkidle");
    expect(await page.content()).not.toContain(marker);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((s) => s.includes(marker))).toEqual([]);
  });

  test("signing out ends the session in every tab, and no script can read the refresh token", async ({ context }) => {
    const { page: first } = await newPage(context);
    await signIn(first, "/portal", "customer1@example.com");
    const { page: second } = await newPage(context);
    await second.goto("/portal");
    await expect(second.getByTestId("signed-in-as")).toBeVisible();

    for (const p of [first, second]) {
      const exposed = await p.evaluate(() => ({ cookie: document.cookie, local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));
      expect(exposed.cookie).not.toContain("edgedesk_refresh");
      expect(exposed.local + exposed.session).not.toMatch(/refresh|access_token|eyJ/);
    }
    const cookie = (await context.cookies()).find((c) => c.name.endsWith("edgedesk_refresh"));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/v1/auth" });

    await first.getByRole("button", { name: "Sign out" }).click();
    await expect(first.getByRole("heading", { name: "Sign in to the support portal" })).toBeVisible();
    await expect(second.getByRole("heading", { name: "Sign in to the support portal" })).toBeVisible();
    expect((await context.cookies()).find((c) => c.name.endsWith("edgedesk_refresh"))).toBeUndefined();
    // The tab cannot get back in by refreshing.
    await second.reload();
    await expect(second.getByRole("heading", { name: "Sign in to the support portal" })).toBeVisible();
  });

  test("cancels an open request and reopens a resolved one", async ({ page }) => {
    const ticket = await createTicket("customer1@example.com", { subject: `Printer jams ${unique()}` });
    const agent = await tokenFor("agent1@example.com");
    await apiCall("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { status: "resolved" } });
    await signIn(page, "/portal", "customer1@example.com", `/portal/tickets/${ticket.id}`);
    await expect(page.getByText("Resolved", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Reopen" }).click();
    await expect(page.getByText("Open", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Cancel this request" }).click();
    await expect(page.getByText("This request was cancelled.")).toBeVisible();
  });
});
