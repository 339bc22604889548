import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import { AppError } from "../../lib/errors";
import * as categories from "../kb/kb-categories.service";
import * as kb from "../kb/kb.service";
import { helpAssets } from "../web/web.assets";
import { articlePath, slugOf } from "../../lib/slug";
import { ArticlePage, AskPage, CategoryPage, HomePage, NotFoundPage, SearchPage } from "./help-centre.views";

/**
 * Help-centre pages: anonymous reads of the public knowledge base through the kb services (so a page
 * shows exactly what GET /api/v1/kb/articles shows a visitor), rendered to HTML. No session: the
 * refresh cookie never reaches these paths, so every visitor gets the same, cacheable page.
 */

/** Shared caches may keep a page a minute and serve it stale while they fetch the next one. */
const PAGE_CACHE = "public, max-age=60, stale-while-revalidate=600";
const RECENT_ARTICLES = 10;
const CATEGORY_PAGE = 50;
const SEARCH_PAGE = 20;
const RELATED_ARTICLES = 5;
/** The sitemap lists this many newest articles (one keyset page of 100 per query). */
const SITEMAP_MAX = 1_000;
const MAX_QUERY_CHARS = 500;
const MAX_ID_CHARS = 64;

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;
const page = (c: Context<AppEnv>, body: string | Promise<string>, status: 200 | 404 = 200, cache = PAGE_CACHE) =>
  c.html(body, status, { "Cache-Control": cache });

/** A bounded query-string value; anything longer is cut, never an error page. */
const param = (c: Context<AppEnv>, name: string, max = MAX_QUERY_CHARS) => (c.req.query(name) ?? "").slice(0, max);

const isNotFound = (err: unknown) => err instanceof AppError && (err.code === "NOT_FOUND" || err.code === "VALIDATION_ERROR");

export async function notFoundPage(c: Context<AppEnv>) {
  return page(c, <NotFoundPage assets={await helpAssets(c.env)} path={c.req.path} />, 404, "no-store");
}

export async function home(c: Context<AppEnv>) {
  const ctx = requestContext(c);
  const [cats, recent, assets] = await Promise.all([
    categories.listCategories(ctx),
    kb.listArticles(ctx, { limit: RECENT_ARTICLES }),
    helpAssets(c.env),
  ]);
  return page(c, <HomePage assets={assets} origin={origin(c)} categories={cats.data.filter((x) => !x.parent_id)} recent={recent.data} />);
}

export async function category(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (id.length > MAX_ID_CHARS) return notFoundPage(c);
  const ctx = requestContext(c);
  try {
    const cursor = param(c, "cursor") || undefined;
    const [cat, list, assets] = await Promise.all([
      categories.getCategory(ctx, id),
      kb.listArticles(ctx, { category_id: id, limit: CATEGORY_PAGE, cursor }),
      helpAssets(c.env),
    ]);
    return page(c, <CategoryPage assets={assets} origin={origin(c)} category={cat} articles={list.data} next={list.next_cursor} />);
  } catch (err) {
    if (isNotFound(err)) return notFoundPage(c);
    throw err;
  }
}

export async function article(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  if (id.length > MAX_ID_CHARS) return notFoundPage(c);
  const ctx = requestContext(c);
  let found: kb.Article;
  try {
    found = await kb.getArticle(ctx, id);
  } catch (err) {
    if (isNotFound(err)) return notFoundPage(c);
    throw err;
  }
  // One address per article: a missing or outdated slug redirects to the canonical one.
  if (c.req.param("slug") !== slugOf(found.title)) return c.redirect(`${articlePath(found)}${new URL(c.req.url).search}`, 301);
  const [cat, related, assets] = await Promise.all([
    found.category_id ? categories.getCategory(ctx, found.category_id).catch(() => null) : null,
    kb.suggestArticles(ctx, { subject: found.title, description: "", limit: RELATED_ARTICLES + 1 }),
    helpAssets(c.env),
  ]);
  const voted = c.req.query("feedback");
  return page(
    c,
    <ArticlePage
      assets={assets}
      origin={origin(c)}
      article={found}
      category={cat}
      related={related.data.filter((r) => r.id !== found.id).slice(0, RELATED_ARTICLES)}
      voted={voted === "yes" || voted === "no" ? voted : null}
    />,
    200,
    // The thank-you variant is this visitor's own.
    voted ? "private, no-store" : PAGE_CACHE,
  );
}

/**
 * The vote of the page's form (no JavaScript needed): same-origin posts only, since a vote counts
 * per client address and another site's page must not cast it for its visitors.
 */
export async function feedback(c: Context<AppEnv>) {
  const id = c.req.param("id") ?? "";
  const from = c.req.header("origin");
  if (from !== undefined && from !== origin(c)) throw new AppError("FORBIDDEN", "Votes come from the help centre's own pages");
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const helpful = form.helpful === "yes" ? true : form.helpful === "no" ? false : null;
  if (helpful === null || id.length > MAX_ID_CHARS) {
    throw new AppError("VALIDATION_ERROR", "Invalid vote", { errors: { helpful: ['"yes" or "no"'] } });
  }
  const ctx = requestContext(c);
  try {
    await kb.giveFeedback(ctx, id, helpful);
  } catch (err) {
    if (isNotFound(err)) return notFoundPage(c);
    throw err;
  }
  // The article's own address then adds its slug, keeping the query.
  return c.redirect(`/articles/${encodeURIComponent(id)}?feedback=${helpful ? "yes" : "no"}#feedback`, 303);
}

export async function search(c: Context<AppEnv>) {
  const query = param(c, "q").trim();
  const assets = await helpAssets(c.env);
  if (!query) return page(c, <SearchPage assets={assets} query="" results={[]} next={null} />);
  try {
    const list = await kb.listArticles(requestContext(c), { q: query, limit: SEARCH_PAGE, cursor: param(c, "cursor") || undefined });
    return page(c, <SearchPage assets={assets} query={query} results={list.data} next={list.next_cursor} />);
  } catch (err) {
    // A query the search cannot take (or a tampered cursor) shows no results rather than an error page.
    if (err instanceof AppError && err.code === "VALIDATION_ERROR") return page(c, <SearchPage assets={assets} query={query} results={[]} next={null} />);
    throw err;
  }
}

export async function ask(c: Context<AppEnv>) {
  const subject = param(c, "subject", 200);
  const description = param(c, "description", 2000);
  const [assets, suggestions] = await Promise.all([
    helpAssets(c.env),
    subject || description ? kb.suggestArticles(requestContext(c), { subject, description, limit: RELATED_ARTICLES }) : { data: [] },
  ]);
  return page(c, <AskPage assets={assets} subject={subject} description={description} suggestions={suggestions.data} />);
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Published public articles for search engines, newest first. */
export async function sitemap(c: Context<AppEnv>) {
  const ctx = requestContext(c);
  const base = origin(c);
  const urls = [`<url><loc>${xml(`${base}/`)}</loc></url>`];
  let cursor: string | undefined;
  for (let seen = 0; seen < SITEMAP_MAX; ) {
    const list = await kb.listArticles(ctx, { limit: 100, cursor });
    for (const a of list.data) urls.push(`<url><loc>${xml(base + articlePath(a))}</loc><lastmod>${xml(a.updated_at)}</lastmod></url>`);
    seen += list.data.length;
    if (!list.next_cursor) break;
    cursor = list.next_cursor;
  }
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join("")}</urlset>\n`;
  return c.body(body, 200, { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600" });
}
