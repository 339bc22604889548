/**
 * Turning what a user typed into an FTS5 MATCH expression, and a snippet into safe HTML. Pure: no
 * I/O. User text never reaches FTS5 syntax: it is cut into words (runs of letters and digits), each
 * word becomes a double-quoted string, so `"`, `*`, `^`, `:`, `-`, `+`, parentheses, column names and
 * the operators AND/OR/NOT/NEAR are searched for as text (or dropped as separators), never executed.
 */
import { escapeHtml } from "./templates";

/** Words beyond this are ignored: each is another posting list to intersect, and long pasted text adds cost, not precision. */
export const MAX_QUERY_WORDS = 12;
/** Longer "words" are pasted tokens or hashes; FTS5's porter stemmer also passes words over 64 bytes through unchanged. */
export const MAX_WORD_CHARS = 64;
/**
 * The last word is prefix-matched (as you type) from this length on. The FTS5 tables carry a
 * 3-character prefix index (migration 0002), so such a prefix reads one posting list; a 1- or
 * 2-letter prefix would merge the lists of hundreds of words, so shorter words match whole only.
 */
export const MIN_PREFIX_CHARS = 3;
/** Suggestions OR many words of a subject and description; more adds cost and little relevance. */
export const MAX_SUGGEST_WORDS = 16;

// A word: letters, digits, marks and private-use characters, which is what FTS5's unicode61
// tokenizer keeps together; everything else separates words, exactly as it does in the index.
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
const HAS_BASE = /[\p{L}\p{N}\p{Co}]/u;

/** The search words of a query: NFC-normalised, lowercased, deduplicated, in order, capped. */
export function searchWords(query: string, max = MAX_QUERY_WORDS): string[] {
  const words: string[] = [];
  for (const match of query.normalize("NFC").toLowerCase().matchAll(WORD)) {
    const word = [...match[0]].slice(0, MAX_WORD_CHARS).join("");
    // A lone combining mark is no word (unicode61 would fold it away to nothing).
    if (!HAS_BASE.test(word) || words.includes(word)) continue;
    words.push(word);
    if (words.length >= max) break;
  }
  return words;
}

/** `"word"`: an FTS5 string, its own quotes doubled (words carry none, but nothing here relies on that). */
export const quote = (word: string) => `"${word.replaceAll('"', '""')}"`;

/** The canonical text of a query (its words joined by spaces): what analytics counts and cursors bind to. */
export const normalisedQuery = (words: string[]) => words.join(" ");

/**
 * All words must match (implicit AND); the last one may be a prefix. `columns` restricts the match
 * to the searchable text columns, so the visibility-token columns are never matched by user text.
 */
export function allWordsExpression(words: string[], columns: string[], options: { prefix: boolean } = { prefix: true }): string | null {
  if (!words.length) return null;
  const last = words.length - 1;
  const terms = words.map((w, i) => (options.prefix && i === last && [...w].length >= MIN_PREFIX_CHARS ? `${quote(w)}*` : quote(w)));
  return `${columnFilter(columns)} : (${terms.join(" ")})`;
}

/** Any word may match (OR), ranked by how many and how rare: for suggesting articles from a ticket's text. */
export function anyWordExpression(words: string[], columns: string[]): string | null {
  if (!words.length) return null;
  return `${columnFilter(columns)} : (${words.map(quote).join(" OR ")})`;
}

const columnFilter = (columns: string[]) => (columns.length === 1 ? columns[0]! : `{${columns.join(" ")}}`);

/** Narrows an expression to documents carrying a visibility token (see migration 0002). */
export const withToken = (expression: string, column: string, token: string) => `${expression} AND ${column} : ${quote(token)}`;

/** Narrows an expression to documents carrying any of the tokens (a filter's allowed values). */
export const withAnyToken = (expression: string, column: string, tokens: string[]) =>
  tokens.length ? `${expression} AND ${column} : (${tokens.map(quote).join(" OR ")})` : expression;

// ---------------------------------------------------------------- visibility tokens

/** Hex of the UTF-8 bytes: any id becomes one token of [0-9a-f]. */
function hex(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * The token naming a user as the one a document belongs to: `'u' || hex(id) || '0'` in the
 * migration's views and triggers (SQLite's hex() is upper case; the tokenizer folds case).
 */
export const ownerToken = (userId: string) => `u${hex(userId)}0`;
/** A ticket's status and priority as facet tokens: `'s' || replace(status, '_', '') || '0'`, `'p' || priority || '0'`. */
export const statusToken = (status: string) => `s${status.replaceAll("_", "")}0`;
export const priorityToken = (priority: string) => `p${priority}0`;
/**
 * The longest text value a ticket's facets index (migrations/0049_ticket_search_field_facets.sql,
 * written by scripts/gen-ticket-search-facets.mjs with the same number): the longest option value
 * (OPTION_VALUE), so every dropdown and multiselect option and every date is a token; longer text is
 * a text or textarea value, which no list filters by. A longer filter value has no token: the list
 * takes its other plans.
 */
export const MAX_FACET_VALUE_CHARS = 100;
/**
 * A custom field value as the facet token the migration's SQL gives a ticket holding it, or null when
 * it has none (text longer than MAX_FACET_VALUE_CHARS): `f<hex key>t<hex text>0` for text (a dropdown,
 * a date), `f<hex key>i<hex decimal>0` for an integer or a checkbox (1 / 0, as json_extract gives a
 * stored boolean), `f<hex key>m<hex option>0` for a multiselect option. Hex: any value, quotes and FTS5
 * syntax included, is one alphanumeric token, matched literally.
 */
export function fieldToken(key: string, value: { text: string; int?: undefined } | { int: number; text?: undefined }, multiselect: boolean): string | null {
  if (value.text !== undefined) {
    if ([...value.text].length > MAX_FACET_VALUE_CHARS) return null;
    return `f${hex(key)}${multiselect ? "m" : "t"}${hex(value.text)}0`;
  }
  return multiselect ? null : `f${hex(key)}i${hex(String(value.int))}0`;
}
/** Internal notes and articles only staff may read. */
export const STAFF_TOKEN = "staff0";
/** Published articles (public or internal). */
export const PUBLISHED_TOKEN = "published0";

// ---------------------------------------------------------------- snippets


export const HIGHLIGHT_OPEN = "<mark>";
export const HIGHLIGHT_CLOSE = "</mark>";

/**
 * snippet() wraps matches in marker strings of our choosing. They carry a per-request random
 * nonce, so text a user wrote can never forge one; everything between them is HTML-escaped.
 */
export function snippetMarkers(nonce: string) {
  return { open: `\uE000${nonce}\uE001`, close: `\uE002${nonce}\uE003` };
}

/** The snippet as HTML: the user's text escaped, the matches in <mark>…</mark>. */
export function snippetHtml(raw: string, markers: { open: string; close: string }): string {
  let html = "";
  for (const [i, part] of raw.split(markers.open).entries()) {
    if (i === 0) {
      html += escapeHtml(part.replaceAll(markers.close, ""));
      continue;
    }
    const end = part.indexOf(markers.close);
    if (end < 0) {
      html += escapeHtml(part);
      continue;
    }
    html += HIGHLIGHT_OPEN + escapeHtml(part.slice(0, end)) + HIGHLIGHT_CLOSE + escapeHtml(part.slice(end + markers.close.length).replaceAll(markers.close, ""));
  }
  return html;
}

// ---------------------------------------------------------------- suggestions

/**
 * Words too common in ticket text to say anything about its topic. bm25 already weighs them down;
 * dropping them keeps an OR query over a long description from touching most of the index.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by can cannot could did do does doing for from had has have having he her him his how i if in " +
    "into is it its just me my no not of on or our please she so some than that the their them then there these they this " +
    "to too up us very was we were what when where which while who why will with would you your hi hello thanks thank help " +
    "issue problem get got"
  ).split(" "),
);

/** The words of a would-be ticket to suggest articles for: subject words first, then the description's. */
export function suggestionWords(subject: string, description: string): string[] {
  const words: string[] = [];
  for (const w of [...searchWords(subject, MAX_SUGGEST_WORDS * 2), ...searchWords(description, MAX_SUGGEST_WORDS * 4)]) {
    if (STOP_WORDS.has(w) || words.includes(w) || (w.length < 2 && !/\p{N}/u.test(w))) continue;
    words.push(w);
    if (words.length >= MAX_SUGGEST_WORDS) break;
  }
  return words;
}
