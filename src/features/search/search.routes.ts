import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { requireRole } from "../../middleware/optional-auth";
import { bearerSecurity, errorResponses, jsonContent } from "../../lib/openapi";
import { AnalyticsQuery, AnalyticsSchema, SearchPage, SearchQuery } from "./search.schemas";

const tags = ["Search"];

export const search = createRoute({
  method: "get",
  path: "/search",
  tags,
  summary: "Full-text search over tickets, comments and articles, best match first (only what the caller may open)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { query: SearchQuery },
  responses: { 200: jsonContent(SearchPage, "A page of hits"), ...errorResponses },
});

export const analytics = createRoute({
  method: "get",
  path: "/search/analytics",
  tags,
  summary: "Top queries and queries without results (admin)",
  security: bearerSecurity,
  middleware: requireRole(["admin"], "Only admins read search analytics"),
  request: { query: AnalyticsQuery },
  responses: { 200: jsonContent(AnalyticsSchema, "Search analytics"), ...errorResponses },
});
