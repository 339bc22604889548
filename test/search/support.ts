import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api } from "../helpers";

/**
 * A word no other test uses (storage is per file, tests within a file share it). Letters only, so
 * the tokenizer keeps it whole; the porter stemmer treats query and text alike.
 */
const LETTERS = "bcdfghjklmnpqrstvwxz";
export function word(prefix = "w"): string {
  let out = prefix;
  for (const b of crypto.getRandomValues(new Uint8Array(8))) out += LETTERS[b % LETTERS.length];
  return out;
}

export async function ticket(token: string, subject: string, description: string, extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/api/v1/tickets", { token, body: { subject, description, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; version: number };
}

export async function comment(token: string, ticketId: string, body: string, internal = false) {
  const res = await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token, body: { body, internal } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

export async function article(token: string, body: Record<string, unknown>) {
  const res = await api("POST", "/api/v1/kb/articles", { token, body: { status: "published", visibility: "public", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number };
}

export async function search(token: string | undefined, query: string, params: Record<string, string> = {}) {
  const qs = new URLSearchParams({ q: query, ...params });
  const res = await api("GET", `/api/v1/search?${qs}`, token ? { token } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: { type: string; id: string; ticket_id?: string; title: string; snippet: string; score: number }[]; next_cursor: string | null };
}

export const ids = (page: { data: { id: string }[] }) => page.data.map((d) => d.id);

/** FTS5's own consistency check of an external-content index against its content (throws if they differ). */
export async function integrityCheck(table: "tickets_fts" | "comments_fts" | "kb_articles_fts") {
  await env.DB.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('integrity-check', 1)`).run();
}
