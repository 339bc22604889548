import { apiCall, createTicket, expect, newPage, signIn, test, tokenFor } from "./fixtures";

const POLICY = /default-src 'self'; script-src 'self'; style-src 'self';.*frame-ancestors 'none'/;

test("every HTML response carries the strict CSP, on every page of the three apps", async ({ browser }) => {
  const html: { url: string; csp: string | null; xfo: string | null }[] = [];
  const problems: string[] = [];
  const open = async () => {
    const context = await browser.newContext();
    const { page, problems: seen } = await newPage(context);
    page.on("response", (res) => {
      if ((res.headers()["content-type"] ?? "").startsWith("text/html")) html.push({ url: res.url(), csp: res.headers()["content-security-policy"] ?? null, xfo: res.headers()["x-frame-options"] ?? null });
    });
    return { page, context, seen };
  };
  const visitor = await open();
  for (const path of ["/", "/search?q=refund", "/ask", "/categories/none", "/docs", "/nope"]) await visitor.page.goto(path);
  await visitor.page.goto("/");
  await visitor.page.getByRole("link", { name: "How refunds work" }).first().click();
  const customer = await open();
  await signIn(customer.page, "/portal", "customer1@example.com");
  await customer.page.goto("/portal/tickets/new");
  const agent = await open();
  await signIn(agent.page, "/app", "agent1@example.com");
  await agent.page.goto("/app/tickets/01nope");
  for (const c of [visitor, customer, agent]) {
    problems.push(...c.seen);
    await c.context.close();
  }
  expect(html.length).toBeGreaterThanOrEqual(11);
  for (const r of html) {
    expect(r.csp, r.url).toMatch(POLICY);
    expect(r.csp, r.url).not.toContain("unsafe");
    expect(r.xfo, r.url).toBe("DENY");
  }
  expect(problems).toEqual([]);
});

test("a stored <script> in a subject, comment or filename renders as text, in the portal and the console", async ({ page, problems }) => {
  const payload = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
  const ticket = await createTicket("customer1@example.com", { subject: `${payload} subject`, description: `${payload} description` });
  const customer = await tokenFor("customer1@example.com");
  expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: customer.token, body: { body: `${payload} comment` } })).status).toBe(201);
  const form = new FormData();
  form.append("file", new Blob(["hello"], { type: "text/plain" }), `<img src=x onerror=alert(1)>.txt`);
  const upload = await fetch(`${process.env.E2E_BASE_URL}/api/v1/tickets/${ticket.id}/attachments`, { method: "POST", headers: { authorization: `Bearer ${customer.token}` }, body: form });
  expect(upload.status).toBe(201);
  let dialogs = 0;
  page.on("dialog", (d) => {
    dialogs++;
    void d.dismiss();
  });

  await signIn(page, "/portal", "customer1@example.com", `/portal/tickets/${ticket.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${payload} subject`);
  await expect(page.getByText(`${payload} comment`)).toBeVisible();
  await expect(page.getByRole("button", { name: "<img src=x onerror=alert(1)>.txt" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "/app", "agent1@example.com", `/app/tickets/${ticket.id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${payload} subject`);
  await expect(page.getByText(`${payload} description`)).toBeVisible();
  await expect(page.getByRole("button", { name: "<img src=x onerror=alert(1)>.txt" })).toBeVisible();
  await page.goto(`/app/?view=all&q=${encodeURIComponent("pwned")}`);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(dialogs).toBe(0);
  expect(problems).toEqual([]);
});
