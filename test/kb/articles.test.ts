import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";

const { customer, agent, agent2, manager, admin } = await makeStaff();
const create = (token: string | undefined, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api("POST", "/api/v1/kb/articles", { ...(token ? { token } : {}), body, headers });

describe("writing articles", () => {
  it("staff create articles; the response is the article with rendered HTML", async () => {
    for (const who of [agent, manager, admin]) {
      const res = await create(who.token, { title: "Reset your password", body: "# Steps\n\n1. Open **Settings**\n2. Click [Reset](https://example.com/reset)", tags: ["Account", "password", "account"] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.headers.get("location")).toBe(`/api/v1/kb/articles/${res.body.id}`);
      expect(res.headers.get("etag")).toBe('"1"');
      expect(res.body).toMatchObject({
        title: "Reset your password",
        status: "draft",
        visibility: "public",
        author_id: who.id,
        tags: ["account", "password"],
        category_id: null,
        version: 1,
        views: 0,
        helpful_yes: 0,
        helpful_no: 0,
        published_at: null,
      });
      expect(res.body.body_html).toContain("<h1>Steps</h1>");
      expect(res.body.body_html).toContain("<strong>Settings</strong>");
      expect(res.body.body_html).toContain('<a href="https://example.com/reset" rel="nofollow noopener noreferrer">Reset</a>');
    }
  });

  it("customers and anonymous callers cannot write", async () => {
    expectProblem(await create(customer.token, { title: "Mine", body: "x" }), 403, "FORBIDDEN");
    expectProblem(await create(undefined, { title: "Mine", body: "x" }), 401, "UNAUTHORIZED");
    const a = await create(agent.token, { title: "Target", body: "x", status: "published" });
    expectProblem(await api("PATCH", `/api/v1/kb/articles/${a.body.id}`, { token: customer.token, body: { title: "Defaced" } }), 403, "FORBIDDEN");
    expectProblem(await api("DELETE", `/api/v1/kb/articles/${a.body.id}`, { token: customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("DELETE", `/api/v1/kb/articles/${a.body.id}`), 401, "UNAUTHORIZED");
    expect((await api("GET", `/api/v1/kb/articles/${a.body.id}`)).body.title).toBe("Target");
  });

  it("refuses bad input and changes nothing", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM kb_articles").first<{ n: number }>();
    for (const body of [
      {},
      { title: "", body: "x" },
      { title: "   ", body: "x" },
      { title: "x".repeat(201), body: "x" },
      { title: "t", body: "" },
      { title: "t", body: "x".repeat(50_001) },
      { title: "t", body: "x", status: "archived" },
      { title: "t", body: "x", visibility: "secret" },
      { title: "t", body: "x", tags: ["has space"] },
      { title: "t", body: "x", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { title: "t", body: "x", category_id: "no-such-category" },
      { title: 5, body: "x" },
    ]) {
      expectProblem(await create(agent.token, body), 400, "VALIDATION_ERROR");
    }
    const after = await env.DB.prepare("SELECT count(*) AS n FROM kb_articles").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("honours Idempotency-Key", async () => {
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await create(agent.token, { title: "Once only", body: "x" }, headers);
    const again = await create(agent.token, { title: "Once only", body: "x" }, headers);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expectProblem(await create(agent.token, { title: "Different", body: "x" }, headers), 409, "CONFLICT");
  });
});

describe("Markdown is rendered to safe HTML", () => {
  /** What would run script in a browser: dangerous elements, event-handler attributes, script URLs in href/src. */
  function expectInert(html: string) {
    expect(html).not.toMatch(/<(script|iframe|svg|object|embed|style|form|input)\b/i);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\s(href|src)\s*=\s*["']?\s*(javascript|vbscript|data:(?!image\/(png|gif|jpeg|webp);))/i);
  }

  it.each([
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '<a href="https://evil.example" onclick="steal()">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '[x](https://example.com "a\" onmouseover=\"alert(1)")',
    "<svg/onload=alert(1)>",
    "`<b>code</b>`",
    "```\n<script>alert(1)</script>\n```",
  ])("%s", async (source) => {
    const res = await create(agent.token, { title: "Hostile", body: source });
    expect(res.status).toBe(201);
    expect(res.body.body).toBe(source);
    expectInert(res.body.body_html);
  });

  it("keeps safe images and links", async () => {
    const res = await create(agent.token, { title: "Safe", body: "![logo](https://example.com/logo.png) <https://example.com>" });
    expect(res.body.body_html).toContain('<img src="https://example.com/logo.png" alt="logo">');
    expect(res.body.body_html).toContain('<a href="https://example.com" rel="nofollow noopener noreferrer">https://example.com</a>');
  });

  it("keeps raw HTML as visible, escaped text", async () => {
    const res = await create(agent.token, { title: "Escaped", body: "Type <b>bold</b> & done" });
    expect(res.body.body_html).toBe("<p>Type &lt;b&gt;bold&lt;/b&gt; &amp; done</p>\n");
  });
});

describe("reading articles", () => {
  it("counts views, for every reader", async () => {
    const a = await create(agent.token, { title: "Viewed", body: "x", status: "published" });
    expect((await api("GET", `/api/v1/kb/articles/${a.body.id}`)).body.views).toBe(1);
    expect((await api("GET", `/api/v1/kb/articles/${a.body.id}`, { token: customer.token })).body.views).toBe(2);
    const third = await api("GET", `/api/v1/kb/articles/${a.body.id}`, { token: agent.token });
    expect(third.body.views).toBe(3);
    expect(third.headers.get("etag")).toBe('"1"');
    // A view is no edit.
    expect(third.body.version).toBe(1);
    expect(third.body.updated_at).toBe(a.body.updated_at);
  });

  it("lists newest first with a cursor; filters by category and tag", async () => {
    const cat = await api("POST", "/api/v1/kb/categories", { token: agent.token, body: { name: `Billing ${crypto.randomUUID()}` } });
    const tag = `t${crypto.randomUUID().slice(0, 8)}`;
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push((await create(agent.token, { title: `Listed ${i}`, body: "x", status: "published", category_id: cat.body.id, tags: i === 1 ? [tag] : [] })).body.id);
    }
    const first = await api("GET", `/api/v1/kb/articles?category_id=${cat.body.id}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((a: { id: string }) => a.id)).toEqual([made[2], made[1]]);
    const second = await api("GET", `/api/v1/kb/articles?category_id=${cat.body.id}&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((a: { id: string }) => a.id)).toEqual([made[0]]);
    expect(second.body.next_cursor).toBeNull();
    const tagged = await api("GET", `/api/v1/kb/articles?tag=${tag}`, { token: customer.token });
    expect(tagged.body.data.map((a: { id: string }) => a.id)).toEqual([made[1]]);
    const c = first.body.next_cursor as string;
    expectProblem(await api("GET", `/api/v1/kb/articles?cursor=${c[0] === "A" ? "B" : "A"}${c.slice(1)}`), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/kb/articles?limit=101"), 400, "VALIDATION_ERROR");
  });

  it("q= searches titles and bodies, best match first, with snippets", async () => {
    const w = `kbq${crypto.randomUUID().replaceAll("-", "").replace(/\d/g, "").slice(0, 10)}`;
    const body = await create(agent.token, { title: "Body match", body: `Use ${w} daily.`, status: "published" });
    const title = await create(agent.token, { title: `All about ${w}`, body: "Use it daily.", status: "published" });
    const res = await api("GET", `/api/v1/kb/articles?q=${w}`);
    expect(res.body.data.map((a: { id: string }) => a.id)).toEqual([title.body.id, body.body.id]);
    expect(res.body.data[1].snippet).toBe(`Use <mark>${w}</mark> daily.`);
    expect(res.body.data[0].body_html).toBe("<p>Use it daily.</p>\n");
    const paged = await api("GET", `/api/v1/kb/articles?q=${w}&limit=1`);
    const next = await api("GET", `/api/v1/kb/articles?q=${w}&limit=1&cursor=${paged.body.next_cursor}`);
    expect(next.body.data.map((a: { id: string }) => a.id)).toEqual([body.body.id]);
    expect(next.body.next_cursor).toBeNull();
  });

  it("an unknown article is 404", async () => {
    expectProblem(await api("GET", "/api/v1/kb/articles/nope"), 404, "NOT_FOUND");
    expectProblem(await api("PATCH", "/api/v1/kb/articles/nope", { token: agent.token, body: { title: "x" } }), 404, "NOT_FOUND");
  });
});

describe("editing articles", () => {
  it("every change is a version; an edit that changes nothing is none", async () => {
    const a = await create(agent.token, { title: "Versioned", body: "First text", tags: ["one"] });
    const id = a.body.id;
    const edit = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      api("PATCH", `/api/v1/kb/articles/${id}`, { token, body, headers });
    const published = await edit(agent2.token, { body: "Second text", status: "published", tags: ["two"] }, { "if-match": '"1"' });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body).toMatchObject({ version: 2, body: "Second text", status: "published", tags: ["two"], author_id: agent.id });
    expect(published.body.published_at).not.toBeNull();
    expect(published.headers.get("etag")).toBe('"2"');
    const same = await edit(agent.token, { body: "Second text", tags: ["two"] });
    expect(same.body.version).toBe(2);
    expectProblem(await edit(agent.token, { title: "Stale" }, { "if-match": '"1"' }), 409, "CONFLICT");
    expectProblem(await edit(agent.token, { title: "Bad" }, { "if-match": "one" }), 400, "VALIDATION_ERROR");
    expectProblem(await edit(agent.token, { title: "" }), 400, "VALIDATION_ERROR");
    expectProblem(await edit(agent.token, { category_id: "missing" }), 400, "VALIDATION_ERROR");
    expect((await edit(agent.token, { title: "Versioned again" })).body.version).toBe(3);

    const versions = await api("GET", `/api/v1/kb/articles/${id}/versions`, { token: manager.token });
    expect(versions.status).toBe(200);
    expect(versions.body.data.map((v: { version: number; title: string; body: string; editor_id: string }) => [v.version, v.title, v.body, v.editor_id])).toEqual([
      [3, "Versioned again", "Second text", agent.id],
      [2, "Versioned", "Second text", agent2.id],
      [1, "Versioned", "First text", agent.id],
    ]);
    const page = await api("GET", `/api/v1/kb/articles/${id}/versions?limit=2`, { token: agent.token });
    const rest = await api("GET", `/api/v1/kb/articles/${id}/versions?limit=2&cursor=${page.body.next_cursor}`, { token: agent.token });
    expect(rest.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
    expectProblem(await api("GET", `/api/v1/kb/articles/${id}/versions`, { token: customer.token }), 403, "FORBIDDEN");
  });

  it("deleting removes the article and its history; a second delete is 404", async () => {
    const a = await create(agent.token, { title: "Doomed", body: "x", status: "published" });
    await api("PATCH", `/api/v1/kb/articles/${a.body.id}`, { token: agent.token, body: { body: "y" } });
    await api("POST", `/api/v1/kb/articles/${a.body.id}/feedback`, { body: { helpful: true } });
    expect((await api("DELETE", `/api/v1/kb/articles/${a.body.id}`, { token: agent.token })).status).toBe(204);
    expectProblem(await api("GET", `/api/v1/kb/articles/${a.body.id}`, { token: agent.token }), 404, "NOT_FOUND");
    expectProblem(await api("DELETE", `/api/v1/kb/articles/${a.body.id}`, { token: agent.token }), 404, "NOT_FOUND");
    const left = await env.DB.prepare("SELECT (SELECT count(*) FROM kb_article_versions WHERE article_id = ?1) + (SELECT count(*) FROM kb_article_feedback WHERE article_id = ?1) AS n")
      .bind(a.body.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${a.body.id}`, { token: admin.token });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain("kb_article.deleted");
  });
});

describe("feedback", () => {
  it("one vote per reader; voting again replaces the vote", async () => {
    const a = await create(agent.token, { title: "Helpful?", body: "x", status: "published" });
    const vote = (helpful: boolean, opts: { token?: string; ip?: string } = {}) =>
      api("POST", `/api/v1/kb/articles/${a.body.id}/feedback`, {
        body: { helpful },
        ...(opts.token ? { token: opts.token } : {}),
        headers: opts.ip ? { "cf-connecting-ip": opts.ip } : {},
      });
    expect((await vote(true, { token: customer.token })).body).toEqual({ article_id: a.body.id, helpful: true, helpful_yes: 1, helpful_no: 0 });
    expect((await vote(true, { token: customer.token })).body).toMatchObject({ helpful_yes: 1, helpful_no: 0 });
    expect((await vote(false, { token: customer.token })).body).toMatchObject({ helpful_yes: 0, helpful_no: 1 });
    expect((await vote(true, { ip: "198.51.100.7" })).body).toMatchObject({ helpful_yes: 1, helpful_no: 1 });
    expect((await vote(true, { ip: "198.51.100.7" })).body).toMatchObject({ helpful_yes: 1, helpful_no: 1 });
    expect((await vote(false, { ip: "198.51.100.8" })).body).toMatchObject({ helpful_yes: 1, helpful_no: 2 });
    const read = await api("GET", `/api/v1/kb/articles/${a.body.id}`);
    expect(read.body).toMatchObject({ helpful_yes: 1, helpful_no: 2 });
    expectProblem(await api("POST", `/api/v1/kb/articles/${a.body.id}/feedback`, { body: { helpful: "yes" } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("POST", `/api/v1/kb/articles/${a.body.id}/feedback`, { body: {} }), 400, "VALIDATION_ERROR");

    // An IPv6 client holds a whole /64: every address in it is one voter (issue 9 item 10); another /64 is another voter.
    expect((await vote(true, { ip: "2001:db8:7:1::1" })).body).toMatchObject({ helpful_yes: 2, helpful_no: 2 });
    for (const ip of ["2001:db8:7:1::2", "2001:0db8:0007:0001:ffff:ffff:ffff:ffff", "2001:db8:7:1:a:b:c:d"]) {
      expect((await vote(true, { ip })).body).toMatchObject({ helpful_yes: 2, helpful_no: 2 });
    }
    expect((await vote(false, { ip: "2001:db8:7:1:dead::beef" })).body).toMatchObject({ helpful_yes: 1, helpful_no: 3 });
    expect((await vote(true, { ip: "2001:db8:7:2::1" })).body).toMatchObject({ helpful_yes: 2, helpful_no: 3 });
  });
});
