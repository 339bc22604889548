import { z } from "@hono/zod-openapi";
import { ARTICLE_STATUSES, ARTICLE_VISIBILITIES } from "../../domain/vocabulary";
import { IsoDate, PageQuery, pageOf, Id, Tag, Tags } from "../../lib/openapi";
import { SearchText } from "../search/search.schemas";

const Title = z.string().trim().min(1).max(200);
/** As long as a ticket description: an article is one answer, and a page of 25 must render quickly. */
export const MAX_ARTICLE_BODY_CHARS = 50_000;
const Body = z.string().min(1).max(MAX_ARTICLE_BODY_CHARS);

export const ArticleSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string().openapi({ description: "Markdown" }),
    body_html: z.string().openapi({ description: "the body rendered to HTML; raw HTML in the Markdown is escaped, unsafe link schemes dropped" }),
    category_id: z.string().nullable(),
    tags: z.array(z.string()),
    status: z.enum(ARTICLE_STATUSES),
    visibility: z.enum(ARTICLE_VISIBILITIES),
    author_id: z.string(),
    version: z.number().int(),
    views: z.number().int(),
    helpful_yes: z.number().int(),
    helpful_no: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
    published_at: IsoDate.nullable(),
    snippet: z.string().optional().openapi({ description: "with `q`: the matching passage as HTML, matches in <mark>…</mark>" }),
    score: z.number().optional().openapi({ description: "with `q`: relevance (higher is better)" }),
  })
  .openapi("Article");
export const ArticlePage = pageOf(ArticleSchema).openapi("ArticlePage");

export const CreateArticleBody = z
  .object({
    title: Title,
    body: Body,
    category_id: Id.nullable().optional(),
    tags: Tags.default([]),
    status: z.enum(ARTICLE_STATUSES).default("draft"),
    visibility: z.enum(ARTICLE_VISIBILITIES).default("public"),
  })
  .openapi("CreateArticle");

export const PatchArticleBody = z
  .object({
    title: Title,
    body: Body,
    category_id: Id.nullable(),
    tags: Tags,
    status: z.enum(ARTICLE_STATUSES),
    visibility: z.enum(ARTICLE_VISIBILITIES),
  })
  .partial()
  .openapi("PatchArticle");

export const ArticleListQuery = PageQuery.extend({
  q: SearchText.transform((v) => v.trim() || undefined)
    .optional()
    .openapi({ description: "full text; results best match first" }),
  category_id: Id.optional(),
  tag: Tag.optional(),
});
export type ArticleListQuery = z.infer<typeof ArticleListQuery>;

export const ArticleRef = z.object({ id: Id });

export const ArticleVersionSchema = z
  .object({
    version: z.number().int(),
    title: z.string(),
    body: z.string(),
    category_id: z.string().nullable(),
    tags: z.array(z.string()),
    status: z.enum(ARTICLE_STATUSES),
    visibility: z.enum(ARTICLE_VISIBILITIES),
    editor_id: z.string().nullable(),
    created_at: IsoDate,
  })
  .openapi("ArticleVersion");
export const ArticleVersionPage = pageOf(ArticleVersionSchema).openapi("ArticleVersionPage");

export const FeedbackBody = z.object({ helpful: z.boolean() }).openapi("ArticleFeedback");
export const FeedbackResult = z
  .object({ article_id: z.string(), helpful: z.boolean(), helpful_yes: z.number().int(), helpful_no: z.number().int() })
  .openapi("ArticleFeedbackResult");

export const ArticleSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    snippet: z.string().openapi({ description: "HTML: the matching passage, matches in <mark>…</mark>" }),
    score: z.number(),
  })
  .openapi("ArticleSummary");
export const SuggestionList = z.object({ data: z.array(ArticleSummarySchema) }).openapi("ArticleSuggestions");

// A would-be ticket's text arrives in a query string: its start is enough to find related articles.
export const SuggestQuery = z.object({
  subject: z.string().max(200).default(""),
  description: z.string().max(2000).default(""),
  limit: z.coerce.number().int().min(1).max(10).default(5),
});
export const SuggestedArticlesQuery = z.object({ limit: z.coerce.number().int().min(1).max(10).default(5) });

export const CategorySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    parent_id: z.string().nullable(),
    position: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("KbCategory");
export const CategoryList = z.object({ data: z.array(CategorySchema), next_cursor: z.null() }).openapi("KbCategoryList");

const CategoryName = z.string().trim().min(1).max(100);
export const CreateCategoryBody = z
  .object({
    name: CategoryName,
    description: z.string().trim().max(1000).nullable().optional(),
    parent_id: Id.nullable().optional(),
    position: z.number().int().min(0).max(10_000).default(0),
  })
  .openapi("CreateKbCategory");
export const PatchCategoryBody = z
  .object({
    name: CategoryName,
    description: z.string().trim().max(1000).nullable(),
    parent_id: Id.nullable(),
    position: z.number().int().min(0).max(10_000),
  })
  .partial()
  .openapi("PatchKbCategory");
export const CategoryRef = z.object({ id: Id });
