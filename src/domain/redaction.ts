/**
 * Privacy (API.md "More channels and data"): what a redaction or an erasure leaves in place of the
 * text it removes. Pure: the services apply these to every stored copy (the comment, its mail rows,
 * the mail itself in storage, the outbound copy), so every copy ends the same.
 */

/** What stands where a redacted passage was (Zendesk shows a block; a word says what happened). */
export const REDACTED = "[redacted]";
/** What an erased person's words become. */
export const ERASED_TEXT = "[erased]";
export const ERASED_NAME = "Erased user";
/** An address that can never receive mail (RFC 2606 `.invalid`) and stays unique per account. */
export const erasedEmail = (userId: string) => `erased-${userId.toLowerCase()}@erased.invalid`;

/** Names shorter than this are not replaced inside other texts: "Al" would rewrite every "Also". */
export const MIN_REPLACED_NAME_CHARS = 3;

/** A text of stored JSON replaced by another (as SQL `replace()` on the stored document does). */
export interface Replacement {
  from: string;
  to: string;
}

/** Whether `email` is the address an erasure gave the account `userId`. */
export const isErased = (userId: string, email: string) => email === erasedEmail(userId);

/**
 * What an erasure replaces in the copies it rewrites as text (stored webhook events, notifications):
 * the person's own texts (their comments; the description of a ticket they asked) by ERASED_TEXT,
 * then their address and, long enough, their name by the erased ones. In this order.
 */
export function erasureReplacements(who: { id: string; name: string; email: string }, theirTexts: readonly string[]): Replacement[] {
  return [
    ...theirTexts.map((from) => ({ from, to: ERASED_TEXT })),
    { from: who.email, to: erasedEmail(who.id) },
    ...(who.name.length >= MIN_REPLACED_NAME_CHARS ? [{ from: who.name, to: ERASED_NAME }] : []),
  ];
}

/** Every string inside a JSON value with each replacement applied in turn (an empty or unchanged one is skipped). */
export function replacedJson<T>(value: T, replacements: readonly Replacement[]): T {
  if (typeof value === "string") return replacements.reduce((text, r) => (r.from && r.from !== r.to ? text.split(r.from).join(r.to) : text), value as string) as T;
  if (Array.isArray(value)) return value.map((v) => replacedJson(v, replacements)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacedJson(v, replacements)])) as T;
  return value;
}

/** Every occurrence of `passage` in `text` replaced (exact, case-sensitive: the agent marks what to remove). */
export function redactPassage(text: string, passage: string): { text: string; count: number } {
  if (!passage) return { text, count: 0 };
  const parts = text.split(passage);
  return { text: parts.join(REDACTED), count: parts.length - 1 };
}

/** Like {@link redactPassage} for an optional value; null stays null. */
export const redactMaybe = (text: string | null, passage: string): string | null => (text === null ? null : redactPassage(text, passage).text);

/** Every string inside a JSON value with the passage redacted (a mail's template variables). */
export function redactJson<T>(value: T, passage: string): T {
  if (typeof value === "string") return redactPassage(value, passage).text as T;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, passage)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v, passage)])) as T;
  return value;
}

/** One header line, folded nowhere and with no line breaks a value could smuggle in. */
const headerValue = (v: string) => v.replace(/[\r\n]+/g, " ");

/**
 * The copy of a mail kept after a redaction: the original cannot be edited in place (its text may
 * be base64 or quoted-printable, its HTML and attachments duplicate it), so it is replaced by a
 * plain-text message built from the already-redacted stored parts: who, when, subject, ids, text.
 */
export function redactedMailCopy(m: { from: string; to: string; subject: string | null; date: string; messageId: string | null; inReplyTo?: string | null; text: string; redactedAt: string }): string {
  const headers = [
    `From: ${headerValue(m.from)}`,
    `To: ${headerValue(m.to)}`,
    `Subject: ${headerValue(m.subject ?? "")}`,
    `Date: ${new Date(m.date).toUTCString()}`,
    ...(m.messageId ? [`Message-ID: <${headerValue(m.messageId).replace(/^<|>$/g, "")}>`] : []),
    ...(m.inReplyTo ? [`In-Reply-To: <${headerValue(m.inReplyTo).replace(/^<|>$/g, "")}>`] : []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    `X-Edgedesk-Redacted: ${m.redactedAt}`,
  ];
  return `${headers.join("\r\n")}\r\n\r\n${m.text.replace(/\r?\n/g, "\r\n")}\r\n`;
}
