import { asc, eq, sql } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { kbArticles, kbCategories } from "../../db/schema";
import { AppError, notFound, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";

type CategoryRow = typeof kbCategories.$inferSelect;

/**
 * Categories are listed whole (no cursor), so their number is bounded; a help centre with more
 * than this many categories needs a different navigation, not a longer list.
 */
export const MAX_CATEGORIES = 200;

export function toCategory(row: CategoryRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    parent_id: row.parentId,
    position: row.position,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Every category, top-level ones and their children, in display order. Public: anyone may browse. */
export async function listCategories(ctx: ServiceContext) {
  const rows = await ctx.db.select().from(kbCategories).orderBy(asc(kbCategories.position), asc(kbCategories.name), asc(kbCategories.id)).limit(MAX_CATEGORIES);
  return { data: rows.map(toCategory), next_cursor: null };
}

async function findCategory(ctx: ServiceContext, id: string): Promise<CategoryRow> {
  const [row] = await ctx.db.select().from(kbCategories).where(eq(kbCategories.id, id)).limit(1);
  if (!row) throw notFound("Category");
  return row;
}

export async function getCategory(ctx: ServiceContext, id: string) {
  return toCategory(await findCategory(ctx, id));
}

/** Nesting is one level deep: a parent must itself be top-level, and a category with children cannot get a parent. */
async function checkParent(ctx: ServiceContext, parentId: string | null | undefined, self?: CategoryRow) {
  if (!parentId) return;
  if (self && parentId === self.id) throw validation("Invalid parent", { parent_id: ["a category cannot be its own parent"] });
  const [parent] = await ctx.db.select().from(kbCategories).where(eq(kbCategories.id, parentId)).limit(1);
  if (!parent) throw validation("Invalid parent", { parent_id: ["no such category"] });
  if (parent.parentId) throw validation("Invalid parent", { parent_id: ["categories nest one level deep: the parent must be a top-level category"] });
  if (self) {
    const [child] = await ctx.db.select({ id: kbCategories.id }).from(kbCategories).where(eq(kbCategories.parentId, self.id)).limit(1);
    if (child) throw validation("Invalid parent", { parent_id: ["this category has subcategories, so it must stay top-level"] });
  }
}

export interface CategoryInput {
  name: string;
  description?: string | null | undefined;
  parent_id?: string | null | undefined;
  position: number;
}

export async function createCategory(ctx: ServiceContext, input: CategoryInput, idempotencyKey?: string) {
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/kb/categories", body: input }, async (recordResponse) => {
    await checkParent(ctx, input.parent_id);
    const [count] = await ctx.db.select({ n: sql<number>`count(*)` }).from(kbCategories);
    if ((count?.n ?? 0) >= MAX_CATEGORIES) throw new AppError("CONFLICT", `A knowledge base holds at most ${MAX_CATEGORIES} categories`);
    const now = ctx.now.toISOString();
    const row: CategoryRow = {
      id: newId(ctx.now.getTime()),
      name: input.name,
      description: input.description ?? null,
      parentId: input.parent_id ?? null,
      position: input.position,
      createdAt: now,
      updatedAt: now,
    };
    const response = { status: 201 as const, body: toCategory(row), headers: { Location: `/api/v1/kb/categories/${row.id}` } };
    await runBatch(ctx.db, [
      ctx.db.insert(kbCategories).values(row),
      auditInsert(ctx, { action: "kb_category.created", entityType: "kb_category", entityId: row.id, changes: { name: [null, row.name], parent_id: [null, row.parentId] } }),
      ...recordResponse(response),
    ]);
    return response;
  });
}

export async function patchCategory(ctx: ServiceContext, id: string, patch: Partial<CategoryInput>) {
  const row = await findCategory(ctx, id);
  if (patch.parent_id !== undefined && patch.parent_id !== row.parentId) await checkParent(ctx, patch.parent_id, row);
  const next: CategoryRow = {
    ...row,
    name: patch.name ?? row.name,
    description: patch.description !== undefined ? patch.description : row.description,
    parentId: patch.parent_id !== undefined ? patch.parent_id : row.parentId,
    position: patch.position ?? row.position,
  };
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [wire, before, after] of [
    ["name", row.name, next.name],
    ["description", row.description, next.description],
    ["parent_id", row.parentId, next.parentId],
    ["position", row.position, next.position],
  ] as const) {
    if (before !== after) changes[wire] = [before, after];
  }
  if (!Object.keys(changes).length) return toCategory(row);
  next.updatedAt = ctx.now.toISOString();
  const { id: _id, createdAt: _c, ...set } = next;
  await runBatch(ctx.db, [
    ctx.db.update(kbCategories).set(set).where(eq(kbCategories.id, row.id)),
    auditInsert(ctx, { action: "kb_category.updated", entityType: "kb_category", entityId: row.id, changes }),
  ]);
  return toCategory(next);
}

/** Only an empty category goes: no subcategories and no articles (move or delete those first). */
export async function deleteCategory(ctx: ServiceContext, id: string) {
  const row = await findCategory(ctx, id);
  const [[child], [article]] = await Promise.all([
    ctx.db.select({ id: kbCategories.id }).from(kbCategories).where(eq(kbCategories.parentId, row.id)).limit(1),
    ctx.db.select({ id: kbArticles.id }).from(kbArticles).where(eq(kbArticles.categoryId, row.id)).limit(1),
  ]);
  if (child) throw new AppError("CONFLICT", "The category has subcategories; move or delete them first");
  if (article) throw new AppError("CONFLICT", "The category has articles; move or delete them first");
  await runBatch(ctx.db, [
    ctx.db.delete(kbCategories).where(eq(kbCategories.id, row.id)),
    auditInsert(ctx, { action: "kb_category.deleted", entityType: "kb_category", entityId: row.id, changes: { name: row.name } }),
  ]);
}
