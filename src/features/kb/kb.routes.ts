import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { optionalAuth, requireRole } from "../../middleware/optional-auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery } from "../../lib/openapi";
import { IdempotencyHeader, IfMatchHeader, TicketRef } from "../tickets/tickets.schemas";
import {
  ArticleListQuery,
  ArticlePage,
  ArticleRef,
  ArticleSchema,
  ArticleVersionPage,
  CategoryList,
  CategoryRef,
  CategorySchema,
  CreateArticleBody,
  CreateCategoryBody,
  FeedbackBody,
  FeedbackResult,
  PatchArticleBody,
  PatchCategoryBody,
  SuggestedArticlesQuery,
  SuggestionList,
  SuggestQuery,
} from "./kb.schemas";
import { KB_EDITORS } from "./kb.service";

const tags = ["Knowledge base"];
// Anonymous callers read the public knowledge base; a token, when sent, shows staff the rest.
const open = { security: [{}, ...bearerSecurity], middleware: optionalAuth };
const editors = { security: bearerSecurity, middleware: requireRole(KB_EDITORS, "Only agents, managers and admins edit the knowledge base") };
const withEtag = (description: string) => ({
  ...jsonContent(ArticleSchema, description),
  headers: { ETag: { description: "The article's version", schema: { type: "string" as const } } },
});

export const list = createRoute({
  method: "get",
  path: "/kb/articles",
  tags,
  summary: "Articles, newest first or (with q) best match first; anonymous callers and customers see published public ones",
  ...open,
  request: { query: ArticleListQuery },
  responses: { 200: jsonContent(ArticlePage, "A page of articles"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/kb/articles",
  tags,
  summary: "Write an article (agent and up)",
  ...editors,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateArticleBody) },
  responses: { 201: withEtag("Created"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/kb/articles/{id}",
  tags,
  summary: "One article (counts a view)",
  ...open,
  request: { params: ArticleRef },
  responses: { 200: withEtag("The article"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/kb/articles/{id}",
  tags,
  summary: "Edit an article (agent and up); every edit is a new version",
  ...editors,
  request: { params: ArticleRef, headers: IfMatchHeader, body: jsonBody(PatchArticleBody) },
  responses: { 200: withEtag("The article after the edit"), ...errorResponses, ...conflictResponse },
});

export const remove = createRoute({
  method: "delete",
  path: "/kb/articles/{id}",
  tags,
  summary: "Delete an article with its versions (agent and up)",
  ...editors,
  request: { params: ArticleRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const versions = createRoute({
  method: "get",
  path: "/kb/articles/{id}/versions",
  tags,
  summary: "The article's version history, newest first (agent and up)",
  ...editors,
  request: { params: ArticleRef, query: PageQuery },
  responses: { 200: jsonContent(ArticleVersionPage, "A page of versions"), ...errorResponses },
});

export const feedback = createRoute({
  method: "post",
  path: "/kb/articles/{id}/feedback",
  tags,
  summary: "Whether the article helped; one vote per reader, voting again replaces it",
  ...open,
  request: { params: ArticleRef, body: jsonBody(FeedbackBody) },
  responses: { 200: jsonContent(FeedbackResult, "The vote and the article's counts"), ...errorResponses },
});

export const suggest = createRoute({
  method: "get",
  path: "/kb/suggest",
  tags,
  summary: "Articles that may answer a ticket being written (published; public ones for anonymous callers and customers)",
  ...open,
  request: { query: SuggestQuery },
  responses: { 200: jsonContent(SuggestionList, "Suggested articles, best first"), ...errorResponses },
});

export const suggestedForTicket = createRoute({
  method: "get",
  path: "/tickets/{id}/suggested-articles",
  tags,
  summary: "Published articles that may answer this ticket (agent and up)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: TicketRef, query: SuggestedArticlesQuery },
  responses: { 200: jsonContent(SuggestionList, "Suggested articles, best first"), ...errorResponses },
});

export const listCategories = createRoute({
  method: "get",
  path: "/kb/categories",
  tags,
  summary: "All categories (nested one level through parent_id)",
  ...open,
  responses: { 200: jsonContent(CategoryList, "Every category"), ...errorResponses },
});

export const createCategory = createRoute({
  method: "post",
  path: "/kb/categories",
  tags,
  summary: "Add a category (agent and up)",
  ...editors,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateCategoryBody) },
  responses: { 201: jsonContent(CategorySchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getCategory = createRoute({
  method: "get",
  path: "/kb/categories/{id}",
  tags,
  summary: "One category",
  ...open,
  request: { params: CategoryRef },
  responses: { 200: jsonContent(CategorySchema, "The category"), ...errorResponses },
});

export const patchCategory = createRoute({
  method: "patch",
  path: "/kb/categories/{id}",
  tags,
  summary: "Rename, move or reorder a category (agent and up)",
  ...editors,
  request: { params: CategoryRef, body: jsonBody(PatchCategoryBody) },
  responses: { 200: jsonContent(CategorySchema, "The category"), ...errorResponses },
});

export const removeCategory = createRoute({
  method: "delete",
  path: "/kb/categories/{id}",
  tags,
  summary: "Delete an empty category (agent and up)",
  ...editors,
  request: { params: CategoryRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses, ...conflictResponse },
});
