/**
 * An XLSX file written in pieces, each piece made by a different queue message, none holding the
 * whole file: a zip (APPNOTE 6.3) whose small parts (content types, relationships, workbook,
 * styles) are stored at the start, followed by one worksheet whose XML is deflated piece by piece.
 *
 * Why not a library: a spreadsheet library builds the workbook in memory; a streaming zip library
 * keeps its compressor's state in memory across the stream, and a Worker invocation (one queue
 * message) ends after each piece. fflate's raw DEFLATE does what is needed: each piece is compressed
 * by a fresh compressor and ended with a sync flush (byte-aligned, no final block), so the pieces
 * concatenate into one valid DEFLATE stream, the last piece ending it. What carries over between
 * pieces is a few numbers (CRC-32, sizes, offsets: {@link XlsxState}), which the job stores in D1.
 * Cells are inline strings (no shared-strings table to hold in memory), numbers, booleans and
 * dates (Excel serial numbers with a date format). A text cell is never a formula in XLSX, so no
 * neutralisation is needed here.
 */
import { Deflate } from "fflate";
import type { Cell } from "./csv";

export type ColumnType = "text" | "number" | "boolean" | "datetime";

/** Carried from piece to piece (JSON in the export job's state). */
export interface XlsxState {
  /** Bytes of the file written so far. */
  offset: number;
  /** The stored entries, for the central directory. */
  entries: { name: string; crc: number; size: number; offset: number }[];
  /** The worksheet entry: where its local header is, CRC-32 and sizes of its data so far. */
  sheetOffset: number;
  crc: number;
  compressed: number;
  uncompressed: number;
  /** Rows written (the next row's number is rows + 1). */
  rows: number;
}

const encoder = new TextEncoder();
const SHEET = "xl/worksheets/sheet1.xml";
/** Excel's limit per cell. */
export const MAX_CELL_CHARS = 32_767;
/** A zip without ZIP64 records holds entries below 4 GiB. */
const ZIP32_MAX = 0xffff_ffff;

// ---------------------------------------------------------------- CRC-32 (IEEE 802.3, as zip uses it)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `data`, continuing from `crc` (the CRC of what came before; 0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------- zip records

class Bytes {
  private parts: Uint8Array[] = [];
  length = 0;
  u16(n: number) {
    return this.raw(new Uint8Array([n & 0xff, (n >>> 8) & 0xff]));
  }
  u32(n: number) {
    return this.raw(new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]));
  }
  raw(b: Uint8Array) {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

// Fixed time stamp (1980-01-01 00:00): the file's content does not depend on when it was built.
const DOS_TIME = 0;
const DOS_DATE = 0x21;
/** Bit 11: names are UTF-8. Bit 3: CRC and sizes follow the data (the worksheet, streamed). */
const UTF8 = 1 << 11;
const DESCRIPTOR = 1 << 3;

function localHeader(b: Bytes, name: Uint8Array, method: 0 | 8, flags: number, crc: number, compressed: number, size: number) {
  b.u32(0x04034b50).u16(20).u16(flags).u16(method).u16(DOS_TIME).u16(DOS_DATE).u32(crc).u32(compressed).u32(size).u16(name.length).u16(0).raw(name);
}

function centralHeader(b: Bytes, name: Uint8Array, method: 0 | 8, flags: number, crc: number, compressed: number, size: number, offset: number) {
  b.u32(0x02014b50).u16(20).u16(20).u16(flags).u16(method).u16(DOS_TIME).u16(DOS_DATE).u32(crc).u32(compressed).u32(size);
  b.u16(name.length).u16(0).u16(0).u16(0).u16(0).u32(0).u32(offset).raw(name);
}

// ---------------------------------------------------------------- the workbook's fixed parts

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const staticParts = (sheetName: string): [string, string][] => [
  [
    "[Content_Types].xml",
    `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
  ],
  [
    "_rels/.rels",
    `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  ],
  [
    "xl/workbook.xml",
    `${XML_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="${escapeXml(sheetName.slice(0, 31))}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  ],
  [
    "xl/_rels/workbook.xml.rels",
    `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
  ],
  [
    "xl/styles.xml",
    // Style 1: a date and time (UTC), style 2: bold (the header row).
    `${XML_HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`,
  ],
];

// ---------------------------------------------------------------- cells

// XML 1.0 allows no C0 control characters but tab, LF and CR.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;" };

/** Escaped for XML text and attributes; CR as a character reference, which XML's line-end normalising keeps. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, "\ufffd").replace(/[&<>"\r]/g, (ch) => XML_ESCAPES[ch]!);
}

/** OOXML reads `_xHHHH_` in a string as an escaped character; a literal one is written with its `_` escaped. */
const ooxmlText = (text: string) => escapeXml(text.slice(0, MAX_CELL_CHARS).replace(/_x([0-9a-fA-F]{4})_/g, "_x005F_x$1_"));

function columnName(i: number): string {
  let n = i + 1;
  let s = "";
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Days since 1899-12-30 (Excel's serial date), from an ISO instant. */
const excelDate = (iso: string) => Date.parse(iso) / 86_400_000 + 25_569;

function cellXml(ref: string, cell: Cell, type: ColumnType, style?: number): string {
  if (cell === null || cell === undefined || cell === "") return "";
  const s = style ? ` s="${style}"` : "";
  if (type === "datetime" && typeof cell === "string" && !Number.isNaN(Date.parse(cell))) return `<c r="${ref}" s="1"><v>${excelDate(cell)}</v></c>`;
  if (typeof cell === "number") return Number.isFinite(cell) ? `<c r="${ref}"${s}><v>${cell}</v></c>` : "";
  if (typeof cell === "boolean") return `<c r="${ref}" t="b"${s}><v>${cell ? 1 : 0}</v></c>`;
  return `<c r="${ref}" t="inlineStr"${s}><is><t xml:space="preserve">${ooxmlText(cell)}</t></is></c>`;
}

export function rowXml(index: number, cells: readonly Cell[], types: readonly ColumnType[], style?: number): string {
  return `<row r="${index}">${cells.map((c, i) => cellXml(`${columnName(i)}${index}`, c, types[i] ?? "text", style)).join("")}</row>`;
}

// ---------------------------------------------------------------- the pieces

/**
 * Raw DEFLATE of `xml` by a fresh compressor: byte-aligned and open (a sync flush: an empty stored
 * block), or the stream's last piece. fflate 0.8.3's own `flush(true)` writes that block at a wrong
 * offset when the output ends inside a byte (it passes its packed state as the bit position), which
 * leaves a stream inflaters reject; so the data is flushed without it and the block is written
 * here from the compressor's pending bits (`s.r`: bit count in the low 3 bits, the partial byte
 * above). test/lib/export-formats.test.ts inflates the result with fflate and SheetJS.
 */
function deflatePiece(xml: Uint8Array, last: boolean): Uint8Array {
  const out = new Bytes();
  const d = new Deflate({ level: 6 });
  // fflate hands out views of a buffer it reuses: copy.
  d.ondata = (chunk) => void out.raw(chunk.slice());
  if (last) d.push(xml, true);
  else {
    d.push(xml, false);
    d.flush(false);
    const pending = (d as unknown as { s: { r?: number } }).s.r ?? 0;
    const bits = pending & 7;
    const partial = bits ? pending >> 3 : 0;
    // The block's 3 header bits (non-final, stored: all zero) after the pending bits, then padding
    // to the byte, LEN 0 and NLEN 0xFFFF.
    out.raw(new Uint8Array(bits + 3 > 8 ? [partial, 0, 0, 0, 0xff, 0xff] : [partial, 0, 0, 0xff, 0xff]));
  }
  return out.done();
}

function addSheetData(state: XlsxState, xml: string, last: boolean): Uint8Array {
  const plain = encoder.encode(xml);
  const packed = deflatePiece(plain, last);
  state.crc = crc32(plain, state.crc);
  state.uncompressed += plain.length;
  state.compressed += packed.length;
  if (state.uncompressed > ZIP32_MAX || state.compressed > ZIP32_MAX) throw new RangeError("The worksheet passed 4 GiB: too large for an XLSX file; export CSV instead");
  state.offset += packed.length;
  return packed;
}

/** The file's first piece: the fixed parts, the worksheet's local header, its start and the header row. */
export function xlsxStart(sheetName: string, header: readonly string[]): { bytes: Uint8Array; state: XlsxState } {
  const b = new Bytes();
  const entries: XlsxState["entries"] = [];
  for (const [name, xml] of staticParts(sheetName)) {
    const data = encoder.encode(xml);
    const crc = crc32(data);
    entries.push({ name, crc, size: data.length, offset: b.length });
    localHeader(b, encoder.encode(name), 0, UTF8, crc, data.length, data.length);
    b.raw(data);
  }
  const sheetOffset = b.length;
  localHeader(b, encoder.encode(SHEET), 8, UTF8 | DESCRIPTOR, 0, 0, 0);
  const state: XlsxState = { offset: b.length, entries, sheetOffset, crc: 0, compressed: 0, uncompressed: 0, rows: 1 };
  const head = `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>${rowXml(1, header, header.map(() => "text"), 2)}`;
  b.raw(addSheetData(state, head, false));
  return { bytes: b.done(), state };
}

/** A piece of rows. */
export function xlsxRows(state: XlsxState, rows: readonly (readonly Cell[])[], types: readonly ColumnType[]): Uint8Array {
  if (!rows.length) return new Uint8Array(0);
  const xml = rows.map((cells) => rowXml(++state.rows, cells, types)).join("");
  return addSheetData(state, xml, false);
}

/** The last piece: the worksheet's end, its data descriptor, the central directory. */
export function xlsxEnd(state: XlsxState): Uint8Array {
  const b = new Bytes();
  b.raw(addSheetData(state, "</sheetData></worksheet>", true));
  b.u32(0x08074b50).u32(state.crc).u32(state.compressed).u32(state.uncompressed);
  const directoryStart = state.offset + 16;
  const dir = new Bytes();
  for (const e of state.entries) centralHeader(dir, encoder.encode(e.name), 0, UTF8, e.crc, e.size, e.size, e.offset);
  centralHeader(dir, encoder.encode(SHEET), 8, UTF8 | DESCRIPTOR, state.crc, state.compressed, state.uncompressed, state.sheetOffset);
  const count = state.entries.length + 1;
  b.raw(dir.done());
  b.u32(0x06054b50).u16(0).u16(0).u16(count).u16(count).u32(dir.length).u32(directoryStart).u16(0);
  state.offset = directoryStart + dir.length + 22;
  return b.done();
}
