/**
 * Raw 8-bit bytes in mail headers. RFC 5322 headers are ASCII (RFC 2047 encoded-words carry
 * anything else), but old clients still write Latin-1, Windows-1252 and KOI8-R bytes straight into
 * Subject, From and file names, and some put raw bytes inside encoded-words. UTF-8 headers are legal
 * (RFC 6532) and stay as they are; a header line that is not valid UTF-8 is decoded here instead of
 * turning into replacement characters:
 * - inside a `Q` encoded-word the raw bytes become `=XX`, so they decode in the word's own charset;
 * - elsewhere they decode in the charset the part declares for its text when that reads them
 *   without error and at least as plausibly as the guesses, else in the most plausible of
 *   {@link GUESSED_CHARSETS}: plausibility is judged word by word (below).
 *
 * Pure, no I/O: parse.ts hands it the raw lines of each header block.
 */

/** Charsets an unlabelled 8-bit header is tried in; on a tie the earlier one wins (Western mail is the most common). */
export const GUESSED_CHARSETS = ["windows-1252", "koi8-r", "windows-1251"] as const;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Whether the bytes hold anything beyond ASCII that is not valid UTF-8. */
export function needsCharsetGuess(bytes: Uint8Array): boolean {
  let high = false;
  for (const b of bytes) if (b >= 0x80) { high = true; break; }
  if (!high) return false;
  try {
    utf8.decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/** Bytes as Latin-1 code units: a lossless byte ↔ char view for the encoded-word scan. */
const asBinary = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
};
const fromBinary = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=/g;

/** The line split into text outside encoded-words (raw bytes) and the encoded-words themselves, their raw bytes escaped. */
function segments(line: Uint8Array): { text: Uint8Array[]; render: (decode: (raw: Uint8Array) => string) => string } {
  const binary = asBinary(line);
  const parts: ({ raw: Uint8Array } | { word: string })[] = [];
  let pos = 0;
  for (const m of binary.matchAll(ENCODED_WORD)) {
    if (m.index > pos) parts.push({ raw: fromBinary(binary.slice(pos, m.index)) });
    const [, charset, encoding, body] = m as unknown as [string, string, string, string];
    // Q: every byte may be written =XX, so the bytes reach the word's charset exactly. B: raw bytes
    // are not base64 and are dropped by the decoder either way.
    const escaped = encoding.toUpperCase() === "Q" ? body.replace(/[\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`) : body.replace(/[\x80-\xff]/g, "");
    parts.push({ word: `=?${charset}?${encoding}?${escaped}?=` });
    pos = m.index + m[0].length;
  }
  if (pos < binary.length) parts.push({ raw: fromBinary(binary.slice(pos)) });
  return {
    text: parts.flatMap((p) => ("raw" in p ? [p.raw] : [])),
    render: (decode) => parts.map((p) => ("raw" in p ? decode(p.raw) : p.word)).join(""),
  };
}

function decoderFor(charset: string, fatal: boolean): TextDecoder | null {
  try {
    return new TextDecoder(charset, { fatal, ignoreBOM: true });
  } catch {
    return null; // a label the runtime does not know
  }
}

// ------------------------------------------------------------------ plausibility

const LETTERS = /[\p{L}\p{M}]+/gu;
const LATIN = /\p{Script=Latin}/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
const ASCII_LETTER = /[A-Za-z]/;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
/**
 * What a legacy decoding makes of bytes it was not written in: C1 controls (bytes Windows-1252
 * leaves undefined), box drawing and block elements (KOI8-R's 0x80-0xBF), and KOI8-R's math signs.
 */
const UNLIKELY = /[\u0080-\u009f\u2500-\u259f\u2320\u2321\u2219\u221a\u2248\u2264\u2265\ufffd]/gu;
/**
 * A non-ASCII symbol, fraction, punctuation mark or control between two letters: "Za¿ó³æ" is
 * ISO-8859-2 read as Windows-1252 (the Catalan middle dot of "col·legi" is a real one).
 */
const SYMBOL_IN_WORD = /(?<=[\p{L}\p{M}])(?![\u0000-\u007f\u00b7])[\p{S}\p{No}\p{Po}\p{C}](?=[\p{L}\p{M}])/gu;

/**
 * How implausible a decoded header is: one point per word that no writer of a language would
 * produce, plus one per unlikely character. A word is implausible when it mixes Latin and
 * Cyrillic letters, turns from lower to upper case inside (KOI8-R read as Windows-1251 and back
 * swaps the cases), or is a Latin word of three or more letters without a single ASCII one
 * (Russian read as Latin-1 is nothing but accented letters; "Grüße", "été", "Zażółć" are fine).
 */
export function implausibility(text: string): number {
  let points = (text.match(UNLIKELY)?.length ?? 0) + (text.match(SYMBOL_IN_WORD)?.length ?? 0);
  for (const [word] of text.matchAll(LETTERS)) {
    const chars = [...word];
    const ascii = chars.some((c) => ASCII_LETTER.test(c));
    const latin = ascii || chars.some((c) => LATIN.test(c));
    const cyrillic = chars.some((c) => CYRILLIC.test(c));
    let bad = (latin && cyrillic) || (latin && !ascii && chars.length >= 3);
    for (let i = 1; !bad && i < chars.length; i++) if (LOWER.test(chars[i - 1]!) && UPPER.test(chars[i]!)) bad = true;
    if (bad) points++;
  }
  return points;
}

/**
 * Russian letter frequencies (per cent of letters in running text): KOI8-R and Windows-1251 put
 * the same letters at different bytes, and an all-capitals header is plausible in both, but
 * only one reading is made of common letters ("ЗАКАЗ ОТПРАВЛЕН", not "гюйюг нропюбкем").
 */
const RUSSIAN_FREQUENCY: Record<string, number> = {
  о: 10.97, е: 8.45, а: 8.01, и: 7.35, н: 6.7, т: 6.26, с: 5.47, р: 4.73, в: 4.54, л: 4.4, к: 3.49, м: 3.21, д: 2.98, п: 2.81, у: 2.62,
  я: 2.01, ы: 1.9, ь: 1.74, г: 1.7, з: 1.65, б: 1.59, ч: 1.44, й: 1.21, х: 0.97, ж: 0.94, ш: 0.73, ю: 0.64, ц: 0.48, щ: 0.36, э: 0.32,
  ф: 0.26, ъ: 0.04, ё: 0.04,
};

/** Mean log-frequency of the Cyrillic letters: higher is more like Russian. */
export function cyrillicCommonness(text: string): number {
  let sum = 0;
  let n = 0;
  for (const c of text.toLowerCase()) {
    if (!CYRILLIC.test(c)) continue;
    sum += Math.log(RUSSIAN_FREQUENCY[c] ?? 0.01);
    n++;
  }
  return n ? sum / n : -Infinity;
}

const CYRILLIC_CHARSETS = new Set(["koi8-r", "koi8-u", "windows-1251", "ibm866", "iso-8859-5", "x-mac-cyrillic"]);

/**
 * The charset of a header block's 8-bit text (the bytes outside encoded-words of its non-UTF-8
 * lines). `declared`: the charset the part declares for its body; it is used when it decodes the
 * bytes without error and no guess reads them more plausibly (a multi-byte charset such as
 * Shift_JIS or GBK is never second-guessed when it decodes cleanly). The least implausible
 * reading wins; on a tie the declared charset, else the earlier guess, except that between
 * Cyrillic charsets the one made of commoner letters does.
 */
export function guessHeaderCharset(text: Uint8Array[], declared: string | null): string {
  const bytes = concat(text);
  const candidates: string[] = [];
  const label = declared?.trim().toLowerCase();
  let trusted: string | null = null;
  if (label && !/^(?:utf-?8|us-ascii|ascii)$/.test(label)) {
    const strict = decoderFor(label, true);
    if (strict && decodesCleanly(strict, bytes)) {
      if (!SINGLE_BYTE.test(strict.encoding)) return strict.encoding;
      candidates.push((trusted = strict.encoding));
    }
  }
  for (const c of GUESSED_CHARSETS) if (!candidates.includes(c)) candidates.push(c);
  const readings = candidates.map((charset) => {
    const text = decoderFor(charset, false)?.decode(bytes) ?? "\ufffd";
    return { charset, text, points: implausibility(text) };
  });
  const fewest = Math.min(...readings.map((r) => r.points));
  const tied = readings.filter((r) => r.points === fewest);
  if (trusted && tied.some((r) => r.charset === trusted)) return trusted;
  if (CYRILLIC_CHARSETS.has(tied[0]!.charset)) {
    return tied.filter((r) => CYRILLIC_CHARSETS.has(r.charset)).reduce((a, b) => (cyrillicCommonness(b.text) > cyrillicCommonness(a.text) ? b : a)).charset;
  }
  return tied[0]!.charset;
}

function decodesCleanly(decoder: TextDecoder, bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** WHATWG single-byte encodings: plausibility can judge them; anything else is trusted when it decodes. */
const SINGLE_BYTE = /^(?:ibm866|iso-8859-\d+|koi8-[ru]|macintosh|windows-\d+|x-mac-cyrillic)$/;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    out[at + p.length] = 0x20; // a space keeps words of different lines apart
    at += p.length + 1;
  }
  return out;
}

/**
 * Decodes the non-UTF-8 lines of one header block (`lines[i]` is null for a line that needs
 * nothing). `declared` is the block's Content-Type charset, if any.
 */
export function decodeLegacyHeaderLines(lines: Uint8Array[], declared: string | null): string[] {
  const split = lines.map(segments);
  const charset = guessHeaderCharset(split.flatMap((s) => s.text), declared);
  const decoder = decoderFor(charset, false) ?? decoderFor("windows-1252", false)!;
  return split.map((s) => s.render((raw) => decoder.decode(raw)));
}

/** The `charset` parameter of a Content-Type header value, if any. */
export function charsetParam(contentType: string): string | null {
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  return (m?.[1] ?? m?.[2] ?? "").trim() || null;
}
