import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeStaff } from "../helpers";
import { call, ok, pages, yearA } from "../stores/support";
import { ticket, word } from "./support";

/**
 * `GET /tickets?q=` across main and a year database (ticketPageAcross) when tickets of one
 * millisecond sit in both and the year's rowids pass 2^21 (migrations-years/0006): each database
 * hands its rows in (created_at, rowid) order, so the merged pages are the order one database
 * would give (equal created_at: main first, then the year, each by rowid), none left out. The
 * year's tickets go in through its D1 binding with explicit rowids (no API reaches 2^21).
 */
const BLOCK = 2 ** 21;

describe("q= across a year database past 2^21 rowids", () => {
  it("pages main and the year in created order, both ways, none left out or repeated", async () => {
    const s = await makeStaff();
    const common = word("y");
    const a = await ticket(s.customer.token, `Printer ${common} main`, "x");
    const mainRow = (await env.DB.prepare("SELECT rowid AS r, created_at AS c FROM tickets WHERE id = ?").bind(a.id).first<{ r: number; c: string }>())!;
    const b = (await ticket(s.customer.token, `Printer ${common} main two`, "x")).id;
    // The year's rows: copies of main's columns the year keeps, in a's millisecond and the next.
    const template = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
    const yearCols = (await yearA.prepare("SELECT name FROM pragma_table_info('tickets')").all<{ name: string }>()).results.map((c) => c.name);
    const next = new Date(Date.parse(mainRow.c) + 1).toISOString();
    const seed: [number, string][] = [
      [1_500_000, mainRow.c],
      [BLOCK + 10, mainRow.c],
      [2 * BLOCK + 1_500_000, mainRow.c],
      [1_600_000, next],
      [3 * BLOCK + 7, next],
    ];
    const yearIds: [string, number, string][] = [];
    for (const [rowid, at] of seed) {
      const id = `${a.id}-y${rowid}`;
      const values: Record<string, unknown> = { ...template, id, number: `TICK-Y-${rowid}`, subject: `Scanner ${common} ${rowid}`, created_at: at, status: "closed" };
      const cols = yearCols.filter((c) => Object.hasOwn(values, c));
      await yearA.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => values[c] ?? null)).run();
      yearIds.push([id, rowid, at]);
    }
    await yearA.prepare("INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('integrity-check', 1)").run();
    const bRow = (await env.DB.prepare("SELECT rowid AS r, created_at AS c FROM tickets WHERE id = ?").bind(b).first<{ r: number; c: string }>())!;
    // One database's order: created_at, then main before the year, then rowid.
    const all: [string, string, number, number][] = [
      [a.id, mainRow.c, 0, mainRow.r],
      [b, bRow.c, 0, bRow.r],
      ...yearIds.map(([id, rowid, at]) => [id, at, 1, rowid] as [string, string, number, number]),
    ];
    const asc = [...all].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[2] - y[2] || x[3] - y[3])).map((x) => x[0]);
    const desc = [...all].sort((x, y) => (x[1] > y[1] ? -1 : x[1] < y[1] ? 1 : x[2] - y[2] || y[3] - x[3])).map((x) => x[0]);
    expect(new Set((await ok(call("GET", `/tickets?q=${common}&limit=50`, s.agent))).data.map((t: { id: string }) => t.id))).toEqual(new Set(asc));
    for (const limit of [1, 2, 3]) {
      expect(await pages(s.agent, `/tickets?q=${common}`, limit), `desc ${limit}`).toEqual(desc);
      expect(await pages(s.agent, `/tickets?q=${common}&sort=created_at`, limit), `asc ${limit}`).toEqual(asc);
    }
  });
});
