import { desc, gt, gte, sql } from "drizzle-orm";
import { searchQueryDays, searchQueryStats } from "../../db/schema";
import { heldInMain, yearStores } from "../../db/ticket-stores";
import { type TicketPriority, type TicketStatus } from "../../domain/vocabulary";
import { normalisedQuery, allWordsExpression, searchWords } from "../../domain/search-query";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { sha256Hex } from "../../lib/crypto";
import { validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { articleScopeFor, MAX_RANKED_MATCHES, rankArticles, rankComments, rankTickets, YEAR_RANKED_MATCHES, type RankedHit, type TicketFilters } from "./search.fts";

export const SEARCH_TYPES = ["tickets", "comments", "articles"] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/**
 * How deep a search pages, per result type: as deep as tickets and comments are ranked. Paging is
 * an offset into the ranked order (kept in the signed cursor; bm25 scores are floats that move as
 * the corpus changes, so a keyset on them would be no steadier), and an offset costs the skipped
 * rows' joins, so the cap also bounds the deepest page's reads.
 */
export const MAX_SEARCH_DEPTH = MAX_RANKED_MATCHES;

export interface SearchParams {
  q: string;
  types: SearchType[];
  status?: TicketStatus[] | undefined;
  priority?: TicketPriority[] | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface SearchPage {
  data: RankedHit[];
  next_cursor: string | null;
}

/** The cursor is bound to the query, its types and filters: replayed with another search it is refused. */
async function cursorSort(words: string[], params: SearchParams): Promise<string> {
  const basis = JSON.stringify([normalisedQuery(words), [...params.types].sort(), params.status ?? [], params.priority ?? []]);
  return `search:${(await sha256Hex(basis)).slice(0, 32)}`;
}

function offsetsOf(key: unknown): [number, number, number] {
  const ok = Array.isArray(key) && key.length === 3 && key.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEARCH_DEPTH);
  if (!ok) throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
  return key as [number, number, number];
}

/**
 * Where a search's ticket stream stands in each year database (db/ticket-stores.ts), in the
 * cursor's id: `<year>:<hits handed out>` or `<year>:-` once that year has no more, so a later page
 * does not ask it again. A year not named starts at 0 (a cursor made before it was bound, or the
 * cursors of before year databases: id "").
 */
type YearOffsets = Map<number, number | "done">;

function yearOffsetsOf(id: string): YearOffsets {
  const out: YearOffsets = new Map();
  for (const part of id ? id.split(",") : []) {
    const m = /^(\d{4}):(-|\d{1,3})$/.exec(part);
    const n = m && m[2] !== "-" ? Number(m[2]) : null;
    if (!m || (n !== null && n > YEAR_RANKED_MATCHES)) throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    out.set(Number(m[1]), n ?? "done");
  }
  return out;
}

const yearOffsetsId = (offsets: YearOffsets) => [...offsets].map(([year, n]) => `${year}:${n === "done" ? "-" : n}`).join(",");

/**
 * One search box over tickets, comments and articles, best first. Each type is ranked by its own
 * FTS5 query (a customer's tickets and comments newest first, with no score: search.fts.ts ranksByRelevance); a page takes the best `limit` of the streams, and the cursor remembers how far each
 * stream was consumed (a k-way merge), so no hit is skipped or repeated between pages.
 * A ticket filter (status, priority) narrows tickets and comments and leaves articles out: they
 * have neither.
 *
 * Retired tickets (docs/scale.md "Year databases"): each bound year database that can hold a match
 * is one more ticket stream, ranked by its own index (migrations-years/0002) with the same query
 * and visibility, and merged by score like the others. A year is asked only while its stream goes
 * on (its offset, or `-`, in the cursor) and only when the status filter lets a closed ticket in;
 * each ranks its YEAR_RANKED_MATCHES most recent matches (main: MAX_RANKED_MATCHES). bm25 weighs a word by how rare it is in the database
 * ranking it, so a year's scores use that year's statistics: between databases, hits of clearly
 * different relevance keep main's order; near-ties may interleave differently than one database
 * would rank them. A ticket that main holds too (a retire interrupted between its copy and its
 * delete, or a bring-back between its insert and its drop) is main's hit only.
 */
export async function search(ctx: ServiceContext, params: SearchParams): Promise<SearchPage> {
  const actor = actorOf(ctx);
  const words = searchWords(params.q);
  const secret = signingSecret(ctx.env);
  const sort = await cursorSort(words, params);
  const position = params.cursor ? await decodeCursor(secret, sort, params.cursor) : null;
  const offsets = position ? offsetsOf(position.key) : ([0, 0, 0] as [number, number, number]);
  const yearAt = yearOffsetsOf(position?.id ?? "");
  if (!words.length) return { data: [], next_cursor: null };

  const filters: TicketFilters = { status: params.status, priority: params.priority };
  const ticketFiltered = Boolean(params.status?.length || params.priority?.length);
  const want = (type: SearchType) => params.types.includes(type);
  // limit + 1 of each stream tells whether it goes on after this page.
  const pageOf = (offset: number, depth = MAX_SEARCH_DEPTH) => ({ offset, limit: Math.min(params.limit + 1, depth - offset) });
  const expr = allWordsExpression(words, ["title", "body"]);
  // Retired tickets are closed: a status filter without `closed` finds none of them.
  const retiredMatch = want("tickets") && (!params.status?.length || params.status.includes("closed"));
  const years = (retiredMatch ? yearStores(ctx.env) : []).filter((y) => yearAt.get(y.year) !== "done");
  const yearOffset = (year: number) => (yearAt.get(year) as number | undefined) ?? 0;
  const [tickets, comments, articles, ...yearHits] = await Promise.all([
    want("tickets") ? rankTickets(ctx, actor, words, filters, pageOf(offsets[0])) : [],
    want("comments") ? rankComments(ctx, actor, words, filters, pageOf(offsets[1])) : [],
    want("articles") && !ticketFiltered ? rankArticles(ctx, expr, articleScopeFor(actor), pageOf(offsets[2])) : [],
    ...years.map((y) => rankTickets(ctx, actor, words, filters, pageOf(yearOffset(y.year), YEAR_RANKED_MATCHES), y.db)),
  ]);
  // Streams in tie order: main's three, then the years, newest first.
  const streams = [tickets, comments, articles, ...yearHits];
  // A year's hit that main holds as well is main's (its read, readVisibleTicket, takes main's row
  // too). Only the year hits a page would show are asked of main (≤ limit ids, one primary-key
  // lookup each); the page is merged again when one was such (rare: a retire or bring-back under way).
  const inMain = new Set<string>();
  const checked = new Set<string>();
  const dup = (stream: number, hit: RankedHit) => stream >= 3 && inMain.has(hit.id);
  const mergePage = () =>
    streams
      .flatMap((hits, stream) => hits.flatMap((hit, i) => (dup(stream, hit) ? [] : [{ hit, stream, i }])))
      .sort((a, b) => b.hit.score - a.hit.score || a.stream - b.stream || a.i - b.i)
      .slice(0, params.limit);
  let merged = mergePage();
  for (;;) {
    const ask = [...new Set(merged.filter((m) => m.stream >= 3 && !checked.has(m.hit.id)).map((m) => m.hit.id))];
    if (!ask.length) break;
    for (const id of ask) checked.add(id);
    const held = await heldInMain(ctx.db, ask);
    if (!held.size) break;
    for (const id of held) inMain.add(id);
    merged = mergePage();
  }
  // How far each stream was consumed: past its last hit on the page, and past any duplicate right after it.
  const consumed = streams.map(() => 0);
  for (const m of merged) consumed[m.stream] = Math.max(consumed[m.stream]!, m.i + 1);
  streams.forEach((hits, s) => {
    while (consumed[s]! < hits.length && dup(s, hits[consumed[s]!]!)) consumed[s]!++;
  });
  const more = streams.some((hits, s) => hits.length > consumed[s]!);
  const next = offsets.map((o, s) => o + consumed[s]!);
  const nextYears: YearOffsets = new Map([...yearAt].filter(([, n]) => n === "done"));
  years.forEach((y, k) => {
    const hits = streams[3 + k]!;
    const at = yearOffset(y.year) + consumed[3 + k]!;
    // Asked for limit + 1 and handed all it had: nothing more there.
    const ended = hits.length === consumed[3 + k] && (hits.length < pageOf(yearOffset(y.year), YEAR_RANKED_MATCHES).limit || at >= YEAR_RANKED_MATCHES);
    nextYears.set(y.year, ended ? "done" : at);
  });

  if (!params.cursor) record(ctx, words, merged.length === 0);
  return {
    data: merged.map((m) => m.hit),
    next_cursor: more ? await encodeCursor(secret, sort, { key: next, id: yearOffsetsId(nextYears) }) : null,
  };
}

// ---------------------------------------------------------------- analytics

/** Stored queries are cut here: analytics is about what people look for, not whole pasted paragraphs. */
const MAX_RECORDED_QUERY_CHARS = 200;
/**
 * Distinct queries a day's rollup takes from anonymous searchers (the help centre): a script
 * sending random words would otherwise add a row per search without bound (issue 9 item 10).
 * Past it, their new queries are counted together under {@link OTHER_QUERIES}; queries already
 * in the day's rollup keep counting on their own.
 */
export const MAX_ANONYMOUS_QUERIES_PER_DAY = 5_000;
/** Distinct queries a day's rollup takes at all: signed-in searchers get the room anonymous ones cannot take. */
export const MAX_QUERIES_PER_DAY = 20_000;
/** Where the searches of new queries past the day's cap are counted (no search word has parentheses). */
export const OTHER_QUERIES = "(other queries)";
/** Analytics look back at most 90 days (search.schemas.ts); older rollups are purged by housekeeping. */
export const SEARCH_STATS_RETENTION_DAYS = 90;

const dayOf = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Counts a search in today's rollup row: one upsert, off the response path where the runtime
 * allows. Only first pages count (paging on is the same search). A query new today gets its own
 * row while the day holds fewer than the caller's cap of distinct queries (two index lookups),
 * else it is counted under OTHER_QUERIES. A failure is logged, never surfaced: analytics must not
 * break search.
 */
export function record(ctx: ServiceContext, words: string[], zeroResults: boolean): void {
  if (!words.length) return;
  const day = dayOf(ctx.now);
  const query = normalisedQuery(words).slice(0, MAX_RECORDED_QUERY_CHARS);
  const cap = ctx.actor ? MAX_QUERIES_PER_DAY : MAX_ANONYMOUS_QUERIES_PER_DAY;
  const s = searchQueryStats;
  const recorded = sql`CASE WHEN EXISTS (SELECT 1 FROM ${s} WHERE ${s.day} = ${day} AND ${s.query} = ${query})
      OR coalesce((SELECT ${searchQueryDays.queries} FROM ${searchQueryDays} WHERE ${searchQueryDays.day} = ${day}), 0) < ${cap}
    THEN ${query} ELSE ${OTHER_QUERIES} END`;
  const write = ctx.db
    .run(
      sql`INSERT INTO ${s} (day, query, searches, zero_results) SELECT ${day}, ${recorded}, 1, ${zeroResults ? 1 : 0} WHERE true
        ON CONFLICT (day, query) DO UPDATE SET searches = searches + 1, zero_results = zero_results + excluded.zero_results`,
    )
    .then(
      () => undefined,
      (err: unknown) => console.error("search analytics write failed", err),
    );
  if (ctx.waitUntil) ctx.waitUntil(write);
}

export interface AnalyticsQuery {
  days: number;
  limit: number;
}

/**
 * Top queries and queries that found nothing over the last `days` days (today included), from the
 * daily rollup: reads (days × distinct queries per day) rows, independent of how many searches ran.
 */
export async function analytics(ctx: ServiceContext, q: AnalyticsQuery) {
  const to = dayOf(ctx.now);
  const from = dayOf(new Date(ctx.now.getTime() - (q.days - 1) * 86_400_000));
  const inWindow = gte(searchQueryStats.day, from);
  const searches = sql<number>`sum(${searchQueryStats.searches})`.as("searches");
  const zero = sql<number>`sum(${searchQueryStats.zeroResults})`.as("zero_results");
  const [top, empty] = await Promise.all([
    ctx.db
      .select({ query: searchQueryStats.query, searches, zero_results: zero })
      .from(searchQueryStats)
      .where(inWindow)
      .groupBy(searchQueryStats.query)
      .orderBy(desc(searches), searchQueryStats.query)
      .limit(q.limit),
    ctx.db
      .select({ query: searchQueryStats.query, searches, zero_results: zero })
      .from(searchQueryStats)
      .where(inWindow)
      .groupBy(searchQueryStats.query)
      .having(gt(sql`sum(${searchQueryStats.zeroResults})`, 0))
      .orderBy(desc(zero), searchQueryStats.query)
      .limit(q.limit),
  ]);
  return { from, to, top_queries: top, zero_result_queries: empty };
}
