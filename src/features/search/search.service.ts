import { desc, gt, gte, sql } from "drizzle-orm";
import { searchQueryDays, searchQueryStats } from "../../db/schema";
import { type TicketPriority, type TicketStatus } from "../../domain/vocabulary";
import { normalisedQuery, allWordsExpression, searchWords } from "../../domain/search-query";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { sha256Hex } from "../../lib/crypto";
import { validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { articleScopeFor, MAX_RANKED_MATCHES, rankArticles, rankComments, rankTickets, type RankedHit, type TicketFilters } from "./search.fts";

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
 * One search box over tickets, comments and articles, best first. Each type is ranked by its own
 * FTS5 query; a page takes the best `limit` of the three streams, and the cursor remembers how far
 * each stream was consumed (a k-way merge), so no hit is skipped or repeated between pages.
 * A ticket filter (status, priority) narrows tickets and comments and leaves articles out: they
 * have neither.
 */
export async function search(ctx: ServiceContext, params: SearchParams): Promise<SearchPage> {
  const actor = actorOf(ctx);
  const words = searchWords(params.q);
  const secret = signingSecret(ctx.env);
  const sort = await cursorSort(words, params);
  const offsets = params.cursor ? offsetsOf((await decodeCursor(secret, sort, params.cursor)).key) : ([0, 0, 0] as [number, number, number]);
  if (!words.length) return { data: [], next_cursor: null };

  const filters: TicketFilters = { status: params.status, priority: params.priority };
  const ticketFiltered = Boolean(params.status?.length || params.priority?.length);
  const want = (type: SearchType) => params.types.includes(type);
  // limit + 1 of each stream tells whether it goes on after this page.
  const pageOf = (offset: number) => ({ offset, limit: Math.min(params.limit + 1, MAX_SEARCH_DEPTH - offset) });
  const expr = allWordsExpression(words, ["title", "body"]);
  const [tickets, comments, articles] = await Promise.all([
    want("tickets") ? rankTickets(ctx, actor, words, filters, pageOf(offsets[0])) : [],
    want("comments") ? rankComments(ctx, actor, words, filters, pageOf(offsets[1])) : [],
    want("articles") && !ticketFiltered ? rankArticles(ctx, expr, articleScopeFor(actor), pageOf(offsets[2])) : [],
  ]);
  const streams = [tickets, comments, articles];
  const merged = streams
    .flatMap((hits, stream) => hits.map((hit, i) => ({ hit, stream, i })))
    .sort((a, b) => b.hit.score - a.hit.score || a.stream - b.stream || a.i - b.i)
    .slice(0, params.limit);
  const consumed = [0, 0, 0];
  for (const m of merged) consumed[m.stream]!++;
  const more = streams.some((hits, s) => hits.length > consumed[s]!);
  const next = offsets.map((o, s) => o + consumed[s]!);

  if (!params.cursor) record(ctx, words, merged.length === 0);
  return {
    data: merged.map((m) => m.hit),
    next_cursor: more ? await encodeCursor(secret, sort, { key: next, id: "" }) : null,
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
