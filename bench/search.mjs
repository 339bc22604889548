// Search benchmark (issue 6): full-text search over 100,000 tickets, 300,000 comments and 2,000
// articles. Latency p50/p99 for common and rare words, prefixes and phrases, as staff and as a
// customer, plus D1 rows read per search (goal: well under 1,000 for a page of 25).
//
// Called by bench/run.mjs like every module: `run(ctx)` with { baseUrl, tokens, log, db, measure,
// request }. The harness seeds the tickets and comments (bench/lib/seed.mjs, straight into D1; the
// FTS5 triggers of migration 0003 index them as they land); this module adds the 2,000 knowledge-
// base articles once (articleSeedStatements below, a SQL generator with its own vocabulary).
// Without `measure` (called with just { baseUrl, tokens, log }) it runs its own sequential loop
// and writes bench/results/search-<date>.json itself.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeId } from "./lib/seed.mjs";

/** The issue's goal for a page of 25. */
const SEARCH_GOALS = { rowsRead: 1000 };
const ARTICLES = 2_000;
const CATEGORY_TREE = {
  "Getting started": ["Installation", "First steps"],
  Billing: ["Invoices", "Refunds", "Plans"],
  Account: ["Passwords", "Two-factor authentication", "Single sign-on"],
  Integrations: ["Slack", "API", "Exports"],
  Shipping: ["Delivery", "Returns"],
};

// ------------------------------------------------------------------ deterministic randomness

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

// ------------------------------------------------------------------ article vocabulary

const ACTIONS = ["Reset", "Change", "Export", "Import", "Cancel", "Upgrade", "Download", "Connect", "Disconnect", "Troubleshoot", "Configure", "Update", "Verify", "Recover", "Merge", "Share", "Schedule", "Refund", "Track", "Return"];
const OBJECTS = [
  "your password", "two-factor authentication", "an invoice", "your subscription", "the mobile app", "the Slack integration", "a CSV export",
  "single sign-on", "your billing address", "team members", "API keys", "webhooks", "a delivery", "a damaged item", "your VAT number",
  "the dashboard", "email notifications", "your annual plan", "the desktop client", "a data backup", "custom fields", "the reports page",
];
const PLATFORMS = ["iOS", "Android", "Windows", "macOS", "Linux", "Chrome", "Firefox", "Safari", "Edge"];
const SENTENCES = [
  "Open **Settings** and choose the {obj} section.",
  "If the page shows error code E-{code}, sign out and sign in again.",
  "On {platform}, make sure you run the latest version of the app.",
  "Administrators can change this for the whole team under *Organisation*.",
  "Changes take effect immediately; no restart is needed.",
  "The export includes every field, including custom fields and tags.",
  "Refunds are issued to the original payment method within 5 business days.",
  "For security reasons the link expires after 24 hours.",
  "Contact support if the {obj} option is greyed out.",
  "You can undo this within 30 days from the *Trash* page.",
  "Invoices are generated on the first day of each billing period.",
  "Single sign-on works with Okta, Azure AD and Google Workspace.",
  "The synchronisation runs every 15 minutes in the background.",
  "Webhooks are retried with exponential backoff for up to 72 hours.",
  "A café in Zürich reported the same behaviour with the résumé template.",
];

function articleText(r) {
  const obj = r.pick(OBJECTS);
  const title = `How to ${r.pick(ACTIONS).toLowerCase()} ${obj}${r.next() < 0.3 ? ` on ${r.pick(PLATFORMS)}` : ""}`;
  const paragraphs = [];
  const count = 2 + r.int(5);
  for (let p = 0; p < count; p++) {
    const sentences = [];
    for (let s = 0; s < 2 + r.int(4); s++) {
      sentences.push(r.pick(SENTENCES).replace("{obj}", r.pick(OBJECTS)).replace("{platform}", r.pick(PLATFORMS)).replace("{code}", String(1000 + r.int(9000))));
    }
    paragraphs.push(p === 1 ? `## Steps\n\n1. ${sentences.join("\n1. ")}` : sentences.join(" "));
  }
  return { title: title[0].toUpperCase() + title.slice(1), body: paragraphs.join("\n\n") };
}

const q = (v) => (v === null || v === undefined ? "NULL" : typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);

/**
 * The SQL that seeds the knowledge base: categories (nested one level), `count` articles with their
 * tags and first version, as multi-row INSERTs of at most `perStatement` rows (D1 caps a statement
 * at 100 KB). Rows follow src/db/schema/kb.ts column for column; the triggers index them.
 */
export function articleSeedStatements({ count = ARTICLES, authorIds, seed = 6, now = Date.now(), perStatement = 25 }) {
  const r = rng(seed);
  const statements = [];
  const categories = [];
  let position = 0;
  for (const [top, children] of Object.entries(CATEGORY_TREE)) {
    const id = makeId(r, now);
    categories.push({ id, name: top, parent: null, position: position++ });
    for (const child of children) categories.push({ id: makeId(r, now), name: child, parent: id, position: position++ });
  }
  statements.push(
    `INSERT INTO kb_categories (id, name, description, parent_id, position, created_at, updated_at) VALUES ${categories
      .map((c) => `(${q(c.id)}, ${q(c.name)}, NULL, ${q(c.parent)}, ${c.position}, ${q(new Date(now).toISOString())}, ${q(new Date(now).toISOString())})`)
      .join(", ")}`,
  );
  const leafIds = categories.filter((c) => c.parent).map((c) => c.id);
  const TAGS = ["password", "billing", "invoice", "refund", "sso", "2fa", "mobile", "api", "export", "slack", "delivery", "returns", "security", "account"];
  for (let start = 0; start < count; start += perStatement) {
    const articles = [];
    const tags = [];
    const versions = [];
    for (let i = start; i < Math.min(count, start + perStatement); i++) {
      const created = now - (count - i) * 3_600_000;
      const at = new Date(created).toISOString();
      const id = makeId(r, created);
      const { title, body } = articleText(r);
      const status = r.next() < 0.9 ? "published" : "draft";
      const visibility = r.next() < 0.8 ? "public" : "internal";
      const articleTags = [...new Set([r.pick(TAGS), r.pick(TAGS)])];
      const category = r.next() < 0.95 ? r.pick(leafIds) : null;
      const author = authorIds[i % authorIds.length];
      articles.push(
        `(${q(id)}, ${q(title)}, ${q(body)}, ${q(category)}, ${q(JSON.stringify(articleTags))}, ${q(status)}, ${q(visibility)}, ${q(author)}, 1, ${r.int(5000)}, ${r.int(200)}, ${r.int(40)}, ${q(at)}, ${q(at)}, ${status === "published" ? q(at) : "NULL"})`,
      );
      for (const t of articleTags) tags.push(`(${q(t)}, ${q(id)})`);
      versions.push(`(${q(makeId(r, created))}, ${q(id)}, 1, ${q(title)}, ${q(body)}, ${q(category)}, ${q(JSON.stringify(articleTags))}, ${q(status)}, ${q(visibility)}, ${q(author)}, ${q(at)})`);
    }
    statements.push(
      `INSERT INTO kb_articles (id, title, body, category_id, tags, status, visibility, author_id, version, views, helpful_yes, helpful_no, created_at, updated_at, published_at) VALUES ${articles.join(", ")}`,
      `INSERT INTO kb_article_tags (tag, article_id) VALUES ${tags.join(", ")}`,
      `INSERT INTO kb_article_versions (id, article_id, version, title, body, category_id, tags, status, visibility, editor_id, created_at) VALUES ${versions.join(", ")}`,
    );
  }
  return statements;
}

async function seedArticles(db, log) {
  const have = (await db.prepare("SELECT count(*) AS n FROM kb_articles").first("n")) ?? 0;
  if (have >= ARTICLES) return have;
  const authors = (await db.prepare("SELECT id FROM users WHERE role IN ('agent', 'manager') ORDER BY id LIMIT 20").all()).results.map((u) => u.id);
  if (!authors.length) throw new Error("search: no staff users to author articles (seed missing?)");
  const statements = articleSeedStatements({ count: ARTICLES - have, authorIds: authors, seed: 6 + have });
  const started = Date.now();
  for (let i = 0; i < statements.length; i += 12) await db.batch(statements.slice(i, i + 12).map((s) => db.prepare(s)));
  log(`seeded ${ARTICLES - have} articles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ARTICLES;
}

// ------------------------------------------------------------------ queries

/** Words of the harness's ticket seed (bench/lib/seed.mjs) by how often they occur. */
const COMMON = ["error", "invoice", "export", "refund", "account", "team"];
const MEDIUM = ["truncated", "vat", "yearly", "cache", "screenshots"];
const PREFIXES = ["refu", "invo", "expo", "trun", "scre", "sync"];
const PHRASES = ["export truncated", "charged twice", "missing items", "cannot log", "error message"];
const ARTICLE_WORDS = ["password", "invoice", "webhooks", "sso", "refund", "café", "export", "android"];

async function rareTerms(db) {
  // Order and invoice numbers: six digits, nearly unique per ticket.
  const rows = (await db.prepare("SELECT subject FROM tickets WHERE subject LIKE '%#%' AND deleted_at IS NULL ORDER BY rowid DESC LIMIT 40").all()).results;
  const terms = rows.map((r) => r.subject.match(/#(\d{6})/)?.[1]).filter(Boolean);
  return terms.length ? terms : ["424242"];
}

function scenarios({ tokens, rare, cursors }) {
  const search = (name, as, params, note) => ({
    name,
    route: "GET /api/v1/search",
    as,
    note,
    goals: SEARCH_GOALS,
    request: (i) => {
      const p = typeof params === "function" ? params(i) : params;
      return { path: `/api/v1/search?${new URLSearchParams(p)}`, token: tokens[as] };
    },
  });
  const at = (list) => (i) => list[i % list.length];
  return [
    search("search common word", "agent", (i) => ({ q: at(COMMON)(i) }), "all three types, page of 25"),
    search("search common word, tickets", "agent", (i) => ({ q: at(COMMON)(i), type: "tickets" })),
    search("search medium word", "agent", (i) => ({ q: at(MEDIUM)(i) })),
    search("search rare word", "agent", (i) => ({ q: at(rare)(i) }), "an order number: one or two tickets"),
    search("search prefix", "agent", (i) => ({ q: at(PREFIXES)(i) }), "as-you-type, last word as prefix"),
    search("search two words", "agent", (i) => ({ q: at(PHRASES)(i) })),
    search("search common + status", "agent", (i) => ({ q: at(COMMON)(i), status: "open,pending" })),
    search("search as customer", "customer", (i) => ({ q: at(COMMON)(i) }), "own tickets and public comments only"),
    ...(cursors.length ? [search("search page 2", "agent", (i) => ({ q: cursors[i % cursors.length].q, cursor: cursors[i % cursors.length].cursor }))] : []),
    {
      name: "ticket list q=",
      route: "GET /api/v1/tickets?q=",
      as: "agent",
      goals: SEARCH_GOALS,
      request: (i) => ({ path: `/api/v1/tickets?q=${encodeURIComponent(at([...COMMON, ...MEDIUM, ...rare.slice(0, 4)])(i))}`, token: tokens.agent }),
    },
    {
      name: "ticket list q= as customer",
      route: "GET /api/v1/tickets?q=",
      as: "customer",
      goals: SEARCH_GOALS,
      request: (i) => ({ path: `/api/v1/tickets?q=${encodeURIComponent(at(COMMON)(i))}`, token: tokens.customer }),
    },
    {
      name: "kb articles q= anonymous",
      route: "GET /api/v1/kb/articles?q=",
      as: "anonymous",
      goals: SEARCH_GOALS,
      request: (i) => ({ path: `/api/v1/kb/articles?q=${encodeURIComponent(at(ARTICLE_WORDS)(i))}` }),
    },
    {
      name: "kb suggest",
      route: "GET /api/v1/kb/suggest",
      as: "customer",
      goals: SEARCH_GOALS,
      request: (i) => ({
        path: `/api/v1/kb/suggest?${new URLSearchParams({ subject: `Cannot ${at(["reset my password", "export invoices", "connect slack", "track my delivery"])(i)}`, description: "It shows error E-4012 on Android since the update." })}`,
        token: tokens.customer,
      }),
    },
  ];
}

// ------------------------------------------------------------------ standalone loop

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function sequential(baseUrl, scenario, n) {
  const latencies = [];
  const rowsRead = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const req = await scenario.request(i);
    const t0 = performance.now();
    const res = await fetch(new URL(req.path, baseUrl), { headers: req.token ? { authorization: `Bearer ${req.token}` } : {} });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 200) errors++;
    const rows = res.headers.get("x-d1-rows-read");
    if (rows !== null) rowsRead.push(Number(rows));
  }
  latencies.sort((a, b) => a - b);
  rowsRead.sort((a, b) => a - b);
  return {
    requests: n,
    errors,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    rowsRead: rowsRead.length ? { p50: percentile(rowsRead, 50), max: rowsRead.at(-1) } : null,
  };
}

// ------------------------------------------------------------------ entry point

/** @param {import("./run.mjs").BenchContext} ctx */
export async function run(ctx) {
  const { baseUrl, tokens, log, db, measure, request } = ctx;
  const notes = [];
  let rare = ["424242"];
  if (db) {
    await seedArticles(db, log);
    rare = await rareTerms(db);
    const counts = await db.prepare("SELECT (SELECT count(*) FROM tickets) AS t, (SELECT count(*) FROM comments) AS c, (SELECT count(*) FROM kb_articles) AS a").first();
    log(`corpus: ${counts.t} tickets, ${counts.c} comments, ${counts.a} articles`);
    notes.push(`corpus: ${counts.t} tickets, ${counts.c} comments, ${counts.a} articles`);
  } else {
    notes.push("no database handle: articles not seeded, rare words guessed");
  }

  // Second pages need a cursor from a first page.
  const cursors = [];
  if (request) {
    for (const word of COMMON) {
      const res = await request({ path: `/api/v1/search?${new URLSearchParams({ q: word })}`, token: tokens.agent });
      const cursor = res.status === 200 ? JSON.parse(res.body).next_cursor : null;
      if (cursor) cursors.push({ q: word, cursor });
    }
  }

  const list = scenarios({ tokens, rare, cursors });
  if (measure) {
    for (const s of list) await measure(s);
    return { notes };
  }

  const results = [];
  for (const s of list) {
    const r = await sequential(baseUrl, s, 50);
    results.push({ name: s.name, route: s.route, as: s.as, ...r });
    log(`${s.name}: p50 ${r.latencyMs.p50?.toFixed(1)} ms, p99 ${r.latencyMs.p99?.toFixed(1)} ms${r.rowsRead ? `, rows read p50 ${r.rowsRead.p50} max ${r.rowsRead.max}` : ""}${r.errors ? `, ${r.errors} errors` : ""}`);
  }
  const dir = path.join(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `search-${new Date().toISOString().replaceAll(":", "-").slice(0, 19)}.json`);
  writeFileSync(file, `${JSON.stringify({ module: "search", baseUrl, results, notes }, null, 2)}\n`);
  log(`results: ${file}`);
  return { notes };
}
