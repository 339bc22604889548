import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { ARTICLE_STATUSES, ARTICLE_VISIBILITIES } from "../../domain/vocabulary";
import { users } from "./users";


// What anonymous callers and customers may read; the partial indexes below hold only these rows.
const publicPublished = sql`status = 'published' AND visibility = 'public'`;

/** Knowledge-base categories, nested one level: a category with a parent has no children. */
export const kbCategories = sqliteTable(
  "kb_categories",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    parentId: text("parent_id").references((): AnySQLiteColumn => kbCategories.id),
    position: integer("position").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("kb_categories_parent_idx").on(t.parentId, t.position, t.id)],
);

/**
 * Help articles. The full-text indexes `kb_articles_fts` (every article; migration 0002) and
 * `kb_articles_public_fts` (published public ones, what non-staff rank over; migration 0050), not
 * expressible in drizzle, are kept in sync by triggers on this table.
 */
export const kbArticles = sqliteTable(
  "kb_articles",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    /** Markdown; rendered to sanitised HTML on read. */
    body: text("body").notNull(),
    categoryId: text("category_id").references(() => kbCategories.id),
    /** JSON array; `kb_article_tags` is the index for the `tag` filter. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: ARTICLE_STATUSES }).notNull(),
    visibility: text("visibility", { enum: ARTICLE_VISIBILITIES }).notNull(),
    authorId: text("author_id").notNull().references(() => users.id),
    /** Bumped by every edit; `kb_article_versions` holds the article as of each one. */
    version: integer("version").notNull(),
    views: integer("views").notNull().default(0),
    helpfulYes: integer("helpful_yes").notNull().default(0),
    helpfulNo: integer("helpful_no").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    publishedAt: text("published_at"),
  },
  (t) => [
    // Staff lists (newest first), anonymous/customer lists (published public only), by category.
    index("kb_articles_created_idx").on(t.createdAt, t.id),
    index("kb_articles_public_created_idx").on(t.createdAt, t.id).where(publicPublished),
    index("kb_articles_category_created_idx").on(t.categoryId, t.createdAt, t.id),
    index("kb_articles_public_category_created_idx").on(t.categoryId, t.createdAt, t.id).where(publicPublished),
  ],
);

export const kbArticleTags = sqliteTable(
  "kb_article_tags",
  {
    tag: text("tag").notNull(),
    articleId: text("article_id").notNull().references(() => kbArticles.id),
  },
  (t) => [primaryKey({ columns: [t.tag, t.articleId] }), index("kb_article_tags_article_idx").on(t.articleId)],
);

/** The article as of each version (append-only while the article exists). */
export const kbArticleVersions = sqliteTable(
  "kb_article_versions",
  {
    id: text("id").primaryKey(),
    articleId: text("article_id").notNull().references(() => kbArticles.id),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    categoryId: text("category_id"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: ARTICLE_STATUSES }).notNull(),
    visibility: text("visibility", { enum: ARTICLE_VISIBILITIES }).notNull(),
    editorId: text("editor_id"),
    createdAt: text("created_at").notNull(),
  },
  // Two editors who read the same version collide here: the second batch fails whole (no lost update).
  (t) => [uniqueIndex("kb_article_versions_article_version_uq").on(t.articleId, t.version)],
);

/** One vote per voter per article (a user id, or a salted hash of an anonymous caller's IP); re-voting changes it. */
export const kbArticleFeedback = sqliteTable(
  "kb_article_feedback",
  {
    articleId: text("article_id").notNull().references(() => kbArticles.id),
    voter: text("voter").notNull(),
    helpful: integer("helpful", { mode: "boolean" }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.voter] })],
);
