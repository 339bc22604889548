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

/** Elements whose content is never text. */
const SKIPPED_ELEMENTS = new Set(["script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"]);
/** Elements that start and end a paragraph (blank line around them). */
const PARAGRAPH_ELEMENTS = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul", "ol", "dl", "blockquote", "figure"]);
/** Elements that start and end a line. */
const LINE_ELEMENTS = new Set([
  "div", "li", "tr", "dt", "dd", "address", "article", "aside", "section", "header", "footer", "nav", "main",
  "center", "form", "fieldset", "figcaption", "caption", "hr", "body", "html", "tbody", "thead", "tfoot", "details", "summary",
]);

interface Line {
  depth: number;
  text: string;
}

/**
 * Readable text from HTML: block elements become line breaks, `<br>` a newline, list items
 * "- " or "1. ", blockquotes "> " lines (so {@link stripQuotedReply} treats them as history),
 * table cells are separated by a space, entities are decoded, script/style/head are dropped.
 * A hand-written scanner rather than regexes over the whole document: linear in the input,
 * and an unterminated tag simply ends the document, as it does in a browser.
 */
export function htmlToText(html: string): string {
  const src = html.length > MAX_HTML_TO_TEXT_CHARS ? html.slice(0, MAX_HTML_TO_TEXT_CHARS) : html;
  const lower = src.toLowerCase();
  const lines: Line[] = [];
  let cur: string | null = null;
  let curDepth = 0;
  let depth = 0;
  let pending = 0;
  let pre = 0;
  const lists: { ordered: boolean; n: number }[] = [];
  let cellIndex = 0;

  const endLine = (): void => {
    if (cur !== null) {
      lines.push({ depth: curDepth, text: cur });
      cur = null;
    }
  };
  const block = (breaks: number): void => {
    endLine();
    pending = Math.max(pending, breaks);
  };
  const write = (s: string, keepIndent = false): void => {
    if (s === "") return;
    if (cur === null) {
      if (pre === 0 && !keepIndent) {
        s = s.replace(/^ +/, "");
        if (s === "") return;
      }
      if (lines.length > 0) for (let k = 1; k < pending; k++) lines.push({ depth: Math.min(depth, curDepth), text: "" });
      pending = 0;
      cur = s;
      curDepth = depth;
    } else if (pre === 0 && cur.endsWith(" ") && s.startsWith(" ")) {
      cur += s.slice(1);
    } else {
      cur += s;
    }
  };
  const text = (raw: string): void => {
    const decoded = decodeHtmlEntities(raw);
    if (pre > 0) {
      const parts = decoded.replace(/\r\n?/g, "\n").split("\n");
      parts.forEach((part, index) => {
        if (index > 0) {
          if (cur === null) lines.push({ depth, text: "" });
          else endLine();
        }
        write(part);
      });
    } else {
      write(decoded.replace(/[ \t\n\r\f]+/g, " "));
    }
  };

  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    if (lt < 0) {
      text(src.slice(i));
      break;
    }
    if (lt > i) text(src.slice(i, lt));
    i = lt;

    if (lower.startsWith("<!--", i)) {
      const end = lower.indexOf("-->", i + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    const next = src.charCodeAt(i + 1);
    const closing = next === 0x2f; // "/"
    const nameStart = closing ? i + 2 : i + 1;
    if (next === 0x21 || next === 0x3f) {
      // <!DOCTYPE ...>, <![CDATA[...]]>, <?xml ...?>
      const end = src.indexOf(">", i);
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (!isAsciiLetter(src.charCodeAt(nameStart))) {
      text("<");
      i++;
      continue;
    }
    const tagEnd = findTagEnd(src, nameStart);
    if (tagEnd < 0) break; // unterminated tag: the rest of the document is inside it
    let nameEnd = nameStart;
    while (nameEnd < tagEnd && /[A-Za-z0-9:-]/.test(src.charAt(nameEnd))) nameEnd++;
    const name = lower.slice(nameStart, nameEnd);
    const attrs = src.slice(nameEnd, tagEnd);
    i = tagEnd + 1;

    if (!closing && SKIPPED_ELEMENTS.has(name) && !attrs.trimEnd().endsWith("/")) {
      const close = lower.indexOf(`</${name}`, i);
      // An unclosed <head> or <title> is common in sloppy mail HTML: read on as if it were not there.
      // Anything else left open swallows the rest of the document, as in a browser.
      if (close < 0 && (name === "head" || name === "title")) continue;
      if (close < 0) break;
      const closeEnd = src.indexOf(">", close);
      i = closeEnd < 0 ? src.length : closeEnd + 1;
      continue;
    }

    switch (name) {
      case "br":
        if (cur === null) lines.push({ depth, text: "" });
        else endLine();
        continue;
      case "blockquote":
        block(2);
        depth = closing ? Math.max(0, depth - 1) : Math.min(MAX_QUOTE_DEPTH, depth + 1);
        continue;
      case "pre":
        block(2);
        pre = closing ? Math.max(0, pre - 1) : pre + 1;
        continue;
      case "ul":
      case "ol":
        block(lists.length > 0 ? 1 : 2);
        if (closing) lists.pop();
        else lists.push({ ordered: name === "ol", n: 0 });
        continue;
      case "li": {
        block(1);
        if (closing) continue;
        const list = lists[lists.length - 1];
        const indent = "  ".repeat(Math.min(Math.max(lists.length - 1, 0), MAX_LIST_INDENT));
        if (list) list.n++;
        write(`${indent}${list?.ordered ? `${list.n}.` : "-"} `, true);
        continue;
      }
      case "tr":
        block(1);
        cellIndex = 0;
        continue;
      case "td":
      case "th":
        if (!closing && cellIndex++ > 0 && cur !== null) write(" ");
        continue;
      case "hr":
        block(1);
        write("---");
        block(1);
        continue;
      case "img": {
        const alt = /\balt\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
        const value = alt?.[1] ?? alt?.[2];
        if (value && value.trim()) text(value);
        continue;
      }
      default:
        if (PARAGRAPH_ELEMENTS.has(name)) block(2);
        else if (LINE_ELEMENTS.has(name)) block(1);
    }
  }
  endLine();

  return lines
    .map((l) => (l.depth > 0 ? `${">".repeat(l.depth)} ${l.text}` : l.text).replace(/\u00a0/g, " ").trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Index of the ">" closing a tag whose name starts at `from`, honouring quoted attribute values; -1 if none. */
function findTagEnd(src: string, from: number): number {
  let quote = 0;
  for (let j = from; j < src.length; j++) {
    const c = src.charCodeAt(j);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      // a quote only opens right after "=" (possibly with spaces): "a'b" in a bare value is not one
      let k = j - 1;
      while (k > from && (src.charCodeAt(k) === 0x20 || src.charCodeAt(k) === 0x09)) k--;
      if (src.charCodeAt(k) === 0x3d) quote = c;
    } else if (c === 0x3e) {
      return j;
    }
  }
  return -1;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
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

