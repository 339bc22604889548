import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LIST_IN_PLAN_MAX, MAX_RANKED_MATCHES } from "../../src/features/search/search.fts";
import { api, expectProblem, makeStaff, makeUser } from "../helpers";
import { article, comment, ids, search, ticket, word } from "./support";

const staff = await makeStaff();
const { customer, agent } = staff;

describe("GET /search: ranking and highlighting", () => {
  it("ranks a title match above a body match", async () => {
    const w = word();
    const inBody = await article(agent.token, { title: "Resetting things", body: `Open the settings page and look for ${w} near the bottom of it.` });
    const inTitle = await article(agent.token, { title: `How to use ${w}`, body: "Open the settings page and look near the bottom of it for the button." });
    const page = await search(agent.token, w, { type: "articles" });
    expect(ids(page)).toEqual([inTitle.id, inBody.id]);
    expect(page.data[0]!.score).toBeGreaterThan(page.data[1]!.score);

    const t1 = await ticket(customer.token, "Printer question", `Something about ${w} happened yesterday in the office.`);
    const t2 = await ticket(customer.token, `${w} is broken`, "Something happened yesterday in the office, please help.");
    expect(ids(await search(agent.token, w, { type: "tickets" }))).toEqual([t2.id, t1.id]);
  });

  it("highlights the matched words and escapes everything else", async () => {
    const w = word();
    const t = await ticket(customer.token, "Broken page", `The page shows <img src=x onerror=alert(1)> & then ${w} "quoted" forever.`);
    const [hit] = (await search(agent.token, w, { type: "tickets" })).data;
    expect(hit).toMatchObject({ type: "ticket", id: t.id, ticket_id: t.id, title: "Broken page" });
    expect(hit!.snippet).toContain(`<mark>${w}</mark>`);
    expect(hit!.snippet).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; then");
    expect(hit!.snippet).toContain("&quot;quoted&quot;");
    expect(hit!.snippet.replaceAll(`<mark>${w}</mark>`, "")).not.toMatch(/[<>]/);
  });

  it("shows the subject's snippet when only the subject matches", async () => {
    const w = word();
    await ticket(customer.token, `About ${w} today`, "Nothing else to say here.");
    const [hit] = (await search(agent.token, w, { type: "tickets" })).data;
    expect(hit!.snippet).toBe(`About <mark>${w}</mark> today`);
  });

  it("finds comments with their ticket", async () => {
    const w = word();
    const t = await ticket(customer.token, "Comment host", "Plain description.");
    const c = await comment(agent.token, t.id, `Try restarting the ${w} service.`);
    const [hit] = (await search(customer.token, w)).data;
    expect(hit).toMatchObject({ type: "comment", id: c.id, ticket_id: t.id, title: "Comment host" });
    expect(hit!.snippet).toContain(`<mark>${w}</mark>`);
  });
});

describe("GET /search: words", () => {
  it("prefix-matches the last word as you type, and needs every word", async () => {
    const w = word("kang");
    const other = word();
    const t = await ticket(customer.token, `The ${w} printer`, `It is ${other}.`);
    expect(ids(await search(agent.token, w.slice(0, 6), { type: "tickets" }))).toEqual([t.id]);
    expect(ids(await search(agent.token, `printer ${w.slice(0, 5)}`, { type: "tickets" }))).toEqual([t.id]);
    // Only the last word is a prefix: a cut-off first word matches nothing.
    expect(ids(await search(agent.token, `${w.slice(0, 5)} printer`, { type: "tickets" }))).toEqual([]);
    expect(ids(await search(agent.token, `${w} ${word()}`, { type: "tickets" }))).toEqual([]);
  });

  it("ignores accents both ways: café finds cafe and cafe finds café", async () => {
    const stem = word("cr");
    const accented = await ticket(customer.token, `Le ${stem}éme brûlée`, "Dessert menu.");
    const plain = await ticket(customer.token, `The ${stem}eme brulee`, "Dessert menu.");
    const both = [accented.id, plain.id].sort();
    expect(ids(await search(agent.token, `${stem}éme`, { type: "tickets" })).sort()).toEqual(both);
    expect(ids(await search(agent.token, `${stem}eme`, { type: "tickets" })).sort()).toEqual(both);
    expect(ids(await search(agent.token, `${stem}ÉME BRÛLÉE`, { type: "tickets" })).sort()).toEqual(both);
  });

  it("matches word forms through stemming", async () => {
    const w = word();
    const t = await ticket(customer.token, `Printers ${w}`, "They jammed twice.");
    expect(ids(await search(agent.token, `printer jamming ${w}`, { type: "tickets" }))).toEqual([t.id]);
  });

  it("searches FTS5 operators, quotes and column names as text", async () => {
    const w = word();
    const t = await ticket(customer.token, `NEAR the ${w}`, `The subject field says OR NOT ${w}.`);
    expect(ids(await search(agent.token, `NEAR ${w}`, { type: "tickets" }))).toEqual([t.id]);
    expect(ids(await search(agent.token, `"OR" NOT ${w}`, { type: "tickets" }))).toEqual([t.id]);
    // As FTS5 syntax this would look in a column named subject; as text it finds the word "subject".
    expect(ids(await search(agent.token, `subject:${w}`, { type: "tickets" }))).toEqual([t.id]);
    expect(ids(await search(agent.token, `description: NEAR(${w})`, { type: "tickets" }))).toEqual([]);
  });

  const HOSTILE = [
    '"',
    '""',
    '"unbalanced',
    "*",
    "printer*",
    "* printer",
    "NEAR",
    "NEAR(a b, 2)",
    "a NEAR/2 b",
    ":",
    "subject:x",
    "{subject description}: x",
    "owner : u00",
    "scope:staff0",
    "-",
    "-printer",
    "^printer",
    "+printer",
    "(",
    ")",
    "((a) OR",
    "AND",
    "a AND",
    "OR",
    "NOT",
    "NOT a",
    "a OR b NOT c",
    "'",
    "\\",
    "%_%",
    "\u0000",
    "\u0301",
    "🙂🙂",
    "\uE000x\uE001",
    "rank:1",
    "rowid=1",
    "x".repeat(500),
    Array.from({ length: 60 }, (_, i) => `w${i}`).join(" "),
  ];

  it.each(HOSTILE)("%j answers 200 everywhere it can be typed", async (q) => {
    const qs = new URLSearchParams({ q }).toString();
    for (const path of [`/api/v1/search?${qs}`, `/api/v1/tickets?${qs}`, `/api/v1/kb/articles?${qs}`, `/api/v1/kb/suggest?subject=${encodeURIComponent(q.slice(0, 200))}&description=${encodeURIComponent(q)}`]) {
      for (const token of [agent.token, customer.token]) {
        const res = await api("GET", path, { token });
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
        expect(Array.isArray(res.body.data)).toBe(true);
      }
    }
  });

  it("a query of no words finds nothing (and is no error)", async () => {
    expect(await search(agent.token, "  ")).toEqual({ data: [], next_cursor: null });
    expect(await search(agent.token, '"*:()')).toEqual({ data: [], next_cursor: null });
  });

  it("refuses what is not a query", async () => {
    expectProblem(await api("GET", "/api/v1/search", { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", `/api/v1/search?q=${"x".repeat(501)}`, { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/search?q=x&type=tickets,users", { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/search?q=x&status=lost", { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/search?q=x&limit=0", { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/search?q=x&limit=101", { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/search?q=x"), 401, "UNAUTHORIZED");
  });
});

describe("GET /search: filters and pages", () => {
  it("type narrows the kinds of results", async () => {
    const w = word();
    const t = await ticket(customer.token, `Typed ${w}`, "x");
    const c = await comment(agent.token, t.id, `reply ${w}`);
    const a = await article(agent.token, { title: `Article ${w}`, body: "text" });
    expect(new Set((await search(agent.token, w)).data.map((d) => d.type))).toEqual(new Set(["ticket", "comment", "article"]));
    expect(ids(await search(agent.token, w, { type: "comments" }))).toEqual([c.id]);
    expect(ids(await search(agent.token, w, { type: "articles,tickets" })).sort()).toEqual([a.id, t.id].sort());
  });

  it("status and priority filter tickets and comments like the ticket list, and leave articles out", async () => {
    const w = word();
    const open = await ticket(customer.token, `Open ${w}`, "x", { priority: "high" });
    const pending = await ticket(customer.token, `Pending ${w}`, "x", { priority: "low" });
    const res = await api("PATCH", `/api/v1/tickets/${pending.id}`, { token: agent.token, body: { status: "pending" } });
    expect(res.status).toBe(200);
    const note = await comment(agent.token, pending.id, `note ${w}`, true);
    await article(agent.token, { title: `Guide ${w}`, body: "text" });
    expect(ids(await search(agent.token, w, { status: "pending" })).sort()).toEqual([pending.id, note.id].sort());
    expect(ids(await search(agent.token, w, { priority: "high" }))).toEqual([open.id]);
    expect(ids(await search(agent.token, w, { status: "open,pending", priority: "critical" }))).toEqual([]);
  });

  it("pages through every hit once, best first, with a cursor bound to the search", async () => {
    const w = word();
    const made = new Set<string>();
    for (let i = 0; i < 5; i++) made.add((await ticket(customer.token, `Paging ${w} ${i}`, `${w} `.repeat(i + 1))).id);
    for (let i = 0; i < 3; i++) made.add((await article(agent.token, { title: `Paging article ${i}`, body: `About ${w}.` })).id);
    const seen: string[] = [];
    const scores: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(agent.token, w, { limit: "3", ...(cursor ? { cursor } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...ids(page));
      scores.push(...page.data.map((d) => d.score));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(8);
    expect(new Set(seen)).toEqual(made);
    expect(pages).toBe(3);
    const firstPage = await search(agent.token, w, { limit: "3" });
    expectProblem(await api("GET", `/api/v1/search?q=${word()}&limit=3&cursor=${firstPage.next_cursor}`, { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", `/api/v1/search?q=${w}&limit=3&type=tickets&cursor=${firstPage.next_cursor}`, { token: agent.token }), 400, "VALIDATION_ERROR");
    const c = firstPage.next_cursor!;
    const tampered = `${c[0] === "A" ? "B" : "A"}${c.slice(1)}`;
    expectProblem(await api("GET", `/api/v1/search?q=${w}&limit=3&cursor=${tampered}`, { token: agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", `/api/v1/search?q=${w}&limit=3&cursor=not-a-cursor`, { token: agent.token }), 400, "VALIDATION_ERROR");
    // The last character of the MAC carries unused bits: another letter there must not decode to the same MAC.
    const lastChar = `${c.slice(0, -1)}${c.endsWith("A") ? "B" : "A"}`;
    expectProblem(await api("GET", `/api/v1/search?q=${w}&limit=3&cursor=${lastChar}`, { token: agent.token }), 400, "VALIDATION_ERROR");
  });
});

describe("GET /tickets?q=", () => {
  it("filters the ticket list by text and keeps its other filters and order", async () => {
    const w = word();
    const other = await makeUser("customer");
    const a = await ticket(customer.token, `List ${w} one`, "x", { priority: "high" });
    const b = await ticket(other.token, "List two", `body ${w}`, { priority: "low" });
    await ticket(customer.token, "List three", "no match here");
    const all = await api("GET", `/api/v1/tickets?q=${w}`, { token: agent.token });
    expect(all.status).toBe(200);
    expect(all.body.data.map((t: { id: string }) => t.id)).toEqual([b.id, a.id]);
    const high = await api("GET", `/api/v1/tickets?q=${w}&priority=high`, { token: agent.token });
    expect(high.body.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    const paged = await api("GET", `/api/v1/tickets?q=${w}&limit=1&sort=created_at`, { token: agent.token });
    expect(paged.body.data.map((t: { id: string }) => t.id)).toEqual([a.id]);
    const next = await api("GET", `/api/v1/tickets?q=${w}&limit=1&sort=created_at&cursor=${paged.body.next_cursor}`, { token: agent.token });
    expect(next.body.data.map((t: { id: string }) => t.id)).toEqual([b.id]);
    expect(next.body.next_cursor).toBeNull();
    // An empty q is no filter; a q of no words matches nothing.
    expect((await api("GET", "/api/v1/tickets?q=", { token: agent.token })).body.data.length).toBeGreaterThan(2);
    expect((await api("GET", `/api/v1/tickets?q=${encodeURIComponent('"*')}`, { token: agent.token })).body.data).toEqual([]);
  });

  it("stays exact when rowids pass 2^21 (a document id's low bits then name no one ticket: tickets_search_docs does)", async () => {
    const w = word();
    const template = await ticket(customer.token, `High ${w} template`, "x");
    const row = await env.DB.prepare("SELECT rowid AS r, * FROM tickets WHERE id = ?").bind(template.id).first<Record<string, unknown>>();
    const { r: low, ...columns } = row!;
    const cols = Object.keys(columns);
    const base = Date.parse(String(row!.created_at));
    // Rowids sharing the template's low 21 bits, or past 2^21, created before and in the template's own
    // millisecond (there with low bits above the template's: migrations/0045 says why).
    const copies: [number, number][] = [
      [2 ** 21 + Number(low), -5_000],
      [2 * 2 ** 21 + Number(low) + 1, 0],
      [3 * 2 ** 21 + 3, -1],
      [2 ** 21 + 4, -3_600_000],
    ];
    await env.DB.batch(
      copies.map(([rowid, offset], i) => {
        const values: Record<string, unknown> = { ...columns, id: `${template.id}-h${i}`, number: `TICK-20990102-${i}`, subject: `High ${w} ${i}`, created_at: new Date(base + offset).toISOString() };
        return env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => values[c] ?? null));
      }),
    );
    const want = (await env.DB.prepare("SELECT id FROM tickets WHERE subject LIKE ? ORDER BY created_at DESC, rowid DESC").bind(`High ${w} %`).all<{ id: string }>()).results.map((t) => t.id);
    expect(want).toHaveLength(5);
    for (const limit of [2, 5]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { data: { id: string }[]; next_cursor: string | null } } = await api("GET", `/api/v1/tickets?q=${w}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, { token: agent.token });
        ids.push(...res.body.data.map((t) => t.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(ids, `limit ${limit}`).toEqual(want);
    }
    const oldest = await api("GET", `/api/v1/tickets?q=${w}&sort=created_at`, { token: agent.token });
    expect(oldest.body.data.map((t: { id: string }) => t.id)).toEqual([...want].reverse());
    // The search box finds each, with its own subject highlighted.
    const found = await search(agent.token, w, { type: "tickets" });
    expect(found.data.map((d) => d.id).sort()).toEqual([...want].sort());
    for (const d of found.data) expect(d.snippet).toContain(`<mark>${w}</mark>`);
  });

  it("stays exact when the word is too common for an IN list (a list in created order walks its postings)", async () => {
    const w = word();
    const template = await ticket(customer.token, `Template ${w}`, "x");
    const row = await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(template.id).first<Record<string, unknown>>();
    const cols = Object.keys(row!);
    const base = Date.parse(String(row!.created_at));
    const statements = [];
    // Beyond the list's FTS-first threshold, and beyond what the search box ranks.
    const count = Math.max(LIST_IN_PLAN_MAX, MAX_RANKED_MATCHES) + 20;
    for (let i = 0; i < count; i++) {
      const values = {
        ...row!,
        id: `${template.id}-${String(i).padStart(4, "0")}`,
        number: `TICK-20990101-${String(i).padStart(4, "0")}`,
        subject: `Bulk ${w} ${i}`,
        // Older than the template, every third one the other customer's, every fifth one pending.
        created_at: new Date(base - (i + 1) * 1000).toISOString(),
        requester_id: i % 3 === 0 ? staff.customer2.id : customer.id,
        status: i % 5 === 0 ? "pending" : "open",
      } as Record<string, unknown>;
      statements.push(env.DB.prepare(`INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(...cols.map((c) => values[c] ?? null)));
    }
    await env.DB.batch(statements);

    const page = await api("GET", `/api/v1/tickets?q=${w}&limit=5`, { token: agent.token });
    expect(page.body.data.map((t: { subject: string }) => t.subject)).toEqual([`Template ${w}`, `Bulk ${w} 0`, `Bulk ${w} 1`, `Bulk ${w} 2`, `Bulk ${w} 3`]);
    const next = await api("GET", `/api/v1/tickets?q=${w}&limit=3&cursor=${page.body.next_cursor}`, { token: agent.token });
    expect(next.body.data.map((t: { subject: string }) => t.subject)).toEqual([`Bulk ${w} 4`, `Bulk ${w} 5`, `Bulk ${w} 6`]);
    const pending = await api("GET", `/api/v1/tickets?q=${w}&status=pending&limit=3`, { token: agent.token });
    expect(pending.body.data.map((t: { subject: string }) => t.subject)).toEqual([`Bulk ${w} 0`, `Bulk ${w} 5`, `Bulk ${w} 10`]);
    const theirs = await api("GET", `/api/v1/tickets?q=${w}&limit=3`, { token: staff.customer2.token });
    expect(theirs.body.data.map((t: { subject: string }) => t.subject)).toEqual([`Bulk ${w} 0`, `Bulk ${w} 3`, `Bulk ${w} 6`]);

    // The search box ranks a word this common among its MAX_RANKED_MATCHES most recent matches by
    // created time (the index is keyed in created order, migrations/0045: the template, written
    // first, and the newest bulk rows, not the bulk rows written last), and pages no deeper than that.
    const first = await search(agent.token, w, { type: "tickets", limit: "100" });
    const second = await search(agent.token, w, { type: "tickets", limit: "100", cursor: first.next_cursor! });
    expect(second.next_cursor).toBeNull();
    const titles = [...first.data, ...second.data].map((d) => d.title);
    expect(titles).toHaveLength(MAX_RANKED_MATCHES);
    expect(titles).toContain(`Template ${w}`);
    const bulk = titles.filter((t) => t.startsWith("Bulk")).map((t) => Number(t.split(" ").at(-1)));
    expect([Math.min(...bulk), Math.max(...bulk)]).toEqual([0, MAX_RANKED_MATCHES - 2]);
  });
});
