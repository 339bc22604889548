import { z } from "@hono/zod-openapi";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../domain/vocabulary";
import { commaList, PageQuery, pageOf } from "../../lib/openapi";
import { SEARCH_TYPES } from "./search.service";

/** A query longer than this is pasted text, not a search; only its first words are used anyway. */
export const MAX_QUERY_CHARS = 500;

export const SearchText = z.string().max(MAX_QUERY_CHARS);

export const SearchQuery = PageQuery.extend({
  q: SearchText.openapi({ description: "Words to find; the last one also matches as a prefix. Operators and quotes are searched for as text." }),
  type: commaList(z.enum(SEARCH_TYPES))
    .default([...SEARCH_TYPES])
    .openapi({ description: "comma list of tickets, comments, articles (default all)" }),
  status: commaList(z.enum(TICKET_STATUSES)).optional().openapi({ description: "ticket statuses (comma list); narrows to tickets and comments" }),
  priority: commaList(z.enum(TICKET_PRIORITIES)).optional().openapi({ description: "ticket priorities (comma list); narrows to tickets and comments" }),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHitSchema = z
  .object({
    type: z.enum(["ticket", "comment", "article"]),
    id: z.string(),
    ticket_id: z.string().optional().openapi({ description: "the ticket of a ticket or comment hit" }),
    number: z.string().optional().openapi({ description: "the ticket's number (tickets and comments)" }),
    title: z.string().openapi({ description: "plain text: the ticket's subject or the article's title" }),
    snippet: z.string().openapi({ description: "HTML: the matching passage, escaped, with the matched words in <mark>…</mark>" }),
    score: z.number().openapi({ description: "relevance (bm25, higher is better)" }),
  })
  .openapi("SearchHit");
export const SearchPage = pageOf(SearchHitSchema).openapi("SearchPage");

export const AnalyticsQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const QueryStat = z.object({ query: z.string(), searches: z.number().int(), zero_results: z.number().int() });
export const AnalyticsSchema = z
  .object({
    from: z.string().openapi({ example: "2026-10-28" }),
    to: z.string().openapi({ example: "2026-11-26" }),
    top_queries: z.array(QueryStat),
    zero_result_queries: z.array(QueryStat),
  })
  .openapi("SearchAnalytics");
