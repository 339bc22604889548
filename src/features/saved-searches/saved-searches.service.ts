import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { savedSearches, type SavedSearchFilters } from "../../db/schema";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { AppError, notFound, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { isUniqueViolation } from "../../db/errors";
import { signingSecret } from "../auth/tokens";

type SavedSearchRow = typeof savedSearches.$inferSelect;

/** Saved searches are shortcuts; a hundred is more than anyone uses, and it bounds each user's rows. */
export const MAX_SAVED_SEARCHES_PER_USER = 100;

export function toSavedSearch(row: SavedSearchRow) {
  return { id: row.id, name: row.name, query: row.query, filters: row.filters, created_at: row.createdAt, updated_at: row.updatedAt };
}

const duplicateName = () => new AppError("CONFLICT", "You already have a saved search with this name");

/** Only the owner's own: anyone else's id is simply not found (no existence oracle). */
async function findOwn(ctx: ServiceContext, id: string): Promise<SavedSearchRow> {
  const [row] = await ctx.db
    .select()
    .from(savedSearches)
    .where(and(eq(savedSearches.id, id), eq(savedSearches.userId, actorOf(ctx).id)))
    .limit(1);
  if (!row) throw notFound("Saved search");
  return row;
}

export async function listSavedSearches(ctx: ServiceContext, page: { limit: number; cursor?: string | undefined }) {
  const userId = actorOf(ctx).id;
  const secret = signingSecret(ctx.env);
  const sort = `saved-searches:${userId}`;
  const where: SQL[] = [eq(savedSearches.userId, userId)];
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(newerThan(savedSearches.createdAt, savedSearches.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(savedSearches)
    .where(and(...where))
    .orderBy(asc(savedSearches.createdAt), asc(savedSearches.id))
    .limit(page.limit + 1);
  const { items: items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return {
    data: items.map(toSavedSearch),
    next_cursor,
  };
}

export async function getSavedSearch(ctx: ServiceContext, id: string) {
  return toSavedSearch(await findOwn(ctx, id));
}

export interface SavedSearchInput {
  name: string;
  query: string;
  filters: SavedSearchFilters;
}

export async function createSavedSearch(ctx: ServiceContext, input: SavedSearchInput, idempotencyKey?: string) {
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/saved-searches", body: input }, async (recordResponse) => {
    const userId = actorOf(ctx).id;
    const [count] = await ctx.db.select({ n: sql<number>`count(*)` }).from(savedSearches).where(eq(savedSearches.userId, userId));
    if ((count?.n ?? 0) >= MAX_SAVED_SEARCHES_PER_USER) {
      throw new AppError("CONFLICT", `You have ${MAX_SAVED_SEARCHES_PER_USER} saved searches; delete one first`);
    }
    const now = ctx.now.toISOString();
    const row: SavedSearchRow = { id: newId(ctx.now.getTime()), userId, name: input.name, query: input.query, filters: input.filters, createdAt: now, updatedAt: now };
    const response = { status: 201 as const, body: toSavedSearch(row), headers: { Location: `/api/v1/saved-searches/${row.id}` } };
    try {
      await runBatch(ctx.db, [ctx.db.insert(savedSearches).values(row), ...recordResponse(response)]);
    } catch (err) {
      if (isUniqueViolation(err, "saved_searches")) throw duplicateName();
      throw err;
    }
    return response;
  });
}

export async function patchSavedSearch(ctx: ServiceContext, id: string, patch: Partial<SavedSearchInput>) {
  const row = await findOwn(ctx, id);
  const next: SavedSearchRow = {
    ...row,
    name: patch.name ?? row.name,
    query: patch.query ?? row.query,
    filters: patch.filters ?? row.filters,
  };
  if (next.name === row.name && next.query === row.query && JSON.stringify(next.filters) === JSON.stringify(row.filters)) return toSavedSearch(row);
  next.updatedAt = ctx.now.toISOString();
  try {
    await ctx.db
      .update(savedSearches)
      .set({ name: next.name, query: next.query, filters: next.filters, updatedAt: next.updatedAt })
      .where(and(eq(savedSearches.id, row.id), eq(savedSearches.userId, row.userId)));
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName();
    throw err;
  }
  return toSavedSearch(next);
}

export async function deleteSavedSearch(ctx: ServiceContext, id: string) {
  const row = await findOwn(ctx, id);
  await ctx.db.delete(savedSearches).where(and(eq(savedSearches.id, row.id), eq(savedSearches.userId, row.userId)));
}
