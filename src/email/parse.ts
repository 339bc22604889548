/**
 * Inbound mail parsing: raw RFC 5322 bytes in, a normalised {@link InboundMail} out.
 *
 * The only module that touches postal-mime (pinned to 4.x: 3.0 changed header folding and
 * made duplicated single-value headers first-wins; the fixtures under test/fixtures/email pin
 * that behaviour). No database, no I/O, no clock. Everything in a mail is a claim by its
 * sender, so every size below is bounded, and nothing here routes or authorises: that is the
 * ingest layer's job, on top of this result.
 */
import PostalMime from "postal-mime";
import type { Address, Attachment, Email } from "postal-mime";
import { AUTO_REPLY_HEADERS, detectAutoReply, isNullPath, type AutoDetection } from "./auto-reply";
import { charsetParam, decodeLegacyHeaderLines, needsCharsetGuess } from "./header-charset";
import { decodeFormatFlowed, decodeHtmlEntities, htmlToText, splitReply } from "./quote";

// ---------------------------------------------------------------------------------------------
// Limits. Each one stops a specific way of making one small mail cost a lot.
// ---------------------------------------------------------------------------------------------

/** Raw message size. Cloudflare Email Routing refuses more than 25 MiB; anything bigger reaching us is not from it (memory exhaustion). */
export const MAX_RAW_BYTES = 25 * 1024 * 1024;
/** MIME nesting depth handed to postal-mime (default 256): stops recursion/stack bombs of nested multiparts. */
export const MAX_MIME_DEPTH = 32;
/** Inline message/rfc822 nesting (default 10): each level is a full nested parse, so a forward-of-a-forward bomb multiplies work. */
export const MAX_RFC822_DEPTH = 3;
/** Header bytes across every part (default 2 MiB): stops header-bloat CPU and memory use. Real root headers are 5-40 KiB. */
export const MAX_TOTAL_HEADER_BYTES = 1024 * 1024;
/** Top-level header fields: no real mail has a thousand; more is an attempt to bury or smuggle a header, so the mail is refused. */
export const MAX_HEADER_COUNT = 1_000;
/** Values kept per header name (the first ones: the receiving MTA prepends): stops a header repeated 10 000 times from being copied into our result. */
export const MAX_VALUES_PER_HEADER = 20;
/** Characters kept of a header value we keep: stops megabyte header values flowing into logs and regexes. */
export const MAX_HEADER_VALUE_CHARS = 2_000;
/** Attachments kept: stops one mail of thousands of tiny parts turning into thousands of stored objects and rows. */
export const MAX_ATTACHMENTS = 100;
/** Addresses kept per To/Cc/Reply-To list: stops one mail Cc'ing 10 000 addresses making them all ticket participants. */
export const MAX_ADDRESSES = 100;
/** An address longer than RFC 5321 allows (64 + 1 + 255) is not a mailbox; dropped rather than stored. */
export const MAX_ADDRESS_CHARS = 320;
/** Display-name characters kept: stops an encoded-word name of a megabyte ending up in every ticket view. */
export const MAX_NAME_CHARS = 256;
/** Subject characters kept: stops a huge folded subject from bloating ticket titles and notification mail. */
export const MAX_SUBJECT_CHARS = 1_000;
/** Message-IDs kept from References (the root and the newest ones): stops a References header of thousands of ids becoming thousands of lookups. */
export const MAX_REFERENCES = 50;
/** A Message-ID longer than a header line may be (RFC 5322: 998) is not one; ignored. */
export const MAX_MESSAGE_ID_CHARS = 998;
/** Characters of decoded text kept (fullText): stops a 20 MB text body filling a comment row, and bounds quote stripping. */
export const MAX_TEXT_CHARS = 200_000;
/** Characters of HTML sanitised and kept: stops a multi-megabyte HTML body costing rewrite time and storage. */
export const MAX_HTML_CHARS = 1_000_000;
/** Characters of an attachment file name kept: stops path-length tricks and oversize names in Content-Disposition. */
export const MAX_FILENAME_CHARS = 255;

/** Top-level headers kept in {@link InboundMail.headers}: what auto-detection and sender checks read. */
export const KEPT_HEADERS: readonly string[] = [
  ...AUTO_REPLY_HEADERS,
  "authentication-results",
  "arc-authentication-results",
  "list-id",
  "list-unsubscribe",
  "x-loop",
];

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface MailAddress {
  /** Lower-cased. */
  address: string;
  /** Decoded display name, "" when none. */
  name: string;
}

export interface InboundAttachment {
  /** Decoded, path components and control/bidi characters removed; null when the part names none. */
  filename: string | null;
  /** Lower-cased media type, `application/octet-stream` when the declared one is not a valid type. */
  contentType: string;
  size: number;
  content: Uint8Array;
  /** Content-ID without angle brackets (what `cid:` URLs in the HTML name), or null. */
  contentId: string | null;
  /** Content-Disposition; an unknown token counts as `attachment` (RFC 2183 section 2.8). */
  disposition: "attachment" | "inline" | null;
  /** Shown inside the body (Content-Disposition inline, or referenced from the HTML by Content-ID). */
  inline: boolean;
}

export interface InboundMail {
  /** Message-ID without angle brackets, trimmed, case kept; null when missing or unusable. */
  messageId: string | null;
  /** The first id of In-Reply-To, without angle brackets. */
  inReplyTo: string | null;
  /** References ids without angle brackets, oldest first, de-duplicated, at most MAX_REFERENCES. */
  references: string[];
  /** Decoded subject, null when none. CR, LF and other control characters are kept as data: never put it into a header unencoded. */
  subject: string | null;
  /** The first mailbox of From: the requester. Never use Reply-To for that. */
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** ISO 8601, null when missing or unparseable. */
  date: string | null;
  /** What the sender wrote: quoted history removed (kept whole for forwards); HTML-only mail converted to text. */
  text: string;
  /** The whole decoded text before stripping (line endings normalised to \n). */
  fullText: string;
  /** Sanitised HTML (no script/style/iframe/object/embed, no on* attributes, no javascript: URLs), or null. */
  html: string | null;
  attachments: InboundAttachment[];
  /** The {@link KEPT_HEADERS} of the top-level header block: lower-cased name -> values in document order. */
  headers: Record<string, string[]>;
  /** True when the Return-Path header or the envelope sender is the null path `<>` (bounces, responders). */
  returnPathEmpty: boolean;
  /** The subject marks a forward (Fwd:, FW:, WG:, ...) or the text starts with a forward marker. */
  isForward: boolean;
  auto: AutoDetection;
  /** Which parts were cut to the limits above. */
  truncated: { text: boolean; html: boolean; attachments: boolean; addresses: boolean };
}

export interface ParseOptions {
  /** SMTP MAIL FROM (`message.from` in the email handler); "" or "<>" is the null sender. */
  envelopeFrom?: string | null;
}

export type InboundMailErrorCode =
  /** Bigger than MAX_RAW_BYTES. */
  | "too_large"
  /** More than MAX_HEADER_COUNT top-level headers. */
  | "too_many_headers"
  /** postal-mime's nesting-depth or header-size limit was hit. */
  | "limits_exceeded"
  /** postal-mime failed in some other way. */
  | "unparseable";

/** The only error {@link parseInbound} throws. */
export class InboundMailError extends Error {
  override readonly name = "InboundMailError";
  constructor(
    readonly code: InboundMailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ParseResult = { ok: true; mail: InboundMail } | { ok: false; reason: InboundMailErrorCode; message: string };

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Parses a raw message. Malformed MIME yields a best-effort result; only the limits above (and a postal-mime failure) throw, always an {@link InboundMailError}. */
export async function parseInbound(raw: ArrayBuffer | Uint8Array | string, options: ParseOptions = {}): Promise<InboundMail> {
  const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  if (bytes.byteLength > MAX_RAW_BYTES) {
    throw new InboundMailError("too_large", `message is ${bytes.byteLength} bytes, more than ${MAX_RAW_BYTES}`);
  }

  const parser = new PostalMime({
    maxNestingDepth: MAX_MIME_DEPTH,
    maxHeadersSize: MAX_TOTAL_HEADER_BYTES,
    maxRfc822NestingDepth: MAX_RFC822_DEPTH,
    attachmentEncoding: "arraybuffer",
  });
  installFlowedDecoder(parser);
  installLegacyHeaderDecoder(parser);
  let email: Email;
  try {
    email = await parser.parse(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = /^Maximum (?:MIME nesting depth|header size)/.test(message) ? "limits_exceeded" : "unparseable";
    throw new InboundMailError(code, message, { cause: error });
  }
  if (email.headers.length > MAX_HEADER_COUNT) {
    throw new InboundMailError("too_many_headers", `message has ${email.headers.length} header fields, more than ${MAX_HEADER_COUNT}`);
  }

  const headers = keptHeaders(email);
  const subject = email.subject ? clip(email.subject, MAX_SUBJECT_CHARS) : null;
  const from = firstMailbox(email.from);
  const replyTo = mailboxes(email.replyTo);
  const to = mailboxes(email.to);
  const cc = mailboxes(email.cc);

  const htmlSource = email.html ?? null;
  const htmlTruncated = htmlSource !== null && htmlSource.length > MAX_HTML_CHARS;
  // HTML the tokenizer refuses (one tag of megabytes) is dropped, not kept unsanitised; the text below still has the words.
  const html = htmlSource === null ? null : await sanitizeHtml(clip(htmlSource, MAX_HTML_CHARS)).catch(() => null);

  // Twice the cap: CRLF → LF below can halve the length, and truncation must still be detected.
  let full = email.text ? clip(email.text, 2 * MAX_TEXT_CHARS + 2) : htmlSource ? await htmlToText(clip(htmlSource, MAX_HTML_CHARS)) : "";
  full = full.replace(/\r\n?/g, "\n").replace(/\0/g, "\ufffd");
  const textTruncated = full.length > MAX_TEXT_CHARS;
  full = clip(full, MAX_TEXT_CHARS);

  const split = splitReply(full);
  const forwardSubject = subject !== null && FORWARD_SUBJECT.test(subject);
  const isForward = forwardSubject || split.forward;

  const envelopeNull = options.envelopeFrom !== undefined && options.envelopeFrom !== null && isNullPath(options.envelopeFrom);
  const returnPathEmpty = (headers["return-path"] ?? []).some(isNullPath) || envelopeNull;

  const attachments = email.attachments.slice(0, MAX_ATTACHMENTS).map(toAttachment);

  return {
    messageId: messageIds(firstHeader(email, "message-id"))[0] ?? null,
    inReplyTo: messageIds(firstHeader(email, "in-reply-to"))[0] ?? null,
    references: limitReferences(messageIds(firstHeader(email, "references"))),
    subject,
    from,
    replyTo: replyTo.list,
    to: to.list,
    cc: cc.list,
    date: isoDate(email.date),
    text: forwardSubject ? full.trim() : split.visible,
    fullText: full,
    html,
    attachments,
    headers,
    returnPathEmpty,
    isForward,
    auto: detectAutoReply({ headers, fromAddress: from?.address ?? null, subject, envelopeFrom: options.envelopeFrom }),
    truncated: {
      text: textTruncated,
      html: htmlTruncated,
      attachments: email.attachments.length > MAX_ATTACHMENTS,
      addresses: replyTo.truncated || to.truncated || cc.truncated,
    },
  };
}

/** {@link parseInbound} as a Result, for callers that branch on the failure reason instead of catching. */
export async function tryParseInbound(raw: ArrayBuffer | Uint8Array | string, options: ParseOptions = {}): Promise<ParseResult> {
  try {
    return { ok: true, mail: await parseInbound(raw, options) };
  } catch (error) {
    if (error instanceof InboundMailError) return { ok: false, reason: error.code, message: error.message };
    return { ok: false, reason: "unparseable", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Subject prefixes of a forward, in the languages mail clients write them. */
const FORWARD_SUBJECT = /^\s*(?:fwd?|fw|wg|tr|rv|enc|doorst)\s*:/i;

function keptHeaders(email: Email): Record<string, string[]> {
  const kept: Record<string, string[]> = {};
  const wanted = new Set(KEPT_HEADERS);
  for (const header of email.headers) {
    if (!wanted.has(header.key)) continue;
    const list = (kept[header.key] ??= []);
    if (list.length < MAX_VALUES_PER_HEADER) list.push(clip(header.value.trim(), MAX_HEADER_VALUE_CHARS));
  }
  return kept;
}

function firstHeader(email: Email, key: string): string {
  return email.headers.find((h) => h.key === key)?.value ?? "";
}

/** Ids in a Message-ID / In-Reply-To / References value: `<...>` tokens, or bare `x@y` tokens from clients that omit the brackets. */
function messageIds(value: string): string[] {
  const ids: string[] = [];
  const source = clip(value, MAX_MESSAGE_ID_CHARS * MAX_REFERENCES * 4);
  for (const match of source.matchAll(/<([^<>\s]+)>/g)) {
    const id = match[1];
    if (id && id.length <= MAX_MESSAGE_ID_CHARS) ids.push(id);
  }
  if (ids.length === 0) {
    for (const token of source.split(/\s+/)) {
      if (token.length <= MAX_MESSAGE_ID_CHARS && /^[^<>()"\s]+@[^<>()"\s]+$/.test(token)) ids.push(token);
    }
  }
  return ids.filter((id) => !/[\u0000-\u001f\u007f]/.test(id));
}

/** De-duplicates and keeps the thread root plus the newest ids when there are too many. */
function limitReferences(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  if (unique.length <= MAX_REFERENCES) return unique;
  return [unique[0] as string, ...unique.slice(unique.length - (MAX_REFERENCES - 1))];
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

function firstMailbox(address: Address | undefined): MailAddress | null {
  if (!address) return null;
  return mailboxes([address]).list[0] ?? null;
}

function mailboxes(list: Address[] | undefined): { list: MailAddress[]; truncated: boolean } {
  const out: MailAddress[] = [];
  let truncated = false;
  for (const entry of list ?? []) {
    for (const box of entry.group ?? [entry]) {
      const address = (box.address ?? "").trim().toLowerCase();
      if (address.length > MAX_ADDRESS_CHARS || !/^[^\s<>]+@[^\s<>@]+$/.test(address)) continue;
      if (out.length >= MAX_ADDRESSES) {
        truncated = true;
        return { list: out, truncated };
      }
      out.push({ address, name: clip((box.name ?? "").trim(), MAX_NAME_CHARS) });
    }
  }
  return { list: out, truncated };
}

function toAttachment(attachment: Attachment): InboundAttachment {
  const content =
    typeof attachment.content === "string"
      ? new TextEncoder().encode(attachment.content)
      : attachment.content instanceof Uint8Array
        ? attachment.content
        : new Uint8Array(attachment.content);
  const mime = attachment.mimeType.toLowerCase();
  const disposition = !attachment.disposition ? null : attachment.disposition.toLowerCase() === "inline" ? "inline" : "attachment";
  const contentId = attachment.contentId?.trim().replace(/^<|>$/g, "").trim() || null;
  return {
    filename: safeFilename(attachment.filename),
    contentType: /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mime) && mime.length <= 255 ? mime : "application/octet-stream",
    size: content.byteLength,
    content,
    contentId,
    disposition,
    inline: disposition === "inline" || attachment.related === true,
  };
}

/** The last path segment, without control or bidi-override characters ("invoice\u202Efdp.exe"), at most MAX_FILENAME_CHARS. */
function safeFilename(name: string | null): string | null {
  if (!name) return null;
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "").trim();
  if (clean === "" || clean === "." || clean === "..") return null;
  return clip(clean, MAX_FILENAME_CHARS);
}

/** Cuts at `max` characters without splitting a surrogate pair. */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

// ---------------------------------------------------------------------------------------------
// format=flowed decoding
// ---------------------------------------------------------------------------------------------

/**
 * postal-mime unfolds format=flowed text without looking at quote depth, so Thunderbird's
 * "> Hi " followed by a bottom reply "Hello" becomes "> Hi Hello", and the reply vanishes into
 * the quote (RFC 3676 section 4.5 forbids joining lines of different depth). Its MimeNode decodes
 * flowed text in one method, `decodeFlowedText(str, delSp)`, called once per flowed part while
 * it assembles the body; that method is replaced (once, for this isolate) by
 * {@link decodeFormatFlowed}, which is linear and depth-aware. Each part is cut to
 * MAX_TEXT_CHARS before decoding: the body is cut to that anyway, so nothing visible is lost.
 *
 * Earlier this re-decoded every flowed part and searched-and-replaced it in the whole body: one
 * pass over the body per part, quadratic (2,000 parts of 1.2 KB took 4 s). Now each part is
 * decoded once, where postal-mime reads it.
 *
 * It relies on a postal-mime internal, which is why the major version is pinned; the check below
 * and the Thunderbird fixture test fail loudly if the shape changes.
 */
let flowedDecoderInstalled = false;
function installFlowedDecoder(parser: PostalMime): void {
  if (flowedDecoderInstalled) return;
  const proto = Object.getPrototypeOf((parser as unknown as { root?: object }).root ?? {}) as { decodeFlowedText?: unknown } | null;
  if (!proto || typeof proto.decodeFlowedText !== "function") throw new Error("postal-mime changed: MimeNode.decodeFlowedText is gone (src/email/parse.ts)");
  proto.decodeFlowedText = (str: string, delSp: boolean) => decodeFormatFlowed(clip(str, MAX_TEXT_CHARS), delSp);
  flowedDecoderInstalled = true;
}

// ---------------------------------------------------------------------------------------------
// 8-bit header bytes
// ---------------------------------------------------------------------------------------------

interface HeaderNode {
  state: string;
  headerLines: string[];
  feed(line: Uint8Array): void;
  processHeaders(): void;
  /** Raw bytes of this node's header lines that are not valid UTF-8, by index into headerLines. */
  legacyHeaderLines?: Map<number, Uint8Array>;
}

/**
 * postal-mime reads header lines as UTF-8, so a Latin-1 or KOI8-R byte becomes U+FFFD before
 * anything can look at it. Its MimeNode takes header lines one at a time in `feed` and reads them
 * once in `processHeaders`: the first is wrapped to keep the raw bytes of every line that is not
 * valid UTF-8, the second to decode those lines (header-charset.ts) just before postal-mime reads
 * them, with the part's declared charset as the hint. Valid UTF-8 lines, the overwhelming
 * majority, cost one byte scan. Same pinning caveat as the flowed decoder below.
 */
let legacyHeaderDecoderInstalled = false;
function installLegacyHeaderDecoder(parser: PostalMime): void {
  if (legacyHeaderDecoderInstalled) return;
  const proto = Object.getPrototypeOf((parser as unknown as { root?: object }).root ?? {}) as HeaderNode | null;
  if (!proto || typeof proto.feed !== "function" || typeof proto.processHeaders !== "function") {
    throw new Error("postal-mime changed: MimeNode.feed/processHeaders are gone (src/email/parse.ts)");
  }
  const feed = proto.feed;
  const processHeaders = proto.processHeaders;
  proto.feed = function (this: HeaderNode, line: Uint8Array) {
    const header = this.state === "header" && line.length > 0;
    feed.call(this, line);
    if (header && needsCharsetGuess(line)) (this.legacyHeaderLines ??= new Map()).set(this.headerLines.length - 1, line);
  };
  proto.processHeaders = function (this: HeaderNode) {
    const legacy = this.legacyHeaderLines;
    if (legacy) {
      const contentType = this.headerLines.findIndex((l) => /^content-type[ \t]*:/i.test(l));
      // The Content-Type value with its folded continuation lines (its charset may sit on one of them).
      let declared = contentType < 0 ? "" : this.headerLines[contentType]!;
      for (let i = contentType + 1; contentType >= 0 && /^[ \t]/.test(this.headerLines[i] ?? ""); i++) declared += this.headerLines[i];
      const decoded = decodeLegacyHeaderLines([...legacy.values()], charsetParam(declared));
      [...legacy.keys()].forEach((index, i) => (this.headerLines[index] = decoded[i]!));
      this.legacyHeaderLines = undefined;
    }
    processHeaders.call(this);
    // The body's lines (millions in a big mail) go straight to postal-mime's own feed.
    this.feed = feed;
  };
  legacyHeaderDecoderInstalled = true;
}

// ---------------------------------------------------------------------------------------------
// HTML sanitising
// ---------------------------------------------------------------------------------------------

/** Removed with their content: active content, things that load or restyle other documents, forms. */
const REMOVED_ELEMENTS = [
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link", "meta",
  "noscript", "template", "svg", "math", "form", "input", "button", "select", "textarea", "portal",
] as const;

/** Attributes whose value is fetched or navigated to. */
const URL_ATTRIBUTES = new Set([
  "href", "src", "action", "background", "poster", "cite", "longdesc", "lowsrc", "dynsrc", "data",
  "codebase", "xlink:href", "ping", "manifest", "usemap", "srcset", "formaction",
]);

/** Attributes that carry a whole document or override a form target. */
const DROPPED_ATTRIBUTES = new Set(["srcdoc", "formaction", "http-equiv"]);

const SAFE_SCHEMES = new Set(["http", "https", "mailto", "tel", "cid"]);
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|bmp);/;
const SCRIPT_SCHEME = /(?:java|vb|live)script:/;
/** CSS that runs code (old IE expression/behaviour, Mozilla XBL) or pulls more CSS; backslashes are escapes that could spell any of these. */
const DANGEROUS_CSS = /expression\s*\(|(?:java|vb)script\s*:|behaviou?r\s*:|-moz-binding|@import|\\/i;

/**
 * Sanitises mail HTML with the runtime's HTMLRewriter (lol-html, a real HTML tokenizer rather
 * than regexes): {@link REMOVED_ELEMENTS} go with their content, comments go (conditional
 * comments hide markup), every `on*` handler goes, URL attributes keep only http(s), mailto, tel
 * and cid (plus data:image on <img src>), style attributes that can run code go.
 * The agent UI must still render the result in a sandboxed frame: this is defence in depth.
 */
export async function sanitizeHtml(html: string): Promise<string> {
  let rewriter = new HTMLRewriter();
  for (const name of REMOVED_ELEMENTS) {
    rewriter = rewriter.on(name, { element: (el) => void el.remove() });
  }
  rewriter = rewriter
    .on("*", { element: (el) => sanitizeAttributes(el) })
    .onDocument({ comments: (comment) => void comment.remove() });
  const response = rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }));
  return response.text();
}

function sanitizeAttributes(el: Element): void {
  const tag = el.tagName.toLowerCase();
  const names = [...el.attributes].map((pair) => pair[0]).filter((name): name is string => typeof name === "string");
  for (const name of names) {
    const key = name.toLowerCase();
    const value = el.getAttribute(name) ?? "";
    const url = normaliseUrl(value);
    const unsafe =
      key.startsWith("on") ||
      DROPPED_ATTRIBUTES.has(key) ||
      SCRIPT_SCHEME.test(url) ||
      (key === "style" && DANGEROUS_CSS.test(decodeHtmlEntities(value))) ||
      (key === "srcset" && value.split(",").some((candidate) => !isSafeUrl(normaliseUrl(candidate.trim().split(/\s+/)[0] ?? ""), tag, "src"))) ||
      (URL_ATTRIBUTES.has(key) && key !== "srcset" && !isSafeUrl(url, tag, key));
    if (unsafe) el.removeAttribute(name);
  }
}

/** What a browser would see as the URL: entities decoded, whitespace and control characters (ignored inside a scheme) removed, lower-cased. */
function normaliseUrl(value: string): string {
  return decodeHtmlEntities(value).replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
}

function isSafeUrl(url: string, tag: string, attribute: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
  if (scheme === undefined) return true; // relative, fragment or protocol-relative
  if (SAFE_SCHEMES.has(scheme)) return true;
  return scheme === "data" && tag === "img" && attribute === "src" && SAFE_DATA_IMAGE.test(url);
}
