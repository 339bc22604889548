import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { articlePath } from "../../lib/slug";
import type { PageAssets } from "../web/web.assets";

/**
 * The help centre's pages, rendered by the Worker (Hono JSX): plain HTML that works without
 * JavaScript, is cacheable and indexable. Text goes in as JSX children and attributes, which Hono
 * escapes; only two strings go in raw, both HTML the server made safe: an article's body_html
 * (markdown-it with raw HTML escaped, kb.render.ts) and search snippets (FTS5 text escaped, matches
 * in <mark>, search.fts.ts). The script the page loads (help.ts) only enhances: live suggestions
 * while typing, a vote without reloading.
 */

export const SITE_NAME = "edgedesk help centre";

export interface ArticleSummary {
  id: string;
  title: string;
  snippet?: string | undefined;
  updated_at?: string | undefined;
}
export interface CategoryView {
  id: string;
  name: string;
  description: string | null;
}

export const categoryPath = (c: { id: string }) => `/categories/${encodeURIComponent(c.id)}`;

/** A date as people read it; the <time> element carries the exact instant for machines. */
function DateText({ iso }: { iso: string }) {
  const date = new Date(iso);
  const text = date.toLocaleDateString("en-GB", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
  return <time datetime={iso}>{text}</time>;
}

export interface LayoutProps {
  title: string;
  description?: string;
  canonical?: string;
  noindex?: boolean;
  assets: PageAssets;
  query?: string;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{props.title === SITE_NAME ? SITE_NAME : `${props.title} · ${SITE_NAME}`}</title>
          {props.description ? <meta name="description" content={props.description} /> : null}
          {props.canonical ? <link rel="canonical" href={props.canonical} /> : null}
          {props.noindex ? <meta name="robots" content="noindex" /> : null}
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          {props.assets.stylesheets.map((href) => (
            <link rel="stylesheet" href={href} />
          ))}
          {props.assets.script ? <script type="module" src={props.assets.script}></script> : null}
        </head>
        <body class="help">
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <a class="brand" href="/">
              {SITE_NAME}
            </a>
            <nav aria-label="Help centre">
              <ul>
                <li>
                  <a href="/ask">Ask a question</a>
                </li>
                <li>
                  <a href="/portal">My tickets</a>
                </li>
              </ul>
            </nav>
          </header>
          <main id="main" tabindex={-1}>
            {props.children}
          </main>
          <footer class="site-footer">
            <p>
              Can't find an answer? <a href="/portal/tickets/new">Submit a request</a> and we will get back to you.
            </p>
          </footer>
        </body>
      </html>
    </>
  );
}

export function SearchForm({ query = "", big = false }: { query?: string; big?: boolean }) {
  return (
    <form class={big ? "search search-big" : "search"} role="search" action="/search" method="get">
      <label for="help-search" class={big ? "visually-hidden" : "visually-hidden"}>
        Search the help centre
      </label>
      <input id="help-search" type="search" name="q" value={query} placeholder="Search articles" maxlength={500} autocomplete="off" required />
      <button type="submit">Search</button>
    </form>
  );
}

function ArticleList({ articles, empty }: { articles: ArticleSummary[]; empty: string }) {
  if (!articles.length) return <p class="empty">{empty}</p>;
  return (
    <ul class="article-list">
      {articles.map((a) => (
        <li>
          <a href={articlePath(a)}>{a.title}</a>
          {a.snippet ? <p class="snippet">{raw(a.snippet)}</p> : null}
        </li>
      ))}
    </ul>
  );
}

export function HomePage(p: { assets: PageAssets; origin: string; categories: CategoryView[]; recent: ArticleSummary[] }) {
  return (
    <Layout title={SITE_NAME} description="Answers to common questions, and a way to ask us yours." canonical={`${p.origin}/`} assets={p.assets}>
      <section class="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">How can we help?</h1>
        <SearchForm big />
      </section>
      {p.categories.length ? (
        <section aria-labelledby="categories-title">
          <h2 id="categories-title">Browse by topic</h2>
          <ul class="category-grid">
            {p.categories.map((c) => (
              <li>
                <a href={categoryPath(c)}>
                  <span class="category-name">{c.name}</span>
                  {c.description ? <span class="category-description">{c.description}</span> : null}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="recent-title">
        <h2 id="recent-title">Recent articles</h2>
        <ArticleList articles={p.recent} empty="No articles have been published yet." />
      </section>
    </Layout>
  );
}

export function CategoryPage(p: { assets: PageAssets; origin: string; category: CategoryView; articles: ArticleSummary[]; next: string | null }) {
  return (
    <Layout title={p.category.name} description={p.category.description ?? `Articles about ${p.category.name}`} canonical={`${p.origin}${categoryPath(p.category)}`} assets={p.assets}>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          <li>
            <a href="/">Help centre</a>
          </li>
          <li aria-current="page">{p.category.name}</li>
        </ol>
      </nav>
      <h1>{p.category.name}</h1>
      {p.category.description ? <p class="lead">{p.category.description}</p> : null}
      <ArticleList articles={p.articles} empty="No articles in this topic yet." />
      {p.next ? (
        <p>
          <a href={`${categoryPath(p.category)}?cursor=${encodeURIComponent(p.next)}`} rel="next">
            More articles
          </a>
        </p>
      ) : null}
    </Layout>
  );
}

export interface ArticleView {
  id: string;
  title: string;
  body: string;
  body_html: string;
  updated_at: string;
  helpful_yes: number;
  helpful_no: number;
}

export function ArticlePage(p: {
  assets: PageAssets;
  origin: string;
  article: ArticleView;
  category: CategoryView | null;
  related: ArticleSummary[];
  voted: "yes" | "no" | null;
}) {
  const a = p.article;
  const description = a.body.replace(/[#*_`>\[\]()!-]/g, " ").replace(/\s+/g, " ").trim().slice(0, 160);
  return (
    <Layout title={a.title} description={description} canonical={`${p.origin}${articlePath(a)}`} assets={p.assets}>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <ol>
          <li>
            <a href="/">Help centre</a>
          </li>
          {p.category ? (
            <li>
              <a href={categoryPath(p.category)}>{p.category.name}</a>
            </li>
          ) : null}
          <li aria-current="page">{a.title}</li>
        </ol>
      </nav>
      <article class="article" aria-labelledby="article-title">
        <h1 id="article-title">{a.title}</h1>
        <p class="meta">
          Updated <DateText iso={a.updated_at} />
        </p>
        <div class="article-body">{raw(a.body_html)}</div>
      </article>
      <section id="feedback" class="feedback" aria-labelledby="feedback-title">
        <h2 id="feedback-title">Was this article helpful?</h2>
        {p.voted ? (
          <p role="status">Thank you for your feedback.</p>
        ) : (
          <form method="post" action={`/articles/${encodeURIComponent(a.id)}/feedback`} class="feedback-form" data-article-id={a.id}>
            <button type="submit" name="helpful" value="yes">
              Yes
            </button>
            <button type="submit" name="helpful" value="no">
              No
            </button>
            <p class="feedback-status" role="status" aria-live="polite"></p>
          </form>
        )}
        <p class="meta">
          {a.helpful_yes} of {a.helpful_yes + a.helpful_no} found this helpful
        </p>
      </section>
      {p.related.length ? (
        <section aria-labelledby="related-title">
          <h2 id="related-title">Related articles</h2>
          <ArticleList articles={p.related} empty="" />
        </section>
      ) : null}
    </Layout>
  );
}

export function SearchPage(p: { assets: PageAssets; query: string; results: ArticleSummary[]; next: string | null }) {
  return (
    <Layout title={p.query ? `Search: ${p.query}` : "Search"} noindex assets={p.assets}>
      <h1>Search</h1>
      <SearchForm query={p.query} />
      {p.query ? (
        <section aria-labelledby="results-title">
          <h2 id="results-title" aria-live="polite">
            {p.results.length ? `Results for “${p.query}”` : `No results for “${p.query}”`}
          </h2>
          <ArticleList articles={p.results} empty="Try other words, or ask us your question." />
          {p.next ? (
            <p>
              <a href={`/search?q=${encodeURIComponent(p.query)}&cursor=${encodeURIComponent(p.next)}`} rel="next">
                More results
              </a>
            </p>
          ) : null}
        </section>
      ) : null}
      <p>
        <a href="/ask">Ask a question</a>
      </p>
    </Layout>
  );
}

export function AskPage(p: { assets: PageAssets; subject: string; description: string; suggestions: ArticleSummary[] }) {
  const asked = Boolean(p.subject || p.description);
  return (
    <Layout title="Ask a question" description="Describe your question; we suggest articles as you type, and you can send it to our team." assets={p.assets}>
      <h1>Ask a question</h1>
      <p class="lead">Tell us what you need. Articles that may answer it appear as you type.</p>
      <form class="ask-form" method="get" action="/ask">
        <div class="field">
          <label for="ask-subject">Subject</label>
          <input id="ask-subject" name="subject" value={p.subject} maxlength={200} required autocomplete="off" />
        </div>
        <div class="field">
          <label for="ask-description">Details</label>
          <textarea id="ask-description" name="description" rows={6} maxlength={2000}>
            {p.description}
          </textarea>
        </div>
        <button type="submit" class="secondary">
          Find answers
        </button>
      </form>
      <section class="suggestions" aria-labelledby="suggestions-title">
        <h2 id="suggestions-title">Suggested articles</h2>
        <div id="suggestions" aria-live="polite">
          {asked ? (
            <ArticleList articles={p.suggestions} empty="No article matches yet. Our team can help." />
          ) : (
            <p class="empty">Start typing and we will look for answers.</p>
          )}
        </div>
      </section>
      <form class="continue" method="get" action="/portal/tickets/new">
        <input type="hidden" name="subject" value={p.subject} data-mirror="ask-subject" />
        <input type="hidden" name="description" value={p.description} data-mirror="ask-description" />
        <p>Still need help?</p>
        <button type="submit">Send it to our team</button>
      </form>
    </Layout>
  );
}

export function NotFoundPage(p: { assets: PageAssets; path: string }) {
  return (
    <Layout title="Page not found" noindex assets={p.assets}>
      <h1>Page not found</h1>
      <p>
        There is nothing at <code>{p.path}</code>. It may have moved, or the link may be mistyped.
      </p>
      <SearchForm />
      <ul>
        <li>
          <a href="/">Help centre</a>
        </li>
        <li>
          <a href="/portal">Customer portal</a>
        </li>
        <li>
          <a href="/app">Agent console</a>
        </li>
      </ul>
    </Layout>
  );
}
