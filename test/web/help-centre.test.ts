import { describe, expect, it } from "vitest";
import { api, BASE, makeStaff } from "../helpers";
import { expectOwnScriptsOnly, expectStrictPolicy, page } from "./support";

const { agent } = await makeStaff();
const run = crypto.randomUUID().slice(0, 8);

async function article(body: Record<string, unknown>) {
  const res = await api("POST", "/api/v1/kb/articles", { token: agent.token, body: { status: "published", visibility: "public", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; title: string; views: number };
}

const category = await api("POST", "/api/v1/kb/categories", { token: agent.token, body: { name: `Billing ${run}`, description: "Invoices and refunds" } });
const published = await article({ title: `Refund a duplicate charge ${run}`, body: `Open **Billing**, pick the invoice and choose *Refund*. Keyword zebrafish${run}.`, category_id: category.body.id });
const draft = await article({ title: `Draft plans ${run}`, body: "Not yet", status: "draft" });
const internal = await article({ title: `Internal escalation runbook ${run}`, body: "Staff only", visibility: "internal" });
const hostile = await article({ title: `<script>alert("t${run}")</script> Printer`, body: `<script>alert("b${run}")</script>\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))` });

const canonical = (a: { id: string }, slug: string) => `/articles/${a.id}/${slug}`;

describe("help centre pages, rendered by the Worker", () => {
  it("the home page lists topics and recent published public articles only", async () => {
    const p = await page("/");
    expect(p.status).toBe(200);
    expectStrictPolicy(p, "/");
    expect(p.text).toContain("How can we help?");
    expect(p.text).toContain(`Billing ${run}`);
    expect(p.text).toContain(`Refund a duplicate charge ${run}`);
    expect(p.text).not.toContain(draft.title);
    expect(p.text).not.toContain(internal.title);
    expect(p.headers.get("cache-control")).toMatch(/^public, max-age=\d+/);
  });

  it("an article page works without JavaScript: the text, a canonical address, and a vote form", async () => {
    const slug = `refund-a-duplicate-charge-${run}`;
    const bare = await page(`/articles/${published.id}`);
    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe(canonical(published, slug));
    const wrongSlug = await page(`/articles/${published.id}/old-title?feedback=yes`);
    expect(wrongSlug.headers.get("location")).toBe(`${canonical(published, slug)}?feedback=yes`);

    const p = await page(canonical(published, slug));
    expect(p.status).toBe(200);
    expectStrictPolicy(p, "article");
    expectOwnScriptsOnly(p, "article");
    expect(p.text).toContain(`<h1 id="article-title">Refund a duplicate charge ${run}</h1>`);
    expect(p.text).toContain("<strong>Billing</strong>");
    expect(p.text).toContain(`<link rel="canonical" href="${BASE}${canonical(published, slug)}"/>`);
    expect(p.text).toContain(`<form method="post" action="/articles/${published.id}/feedback"`);
    expect(p.text).toContain(`>Billing ${run}</a>`); // breadcrumb to its topic
    expect(p.headers.get("cache-control")).toMatch(/^public/);
    // Its own stylesheet, from the build's manifest.
    expect(p.text).toMatch(/<link rel="stylesheet" href="\/assets\/help-[\w-]+\.css"/);
  });

  it("counts a view per page served", async () => {
    const slug = `refund-a-duplicate-charge-${run}`;
    const before = (await api("GET", `/api/v1/kb/articles/${published.id}`, { token: agent.token })).body.views;
    await page(canonical(published, slug));
    await page(canonical(published, slug));
    const after = (await api("GET", `/api/v1/kb/articles/${published.id}`, { token: agent.token })).body.views;
    expect(after).toBe(before + 3); // two pages and the API read above
  });

  it("drafts, internal articles and unknown ids are the 404 page for visitors", async () => {
    for (const id of [draft.id, internal.id, "01doesnotexist", "x".repeat(300)]) {
      const p = await page(`/articles/${id}/anything`);
      expect(p.status, id).toBe(404);
      expect(p.text).toContain("Page not found");
      expect(p.text).not.toContain("Staff only");
    }
  });

  it("a stored <script> in an article's title or body renders as text", async () => {
    const list = await page("/");
    const p = await page(`/articles/${hostile.id}/script-alert-t${run}-script-printer`);
    expect(p.status).toBe(200);
    for (const text of [list.text, p.text]) {
      expect(text).not.toContain(`<script>alert("t${run}")`);
      expect(text).not.toContain(`<script>alert("b${run}")`);
    }
    expect(p.text).toContain(`&lt;script&gt;alert(&quot;t${run}&quot;)&lt;/script&gt; Printer`);
    expect(p.text).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(p.text).not.toMatch(/href="javascript:/i);
    expectOwnScriptsOnly(p, "hostile article");
  });

  it("search finds published public articles with their matching passage, and escapes the query", async () => {
    const p = await page(`/search?q=zebrafish${run}`);
    expect(p.status).toBe(200);
    expect(p.text).toContain(`Refund a duplicate charge ${run}`);
    expect(p.text).toContain(`<mark>zebrafish${run}</mark>`);
    const staffOnly = await page(`/search?q=${encodeURIComponent("Staff only")}`);
    expect(staffOnly.text).not.toContain(internal.title);
    const evil = await page(`/search?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(evil.status).toBe(200);
    expect(evil.text).not.toContain("<script>alert(1)</script>");
    expect(evil.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect((await page(`/search?q=x&cursor=tampered`)).status).toBe(200);
  });

  it("ask a question: suggestions for what was typed, and a way on to the portal with the text", async () => {
    const p = await page(`/ask?subject=${encodeURIComponent(`duplicate charge zebrafish${run}`)}`);
    expect(p.status).toBe(200);
    expect(p.text).toContain(`Refund a duplicate charge ${run}`);
    expect(p.text).toContain('action="/portal/tickets/new"');
    expect(p.text).toContain(`value="duplicate charge zebrafish${run}"`);
  });

  it("a topic page lists its articles; an unknown topic is the 404 page", async () => {
    const p = await page(`/categories/${category.body.id}`);
    expect(p.status).toBe(200);
    expect(p.text).toContain(`Refund a duplicate charge ${run}`);
    expect(p.text).not.toContain(hostile.title.slice(0, 10));
    expect((await page("/categories/01nope")).status).toBe(404);
  });

  it("votes by form post without JavaScript, from our own pages only", async () => {
    const form = (value: string, origin = BASE) =>
      page(`/articles/${published.id}/feedback`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin, "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 200)}` },
        body: `helpful=${value}`,
      });
    const before = (await api("GET", `/api/v1/kb/articles/${published.id}`, { token: agent.token })).body;
    const voted = await form("yes");
    expect(voted.status).toBe(303);
    expect(voted.headers.get("location")).toBe(`/articles/${published.id}?feedback=yes#feedback`);
    const after = (await api("GET", `/api/v1/kb/articles/${published.id}`, { token: agent.token })).body;
    expect(after.helpful_yes).toBe(before.helpful_yes + 1);

    const thanks = await page(`/articles/${published.id}/refund-a-duplicate-charge-${run}?feedback=yes`);
    expect(thanks.text).toContain("Thank you for your feedback.");
    expect(thanks.headers.get("cache-control")).toBe("private, no-store");

    expect((await form("yes", "https://evil.example")).status).toBe(403);
    expect((await form("maybe")).status).toBe(400);
    expect((await page(`/articles/${internal.id}/feedback`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "helpful=yes" })).status).toBe(404);
    const unchanged = (await api("GET", `/api/v1/kb/articles/${published.id}`, { token: agent.token })).body;
    expect(unchanged.helpful_yes).toBe(after.helpful_yes);
  });

  it("lists published public articles in the sitemap for search engines", async () => {
    const p = await page("/sitemap.xml");
    expect(p.status).toBe(200);
    expect(p.headers.get("content-type")).toMatch(/^application\/xml/);
    expect(p.text).toContain(`${BASE}/articles/${published.id}/refund-a-duplicate-charge-${run}`);
    expect(p.text).not.toContain(draft.id);
    expect(p.text).not.toContain(internal.id);
  });
});
