import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { ids, integrityCheck, ticket, word } from "./support";

/**
 * Many tickets of one millisecond, all below 2^21 rowids: an import gives every ticket without a
 * created_at the run's one `now`, and Zendesk's whole-second times put a second's tickets in one ms.
 * A ticket joining its millisecond must cost what the first did (migrations/0046's triggers read one
 * doc row of the millisecond to know its 2^21-rowid block), not a row per ticket already there: the
 * k-th read ~2k rows, an import's statement quadratic. The rows go in through D1, as an import's do.
 */
describe("tickets piling into one millisecond", () => {
  it("each costs the rows the second did, and each is found by its own words", async () => {
    const s = await makeStaff();
    const common = word("c");
    const first = await ticket(s.customer.token, `Printer ${common}`, "first");
    const row = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(first.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row);
    const insert = env.DB.prepare(`INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
    const read: number[] = [];
    const mine: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = `${first.id}-${i}`;
      const subject = `Scanner ${common} ${word("u")}`;
      const values: Record<string, unknown> = { ...row, id, number: `TICK-MS-${i}`, subject };
      const res = await insert.bind(...cols.map((c) => values[c] ?? null)).run();
      read.push(res.meta.rows_read);
      mine.push(subject.split(" ")[2]!);
    }
    expect(read[59], `rows read by the 2nd, 30th and 60th: ${read[0]}, ${read[28]}, ${read[58]}`).toBe(read[0]);
    await integrityCheck("tickets_fts");
    const listed = async (q: string) => ids((await api("GET", `/api/v1/tickets?q=${q}&limit=100`, { token: s.agent.token })).body);
    expect(await listed(mine[41]!)).toEqual([`${first.id}-41`]);
    expect((await listed(common)).length).toBe(61);
  });
});
