import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery } from "../../lib/openapi";
import { IdempotencyHeader } from "../tickets/tickets.schemas";
import { CreateSavedSearchBody, PatchSavedSearchBody, SavedSearchPage, SavedSearchRef, SavedSearchSchema } from "./saved-searches.schemas";

const tags = ["Saved searches"];
const common = { security: bearerSecurity, middleware: requireAuth };

export const list = createRoute({
  method: "get",
  path: "/saved-searches",
  tags,
  summary: "The caller's saved searches, oldest first",
  ...common,
  request: { query: PageQuery },
  responses: { 200: jsonContent(SavedSearchPage, "A page of saved searches"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/saved-searches",
  tags,
  summary: "Save a search (name, query, filters of GET /search)",
  ...common,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateSavedSearchBody) },
  responses: { 201: jsonContent(SavedSearchSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/saved-searches/{id}",
  tags,
  summary: "One of the caller's saved searches (anyone else's: 404)",
  ...common,
  request: { params: SavedSearchRef },
  responses: { 200: jsonContent(SavedSearchSchema, "The saved search"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/saved-searches/{id}",
  tags,
  summary: "Rename or change a saved search",
  ...common,
  request: { params: SavedSearchRef, body: jsonBody(PatchSavedSearchBody) },
  responses: { 200: jsonContent(SavedSearchSchema, "The saved search"), ...errorResponses, ...conflictResponse },
});

export const remove = createRoute({
  method: "delete",
  path: "/saved-searches/{id}",
  tags,
  summary: "Delete a saved search",
  ...common,
  request: { params: SavedSearchRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});
