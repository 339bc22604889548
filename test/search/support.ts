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
export async function integrityCheck(table: "tickets_fts" | "comments_fts" | "kb_articles_fts" | "kb_articles_public_fts") {
  await env.DB.prepare(`INSERT INTO ${table}(${table}, rank) VALUES ('integrity-check', 1)`).run();
}

/** The database as migration 0045 left it (shared-ids.migration*): its triggers back in place of 0046's. */
export async function back45() {
  const undo = [
    ...["tickets_search_ai", "tickets_search_au", "tickets_search_au_moved", "tickets_search_ad", "tickets_search_renumber_ai"].map((t) => `DROP TRIGGER ${t}`),
    ...["tickets_search_ranked", "tickets_search_renumber", "tickets_search_members"].map((t) => `DROP TABLE ${t}`),
  ];
  for (const q of undo) await env.DB.prepare(q).run();
  const before = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_ticket_search_created_order.sql"))!;
  for (const q of before.queries.filter((q) => /^\s*(--[^\n]*\n\s*)*CREATE TRIGGER/.test(q))) await env.DB.prepare(q).run();
}
/** Migration 0046 applied again, on a database {@link back45} put back. */
export const apply46 = async () => {
  for (const q of env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_ticket_search_ids.sql"))!.queries) await env.DB.prepare(q).run();
};
