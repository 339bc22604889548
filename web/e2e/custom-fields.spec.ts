import { apiCall, createTicket, expect, expectAccessible, newPage, signIn, test, tokenFor } from "./fixtures";

const unique = () => Math.random().toString(36).slice(2, 8);

/**
 * Custom fields and statuses (API.md "Custom fields", "Custom statuses") on the pages: the demo's
 * `order_number` (customers see and edit it) and `product` (customers see it), plus a field only
 * staff see, made here.
 */
test.describe("custom fields and statuses", () => {
  test("customer fills a field in the portal form; the agent sets fields and a custom status in the console; the customer sees what they may, live, and never the staff-only field", async ({
    browser,
  }) => {
    const tag = unique();
    const secret = `RISK-${tag}`;
    // An admin adds a field only staff see, on the settings page.
    const adminContext = await browser.newContext();
    const { page: admin, problems: p0 } = await newPage(adminContext);
    await signIn(admin, "/app", "admin@example.com", "/app/settings/fields");
    await expect(admin.getByRole("heading", { level: 1, name: "Fields and statuses" })).toBeVisible();
    await expect(admin.getByRole("heading", { level: 2, name: "Order number" })).toBeVisible();
    const form = admin.getByRole("form", { name: "New field" });
    await form.getByLabel("Label").fill(`Risk note ${tag}`);
    await form.getByLabel("Key").fill(`risk_${tag}`);
    await form.getByLabel("Type").selectOption({ label: "Text (one line)" });
    await expect(form.getByLabel("Customers see it")).not.toBeChecked();
    await form.getByRole("button", { name: "Add field" }).click();
    await expect(admin.getByRole("heading", { level: 2, name: `Risk note ${tag}` })).toBeVisible();
    await expectAccessible(admin, "fields and statuses settings");
    await adminContext.close();

    const customerContext = await browser.newContext();
    const { page: customer, problems: p1 } = await newPage(customerContext);
    const seen: string[] = [];
    customer.on("response", async (res) => {
      try {
        seen.push(await res.text());
      } catch {
        /* redirects and aborted bodies */
      }
    });
    customer.on("websocket", (ws) => ws.on("framereceived", (f) => seen.push(String(f.payload))));

    // The portal form: the field customers may edit, not the one they may only see, not the staff-only one.
    await signIn(customer, "/portal", "customer1@example.com", "/portal/tickets/new");
    await expect(customer.getByLabel("Order number")).toBeVisible();
    await expect(customer.getByLabel("Product")).toHaveCount(0);
    await expect(customer.getByText(`Risk note ${tag}`)).toHaveCount(0);
    await customer.getByLabel("Subject").fill(`Fields journey ${tag}`);
    await customer.getByLabel("How can we help?").fill("My order did not arrive.");
    await expectAccessible(customer, "portal form with custom fields");
    await customer.getByLabel("Order number").fill(`A-${tag}`);
    await customer.getByRole("button", { name: "Send" }).click();
    await expect(customer.getByRole("heading", { level: 1, name: `Fields journey ${tag}` })).toBeVisible();
    const details = customer.getByRole("region", { name: "Details" });
    await expect(details.getByRole("definition")).toHaveText([`A-${tag}`]);
    const ticketId = customer.url().split("/").pop()!;

    // The console: fields and a custom status in the properties, saved with the ticket's other edits.
    const agentContext = await browser.newContext();
    const { page: agent, problems: p2 } = await newPage(agentContext);
    await signIn(agent, "/app", "agent1@example.com", `/app/tickets/${ticketId}`);
    await expect(agent.getByLabel("Order number")).toHaveValue(`A-${tag}`);
    await agent.getByLabel("Product").selectOption({ label: "API" });
    await agent.getByLabel(`Risk note ${tag}`).fill(secret);
    await agent.getByLabel("Status", { exact: true }).selectOption({ label: "Pending: Waiting on vendor" });
    await expectAccessible(agent, "ticket view with custom fields");
    await agent.getByRole("button", { name: "Save changes" }).click();
    await expect(agent.locator(".ticket-badges .badge").first()).toHaveText("Waiting on vendor");
    const saved = await apiCall("GET", `/api/v1/tickets/${ticketId}`, { token: (await tokenFor("agent1@example.com")).token });
    expect(saved.body).toMatchObject({ status: "pending", custom_status: "waiting_on_vendor", custom_fields: { order_number: `A-${tag}`, product: "api", [`risk_${tag}`]: secret } });

    // The customer's open page follows live: the status by its name, the product they may see.
    await expect(customer.locator(".ticket-meta .badge").first()).toHaveText("Waiting on vendor");
    await expect(details.getByRole("definition")).toHaveText([`A-${tag}`, "API"]);
    await expectAccessible(customer, "portal ticket with details");

    // The customer edits what they may; a value they may only see is not offered.
    await details.getByRole("button", { name: "Edit details" }).click();
    await expect(details.getByLabel("Product")).toHaveCount(0);
    await details.getByLabel("Order number").fill(`B-${tag}`);
    await details.getByRole("button", { name: "Save details" }).click();
    await expect(details.getByRole("definition")).toHaveText([`B-${tag}`, "API"]);
    await expect(agent.getByLabel("Order number")).toHaveValue(`B-${tag}`);

    await customer.reload();
    await expect(details.getByRole("definition")).toHaveText([`B-${tag}`, "API"]);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.filter((s) => s.includes(secret) || s.includes(`risk_${tag}`))).toEqual([]);
    await expect(customer.locator("body")).not.toContainText(secret);

    // The history names fields by their labels and values.
    await agent.getByRole("button", { name: "History" }).click();
    await expect(agent.locator(".history")).toContainText("Product: — → API");
    await expect(agent.locator(".history")).toContainText(`Order number: A-${tag} → B-${tag}`);

    // The console's list filters by a custom field and a custom status, kept in the URL.
    await agent.goto("/app/?view=all");
    await agent.getByLabel("Product").selectOption({ label: "API" });
    await agent.getByLabel("Custom status").selectOption({ label: "Pending: Waiting on vendor" });
    await expect(agent).toHaveURL(/cf\.product=api/);
    await expect(agent).toHaveURL(/custom_status=waiting_on_vendor/);
    await expect(agent.getByRole("link", { name: `Fields journey ${tag}` })).toBeVisible();
    const rows = agent.locator("table.tickets tbody tr");
    await expect(rows.first()).toBeVisible();
    for (const badge of await agent.locator("table.tickets tbody tr td:nth-child(3) .badge").allTextContents()) expect(badge).toBe("Waiting on vendor");
    await agent.getByLabel("Product").selectOption({ label: "Hardware" });
    await expect(agent.getByRole("link", { name: `Fields journey ${tag}` })).toHaveCount(0);
    await expectAccessible(agent, "ticket list with field filters");

    await customerContext.close();
    await agentContext.close();
    expect([...p0, ...p1, ...p2]).toEqual([]);
  });
  test("the list's filter bar offers whole-number and date fields; a value filters through the list API and stays in the URL", async ({ page, problems }) => {
    const tag = unique();
    const admin = await tokenFor("admin@example.com");
    const agent = await tokenFor("agent1@example.com");
    const field = async (key: string, label: string, type: string) => {
      const res = await apiCall("POST", "/api/v1/ticket-fields", { token: admin.token, body: { key, label, type, customer_visible: false } });
      expect(res.status).toBe(201);
      return res.body as { id: string };
    };
    const seats = await field(`seats_${tag}`, `Seats ${tag}`, "integer");
    const renewal = await field(`renewal_${tag}`, `Renewal ${tag}`, "date");
    const ticket = async (subject: string, custom_fields: Record<string, unknown>) => {
      const t = await createTicket("customer1@example.com", { subject });
      expect((await apiCall("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body: { custom_fields } })).status).toBe(200);
      return t;
    };
    const big = await ticket(`Big plan ${tag}`, { [`seats_${tag}`]: 250, [`renewal_${tag}`]: "2027-03-01" });
    const small = await ticket(`Small plan ${tag}`, { [`seats_${tag}`]: 5, [`renewal_${tag}`]: "2027-01-15" });
    const link = (t: { subject: string }) => page.getByRole("link", { name: t.subject });

    try {
      await signIn(page, "/app", "agent1@example.com", "/app/?view=all");
      const seatsBox = page.getByLabel(`Seats ${tag}`);
      const renewalBox = page.getByLabel(`Renewal ${tag}`);
      await expect(seatsBox).toHaveAttribute("type", "number");
      await expect(renewalBox).toHaveAttribute("type", "date");

      // A whole number filters once it is complete (Enter), not at every keystroke.
      const listed = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v1/tickets" && new URL(r.url()).searchParams.get(`cf.seats_${tag}`) === "250");
      await seatsBox.fill("250");
      await seatsBox.press("Enter");
      await listed;
      await expect(page).toHaveURL(new RegExp(`cf\\.seats_${tag}=250`));
      await expect(link(big)).toBeVisible();
      await expect(link(small)).toHaveCount(0);
      await expect(page.locator("table.tickets tbody tr")).toHaveCount(1);
      await expectAccessible(page, "ticket list with a number filter");

      // A day, with the number cleared (leaving the box applies it).
      await seatsBox.fill("");
      await seatsBox.blur();
      await expect(page).not.toHaveURL(/cf\.seats_/);
      await renewalBox.fill("2027-01-15");
      await expect(page).toHaveURL(new RegExp(`cf\\.renewal_${tag}=2027-01-15`));
      await expect(link(small)).toBeVisible();
      await expect(link(big)).toHaveCount(0);

      // Both at once must both hold; the URL brings the filters back on a reload.
      await seatsBox.fill("250");
      await seatsBox.press("Enter");
      await expect(page).toHaveURL(new RegExp(`cf\\.seats_${tag}=250`));
      await expect(page.getByText("No tickets")).toBeVisible();
      await page.reload();
      await expect(page.getByLabel(`Seats ${tag}`)).toHaveValue("250");
      await expect(page.getByLabel(`Renewal ${tag}`)).toHaveValue("2027-01-15");
      await expect(link(small)).toHaveCount(0);
      await expect(link(big)).toHaveCount(0);
      await expectAccessible(page, "ticket list with a date filter");
      expect(problems).toEqual([]);
    } finally {
      // Switched off, so the bars of later tests do not grow.
      for (const f of [seats, renewal]) await apiCall("PATCH", `/api/v1/ticket-fields/${f.id}`, { token: admin.token, body: { active: false } });
    }
  });
});
