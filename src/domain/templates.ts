/**
 * The one template renderer: outbound mail templates (src/email/templates.ts), rule texts and macro
 * texts all fill `{{name}}` placeholders here. Values are substituted as data: never evaluated
 * (Workers forbid eval anyway), never scanned for placeholders again (a subject that reads
 * `{{requester.email}}` stays that text), HTML-escaped in the HTML form. Only names the caller
 * offers are filled; a name outside the offer renders empty, and savers refuse it first
 * ({@link unknownPlaceholders}).
 */

/** `{{ticket.number}}`, `{{ current_user.name }}`: dotted lowercase words, underscores only inside a word. */
const PLACEHOLDER = /\{\{\s*([a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*)*)\s*\}\}/g;

/** Characters that must not reach HTML unescaped. */
const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** Every placeholder name a text uses, once each, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Placeholders a text names that are not in `allowed` (a save with any of them is refused). */
export function unknownPlaceholders(allowed: readonly string[], text: string): string[] {
  const offer = new Set(allowed);
  return placeholdersIn(text).filter((name) => !offer.has(name));
}

// Own properties only: `{{constructor}}` must not reach Object.prototype.
const valueOf = (vars: Record<string, string>, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : "");

/** One pass over the template: values go in verbatim and are never scanned for placeholders again. */
export function renderText(template: string, vars: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => valueOf(vars, name));
}

/**
 * The same template as an HTML document: the template's own text and every value escaped, line breaks kept.
 * Values of the `links` names (links we made, e.g. the satisfaction survey's) become clickable when they are http(s) URLs.
 */
export function renderHtml(template: string, vars: Record<string, string>, links: ReadonlySet<string> = new Set()): string {
  let out = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    out += escapeHtml(template.slice(last, m.index));
    const value = valueOf(vars, m[1]!);
    out += links.has(m[1]!) && /^https?:\/\//.test(value) ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>` : escapeHtml(value);
    last = m.index + m[0].length;
  }
  out += escapeHtml(template.slice(last));
  const paragraphs = out.replace(/\r\n?/g, "\n").split(/\n{2,}/).map((p) => `<p>${p.replace(/\n/g, "<br>\n")}</p>`);
  return `<!DOCTYPE html>\n<html><body>\n${paragraphs.join("\n")}\n</body></html>`;
}

/** `{ticket: {number: "T-1"}}` → `{"ticket.number": "T-1"}`: nested data as the names templates reach. */
export function flattenVars(data: Record<string, unknown>, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [key, value] of Object.entries(data)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[name] = value.join(", ");
    else if (value !== null && typeof value === "object") flattenVars(value as Record<string, unknown>, name, out);
    else if (value !== null && value !== undefined) out[name] = String(value);
  }
  return out;
}
