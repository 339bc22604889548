import { and, desc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { runBatch, type BatchItem } from "../../db/client";
import { kbArticleFeedback, kbArticles, kbArticleTags, kbArticleVersions, kbCategories } from "../../db/schema";
import { type ArticleStatus, type ArticleVisibility } from "../../domain/vocabulary";
import { isStaff, type Actor } from "../../domain/permissions";
import { allWordsExpression, anyWordExpression, normalisedQuery, searchWords, suggestionWords } from "../../domain/search-query";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { sha256Hex } from "../../lib/crypto";
import { AppError, notFound, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { isUniqueViolation } from "../../db/errors";
import { clientBucket } from "../auth/rate-limit";
import { pepper, signingSecret } from "../auth/tokens";
import { articleScopeFor, rankArticles, type ArticleScope } from "../search/search.fts";
import { MAX_SEARCH_DEPTH, record } from "../search/search.service";
import { readVisibleTicket } from "../tickets/tickets.service";
import { renderMarkdown } from "./kb.render";

type ArticleRow = typeof kbArticles.$inferSelect;

/** API.md "Knowledge base": agents and up write articles and see drafts and internal ones. */
export const KB_EDITORS = ["agent", "manager", "admin"] as const;

const isEditor = (actor: Actor | null) => actor !== null && isStaff(actor.role);

/** Anonymous callers and customers read published public articles only. */
const readableBy = (actor: Actor | null): SQL[] =>
  isEditor(actor) ? [] : [eq(kbArticles.status, "published"), eq(kbArticles.visibility, "public")];

export function toArticle(row: ArticleRow) {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    body_html: renderMarkdown(row.body),
    category_id: row.categoryId,
    tags: row.tags,
    status: row.status,
    visibility: row.visibility,
    author_id: row.authorId,
    version: row.version,
    views: row.views,
    helpful_yes: row.helpfulYes,
    helpful_no: row.helpfulNo,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    published_at: row.publishedAt,
  };
}
export type Article = ReturnType<typeof toArticle>;

// ---------------------------------------------------------------- reading

/**
 * One article, counting the view. The count and the read are one statement (UPDATE … RETURNING),
 * so a view costs no extra round trip; what the caller may not read is neither counted nor found.
 */
export async function getArticle(ctx: ServiceContext, id: string): Promise<Article> {
  const [row] = await ctx.db
    .update(kbArticles)
    .set({ views: sql`${kbArticles.views} + 1` })
    .where(and(eq(kbArticles.id, id), ...readableBy(ctx.actor)))
    .returning();
  if (!row) throw notFound("Article");
  return toArticle(row);
}

async function findReadable(ctx: ServiceContext, id: string): Promise<ArticleRow> {
  const [row] = await ctx.db
    .select()
    .from(kbArticles)
    .where(and(eq(kbArticles.id, id), ...readableBy(ctx.actor)))
    .limit(1);
  if (!row) throw notFound("Article");
  return row;
}

export interface ArticleListQuery {
  q?: string | undefined;
  category_id?: string | undefined;
  tag?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const LIST_SORT = "kb:articles:-created_at";

export async function listArticles(ctx: ServiceContext, q: ArticleListQuery) {
  if (q.q !== undefined) return searchArticles(ctx, q as ArticleListQuery & { q: string });
  const where: SQL[] = [...readableBy(ctx.actor)];
  if (q.category_id) where.push(eq(kbArticles.categoryId, q.category_id));
  if (q.tag) where.push(inArray(kbArticles.id, ctx.db.select({ id: kbArticleTags.articleId }).from(kbArticleTags).where(eq(kbArticleTags.tag, q.tag))));
  const secret = signingSecret(ctx.env);
  if (q.cursor) {
    const pos = await decodeCursor(secret, LIST_SORT, q.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(kbArticles.createdAt, kbArticles.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(kbArticles)
    .where(and(...where))
    .orderBy(desc(kbArticles.createdAt), desc(kbArticles.id))
    .limit(q.limit + 1);
  const { items: page, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, LIST_SORT, { key: last.createdAt, id: last.id }));
  return {
    data: page.map(toArticle),
    next_cursor,
  };
}

/** `?q=`: best match first; the cursor is an offset into that order (see MAX_SEARCH_DEPTH). */
async function searchArticles(ctx: ServiceContext, q: ArticleListQuery & { q: string }) {
  const words = searchWords(q.q);
  const secret = signingSecret(ctx.env);
  const sort = `kb:q:${(await sha256Hex(JSON.stringify([normalisedQuery(words), q.category_id ?? null, q.tag ?? null]))).slice(0, 32)}`;
  let offset = 0;
  if (q.cursor) {
    const key = (await decodeCursor(secret, sort, q.cursor)).key;
    if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key > MAX_SEARCH_DEPTH) {
      throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    }
    offset = key;
  }
  const extra: SQL[] = [];
  if (q.category_id) extra.push(sql`a.category_id = ${q.category_id}`);
  if (q.tag) extra.push(sql`a.id IN (SELECT article_id FROM kb_article_tags WHERE tag = ${q.tag})`);
  const hits = await rankArticles(
    ctx,
    allWordsExpression(words, ["title", "body"]),
    articleScopeFor(ctx.actor),
    { offset, limit: Math.min(q.limit + 1, MAX_SEARCH_DEPTH - offset) },
    extra,
  );
  const page = hits.slice(0, q.limit);
  if (!q.cursor) record(ctx, words, page.length === 0);
  // Read again as the caller may read it: an article unpublished or made internal since the ranking is not shown.
  const rows = page.length ? await ctx.db.select().from(kbArticles).where(and(inArray(kbArticles.id, page.map((h) => h.id)), ...readableBy(ctx.actor))) : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    data: page.flatMap((h) => {
      const row = byId.get(h.id);
      return row ? [{ ...toArticle(row), snippet: h.snippet, score: h.score }] : [];
    }),
    next_cursor: hits.length > q.limit ? await encodeCursor(secret, sort, { key: offset + page.length, id: "" }) : null,
  };
}

export async function listVersions(ctx: ServiceContext, id: string, page: { limit: number; cursor?: string | undefined }) {
  await findReadable(ctx, id);
  const secret = signingSecret(ctx.env);
  const sort = `kb:versions:${id}`;
  const where: SQL[] = [eq(kbArticleVersions.articleId, id)];
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    if (typeof pos.key !== "number") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(lt(kbArticleVersions.version, pos.key));
  }
  const rows = await ctx.db
    .select()
    .from(kbArticleVersions)
    .where(and(...where))
    .orderBy(desc(kbArticleVersions.version))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.version, id: last.id }));
  return {
    data: items.map((v) => ({
      version: v.version,
      title: v.title,
      body: v.body,
      category_id: v.categoryId,
      tags: v.tags,
      status: v.status,
      visibility: v.visibility,
      editor_id: v.editorId,
      created_at: v.createdAt,
    })),
    next_cursor,
  };
}

// ---------------------------------------------------------------- writing

export interface ArticleInput {
  title: string;
  body: string;
  category_id?: string | null | undefined;
  tags: string[];
  status: ArticleStatus;
  visibility: ArticleVisibility;
}

async function checkCategory(ctx: ServiceContext, categoryId: string | null | undefined) {
  if (!categoryId) return;
  const [found] = await ctx.db.select({ id: kbCategories.id }).from(kbCategories).where(eq(kbCategories.id, categoryId)).limit(1);
  if (!found) throw validation("Invalid category", { category_id: ["no such category"] });
}

function versionInsert(ctx: ServiceContext, row: ArticleRow) {
  return ctx.db.insert(kbArticleVersions).values({
    id: newId(ctx.now.getTime()),
    articleId: row.id,
    version: row.version,
    title: row.title,
    body: row.body,
    categoryId: row.categoryId,
    tags: row.tags,
    status: row.status,
    visibility: row.visibility,
    editorId: ctx.actor?.id ?? null,
    createdAt: ctx.now.toISOString(),
  });
}

function tagWrites(ctx: ServiceContext, articleId: string, tags: string[], replace: boolean): BatchItem[] {
  const items: BatchItem[] = replace ? [ctx.db.delete(kbArticleTags).where(eq(kbArticleTags.articleId, articleId))] : [];
  if (tags.length) items.push(ctx.db.insert(kbArticleTags).values(tags.map((tag) => ({ tag, articleId }))));
  return items;
}

export async function createArticle(ctx: ServiceContext, input: ArticleInput, idempotencyKey?: string) {
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/kb/articles", body: input }, async (recordResponse) => {
    const actor = actorOf(ctx);
    await checkCategory(ctx, input.category_id);
    const now = ctx.now.toISOString();
    const row: ArticleRow = {
      id: newId(ctx.now.getTime()),
      title: input.title,
      body: input.body,
      categoryId: input.category_id ?? null,
      tags: input.tags,
      status: input.status,
      visibility: input.visibility,
      authorId: actor.id,
      version: 1,
      views: 0,
      helpfulYes: 0,
      helpfulNo: 0,
      createdAt: now,
      updatedAt: now,
      publishedAt: input.status === "published" ? now : null,
    };
    const response = { status: 201 as const, body: toArticle(row), headers: { Location: `/api/v1/kb/articles/${row.id}`, ETag: `"${row.version}"` } };
    await runBatch(ctx.db, [
      ctx.db.insert(kbArticles).values(row),
      ...tagWrites(ctx, row.id, row.tags, false),
      versionInsert(ctx, row),
      auditInsert(ctx, {
        action: "kb_article.created",
        entityType: "kb_article",
        entityId: row.id,
        changes: { title: [null, row.title], status: [null, row.status], visibility: [null, row.visibility] },
      }),
      ...recordResponse(response),
    ]);
    return response;
  });
}

export interface ArticlePatch {
  title?: string | undefined;
  body?: string | undefined;
  category_id?: string | null | undefined;
  tags?: string[] | undefined;
  status?: ArticleStatus | undefined;
  visibility?: ArticleVisibility | undefined;
}

const PATCH_FIELDS = { title: "title", body: "body", category_id: "categoryId", tags: "tags", status: "status", visibility: "visibility" } as const;

/**
 * An edit makes a new version: the row is updated only if it is still at the version that was read,
 * and the version snapshot's unique (article, version) makes a concurrent edit's batch fail whole.
 * With If-Match, an article changed since that version is a 409 (articles are edited by few people
 * at a time, so a whole-article check is enough, unlike a ticket's field merge).
 */
export async function patchArticle(ctx: ServiceContext, id: string, patch: ArticlePatch, baseVersion?: number) {
  const row = await findReadable(ctx, id);
  if (baseVersion !== undefined && baseVersion !== row.version) {
    throw new AppError("CONFLICT", `The article is at version ${row.version}, not ${baseVersion}; reload it and edit again`, {
      extra: { current: toArticle(row) },
    });
  }
  if (patch.category_id !== undefined && patch.category_id !== row.categoryId) await checkCategory(ctx, patch.category_id);
  const changes: Record<string, [unknown, unknown]> = {};
  const next: ArticleRow = { ...row };
  for (const [wire, column] of Object.entries(PATCH_FIELDS) as [keyof typeof PATCH_FIELDS, (typeof PATCH_FIELDS)[keyof typeof PATCH_FIELDS]][]) {
    const value = patch[wire];
    if (value === undefined || JSON.stringify(value) === JSON.stringify(row[column])) continue;
    // The body's text lives in the version snapshots; the audit row only notes that it changed.
    changes[wire] = wire === "body" ? [`version ${row.version}`, `version ${row.version + 1}`] : [row[column], value];
    (next as Record<string, unknown>)[column] = value;
  }
  if (!Object.keys(changes).length) return toArticle(row);
  const now = ctx.now.toISOString();
  next.version = row.version + 1;
  next.updatedAt = now;
  if (next.status === "published" && !row.publishedAt) next.publishedAt = now;
  const { id: _id, views: _v, helpfulYes: _y, helpfulNo: _n, createdAt: _c, ...set } = next;
  try {
    await runBatch(ctx.db, [
      // The snapshot goes first: a concurrent editor's batch fails on it before touching the row.
      versionInsert(ctx, next),
      ctx.db.update(kbArticles).set(set).where(and(eq(kbArticles.id, row.id), eq(kbArticles.version, row.version))),
      ...("tags" in changes ? tagWrites(ctx, row.id, next.tags, true) : []),
      auditInsert(ctx, { action: "kb_article.updated", entityType: "kb_article", entityId: row.id, changes: { ...changes, version: [row.version, next.version] } }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("CONFLICT", "The article was edited by someone else meanwhile; reload it and edit again");
    throw err;
  }
  return toArticle({ ...next, views: row.views, helpfulYes: row.helpfulYes, helpfulNo: row.helpfulNo });
}

/** Deletes the article with its tags, versions and votes (the triggers drop it from the index); the audit row stays. */
export async function deleteArticle(ctx: ServiceContext, id: string) {
  const row = await findReadable(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.delete(kbArticleTags).where(eq(kbArticleTags.articleId, row.id)),
    ctx.db.delete(kbArticleVersions).where(eq(kbArticleVersions.articleId, row.id)),
    ctx.db.delete(kbArticleFeedback).where(eq(kbArticleFeedback.articleId, row.id)),
    ctx.db.delete(kbArticles).where(eq(kbArticles.id, row.id)),
    auditInsert(ctx, { action: "kb_article.deleted", entityType: "kb_article", entityId: row.id, changes: { title: row.title, version: row.version } }),
  ]);
}

// ---------------------------------------------------------------- feedback

/**
 * Who a vote belongs to: the user, or for an anonymous reader a keyed hash of their client (one vote
 * per client and article, without storing the address). A client is its IPv4 address or its IPv6
 * /64: a subscriber is handed a whole /64 and could vote once per address in it (issue 9 item 10).
 * Without an IP header all anonymous readers share one vote, which only happens off Cloudflare's network.
 */
async function voterOf(ctx: ServiceContext): Promise<string> {
  if (ctx.actor) return `user:${ctx.actor.id}`;
  if (!ctx.meta.ip) return "anonymous";
  return `ip:${(await sha256Hex(`${pepper(ctx.env)}\n${clientBucket(ctx.meta.ip)}`)).slice(0, 32)}`;
}

/**
 * "Did this article solve your problem?" One vote per voter; voting again replaces the vote. The
 * counters move in the same batch as the vote, computed from the stored vote inside it, so two
 * concurrent votes of one voter can never count twice.
 */
export async function giveFeedback(ctx: ServiceContext, id: string, helpful: boolean) {
  const row = await findReadable(ctx, id);
  const voter = await voterOf(ctx);
  const now = ctx.now.toISOString();
  const previous = (value: 0 | 1) =>
    sql`(SELECT count(*) FROM ${kbArticleFeedback} WHERE ${kbArticleFeedback.articleId} = ${row.id} AND ${kbArticleFeedback.voter} = ${voter} AND ${kbArticleFeedback.helpful} = ${value})`;
  const [, , , counts] = await ctx.db.batch([
    ctx.db
      .update(kbArticles)
      .set({ helpfulYes: sql`${kbArticles.helpfulYes} - ${previous(1)}`, helpfulNo: sql`${kbArticles.helpfulNo} - ${previous(0)}` })
      .where(eq(kbArticles.id, row.id)),
    ctx.db
      .insert(kbArticleFeedback)
      .values({ articleId: row.id, voter, helpful, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: [kbArticleFeedback.articleId, kbArticleFeedback.voter], set: { helpful, updatedAt: now } }),
    ctx.db
      .update(kbArticles)
      .set(helpful ? { helpfulYes: sql`${kbArticles.helpfulYes} + 1` } : { helpfulNo: sql`${kbArticles.helpfulNo} + 1` })
      .where(eq(kbArticles.id, row.id)),
    ctx.db.select({ yes: kbArticles.helpfulYes, no: kbArticles.helpfulNo }).from(kbArticles).where(eq(kbArticles.id, row.id)),
  ]);
  const current = counts[0] ?? { yes: row.helpfulYes, no: row.helpfulNo };
  return { article_id: row.id, helpful, helpful_yes: current.yes, helpful_no: current.no };
}

// ---------------------------------------------------------------- suggestions

async function suggest(ctx: ServiceContext, words: string[], scope: ArticleScope, limit: number) {
  const hits = await rankArticles(ctx, anyWordExpression(words, ["title", "body"]), scope, { offset: 0, limit });
  return { data: hits.map((h) => ({ id: h.id, title: h.title, snippet: h.snippet, score: h.score })) };
}

/**
 * Articles for a ticket being written (`/kb/suggest`): any of its words, best first. Published only,
 * and for anonymous callers and customers public ones only.
 */
export async function suggestArticles(ctx: ServiceContext, input: { subject: string; description: string; limit: number }) {
  const scope: ArticleScope = isEditor(ctx.actor) ? "published" : "public";
  return suggest(ctx, suggestionWords(input.subject, input.description), scope, input.limit);
}

/** Published articles (internal ones included) that may answer an existing ticket, for staff. */
export async function suggestForTicket(ctx: ServiceContext, ref: string, limit: number) {
  const { row } = await readVisibleTicket(ctx, ref);
  if (!isEditor(ctx.actor)) throw new AppError("FORBIDDEN", "Suggested articles are for agents");
  return suggest(ctx, suggestionWords(row.subject, row.description), "published", limit);
}
