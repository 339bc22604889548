import { z } from "@hono/zod-openapi";
import { TICKET_PRIORITIES, TICKET_STATUSES } from "../../domain/vocabulary";
import { IsoDate, pageOf } from "../../lib/openapi";
import { SearchText } from "../search/search.schemas";
import { SEARCH_TYPES } from "../search/search.service";

// The same filters as GET /search, as JSON arrays instead of comma lists.
export const SavedFilters = z
  .object({
    type: z.array(z.enum(SEARCH_TYPES)).min(1).max(3).optional(),
    status: z.array(z.enum(TICKET_STATUSES)).min(1).max(10).optional(),
    priority: z.array(z.enum(TICKET_PRIORITIES)).min(1).max(4).optional(),
  })
  .strict()
  .transform((f) => ({
    ...(f.type ? { type: [...new Set(f.type)] } : {}),
    ...(f.status ? { status: [...new Set(f.status)] } : {}),
    ...(f.priority ? { priority: [...new Set(f.priority)] } : {}),
  }));

const Name = z.string().trim().min(1).max(100);

export const SavedSearchSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string(),
    filters: z.object({
      type: z.array(z.enum(SEARCH_TYPES)).optional(),
      status: z.array(z.enum(TICKET_STATUSES)).optional(),
      priority: z.array(z.enum(TICKET_PRIORITIES)).optional(),
    }),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("SavedSearch");
export const SavedSearchPage = pageOf(SavedSearchSchema).openapi("SavedSearchPage");

export const CreateSavedSearchBody = z
  .object({ name: Name, query: SearchText, filters: SavedFilters.default({}) })
  .openapi("CreateSavedSearch");
export const PatchSavedSearchBody = z
  .object({ name: Name, query: SearchText, filters: SavedFilters })
  .partial()
  .openapi("PatchSavedSearch");
export const SavedSearchRef = z.object({ id: z.string().min(1).max(64) });
