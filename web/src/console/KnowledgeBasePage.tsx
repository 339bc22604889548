import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { articlePath } from "../../../src/lib/slug";
import { api, ApiError, ok, type Article, type Schemas } from "../api/client";
import { ErrorAlert, Spinner, TimeAgo } from "../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../ui/hooks";
import { LoadMore } from "../ui/mount";
import { idempotencyKey } from "../ui/queries";
import { CONSOLE } from "./Layout";

type Category = Schemas["KbCategory"];

function useCategories() {
  return useQuery({ queryKey: ["kb-categories"], queryFn: async () => (await ok(api.GET("/api/v1/kb/categories"))).data as Category[] });
}

function NewCategory() {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/kb/categories", { body: { name, position: 0 } })),
    onSuccess: () => {
      setName("");
      void client.invalidateQueries({ queryKey: ["kb-categories"] });
    },
  });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label htmlFor="new-category">New topic</label>
      <input id="new-category" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="secondary" disabled={create.isPending}>
        Add topic
      </button>
      <ErrorAlert error={create.error} />
    </form>
  );
}

/** The knowledge base for staff: every article, drafts and internal ones included (API: /kb/articles). */
export function KnowledgeBasePage() {
  useDocumentTitle("Knowledge base", CONSOLE);
  const [q, setQ] = useState("");
  const [category, setCategory] = useState("");
  const categories = useCategories();
  const articles = useInfiniteQuery({
    queryKey: ["kb-articles", q.trim(), category],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok(api.GET("/api/v1/kb/articles", { params: { query: { limit: 50, cursor: pageParam, ...(q.trim() ? { q: q.trim() } : {}), ...(category ? { category_id: category } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = articles.data?.pages.flatMap((p) => p.data as Article[]) ?? [];
  const topic = (id: string | null) => categories.data?.find((c) => c.id === id)?.name ?? "—";
  return (
    <section aria-labelledby="kb-title">
      <div className="page-head">
        <h1 id="kb-title">Knowledge base</h1>
        <Link className="button" to="/kb/new">
          New article
        </Link>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="kb-q">Search</label>
          <input id="kb-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="kb-category">Topic</label>
          <select id="kb-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">Any</option>
            {categories.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <NewCategory />
      <ErrorAlert error={articles.error} />
      {articles.isPending ? <Spinner /> : null}
      {articles.isSuccess && !rows.length ? <p className="empty">No articles.</p> : null}
      {rows.length ? (
        <table className="list">
          <caption className="visually-hidden">Articles</caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Topic</th>
              <th scope="col">Status</th>
              <th scope="col">Views</th>
              <th scope="col">Helpful</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to="/kb/$id" params={{ id: a.id }}>
                    {a.title}
                  </Link>
                </td>
                <td>{topic(a.category_id)}</td>
                <td>
                  <span className="badge">{a.status}</span> {a.visibility === "internal" ? <span className="badge">internal</span> : null}
                </td>
                <td>{a.views}</td>
                <td>
                  {a.helpful_yes}/{a.helpful_yes + a.helpful_no}
                </td>
                <td>
                  <TimeAgo iso={a.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LoadMore query={articles} label="More articles" />
    </section>
  );
}

interface Draft {
  title: string;
  body: string;
  category_id: string;
  tags: string;
  status: "draft" | "published";
  visibility: "public" | "internal";
}
const EMPTY: Draft = { title: "", body: "", category_id: "", tags: "", status: "draft", visibility: "public" };

/** Write or edit an article; every save is a new version (If-Match: another editor's save is a conflict, not lost). */
export function ArticleEditorPage() {
  const { id } = useParams({ strict: false }) as { id?: string };
  const isNew = !id || id === "new";
  const navigate = useNavigate();
  const client = useQueryClient();
  const categories = useCategories();
  const article = useQuery({
    queryKey: ["kb-article", id],
    enabled: !isNew,
    queryFn: () => ok(api.GET("/api/v1/kb/articles/{id}", { params: { path: { id: id! } } })) as Promise<Article>,
  });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const key = useRef(idempotencyKey());
  useDocumentTitle(isNew ? "New article" : (article.data?.title ?? "Article"), CONSOLE);
  useEffect(() => {
    const a = article.data;
    if (a) setDraft({ title: a.title, body: a.body, category_id: a.category_id ?? "", tags: a.tags.join(", "), status: a.status, visibility: a.visibility });
  }, [article.data]);

  const body = () => ({
    title: draft.title,
    body: draft.body,
    category_id: draft.category_id || null,
    tags: draft.tags.split(",").map((t) => t.trim()).filter(Boolean),
    status: draft.status,
    visibility: draft.visibility,
  });
  const save = useMutation({
    mutationFn: async () =>
      isNew
        ? ((await ok(api.POST("/api/v1/kb/articles", { body: body(), params: { header: { "idempotency-key": key.current } } }))) as Article)
        : ((await ok(api.PATCH("/api/v1/kb/articles/{id}", { params: { path: { id: id! }, header: { "if-match": `"${article.data!.version}"` } }, body: body() }))) as Article),
    onSuccess: (saved) => {
      announceToScreenReader("Article saved");
      client.setQueryData(["kb-article", saved.id], saved);
      void client.invalidateQueries({ queryKey: ["kb-articles"] });
      if (isNew) void navigate({ to: "/kb/$id", params: { id: saved.id } });
    },
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/kb/articles/{id}", { params: { path: { id: id! } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["kb-articles"] });
      void navigate({ to: "/kb" });
    },
  });
  if (!isNew && article.isPending) return <Spinner />;
  if (!isNew && !article.data) return <ErrorAlert error={article.error} />;
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const conflict = save.error instanceof ApiError && save.error.status === 409;
  const a = article.data;
  return (
    <section aria-labelledby="article-title">
      <p>
        <Link to="/kb">← Knowledge base</Link>
      </p>
      <h1 id="article-title">{isNew ? "New article" : a!.title}</h1>
      {a ? (
        <p className="muted">
          Version {a.version}, updated <TimeAgo iso={a.updated_at} />. {a.views} views, {a.helpful_yes} of {a.helpful_yes + a.helpful_no} found it helpful.{" "}
          {a.status === "published" && a.visibility === "public" ? (
            <a href={articlePath(a)} target="_blank" rel="noopener">
              View in the help centre
            </a>
          ) : null}
        </p>
      ) : null}
      {conflict ? (
        <div className="alert warning" role="alert">
          Someone else saved this article meanwhile. Copy your text, reload the page and apply your change again.
        </div>
      ) : (
        <ErrorAlert error={save.error} />
      )}
      <form onSubmit={submit} className="article-form">
        <div className="field">
          <label htmlFor="article-title-input">Title</label>
          <input id="article-title-input" required maxLength={200} value={draft.title} onChange={(e) => set({ title: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="article-body">Body (Markdown)</label>
          <textarea id="article-body" required rows={16} maxLength={50_000} value={draft.body} onChange={(e) => set({ body: e.target.value })} />
        </div>
        <div className="filters">
          <div className="field">
            <label htmlFor="article-category">Topic</label>
            <select id="article-category" value={draft.category_id} onChange={(e) => set({ category_id: e.target.value })}>
              <option value="">None</option>
              {categories.data?.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="article-status">Status</label>
            <select id="article-status" value={draft.status} onChange={(e) => set({ status: e.target.value as Draft["status"] })}>
              <option value="draft">Draft</option>
              <option value="published">Published</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="article-visibility">Visible to</label>
            <select id="article-visibility" value={draft.visibility} onChange={(e) => set({ visibility: e.target.value as Draft["visibility"] })}>
              <option value="public">Everyone (help centre)</option>
              <option value="internal">Staff only</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="article-tags">Tags</label>
            <input id="article-tags" value={draft.tags} onChange={(e) => set({ tags: e.target.value })} />
          </div>
        </div>
        <div className="property-actions">
          <button type="submit" disabled={save.isPending}>
            {isNew ? "Create article" : "Save article"}
          </button>
          {!isNew ? (
            <button type="button" className="danger" disabled={remove.isPending} onClick={() => confirm("Delete this article and its versions?") && remove.mutate()}>
              Delete
            </button>
          ) : null}
        </div>
        <ErrorAlert error={remove.error} />
      </form>
      {a ? (
        <section aria-labelledby="preview-title" className="card preview">
          <h2 id="preview-title">As published (last save)</h2>
          {/* body_html is the server's rendering: Markdown with raw HTML escaped and unsafe links dropped (src/features/kb/kb.render.ts). */}
          <div className="article-preview" dangerouslySetInnerHTML={{ __html: a.body_html }} />
        </section>
      ) : null}
    </section>
  );
}
