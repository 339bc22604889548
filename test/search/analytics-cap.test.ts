import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_ANONYMOUS_QUERIES_PER_DAY, MAX_QUERIES_PER_DAY, OTHER_QUERIES, SEARCH_STATS_RETENTION_DAYS } from "../../src/features/search/search.service";
import worker from "../../src/index";
import { api, makeUser } from "../helpers";
import { word } from "./support";

/**
 * Issue 9 item 10: anonymous searches (the help centre) cannot grow the analytics rollup without
 * bound. A day takes at most MAX_ANONYMOUS_QUERIES_PER_DAY distinct queries from anonymous callers
 * and MAX_QUERIES_PER_DAY from anyone; past that, new queries count under OTHER_QUERIES. Rollups
 * older than anyone can ask for are purged by the housekeeping cron.
 */
const today = () => new Date().toISOString().slice(0, 10);
const statsRows = async (day: string) => (await env.DB.prepare("SELECT count(*) AS n FROM search_query_stats WHERE day = ?").bind(day).first<{ n: number }>())!.n;
const statOf = (day: string, query: string) => env.DB.prepare("SELECT searches, zero_results FROM search_query_stats WHERE day = ? AND query = ?").bind(day, query).first();

/** Fills `day`'s rollup up to `n` distinct queries, as that many searches would have (the trigger counts them). */
async function fill(day: string, n: number) {
  const have = await statsRows(day);
  await env.DB.prepare(
    `WITH RECURSIVE k(i) AS (SELECT ?2 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?3)
     INSERT INTO search_query_stats (day, query, searches, zero_results) SELECT ?1, 'filler' || i, 1, 0 FROM k`,
  )
    .bind(day, have, n)
    .run();
}

/** The help centre's search: the knowledge base, no token. */
const anonymousSearch = (q: string) => api("GET", `/api/v1/kb/articles?q=${encodeURIComponent(q)}`, { headers: { "cf-connecting-ip": "203.0.113.9" } });

describe("search analytics are bounded", () => {
  it("anonymous queries past the day's cap count together; known queries keep counting; signed-in ones have more room", async () => {
    const known = word();
    expect((await anonymousSearch(known)).status).toBe(200);
    await vi.waitFor(async () => expect(await statOf(today(), known)).toEqual({ searches: 1, zero_results: 1 }));
    await fill(today(), MAX_ANONYMOUS_QUERIES_PER_DAY);

    const fresh = [word(), word(), word()];
    for (const q of fresh) expect((await anonymousSearch(q)).status).toBe(200);
    expect((await anonymousSearch(known)).status).toBe(200);
    await vi.waitFor(async () => {
      expect(await statOf(today(), OTHER_QUERIES)).toEqual({ searches: 3, zero_results: 3 });
      expect(await statOf(today(), known)).toEqual({ searches: 2, zero_results: 2 });
    });
    for (const q of fresh) expect(await statOf(today(), q)).toBeNull();
    expect(await statsRows(today())).toBe(MAX_ANONYMOUS_QUERIES_PER_DAY + 1);

    // A signed-in searcher's new query still gets its own row, up to the overall cap.
    const customer = await makeUser("customer");
    const theirs = word();
    await api("GET", `/api/v1/search?q=${theirs}`, { token: customer.token });
    await vi.waitFor(async () => expect(await statOf(today(), theirs)).toEqual({ searches: 1, zero_results: 1 }));
    await fill(today(), MAX_QUERIES_PER_DAY);
    const late = word();
    await api("GET", `/api/v1/search?q=${late}`, { token: customer.token });
    await vi.waitFor(async () => expect(await statOf(today(), OTHER_QUERIES)).toEqual({ searches: 4, zero_results: 4 }));
    expect(await statOf(today(), late)).toBeNull();

    const admin = await makeUser("admin");
    const report = await api("GET", "/api/v1/search/analytics?days=1&limit=100", { token: admin.token });
    expect(report.body.top_queries[0]).toEqual({ query: OTHER_QUERIES, searches: 4, zero_results: 4 });
  });

  it(`housekeeping purges rollups older than ${SEARCH_STATS_RETENTION_DAYS} days, with their day counters`, async () => {
    const old = new Date(Date.now() - (SEARCH_STATS_RETENTION_DAYS + 1) * 86_400_000).toISOString().slice(0, 10);
    const kept = new Date(Date.now() - (SEARCH_STATS_RETENTION_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    await fill(old, 700);
    await fill(kept, 3);
    const runHousekeeping = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env as never, ctx);
      await waitOnExecutionContext(ctx);
    };
    // A bounded batch per run: a backlog drains over a few runs.
    await runHousekeeping();
    expect(await statsRows(old)).toBe(200);
    await runHousekeeping();
    expect(await statsRows(old)).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM search_query_days WHERE day = ?").bind(old).first()).toEqual({ n: 0 });
    expect(await statsRows(kept)).toBe(3);
    expect(await env.DB.prepare("SELECT queries FROM search_query_days WHERE day = ?").bind(kept).first()).toEqual({ queries: 3 });
  });
});
