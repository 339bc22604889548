/**
 * RFC 5322 / MIME composition for outbound mail.
 *
 * Written here rather than taken from mimetext (the library Cloudflare's docs use), after reading
 * mimetext 3.0.28: its default entry imports node:os for the line ending (LF on Linux, where
 * RFC 5322 needs CRLF), it writes display names into From/To verbatim inside quotes (CR/LF or a
 * quote in a requester's name would inject headers, and non-ASCII names go out as raw 8-bit), it
 * does not fold long encoded subjects, and it pulls core-js in. This module is small, has no
 * dependencies and no Node APIs, and every header value passes through an encoder, so no input
 * can end a header line: names and subjects are RFC 2047 encoded-words, ids and addresses are
 * validated against their grammar or dropped.
 */

const CRLF = "\r\n";
/** RFC 2047: an encoded-word is at most 75 characters. */
const MAX_ENCODED_WORD = 75;
/** RFC 5322 recommends lines of at most 78 characters; base64 bodies use 76 (RFC 2045). */
const BASE64_LINE = 76;
/** Ids in References: the thread root and the newest ones are enough for every client's threading. */
export const MAX_REFERENCES_SENT = 20;

const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/;
const MESSAGE_ID = /^[\x21-\x7e]{1,900}$/;

export interface Mailbox {
  address: string;
  name?: string;
}

export interface OutgoingMessage {
  from: Mailbox;
  to: Mailbox;
  replyTo?: string;
  subject: string;
  /** Without angle brackets. */
  messageId: string;
  inReplyTo?: string | null;
  references?: string[];
  /** RFC 3834 `Auto-Submitted: auto-replied`: acknowledgements and notices, never a human's reply. */
  automatic: boolean;
  date: Date;
  text: string;
  html?: string;
}

const utf8 = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Control characters (CR and LF above all) never reach a header: they become spaces. */
const flatten = (value: string) => value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim();

/** RFC 2047 B encoded-words, split on character boundaries so each stays within 75 characters. */
function encodedWords(value: string): string[] {
  const prefix = "=?UTF-8?B?";
  const budget = Math.floor((MAX_ENCODED_WORD - prefix.length - 2) / 4) * 3; // raw bytes per word
  const words: string[] = [];
  let chunk = "";
  for (const ch of value) {
    if (utf8.encode(chunk + ch).length > budget) {
      words.push(`${prefix}${base64(utf8.encode(chunk))}?=`);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(`${prefix}${base64(utf8.encode(chunk))}?=`);
  return words;
}

/** Unstructured header text (Subject): plain when it is short printable ASCII, encoded-words otherwise. */
export function encodeUnstructured(value: string): string {
  const flat = flatten(value);
  if (/^[\x20-\x7e]*$/.test(flat) && !/=\?/.test(flat) && flat.length <= 900) return flat;
  return encodedWords(flat).join(`${CRLF} `);
}

/** `name <address>`: the name as an atom list if it is plain, else encoded-words; the address validated. */
export function encodeMailbox(box: Mailbox): string {
  const address = box.address.trim();
  if (!ADDRESS.test(address)) throw new Error(`not a mail address: ${JSON.stringify(address.slice(0, 100))}`);
  const name = flatten(box.name ?? "");
  if (!name) return `<${address}>`;
  const display = /^[A-Za-z0-9 !#$%&'*+/=?^_`{|}~.-]+$/.test(name) && !/=\?/.test(name) ? `"${name}"` : encodedWords(name).join(" ");
  return `${display} <${address}>`;
}

const validId = (id: string | null | undefined): id is string => !!id && MESSAGE_ID.test(id) && id.includes("@") && !/[<>]/.test(id);

export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

function bodyPart(contentType: string, content: string): string {
  const encoded = base64(utf8.encode(content)).replace(new RegExp(`(.{${BASE64_LINE}})`, "g"), `$1${CRLF}`);
  return [`Content-Type: ${contentType}; charset=utf-8`, "Content-Transfer-Encoding: base64", "", encoded.replace(/\r\n$/, "")].join(CRLF);
}

export function buildMime(m: OutgoingMessage): string {
  if (!validId(m.messageId)) throw new Error("invalid Message-ID");
  const references = (m.references ?? []).filter(validId);
  const kept = references.length > MAX_REFERENCES_SENT ? [references[0]!, ...references.slice(-(MAX_REFERENCES_SENT - 1))] : references;
  const headers: string[] = [
    `From: ${encodeMailbox(m.from)}`,
    `To: ${encodeMailbox(m.to)}`,
    ...(m.replyTo ? [`Reply-To: ${encodeMailbox({ address: m.replyTo })}`] : []),
    `Subject: ${encodeUnstructured(m.subject)}`,
    `Date: ${rfc5322Date(m.date)}`,
    `Message-ID: <${m.messageId}>`,
    ...(validId(m.inReplyTo) ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(kept.length ? [`References: ${kept.map((id) => `<${id}>`).join(`${CRLF} `)}`] : []),
    ...(m.automatic ? ["Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"] : []),
    "MIME-Version: 1.0",
  ];
  const text = m.text.replace(/\r?\n/g, CRLF);
  if (!m.html) return [...headers, bodyPart("text/plain", text)].join(CRLF) + CRLF;
  const boundary = `=_edgedesk_${crypto.randomUUID().replaceAll("-", "")}`;
  return (
    [
      ...headers,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      bodyPart("text/plain", text),
      `--${boundary}`,
      bodyPart("text/html", m.html.replace(/\r?\n/g, CRLF)),
      `--${boundary}--`,
    ].join(CRLF) + CRLF
  );
}
