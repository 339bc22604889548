import type { Page } from "@playwright/test";
import { CHROMIUM_ARGS } from "./playwright.config";
import { apiCall, BASE, expect, expectAccessible, test, tokenFor } from "./fixtures";

/**
 * The chat widget (API.md "More channels and data") as a website embeds it: one script tag on a page of
 * another origin that sends a strict Content-Security-Policy (no unsafe-inline, no unsafe-eval, nothing
 * but the support origin allowed), a visitor chatting with an agent who answers through the API and the
 * ticket's live socket. Typing and messages must reach the other side within a second.
 */
const LIVE_MS = 1_000;
const SHOP = "http://shop.localhost:8799";
const WS = BASE.replace(/^http/, "ws");
const POLICY = [
  "default-src 'none'",
  `script-src ${BASE}`,
  `style-src ${BASE}`,
  `connect-src ${BASE} ${WS}`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// The host page is served by the test (route interception) under another origin. Chromium counts such a
// page as public and would refuse its requests to the loopback server (Local Network Access): on the
// internet both sides are public, so that check is off here.
test.use({ launchOptions: { executablePath: "/usr/bin/chromium", args: [...CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights"] } });

async function shopPage(page: Page) {
  await page.route(`${SHOP}/**`, (route) =>
    route.fulfill({
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": POLICY },
      body: `<!doctype html><html lang="en"><head><title>Example shop</title></head><body><main><h1>Example shop</h1><p>Shoes and more.</p></main><script src="${BASE}/widget.js" data-title="Chat with us" defer></script></body></html>`,
    }),
  );
  // Every CSP violation of the page, whether or not the browser also logs it.
  await page.addInitScript(() => {
    (window as unknown as { violations: string[] }).violations = [];
    document.addEventListener("securitypolicyviolation", (e) => (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${SHOP}/`);
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

/** The agent's side: the ticket's live socket (Node's WebSocket), buffering what arrives. */
function agentSocket(ticketId: string, token: string) {
  const received: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  const ws = new WebSocket(`${WS}/api/v1/tickets/${ticketId}/live?access_token=${encodeURIComponent(token)}`);
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data));
    received.push(m);
    const i = waiters.findIndex((w) => w.match(m));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  const next = (match: (m: any) => boolean, timeout = LIVE_MS) =>
    new Promise<any>((resolve, reject) => {
      const seen = received.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`nothing matching within ${timeout} ms; got ${JSON.stringify(received.map((m) => m.type))}`)), timeout);
      waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("agent socket failed")));
  });
  return { ws, received, next, opened };
}

test.describe("chat widget", () => {
  test("a visitor on a page with a strict CSP chats with an agent: typing and messages both ways within a second", async ({ page, problems }) => {
    const tag = Math.random().toString(36).slice(2, 8);
    await shopPage(page);
    const launcher = page.getByRole("button", { name: "Chat with us" });
    await expect(launcher).toBeVisible();
    await expect(launcher).toHaveAttribute("aria-expanded", "false");
    await launcher.click();
    await expect(launcher).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByLabel("Your message")).toBeFocused();

    // The visitor writes first (name and address are optional): the chat opens.
    await page.getByLabel("Your name (optional)").fill(`Robin ${tag}`);
    await page.getByLabel(/Your email/).fill(`robin-${tag}@example.net`);
    await page.getByLabel("Your message").fill(`Where is my parcel ${tag}?`);
    const opened = page.waitForResponse((r) => r.url() === `${BASE}/api/v1/chat/sessions` && r.request().method() === "POST");
    await page.getByRole("button", { name: "Send" }).click();
    const session = await (await opened).json();
    expect(session.ticket).toMatchObject({ channel: "chat", subject: `Chat with Robin ${tag}`, description: `Where is my parcel ${tag}?` });
    await expect(page.locator(".edc-me", { hasText: `Where is my parcel ${tag}?` })).toBeVisible();
    await expect(page.getByLabel("Your message")).toHaveValue("");

    // An agent picks the chat up from the API and joins its room.
    const agent = await tokenFor("agent1@example.com");
    const chats = await apiCall("GET", "/api/v1/tickets?channel=chat&status=open&limit=100", { token: agent.token });
    expect(chats.body.data.map((t: any) => t.id)).toContain(session.ticket.id);
    const room = agentSocket(session.ticket.id, agent.token);
    await room.opened;
    await room.next((m) => m.type === "presence" && m.users.some((u: any) => u.id === session.ticket.requester.id) && m.users.some((u: any) => u.id === agent.user.id), 5_000);

    // Visitor → agent: typing.
    let t = Date.now();
    await page.getByLabel("Your message").press("A");
    expect(await room.next((m) => m.type === "typing" && m.user_id === session.ticket.requester.id && m.is_typing)).toMatchObject({ internal: false });
    expect(Date.now() - t).toBeLessThan(LIVE_MS + 200);

    // Agent → visitor: typing (public), shown with the agent's name; internal typing shows nothing.
    t = Date.now();
    room.ws.send(JSON.stringify({ type: "typing", is_typing: true, internal: false }));
    await expect(page.locator(".edc-status")).toHaveText(`${agent.user.name} is typing…`, { timeout: LIVE_MS });
    expect(Date.now() - t).toBeLessThan(LIVE_MS + 200);
    room.ws.send(JSON.stringify({ type: "typing", is_typing: false }));
    await expect(page.locator(".edc-status")).toHaveText("", { timeout: LIVE_MS });
    room.ws.send(JSON.stringify({ type: "typing", is_typing: true, internal: true }));

    // Agent → visitor: a public reply appears live; an internal note never reaches the page.
    const frames: string[] = [];
    page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
    await apiCall("POST", `/api/v1/tickets/${session.ticket.id}/comments`, { token: agent.token, body: { body: `internal ${tag}: check the courier`, internal: true } });
    const replied = await apiCall("POST", `/api/v1/tickets/${session.ticket.id}/comments`, { token: agent.token, body: { body: `It left our warehouse today ${tag}.` } });
    expect(replied.status).toBe(201);
    t = Date.now();
    const reply = page.locator(".edc-agent", { hasText: `It left our warehouse today ${tag}.` });
    await expect(reply).toBeVisible({ timeout: LIVE_MS });
    expect(Date.now() - t).toBeLessThan(LIVE_MS + 200);
    await expect(reply.locator(".edc-author")).toHaveText(agent.user.name);
    await expect(page.locator(".edc-status")).toHaveText("");

    // Visitor → agent: a message.
    await page.getByLabel("Your message").fill(`Thanks ${tag}!`);
    await page.keyboard.press("Enter");
    t = Date.now();
    const written = await room.next((m) => m.type === "comment.created" && m.comment.body === `Thanks ${tag}!`, LIVE_MS + 2_000);
    expect(written.comment).toMatchObject({ channel: "chat", internal: false, author: { id: session.ticket.requester.id } });
    await expect(page.locator(".edc-me", { hasText: `Thanks ${tag}!` })).toBeVisible();

    // A reload continues the chat: the same transcript, no intro form.
    await page.reload();
    await page.getByRole("button", { name: "Chat with us" }).click();
    await expect(page.locator(".edc-msg")).toHaveText([`Where is my parcel ${tag}?`, `${agent.user.name}It left our warehouse today ${tag}.`, `Thanks ${tag}!`]);
    await expect(page.getByLabel("Your name (optional)")).toBeHidden();

    await page.waitForTimeout(500);
    const text = await page.locator("[data-edgedesk-chat]").evaluate((host) => host.shadowRoot?.textContent ?? "");
    expect(text).not.toContain("check the courier");
    expect(frames.join("\n")).not.toContain("check the courier");
    expect(await violations(page)).toEqual([]);
    room.ws.close();
    expect(problems).toEqual([]);
  });

  test.describe("accessibility", () => {
    // axe-core injects a style element to do its work, which the strict policy (rightly) refuses; what it
    // checks does not depend on the policy, so this page is analysed with the policy bypassed.
    test.use({ bypassCSP: true });
    test("the open widget has no serious or critical axe violations", async ({ page }) => {
      await shopPage(page);
      await page.getByRole("button", { name: "Chat with us" }).click();
      await expect(page.getByLabel("Your message")).toBeFocused();
      await expectAccessible(page, "chat widget, open");
      await page.keyboard.press("Escape");
      await expect(page.getByRole("button", { name: "Chat with us" })).toBeFocused();
      await expect(page.getByLabel("Your message")).toBeHidden();
    });
  });

  test("a message with markup stays text, and the chat ends when the agent closes it", async ({ page, problems }) => {
    await shopPage(page);
    await page.getByRole("button", { name: "Chat with us" }).click();
    await page.getByLabel("Your message").fill('<img src=x onerror="window.pwned=1"><b>bold?</b>');
    await page.getByRole("button", { name: "Send" }).click();
    await expect(page.locator(".edc-me")).toHaveText('<img src=x onerror="window.pwned=1"><b>bold?</b>');
    const key = await page.evaluate((base) => JSON.parse(localStorage.getItem(`edgedesk-chat:${base}`) ?? "null"), BASE);
    const agent = await tokenFor("agent2@example.com");
    await apiCall("POST", `/api/v1/tickets/${key.ticket_id}/comments`, { token: agent.token, body: { body: "<script>window.pwned=2</script>Bye!" } });
    await expect(page.locator(".edc-agent .edc-body")).toHaveText("<script>window.pwned=2</script>Bye!");
    await apiCall("PATCH", `/api/v1/tickets/${key.ticket_id}`, { token: agent.token, body: { status: "cancelled" } });
    await expect(page.locator(".edc-status")).toHaveText("This chat has ended.");
    await expect(page.getByRole("button", { name: "Start a new chat" })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await violations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
