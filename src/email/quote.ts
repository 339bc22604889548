/**
 * Plain-text helpers for inbound mail: strip the quoted history off a reply, decode
 * RFC 3676 format=flowed text, and turn HTML into readable text.
 *
 * Pure and synchronous. The reply heuristics follow mailgun/talon's line-marker approach
 * (every line is empty, quoted, a reply header, a forward marker or text, and the shape of
 * that sequence decides what is history), written from its description, not its code.
 */

/**
 * Lines looked at for reply headers and quote markers. Beyond this the text is kept as it is:
 * the scan is linear, but a reply's own text is never this long, and a 200 000-line message
 * must not cost 200 000 window matches.
 */
export const MAX_SCANNED_LINES = 5_000;

/**
 * Characters of a (possibly wrapped) reply-header candidate. "On <date>, <name> <addr> wrote:"
 * is well under this; the cap keeps each regex run short whatever a line contains.
 */
const MAX_HEADER_WINDOW_CHARS = 400;

/** Lines an "On ... wrote:" header may be wrapped over (Gmail wraps at 76-80 columns). */
const MAX_HEADER_WINDOW_LINES = 3;

/** Lines an Outlook "From:/Sent:/To:/Subject:" block may span before it counts as a header. */
const MAX_OUTLOOK_BLOCK_LINES = 8;

/** HTML input converted to text; bigger input is cut first so conversion stays bounded. */
export const MAX_HTML_TO_TEXT_CHARS = 2_000_000;

/** List nesting rendered as indentation; deeper lists (hostile or broken HTML) stop indenting. */
const MAX_LIST_INDENT = 8;

/** Blockquote nesting rendered as "> "; deeper quoting is clamped so a tag bomb cannot blow up line length. */
const MAX_QUOTE_DEPTH = 16;

// ---------------------------------------------------------------------------------------------
// Quoted-reply stripping
// ---------------------------------------------------------------------------------------------

export interface ReplySplit {
  /** What the sender wrote: the quoted history removed, surrounding whitespace trimmed. */
  visible: string;
  /** True when something was removed. */
  stripped: boolean;
  /** True when the text is a forward (a forward marker before any reply header): nothing is removed. */
  forward: boolean;
}

/** Visible text of a plain-text reply: quoted history removed, signatures ("Sent from my iPhone", "-- ") kept. */
export function stripQuotedReply(text: string): string {
  return splitReply(text).visible;
}

type Marker = "e" | "m" | "s" | "f" | "t";

/**
 * Marks every line, then:
 * - a forward marker before any reply header means the whole text is content (a forwarded
 *   message starting a ticket must keep what was forwarded);
 * - text between two quoted blocks means an inline (interleaved) reply: keep everything;
 * - a reply header followed by unquoted text (Outlook) cuts from the header to the end;
 * - a reply header or quote block followed by quoted lines removes that block, and keeps text
 *   written below it (bottom-posting);
 * - two stray ">" lines with no reply header are text, not history.
 */
export function splitReply(text: string): ReplySplit {
  const lines = normaliseNewlines(text).split("\n");
  const markers = markLines(lines);

  const keepAll = (forward: boolean): ReplySplit => ({ visible: lines.join("\n").trim(), stripped: false, forward });
  const keep = (kept: string[]): ReplySplit => ({ visible: kept.join("\n").trim(), stripped: true, forward: false });

  const hasSplitter = markers.includes("s");
  if (!hasSplitter && !hasQuoteBlock(markers, 3)) {
    for (let i = 0; i < markers.length; i++) if (markers[i] === "m") markers[i] = "t";
  }

  const firstMark = markers.findIndex((m) => m !== "t" && m !== "e");
  if (firstMark < 0) return keepAll(false);
  if (markers[firstMark] === "f") return keepAll(true);
  if (hasInlineReply(markers)) return keepAll(false);

  // History starts at a reply header or at a run of two or more quoted lines; a lone quoted
  // line before it ("Compare:" / "> a" / "They differ.") is the sender's own text.
  const start = markers.findIndex((m, i) => m === "s" || (m === "m" && nextMarked(markers, i) === "m"));
  if (start < 0) return keepAll(false);
  const lastQuote = markers.lastIndexOf("m");

  if (markers[start] === "s") {
    let next = start;
    while (next < markers.length && (markers[next] === "s" || markers[next] === "e")) next++;
    // Nothing after the header, or unquoted text after it (Outlook quotes without ">").
    if (next >= markers.length || markers[next] !== "m") return keep(lines.slice(0, start));
  }
  // A quote block (after a header, or on its own): remove it, keep what was written below it.
  if (lastQuote > start && markers.slice(lastQuote + 1).every((m) => m === "t" || m === "e")) {
    return keep([...lines.slice(0, start), ...lines.slice(lastQuote + 1)]);
  }
  return keep(lines.slice(0, start));
}

/** The next marker after `i` that is not an empty line. */
function nextMarked(markers: Marker[], i: number): Marker | undefined {
  for (let j = i + 1; j < markers.length; j++) if (markers[j] !== "e") return markers[j];
  return undefined;
}

function markLines(lines: string[]): Marker[] {
  const markers: Marker[] = lines.map(() => "t");
  const limit = Math.min(lines.length, MAX_SCANNED_LINES);
  for (let i = 0; i < limit; i++) {
    const line = lines[i] ?? "";
    if (line.trim() === "") markers[i] = "e";
    else if (QUOTE_LINE.test(line)) markers[i] = "m";
  }
  for (let i = 0; i < limit; i++) {
    if (markers[i] !== "t") continue;
    const line = lines[i] ?? "";
    if (FORWARD_MARKER.some((re) => re.test(line)) || isAttachedMessageBanner(lines, i, limit)) {
      markers[i] = "f";
      continue;
    }
    const span = replyHeaderSpan(lines, markers, i, limit);
    if (span > 0) {
      for (let j = i; j < i + span; j++) markers[j] = "s";
      i += span - 1;
    }
  }
  return markers;
}

/** Number of lines from `i` that form a reply header ("On ... wrote:", "-----Original Message-----", an Outlook block), or 0. */
function replyHeaderSpan(lines: string[], markers: Marker[], i: number, limit: number): number {
  const line = (lines[i] ?? "").trim();
  if (line.length > MAX_HEADER_WINDOW_CHARS) return 0;
  if (ORIGINAL_MESSAGE.test(line)) return 1;

  // "On <date>, <who> wrote:" and "<date> <who> <addr>:", possibly wrapped over a few lines.
  let window = "";
  for (let k = 0; k < MAX_HEADER_WINDOW_LINES && i + k < limit; k++) {
    if (markers[i + k] !== "t") break;
    window = k === 0 ? line : `${window} ${(lines[i + k] ?? "").trim()}`;
    if (window.length > MAX_HEADER_WINDOW_CHARS) break;
    if (isWroteHeader(window)) return k + 1;
  }

  // Outlook: an optional "_____" rule, then a run of "Name: value" lines holding a sender and a date.
  let start = i;
  if (/^_{10,}$/.test(line)) start = i + 1;
  let sender = false;
  let date = false;
  let end = start;
  while (end < limit && end - start < MAX_OUTLOOK_BLOCK_LINES && markers[end] === "t") {
    const header = (lines[end] ?? "").trim();
    if (header.length > MAX_HEADER_WINDOW_CHARS || !HEADER_LIKE.test(header)) break;
    if (end === start && !OUTLOOK_FIRST.test(header)) return 0;
    if (OUTLOOK_SENDER.test(header)) sender = true;
    if (OUTLOOK_DATE.test(header)) date = true;
    end++;
  }
  return sender && date && end - start >= 2 ? end - i : 0;
}

/**
 * The header box a parser renders for a message attached to the mail (a forward "as attachment"):
 * a rule of dashes, "From:/Subject:/Date:/To:" lines, and the same rule again. It is forwarded
 * content, not quoted history, so it counts as a forward marker.
 */
function isAttachedMessageBanner(lines: string[], i: number, limit: number): boolean {
  const rule = lines[i] ?? "";
  if (!/^-{10,}$/.test(rule) || !HEADER_LIKE.test(lines[i + 1] ?? "")) return false;
  for (let j = i + 2; j < Math.min(limit, i + 2 + MAX_OUTLOOK_BLOCK_LINES * 2); j++) {
    if (lines[j] === rule) return true;
  }
  return false;
}

function isWroteHeader(window: string): boolean {
  // A date or an address must be present: "On Monday my colleague wrote:" is a sentence, not a header.
  if (!/\d/.test(window) && !window.includes("@")) return false;
  // Every form ends in a colon; testing that first keeps the backtracking patterns off ordinary lines.
  if (!/:\s*-*$/.test(window)) return false;
  return ON_WROTE.test(window) || DATE_FIRST.test(window);
}

/** `(m e*){n,}`: n quoted lines with nothing but empty lines between them. */
function hasQuoteBlock(markers: Marker[], n: number): boolean {
  let run = 0;
  for (const m of markers) {
    if (m === "m") {
      run++;
      if (run >= n) return true;
    } else if (m !== "e") {
      run = 0;
    }
  }
  return false;
}

/** Quoted, then unquoted text, then quoted again: the sender answered between the quoted lines. */
function hasInlineReply(markers: Marker[]): boolean {
  let state: "start" | "quoted" | "text" = "start";
  for (const m of markers) {
    if (m === "e") continue;
    if (m === "m") {
      if (state === "text") return true;
      state = "quoted";
    } else if (m === "t") {
      if (state === "quoted") state = "text";
    } else {
      state = "start";
    }
  }
  return false;
}

const QUOTE_LINE = /^[ \t]*>/;

const WROTE =
  "(?:wrote|a [ée]crit|schrieb|escribi[óo]|ha scritto|schreef|escreveu|skrev|napisał|написал[аи]?|kirjoitti|đã viết|yazdı|写道|寫道|wrote the following)";

/** "On Mon, Apr 2, 2012 at 6:26 PM, Megan <m@example.com> wrote:" and its translations, including
 *  the ones that name the sender after the verb ("Am ... schrieb Bob <bob@example.de>:"); text after
 *  the verb must hold an address, so "On 3 March we wrote to you about the following:" stays text. */
const ON_WROTE = new RegExp(
  `^[-\\s]*(?:On|Le|Am|El|Il|Op|Em|På|Den|W dniu|Vào|Dne)\\s.*\\s${WROTE}(?:\\s[^:@]{0,200}@[^:]{1,200})?\\s*:\\s*-*$`,
  "iu",
);

/** "02.04.2012 14:20 пользователь "bob@example.com" <bob@example.com> написал:" (Gmail for Android),
 *  "2014-10-17 11:28 GMT+03:00 Bob <bob@example.com>:" (old Gmail). */
const DATE_FIRST = /^\s*\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b.*<\s?[^<>\s]+@[^<>\s]+>.*:\s*$/u;

const ORIGINAL_MESSAGE =
  /^[\s>]*-{2,}\s*(?:original message|reply message|original|ursprüngliche nachricht|originalnachricht|mensaje original|message d'origine|messaggio originale|oorspronkelijk bericht|mensagem original|alkuperäinen viesti|opprinnelig melding|ursprungligt meddelande|исходное сообщение|оригинальное сообщение|原始邮件)\s*-{2,}\s*$/iu;

const FORWARD_MARKER = [
  /^\s*-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|videresendt melding|vidarebefordrat meddelande|пересылаемое сообщение)\s*-{2,}\s*$/iu,
  /^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|d[ée]but du message r[ée]exp[ée]di[ée]|d[ée]but du message transf[ée]r[ée]|inicio del mensaje reenviado)\s*:\s*$/iu,
];

/** "Name: value" with a short, letters-only name: the shape of a quoted header line. */
const HEADER_LIKE = /^\*?[\p{L}][\p{L} .-]{0,30}\*?\s*:/u;
const OUTLOOK_SENDER = /^\*?(?:from|de|von|van|da|från|fra|od|от|發件人|发件人|差出人)\*?\s*:/iu;
const OUTLOOK_DATE =
  /^\*?(?:sent|date|envoy[ée]|gesendet|datum|enviado|fecha|inviato|data|verzonden|skickat|sendt|wysłano|отправлено|дата|發送時間|发送时间|送信日時)\*?\s*:/iu;
const OUTLOOK_FIRST = new RegExp(`${OUTLOOK_SENDER.source}|${OUTLOOK_DATE.source}`, "iu");

// ---------------------------------------------------------------------------------------------
// format=flowed (RFC 3676)
// ---------------------------------------------------------------------------------------------

/**
 * Joins soft line breaks of format=flowed text. Unlike a naive unfold, a flowed line only joins
 * the next line of the same quote depth (RFC 3676 section 4.5), so a bottom reply under a quote
 * ("> Hi " then "Hello") stays on its own line; space-stuffing is removed and the "-- " signature
 * separator is never joined.
 */
export function decodeFormatFlowed(text: string, delSp: boolean): string {
  const out: string[] = [];
  let paragraph: string | null = null;
  let paragraphDepth = 0;
  const render = (depth: number, body: string): string => (depth > 0 ? `${">".repeat(depth)} ${body}` : body);

  for (const raw of text.split(/\r?\n/)) {
    let depth = 0;
    while (depth < raw.length && raw.charCodeAt(depth) === 0x3e) depth++;
    let body = raw.slice(depth);
    if (body.startsWith(" ")) body = body.slice(1);
    const signature = body === "-- ";
    const flowed = !signature && body.endsWith(" ");

    if (paragraph !== null && (depth !== paragraphDepth || signature)) {
      out.push(render(paragraphDepth, paragraph));
      paragraph = null;
    }
    const joined: string = (paragraph ?? "") + (flowed && delSp ? body.slice(0, -1) : body);
    paragraphDepth = depth;
    if (flowed) {
      paragraph = joined;
    } else {
      out.push(render(depth, joined));
      paragraph = null;
    }
  }
  if (paragraph !== null) out.push(render(paragraphDepth, paragraph));
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// HTML -> text
// ---------------------------------------------------------------------------------------------

/** Elements whose content is never text. (`head` is not one: an unclosed <head> is common in mail, and what it holds is skipped element by element.) */
const SKIPPED_ELEMENTS = new Set(["script", "style", "title", "template", "noscript", "svg", "math", "object", "iframe", "textarea", "select"]);
/** HTML void elements: no content, no end tag (HTMLRewriter refuses an end-tag handler on them). */
const VOID_ELEMENTS = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen", "frame"]);
/** Elements that start and end a paragraph (blank line around them). */
const PARAGRAPH_ELEMENTS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "figure"]);
/** Elements that start and end a line. */
const LINE_ELEMENTS = new Set([
  "div", "dt", "dd", "address", "article", "aside", "section", "header", "footer", "nav", "main",
  "center", "form", "fieldset", "figcaption", "caption", "body", "html", "tbody", "thead", "tfoot", "details", "summary",
]);

interface Line {
  depth: number;
  text: string;
}

/** The text being laid out: lines with their quote depth, and what the enclosing elements ask for. */
class TextLayout {
  private lines: Line[] = [];
  private cur: string | null = null;
  private curDepth = 0;
  private depth = 0;
  private pending = 0;
  private pre = 0;
  private lists: { ordered: boolean; n: number }[] = [];
  private cells = 0;

  private endLine(): void {
    if (this.cur !== null) this.lines.push({ depth: this.curDepth, text: this.cur });
    this.cur = null;
  }
  private block(breaks: number): void {
    this.endLine();
    this.pending = Math.max(this.pending, breaks);
  }
  private newline(): void {
    if (this.cur === null) this.lines.push({ depth: this.depth, text: "" });
    else this.endLine();
  }
  private write(s: string, keepIndent = false): void {
    if (s === "") return;
    if (this.cur === null) {
      if (this.pre === 0 && !keepIndent) {
        s = s.replace(/^ +/, "");
        if (s === "") return;
      }
      if (this.lines.length > 0) for (let k = 1; k < this.pending; k++) this.lines.push({ depth: Math.min(this.depth, this.curDepth), text: "" });
      this.pending = 0;
      this.cur = s;
      this.curDepth = this.depth;
    } else if (this.pre === 0 && this.cur.endsWith(" ") && s.startsWith(" ")) {
      this.cur += s.slice(1);
    } else {
      this.cur += s;
    }
  }

  /** Text between tags, entities still encoded (HTMLRewriter hands text over as written). */
  text(raw: string): void {
    const decoded = decodeHtmlEntities(raw);
    if (this.pre === 0) return this.write(decoded.replace(/[ \t\n\r\f]+/g, " "));
    decoded
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .forEach((part, index) => {
        if (index > 0) this.newline();
        this.write(part);
      });
  }

  /** An opening tag (`closing` false) or its end. */
  tag(name: string, closing: boolean, alt?: string | null): void {
    switch (name) {
      case "br":
        return this.newline();
      case "blockquote":
        this.block(2);
        this.depth = closing ? Math.max(0, this.depth - 1) : Math.min(MAX_QUOTE_DEPTH, this.depth + 1);
        return;
      case "pre":
        this.block(2);
        this.pre = closing ? Math.max(0, this.pre - 1) : this.pre + 1;
        return;
      case "ul":
      case "ol":
        this.block(this.lists.length > 0 ? 1 : 2);
        if (closing) this.lists.pop();
        else this.lists.push({ ordered: name === "ol", n: 0 });
        return;
      case "li": {
        this.block(1);
        if (closing) return;
        const list = this.lists[this.lists.length - 1];
        const indent = "  ".repeat(Math.min(Math.max(this.lists.length - 1, 0), MAX_LIST_INDENT));
        if (list) list.n++;
        return this.write(`${indent}${list?.ordered ? `${list.n}.` : "-"} `, true);
      }
      case "tr":
        this.block(1);
        this.cells = 0;
        return;
      case "td":
      case "th":
        if (!closing && this.cells++ > 0 && this.cur !== null) this.write(" ");
        return;
      case "hr":
        this.block(1);
        this.write("---");
        return this.block(1);
      case "img":
        if (alt && alt.trim()) this.text(alt);
        return;
      default:
        if (PARAGRAPH_ELEMENTS.has(name)) this.block(2);
        else if (LINE_ELEMENTS.has(name)) this.block(1);
    }
  }

  result(): string {
    this.endLine();
    return this.lines
      .map((l) => (l.depth > 0 ? `${">".repeat(l.depth)} ${l.text}` : l.text).replace(/\u00a0/g, " ").trimEnd())
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }
}

/**
 * Readable text from HTML: block elements become line breaks, `<br>` a newline, list items
 * "- " or "1. ", blockquotes "> " lines (so {@link stripQuotedReply} treats them as history),
 * table cells are separated by a space, entities are decoded, script/style/title are dropped.
 * Tokenised by the runtime's HTMLRewriter (lol-html, an HTML5 tokenizer, linear in the input):
 * this module only lays out the text it reports. Markup the tokenizer gives up on (a tag of
 * megabytes) falls back to plain tag stripping.
 */
export async function htmlToText(html: string): Promise<string> {
  const src = html.length > MAX_HTML_TO_TEXT_CHARS ? html.slice(0, MAX_HTML_TO_TEXT_CHARS) : html;
  const layout = new TextLayout();
  let skipped = 0;
  let pendingText = "";
  const flush = () => {
    if (pendingText && skipped === 0) layout.text(pendingText);
    pendingText = "";
  };
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        flush();
        const name = el.tagName.toLowerCase();
        if (SKIPPED_ELEMENTS.has(name)) {
          if (VOID_ELEMENTS.has(name)) return;
          skipped++;
          el.onEndTag(() => {
            pendingText = "";
            skipped = Math.max(0, skipped - 1);
          });
          return;
        }
        if (skipped > 0) return;
        layout.tag(name, false, name === "img" ? el.getAttribute("alt") : null);
        if (!VOID_ELEMENTS.has(name)) {
          el.onEndTag(() => {
            flush();
            if (skipped === 0) layout.tag(name, true);
          });
        }
      },
    })
    .onDocument({
      text(chunk) {
        if (skipped === 0) pendingText += chunk.text;
      },
    });
  try {
    await rewriter.transform(new Response(src, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
    flush();
    return layout.result();
  } catch {
    // lol-html refuses a single token bigger than its buffer (a hostile unterminated tag): the words outside tags still count.
    const fallback = new TextLayout();
    fallback.text(src.replace(/<[^>]*(?:>|$)/g, " "));
    return fallback.result();
  }
}

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/** Latin-1 entity names for U+00A0..U+00FF, in code point order. */
const LATIN1_ENTITIES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest " +
  "Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig " +
  "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map<string, string>([
  ...LATIN1_ENTITIES.split(" ").map((name, index): [string, string] => [name, String.fromCharCode(0xa0 + index)]),
  ["amp", "&"], ["lt", "<"], ["gt", ">"], ["quot", '"'], ["apos", "'"],
  ["ndash", "\u2013"], ["mdash", "\u2014"], ["lsquo", "\u2018"], ["rsquo", "\u2019"], ["sbquo", "\u201a"],
  ["ldquo", "\u201c"], ["rdquo", "\u201d"], ["bdquo", "\u201e"], ["hellip", "\u2026"], ["bull", "\u2022"],
  ["euro", "\u20ac"], ["trade", "\u2122"], ["dagger", "\u2020"], ["Dagger", "\u2021"], ["permil", "\u2030"],
  ["lsaquo", "\u2039"], ["rsaquo", "\u203a"], ["prime", "\u2032"], ["Prime", "\u2033"], ["oline", "\u203e"],
  ["ensp", "\u2002"], ["emsp", "\u2003"], ["thinsp", "\u2009"], ["zwnj", "\u200c"], ["zwj", "\u200d"],
  ["lrm", "\u200e"], ["rlm", "\u200f"], ["OElig", "\u0152"], ["oelig", "\u0153"], ["Scaron", "\u0160"],
  ["scaron", "\u0161"], ["Yuml", "\u0178"], ["fnof", "\u0192"], ["circ", "\u02c6"], ["tilde", "\u02dc"],
  ["larr", "\u2190"], ["uarr", "\u2191"], ["rarr", "\u2192"], ["darr", "\u2193"], ["harr", "\u2194"],
  ["minus", "\u2212"], ["le", "\u2264"], ["ge", "\u2265"], ["ne", "\u2260"], ["infin", "\u221e"],
  ["hearts", "\u2665"], ["check", "\u2713"], ["colon", ":"], ["Tab", "\t"], ["NewLine", "\n"],
]);

/** Decodes numeric and common named character references; unknown names stay as written. */
export function decodeHtmlEntities(value: string): string {
  if (!value.includes("&")) return value;
  return value.replace(/&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/g, (whole, dec, hex, name) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number.parseInt(dec as string, 10) : Number.parseInt(hex as string, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES.get(name as string) ?? (whole as string);
  });
}

// ---------------------------------------------------------------------------------------------

function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

