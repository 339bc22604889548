/**
 * URL words of a title for readable, indexable article links (`/articles/{id}/{slug}`); the id alone
 * resolves. Shared by the Worker's help centre and the web app's links (web/src), so both agree.
 */
export function slugOf(title: string): string {
  return (
    title
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "article"
  );
}

export const articlePath = (a: { id: string; title: string }) => `/articles/${encodeURIComponent(a.id)}/${slugOf(a.title)}`;
