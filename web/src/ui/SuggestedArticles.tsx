import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ok, type ArticleSummary } from "../api/client";

const DELAY_MS = 300;

function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

import { articlePath } from "../../../src/lib/slug";

/** Text of a server snippet (escaped HTML with <mark>): shown as plain text, marks dropped. */
export const snippetText = (html: string) => new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";

/** Articles that may answer what is being typed (API: /kb/suggest), in a polite live region. */
export function SuggestedArticles({ subject, description }: { subject: string; description: string }) {
  const query = useDebounced({ subject: subject.slice(0, 200), description: description.slice(0, 2000) }, DELAY_MS);
  const asked = Boolean(query.subject.trim() || query.description.trim());
  const suggestions = useQuery({
    queryKey: ["suggest", query],
    enabled: asked,
    queryFn: () => ok(api.GET("/api/v1/kb/suggest", { params: { query: { ...query, limit: 5 } } })),
    placeholderData: (previous) => previous,
  });
  const items: ArticleSummary[] = asked ? (suggestions.data?.data ?? []) : [];
  return (
    <section className="suggested" aria-labelledby="suggested-title">
      <h2 id="suggested-title">Suggested articles</h2>
      <div aria-live="polite">
        {items.length ? (
          <ul>
            {items.map((a) => (
              <li key={a.id}>
                <a href={articlePath(a)} target="_blank" rel="noopener">
                  {a.title}
                </a>
                <span className="muted"> — {snippetText(a.snippet)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="empty">{asked ? "No article matches yet." : "Articles that may answer your question appear here as you type."}</p>
        )}
      </div>
    </section>
  );
}
