import { sql, type SQL } from "drizzle-orm";
import type { TicketPriority, TicketStatus } from "../../domain/vocabulary";
import { isStaff, type Actor } from "../../domain/permissions";
import {
  allWordsExpression,
  ownerToken,
  quote,
  priorityToken,
  PUBLISHED_TOKEN,
  snippetHtml,
  snippetMarkers,
  statusToken,
  withAnyToken,
  withToken,
} from "../../domain/search-query";
import { toBase64Url } from "../../lib/crypto";
import type { ServiceContext } from "../../lib/request-context";
import type { Database } from "../../db/client";
import { aliasColumns, customerScope } from "../tickets/ticket-scope";

/**
 * The FTS5 queries (tables, views and triggers: migration 0002 and later ones). Every query names the caller's
 * visibility twice: as a token inside MATCH, so FTS5 itself only produces documents the caller may
 * open (a customer's search reads their own postings, not everyone's), and again as plain SQL on
 * the joined row, so a wrong token could never widen what is returned. Non-staff article searches
 * read an index of public articles only instead of a token (ARTICLE_INDEXES), so their scores say
 * nothing of hidden articles.
 *
 * Ranking is FTS5's own `ORDER BY rank` with bm25 weights: FTS5 sorts the matches internally and
 * hands rows out best first, so the joins, filters and snippet() run only for the rows of the page
 * (plus the skipped offset), and D1 counts only those rows, and the recency floor's postings
 * (MAX_RANKED_MATCHES at most), as read.
 */

/** bm25 column weights: a word in a title/subject counts ten times a word in a body; token columns count nothing. */
const TICKET_RANK = "bm25(10.0, 1.0, 0.0)";
const COMMENT_RANK = "bm25(1.0, 0.0)";
/**
 * Tickets and comments are ranked among their 200 most recent matches (id order: a ticket's created
 * order, see ticketDocId; a comment's rowid, written order).
 * bm25 must score every candidate (a posting lookup and a document-size read each): over all
 * 28,000 tickets containing "error" that is ~100 ms of D1 time per query at 100,000 tickets, over
 * 90,000 comments ~300 ms. Capped, a common word costs ~3 ms and at most 200 rows; a query that
 * matches fewer documents (any specific one, every customer's own) is ranked exactly. Articles
 * are few, so they are always ranked exactly.
 */
export const MAX_RANKED_MATCHES = 200;
/**
 * A year database (db/ticket-stores.ts) ranks its 50 most recent matches: a search asks every
 * bound year, so a year's reads are kept within a list page's (≤ 100 rows: these postings plus the
 * page's rows); at 100,000 stubs a year read 250 rows with main's 200. Its stream goes as deep.
 */
export const YEAR_RANKED_MATCHES = 50;
/** Words of context around the matches in a snippet (FTS5 allows 1..64). */
const SNIPPET_WORDS = 16;
const ELLIPSIS = "…";

export type ArticleScope = "public" | "published" | "all";

/** What an actor may find among articles: anonymous callers and customers published public ones only. */
export const articleScopeFor = (actor: Actor | null): ArticleScope => (actor && isStaff(actor.role) ? "all" : "public");

export interface TicketFilters {
  status?: TicketStatus[] | undefined;
  priority?: TicketPriority[] | undefined;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface RankedHit {
  type: "ticket" | "comment" | "article";
  id: string;
  ticket_id?: string;
  number?: string;
  title: string;
  snippet: string;
  score: number;
}

function newMarkers() {
  return snippetMarkers(toBase64Url(crypto.getRandomValues(new Uint8Array(9))));
}

/** The snippet of the first text column that holds a highlighted match (else the first one). */
function pickSnippet(candidates: (string | null)[], markers: { open: string; close: string }): string {
  const raw = candidates.find((s) => s?.includes(markers.open)) ?? candidates.find((s) => s) ?? "";
  return snippetHtml(raw, markers);
}

const inList = (column: SQL, values: readonly string[]) =>
  sql`${column} IN (${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;

function ticketFilterSql(filters: TicketFilters): SQL[] {
  const out: SQL[] = [];
  if (filters.status?.length) out.push(inList(sql`t.status`, filters.status));
  if (filters.priority?.length) out.push(inList(sql`t.priority`, filters.priority));
  return out;
}

const and = (parts: SQL[]) => sql.join(parts, sql` AND `);

/**
 * The MATCH expression of a ticket search by this actor (customers: their own tickets only), with
 * the status and priority filters as facet tokens.
 */
export function ticketMatch(actor: Actor, words: string[], filters: TicketFilters = {}, options = { prefix: true }): string | null {
  const expr = allWordsExpression(words, ["subject", "description"], options);
  return expr ? withListFacets(expr, actor, filters) : null;
}

/**
 * The MATCH expression of a list walking field facets (tickets.list.ts): every token of `fieldTokens`
 * (custom field values: search-query.ts fieldToken), the words if any (whole words), the requester
 * (a customer's own tickets always, `requesterId` else), any of the statuses and any of the priorities.
 */
export function ticketFacetMatch(actor: Actor, words: string[], filters: TicketFilters & { requesterId?: string | undefined }, fieldTokens: string[]): string | null {
  const text = allWordsExpression(words, ["subject", "description"], { prefix: false });
  const terms = [...(text ? [text] : []), ...fieldTokens.map((t) => `facets : ${quote(t)}`)];
  return terms.length ? withListFacets(terms.join(" AND "), actor, filters) : null;
}

/** `expr` narrowed to the tickets the actor may see (a customer: their own; staff: `requesterId`'s when named) and to the filters' statuses and priorities. */
function withListFacets(expr: string, actor: Actor, filters: TicketFilters & { requesterId?: string | undefined }): string {
  const requester = isStaff(actor.role) ? filters.requesterId : actor.id;
  if (requester) expr = withToken(expr, "facets", ownerToken(requester));
  if (filters.status?.length) expr = withAnyToken(expr, "facets", filters.status.map(statusToken));
  if (filters.priority?.length) expr = withAnyToken(expr, "facets", filters.priority.map(priorityToken));
  return expr;
}

/** The rule_state row migrations/0049 writes last: every ticket's document holds its field facets. */
const FIELD_FACETS_READY = "ticket_search_facets";
/**
 * How long an isolate trusts the mark it last read: 0049 run again on a live database (it takes the
 * mark away first) or a Time Travel restore to before it gives warm isolates short field lists for
 * at most this long, at one row a minute per isolate that lists by fields.
 */
const FIELD_FACETS_TRUSTED_MS = 60_000;
/** When this isolate last read the mark (its wall clock); never, until then. */
let fieldFacetsSeenAt = Number.NEGATIVE_INFINITY;
/**
 * Whether the documents of `db` hold custom field facets, so a list may walk them: main's once
 * migration 0049 has filled them all (read again once the isolate's last sight of the mark is
 * older than FIELD_FACETS_TRUSTED_MS); never a year database's (field lists do not read years:
 * their tickets hold no filterable values).
 */
export async function fieldFacetsReady(ctx: ServiceContext, db: Database): Promise<boolean> {
  if (db !== ctx.db) return false;
  const age = Date.now() - fieldFacetsSeenAt;
  if (age >= 0 && age < FIELD_FACETS_TRUSTED_MS) return true;
  const found = await db.all(sql`SELECT 1 AS ready FROM "rule_state" WHERE "key" = ${FIELD_FACETS_READY}`);
  fieldFacetsSeenAt = found.length > 0 ? Date.now() : Number.NEGATIVE_INFINITY;
  return found.length > 0;
}

/**
 * `"fts".rowid >= ` the rowid of the `ranked`-th most recent match (the smallest integer when there
 * are fewer: a ticket created before 1970 has a negative id).
 */
const recentFloor = (table: string, match: string, ranked = MAX_RANKED_MATCHES) =>
  sql`${sql.raw(table)}.rowid >= coalesce((SELECT rowid FROM ${sql.raw(table)} WHERE ${sql.raw(table)} MATCH ${match} ORDER BY rowid DESC LIMIT 1 OFFSET ${ranked - 1}), -9223372036854775807 - 1)`;

/** A ticket's created_at in ms since 1970 (an ISO time in ms: toISOString's, what every writer stores). */
const ticketMs = (createdAt: SQL) => sql`CAST(round((julianday(${createdAt}) - 2440587.5) * 86400000.0) AS INTEGER)`;
/**
 * 2^21: a document id holds this many rowids' worth of low bits (ticketDocId). Written into the SQL
 * as text: a bound JS number is a REAL, and ids past 2^53 computed with it would round.
 */
const TICKET_DOC_ROWIDS = 2_097_152;
const ROWIDS = sql.raw(String(TICKET_DOC_ROWIDS));
const LOW_BITS = sql.raw(String(TICKET_DOC_ROWIDS - 1));
/**
 * A ticket's natural document id in tickets_fts (migrations/0045_ticket_search_created_order.sql):
 * its created_at in ms times 2^21 plus its rowid's low 21 bits, so FTS5's postings, which are in id
 * order, are in the list's created order (created_at, then rowid). Every ticket's id is this unless
 * its millisecond holds tickets of two 2^21-rowid blocks (migrations/0046_ticket_search_ids.sql:
 * then the ms's ids are ranks by rowid, the ms listed in tickets_search_ranked; see ticketDoc). Ids
 * pass 2^53: they stay in SQL (a JS number would round them), and a bound rowid is cast, since D1
 * binds a JS number as a REAL and FTS5 then ignores a `rowid <` bound.
 */
const ticketDocId = (createdAt: SQL, rowid: SQL) => sql`(${ticketMs(createdAt)} * ${ROWIDS} + (CAST(${rowid} AS INTEGER) & ${LOW_BITS}))`;
/**
 * Every id is natural and every rowid below 2^21, so an id's low bits are its ticket's rowid: no
 * millisecond is ranked (tickets_search_ranked lists for good each whose ids are ranks) and the
 * table's last rowid is below 2^21. Two lookups a statement.
 */
const allNatural = sql`((SELECT max(rowid) FROM "tickets") < ${ROWIDS} AND NOT EXISTS (SELECT 1 FROM "tickets_search_ranked"))`;
/** The doc rows of a millisecond. */
const docsOfMs = (ms: SQL) => sql`"doc_id" BETWEEN ${ms} * ${ROWIDS} AND ${ms} * ${ROWIDS} + ${LOW_BITS}`;
/**
 * A ticket's document id, whatever its millisecond: its natural id while no millisecond is ranked
 * (one lookup a statement: a list probes this for every row it walks), or while its own is not (a
 * primary-key probe of tickets_search_ranked, as the triggers do); else what its doc row holds
 * (found among the doc rows of its millisecond).
 */
export const ticketDoc = (createdAt: SQL, rowid: SQL) => {
  const ms = ticketMs(createdAt);
  const natural = ticketDocId(createdAt, rowid);
  return sql`(CASE WHEN NOT EXISTS (SELECT 1 FROM "tickets_search_ranked") OR NOT EXISTS (SELECT 1 FROM "tickets_search_ranked" WHERE "ms" = ${ms}) THEN ${natural} ELSE (SELECT "doc_id" FROM "tickets_search_docs" WHERE ${docsOfMs(ms)} AND "ticket_rowid" = CAST(${rowid} AS INTEGER)) END)`;
};
/**
 * The document ids after the list position (created_at, rowid) in created order `dir`, as a bound
 * on `doc` FTS5 seeks on. While every id is natural and every rowid below 2^21 (allNatural), past
 * the id the position's rowid would have: a position's rowid may be past 2^21 even then (a cursor
 * made before the last ticket past it went), so it is capped, not masked: every ticket of the
 * millisecond comes before it. Else past the last doc row of its millisecond whose ticket's rowid
 * comes up to the position's (a millisecond's ids are in rowid order, natural or ranked: exact even
 * when the position's ticket is gone since). `whole`: a position before (after) every row of its
 * millisecond.
 */
export function ticketDocsAfter(doc: SQL, createdAt: SQL, rowid: SQL, dir: "asc" | "desc", whole: boolean): SQL {
  const ms = ticketMs(createdAt);
  if (whole) return dir === "asc" ? sql`${doc} >= ${ms} * ${ROWIDS}` : sql`${doc} <= ${ms} * ${ROWIDS} + ${LOW_BITS}`;
  const r = sql`CAST(${rowid} AS INTEGER)`;
  if (dir === "asc") {
    // Ids above ms × 2^21 + min(r, 2^21 - 1): rowids above r, none of this millisecond when r ≥ 2^21 - 1.
    const first = sql`coalesce((SELECT min("doc_id") FROM "tickets_search_docs" WHERE ${docsOfMs(ms)} AND "ticket_rowid" > ${r}), ${ms} * ${ROWIDS} + ${ROWIDS})`;
    return sql`${doc} >= (CASE WHEN ${allNatural} THEN ${ms} * ${ROWIDS} + min(${r}, ${LOW_BITS}) + 1 ELSE ${first} END)`;
  }
  // Ids below ms × 2^21 + min(r, 2^21): rowids below r, all of this millisecond when r ≥ 2^21.
  const last = sql`coalesce((SELECT max("doc_id") FROM "tickets_search_docs" WHERE ${docsOfMs(ms)} AND "ticket_rowid" < ${r}), ${ms} * ${ROWIDS} - 1)`;
  return sql`${doc} <= (CASE WHEN ${allNatural} THEN ${ms} * ${ROWIDS} + min(${r}, ${ROWIDS}) - 1 ELSE ${last} END)`;
}
/**
 * The rowid of the ticket of a document id: the id's low bits while allNatural holds (two lookups a
 * statement), else tickets_search_docs says (a row more a document).
 */
export const ticketOfDoc = (doc: SQL) =>
  sql`CASE WHEN ${allNatural} THEN ${doc} & ${LOW_BITS} ELSE (SELECT "ticket_rowid" FROM "tickets_search_docs" WHERE "doc_id" = ${doc}) END`;

/**
 * Up to this many matches, the ticket list's text filter reads its matches (FTS first): their rows,
 * every other filter and the sort applied to those few. Beyond, the list walks its own index in
 * order and asks FTS5 about each row (list first), which fills a page after a few rows because
 * such a word is common. The estimate reads at most this many + 1 postings, and they are the set:
 * small, because a list page of 25 reads ≤ 100 rows with it. A list in created order walks the
 * postings themselves instead (`postings`), whatever the word's count.
 */
export const LIST_IN_PLAN_MAX = 12;

export type TicketTextPlan =
  /** Nothing can match. */
  | { kind: "none" }
  /** At most LIST_IN_PLAN_MAX tickets match: a condition on a ticket's rowid that holds exactly for them. */
  | { kind: "set"; condition: SQL }
  /** A common text: a condition on each row the list walks. */
  | { kind: "walk"; condition: SQL }
  /** The MATCH expression, for a walk of its postings in created order (the caller asked for it). */
  | { kind: "postings"; match: string };

/**
 * `GET /tickets?q=`: how the list narrows to tickets matching the words (whole words: the
 * as-you-type prefix is the search box's), visible to the actor. `postings`: the list can walk the
 * matches in created order itself (tickets.list.ts), so no estimate is read.
 */
export async function ticketTextPlan(
  ctx: ServiceContext,
  actor: Actor,
  words: string[],
  filters: TicketFilters = {},
  db: Database = ctx.db,
  options: { postings?: boolean } = {},
): Promise<TicketTextPlan> {
  // The list's status and priority filters are facet tokens: a word common overall may be rare among them.
  const match = ticketMatch(actor, words, filters, { prefix: false });
  if (!match) return { kind: "none" };
  // Statuses OR-ed in the one match: D1's meter counts no row for the tokens (FTS5's own reads are
  // not the statement's): 26 matches and their tickets 53 rows with or without them. The row a match
  // once put on them was the list's status check computed as a value (tickets.list.ts `passes`).
  if (options.postings) return { kind: "postings", match };
  // `db`: the database the list walks (main or a year's, each with its own index of its own tickets).
  // The ids as text (they pass 2^53), cast back where they are bound.
  const found = await db.all<{ doc: string }>(sql`SELECT CAST(rowid AS TEXT) AS doc FROM tickets_fts WHERE tickets_fts MATCH ${match} LIMIT ${LIST_IN_PLAN_MAX + 1}`);
  if (found.length === 0) return { kind: "none" };
  if (found.length <= LIST_IN_PLAN_MAX) {
    const docs = sql.join(found.map((r) => sql`CAST(${r.doc} AS INTEGER)`), sql`, `);
    return { kind: "set", condition: sql`"tickets".rowid IN (SELECT ticket_rowid FROM tickets_search_docs WHERE doc_id IN (${docs}))` };
  }
  return {
    kind: "walk",
    condition: sql`EXISTS (SELECT 1 FROM tickets_fts WHERE tickets_fts MATCH ${match} AND tickets_fts.rowid = ${ticketDoc(sql`"tickets"."created_at"`, sql`"tickets".rowid`)})`,
  };
}

/**
 * `db`: main, or a year database (db/ticket-stores.ts): each ranks its own tickets by its own
 * index, among its `ranked` most recent matches.
 */
export async function rankTickets(
  ctx: ServiceContext,
  actor: Actor,
  words: string[],
  filters: TicketFilters,
  page: Page,
  year?: Database,
): Promise<RankedHit[]> {
  const db = year ?? ctx.db;
  const ranked = year ? YEAR_RANKED_MATCHES : MAX_RANKED_MATCHES;
  // A year matches whole words only: every search asks every bound year, and a prefix makes FTS5
  // gather every word it starts (a year's 100,000 stubs: 164 ms against 18 for the word itself).
  // A retired ticket is found once a word is typed whole; as-you-type prefixes find main's.
  const match = ticketMatch(actor, words, filters, { prefix: !year });
  if (!match || page.limit <= 0) return [];
  const m = newMarkers();
  const byRank = ranksByRelevance(actor);
  const where = [
    sql`tickets_fts MATCH ${match}`,
    ...(byRank ? [sql`tickets_fts.rank MATCH ${TICKET_RANK}`] : []),
    recentFloor("tickets_fts", match, ranked),
    sql`t.deleted_at IS NULL`,
    ...ticketFilterSql(filters),
  ];
  const scope = customerScope(actor, aliasColumns("t"));
  if (scope) where.push(scope);
  const rows = await db.all<{ id: string; number: string; title: string; s0: string | null; s1: string | null; rank: number }>(sql`
    SELECT t.id AS id, t.number AS number, t.subject AS title,
      snippet(tickets_fts, 1, ${m.open}, ${m.close}, ${ELLIPSIS}, ${SNIPPET_WORDS}) AS s1,
      snippet(tickets_fts, 0, ${m.open}, ${m.close}, ${ELLIPSIS}, ${SNIPPET_WORDS}) AS s0,
      ${byRank ? sql`tickets_fts.rank` : sql`0`} AS rank
    FROM tickets_fts CROSS JOIN tickets t ON t.rowid = ${ticketOfDoc(sql`tickets_fts.rowid`)}
    WHERE ${and(where)}
    ORDER BY ${byRank ? sql`tickets_fts.rank` : NEWEST_FIRST("tickets_fts")} LIMIT ${page.limit} OFFSET ${page.offset}`);
  return rows.map((r) => ({
    type: "ticket",
    id: r.id,
    ticket_id: r.id,
    number: r.number,
    title: r.title,
    snippet: pickSnippet([r.s1, r.s0], m),
    score: byRank ? -r.rank : 0,
  }));
}

/**
 * Whether an actor's ticket and comment hits are ranked by relevance (bm25), with its score: staff
 * only. bm25 weighs a word by how many documents of the whole index hold it, everyone's tickets and
 * every internal note included, not only those the MATCH lets through: a customer's score of their
 * own hit fell when another customer's ticket (or any note) came to hold the word, an oracle of
 * others' words, and so did the order of two of their own hits that hold two words unevenly. A
 * customer's hits come newest first instead (their own few), with a score of 0: a page of theirs
 * shows the articles (public, ranked among themselves) first, then their tickets, then comments.
 */
const ranksByRelevance = (actor: Actor) => isStaff(actor.role);
/** Newest first: a ticket's document id is in created order (ticketDocId), a comment's rowid in written order. */
const NEWEST_FIRST = (table: string) => sql`${sql.raw(table)}.rowid DESC`;

/**
 * Comments: staff find every note; customers only public comments on their own tickets. Ticket
 * filters apply through the joined ticket, to the most recent matches (see MAX_RANKED_MATCHES).
 */
export async function rankComments(ctx: ServiceContext, actor: Actor, words: string[], filters: TicketFilters, page: Page): Promise<RankedHit[]> {
  const expr = allWordsExpression(words, ["body"]);
  if (!expr || page.limit <= 0) return [];
  const staff = isStaff(actor.role);
  const match = staff ? expr : withToken(expr, "scope", ownerToken(actor.id));
  const m = newMarkers();
  const byRank = ranksByRelevance(actor);
  const where = [
    sql`comments_fts MATCH ${match}`,
    ...(byRank ? [sql`comments_fts.rank MATCH ${COMMENT_RANK}`] : []),
    recentFloor("comments_fts", match),
    sql`t.deleted_at IS NULL`,
    ...ticketFilterSql(filters),
  ];
  const scope = customerScope(actor, aliasColumns("t"));
  if (scope) where.push(sql`c.internal = 0`, scope);
  const rows = await ctx.db.all<{ id: string; ticket_id: string; number: string; title: string; s: string | null; rank: number }>(sql`
    SELECT c.id AS id, c.ticket_id AS ticket_id, t.number AS number, t.subject AS title,
      snippet(comments_fts, 0, ${m.open}, ${m.close}, ${ELLIPSIS}, ${SNIPPET_WORDS}) AS s,
      ${byRank ? sql`comments_fts.rank` : sql`0`} AS rank
    FROM comments_fts JOIN comments c ON c.rowid = comments_fts.rowid JOIN tickets t ON t.id = c.ticket_id
    WHERE ${and(where)}
    ORDER BY ${byRank ? sql`comments_fts.rank` : NEWEST_FIRST("comments_fts")} LIMIT ${page.limit} OFFSET ${page.offset}`);
  return rows.map((r) => ({
    type: "comment",
    id: r.id,
    ticket_id: r.ticket_id,
    number: r.number,
    title: r.title,
    snippet: pickSnippet([r.s], m),
    score: byRank ? -r.rank : 0,
  }));
}

export function articleMatch(expr: string, scope: ArticleScope): string {
  // The public index holds public articles only (articleIndex): nothing to narrow, and no scope column.
  if (scope === "public") return expr;
  if (scope === "published") return withToken(expr, "scope", PUBLISHED_TOKEN);
  return expr;
}

export function articleScopeSql(scope: ArticleScope): SQL[] {
  if (scope === "public") return [sql`a.status = 'published'`, sql`a.visibility = 'public'`];
  if (scope === "published") return [sql`a.status = 'published'`];
  return [];
}

export interface ArticleHit extends RankedHit {
  type: "article";
}

/**
 * The article index a scope ranks over (migration 0050). bm25 weighs a word by how many documents of
 * the whole index hold it, so ranking public articles in the index of every article let a customer's
 * scores (and the order of two public hits) move when a draft or an internal article came to hold a
 * word. "public" (customers and anonymous visitors, who find the same set) ranks over
 * kb_articles_public_fts, which holds the published public articles only: their scores depend on
 * nothing else. Staff scopes rank over kb_articles_fts (every article, visibility a token).
 * Both index title and body as columns 0 and 1 (snippet() and the `{title body}` filter read them).
 */
const ARTICLE_INDEXES = {
  /** Title words ten times body words; the scope token column counts nothing. */
  staff: { table: sql.raw("kb_articles_fts"), rank: "bm25(10.0, 1.0, 0.0)" },
  public: { table: sql.raw("kb_articles_public_fts"), rank: "bm25(10.0, 1.0)" },
} as const;

const articleIndex = (scope: ArticleScope) => (scope === "public" ? ARTICLE_INDEXES.public : ARTICLE_INDEXES.staff);

/**
 * Articles matching an FTS5 expression (all words for search, any word for suggestions), best first.
 * `extra` narrows further (category, tag) on the joined row `a`.
 */
export async function rankArticles(ctx: ServiceContext, expr: string | null, scope: ArticleScope, page: Page, extra: SQL[] = []): Promise<ArticleHit[]> {
  if (!expr || page.limit <= 0) return [];
  const m = newMarkers();
  const { table: fts, rank } = articleIndex(scope);
  const where = [sql`${fts} MATCH ${articleMatch(expr, scope)}`, sql`${fts}.rank MATCH ${rank}`, ...articleScopeSql(scope), ...extra];
  const rows = await ctx.db.all<{ id: string; title: string; s0: string | null; s1: string | null; rank: number }>(sql`
    SELECT a.id AS id, a.title AS title,
      snippet(${fts}, 1, ${m.open}, ${m.close}, ${ELLIPSIS}, ${SNIPPET_WORDS}) AS s1,
      snippet(${fts}, 0, ${m.open}, ${m.close}, ${ELLIPSIS}, ${SNIPPET_WORDS}) AS s0,
      ${fts}.rank AS rank
    FROM ${fts} JOIN kb_articles a ON a.rowid = ${fts}.rowid
    WHERE ${and(where)}
    ORDER BY ${fts}.rank LIMIT ${page.limit} OFFSET ${page.offset}`);
  return rows.map((r) => ({ type: "article", id: r.id, title: r.title, snippet: pickSnippet([r.s1, r.s0], m), score: -r.rank }));
}
