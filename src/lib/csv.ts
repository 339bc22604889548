/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field quoted when it
 * holds a comma, quote, CR or LF, quotes doubled inside. UTF-8, with a byte order mark first so
 * spreadsheet programs read it as UTF-8 (RFC 4180 leaves the encoding to the MIME type).
 *
 * Formula injection (OWASP "CSV Injection"): a spreadsheet treats a cell starting with `=`, `+`,
 * `-`, `@`, tab or CR as a formula (`=HYPERLINK(...)` phones home, DDE runs commands). Such a text
 * cell gets a leading apostrophe, which spreadsheets show as text and do not evaluate; numbers are
 * written as numbers, so a negative number stays a number.
 */

export type Cell = string | number | boolean | null | undefined;

export const CSV_BOM = "\uFEFF";
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell as a spreadsheet will take it: formula-looking text neutralised. */
export const neutralise = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

export function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell === "boolean") return cell ? "true" : "false";
  const text = neutralise(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRecord = (cells: readonly Cell[]) => `${cells.map(csvField).join(",")}\r\n`;
