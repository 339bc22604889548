import { existsSync, readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import PostalMime from "postal-mime";
import { expect, test as base, type BrowserContext, type Page } from "@playwright/test";

export { expect };
export const PASSWORD = "demo-password-1";
export const BASE = process.env.E2E_BASE_URL ?? "http://127.0.0.1:8787";

let ip = 0;
/** Each call its own client address, so the per-IP login limit never trips across a run. */
const nextIp = () => `127.0.1.${(ip++ % 250) + 1}`;

/** The API from Node (the test's own hands: an agent replying while the customer watches, and so on). */
export async function apiCall<T = any>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      "cf-connecting-ip": nextIp(),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

const tokens = new Map<string, Promise<{ token: string; user: any }>>();
/** A bearer token for a demo account (body-mode login, separate from any browser's cookie session). */
export function tokenFor(email: string): Promise<{ token: string; user: any }> {
  if (!tokens.has(email)) {
    tokens.set(
      email,
      apiCall("POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }).then((r) => {
        if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
        return { token: r.body.access_token, user: r.body.user };
      }),
    );
  }
  return tokens.get(email)!;
}

export async function createTicket(requesterEmail: string, body: Record<string, unknown>) {
  const { token } = await tokenFor(requesterEmail);
  const res = await apiCall("POST", "/api/v1/tickets", { token, body: { description: "Created by a browser test.", ...body } });
  if (res.status !== 201) throw new Error(`create ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string; subject: string };
}

/** Signs a browser context in through the sign-in form of `/portal` or `/app` (a cookie session, as a person would). */
export async function signIn(page: Page, app: "/portal" | "/app", email: string, path: string = app) {
  await page.goto(path);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
}

/** axe-core: zero serious or critical violations. */
export async function expectAccessible(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) })),
    `${what}: axe violations`,
  ).toEqual([]);
}

/** Page errors and CSP violations of a page, collected while a test runs; both must stay empty. */
export function watchPage(page: Page) {
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
  });
  return problems;
}

export const test = base.extend<{ problems: string[] }>({
  problems: async ({ page }, use) => {
    const problems = watchPage(page);
    await use(problems);
    expect(problems, "page errors or CSP violations").toEqual([]);
  },
});

export async function newPage(context: BrowserContext) {
  const page = await context.newPage();
  return { page, problems: watchPage(page) };
}

/**
 * The link of an account mail the server sent to `address` (wrangler's local send_email saves each mail
 * as an .eml file and logs its path; the runner hands the server's output over as E2E_SERVER_LOG).
 */
export async function mailedLink(address: string, path: "/portal/verify-email" | "/portal/reset-password", timeoutMs = 20_000): Promise<string> {
  const log = process.env.E2E_SERVER_LOG;
  if (!log) throw new Error("E2E_SERVER_LOG is not set: run through npm run test:e2e, or set it to the output of the server under test");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = [...readFileSync(log, "utf8").matchAll(/Email: (\S+\.eml)/g)].map((m) => m[1]!);
    for (const file of files.reverse()) {
      if (!existsSync(file)) continue;
      const mail = await PostalMime.parse(readFileSync(file));
      if (!mail.to?.some((to) => to.address?.toLowerCase() === address.toLowerCase())) continue;
      const link = mail.text?.match(new RegExp(`https?://\\S+${path}#token=[\\w.-]+`))?.[0];
      if (link) return link;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail with a ${path} link to ${address} within ${timeoutMs} ms`);
}
