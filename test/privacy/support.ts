import { env } from "cloudflare:workers";
import { api, type TestUser } from "../helpers";

/**
 * Where a canary string is still stored: every table of the database (listed from sqlite_master, so
 * tables added later are scanned too; FTS shadow tables included, their blobs read as bytes) and
 * every object of the R2 bucket. Matching is case-insensitive (the search index folds case).
 */
const decoder = new TextDecoder();
const asText = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (v instanceof ArrayBuffer) return decoder.decode(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) return decoder.decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (Array.isArray(v) && v.every((n) => typeof n === "number")) return decoder.decode(Uint8Array.from(v as number[]));
  return String(v);
};

/** D1's own tables are not readable (and hold no data of ours). */
const SKIPPED = /^(sqlite_|_cf_|d1_migrations$)/;

export async function tablesHolding(canary: string): Promise<string[]> {
  const needle = canary.toLowerCase();
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
  const found: string[] = [];
  for (const { name } of results) {
    if (SKIPPED.test(name)) continue;
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    for (const row of rows.results) {
      for (const [column, v] of Object.entries(row)) {
        const at = `${name}.${column}`;
        if (!found.includes(at) && asText(v).toLowerCase().includes(needle)) found.push(at);
      }
    }
  }
  return found;
}

/**
 * A stored object as text, with what mail encodes spelled out: base64 runs (our outbound bodies,
 * attachments) decoded, quoted-printable soft breaks and escapes undone, so an encoded copy counts.
 */
function readable(bytes: ArrayBuffer): string {
  const raw = asText(bytes);
  const decoded: string[] = [raw];
  for (const run of raw.match(/(?:[A-Za-z0-9+/]{4}(?:\r?\n)?){4,}[A-Za-z0-9+/=]*/g) ?? []) {
    try {
      decoded.push(asText(Uint8Array.from(atob(run.replace(/\r?\n/g, "").replace(/=+$/, "").padEnd(Math.ceil(run.replace(/\r?\n/g, "").replace(/=+$/, "").length / 4) * 4, "=")), (c) => c.charCodeAt(0))));
    } catch {
      // not base64 after all
    }
  }
  decoded.push(raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  return decoded.join("\n");
}

export async function objectsHolding(canary: string): Promise<string[]> {
  const needle = canary.toLowerCase();
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.ATTACHMENTS.list({ ...(cursor ? { cursor } : {}), limit: 1000 });
    for (const o of page.objects) {
      const object = await env.ATTACHMENTS.get(o.key);
      if (object && readable(await object.arrayBuffer()).toLowerCase().includes(needle)) found.push(o.key);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

/** What a signed-in user's search finds for the word (tickets, comments, articles). */
export async function searchHits(user: TestUser, word: string): Promise<number> {
  const res = await api("GET", `/api/v1/search?q=${encodeURIComponent(word)}&limit=50`, { token: user.token });
  if (res.status !== 200) throw new Error(`search answered ${res.status}`);
  return res.body.data.length;
}

/** A word no other test writes, with digits so no stemmer shortens it. */
export const canaryWord = (tag: string) => `zq${tag}${Math.random().toString(36).slice(2, 8)}x7731`.toLowerCase();
