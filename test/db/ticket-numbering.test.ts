import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb, textStatement } from "../../src/db/client";
import { pendingNumber, runNumberedBatch } from "../../src/db/ticket-numbering";
import { formatTicketNumber, TICKET_NUMBER_PATTERN } from "../../src/domain/ticket-number";

/**
 * A create's number is written by SQL in its own batch (db/ticket-numbering.ts) and handed on by
 * domain/ticket-number.ts formatTicketNumber: both must be the same text, or the ticket a caller is
 * told about is not the one stored. Days far from today, so no other test's counter is touched.
 */

const db = () => createDb(env.DB);
/** The day's counter as if `taken` numbers were taken already. */
async function counterAt(day: string, taken: number) {
  if (taken === 0) await env.DB.prepare('delete from "ticket_counters" where "day" = ?').bind(day).run();
  else await env.DB.prepare('insert into "ticket_counters" ("day", "seq") values (?, ?) on conflict ("day") do update set "seq" = excluded."seq"').bind(day, taken).run();
}
/** Runs one statement holding the placeholder in a numbered batch: the number the batch took and the row the statement read. */
async function numberedSelect(day: string, text: string, params: unknown[]) {
  const { number, results } = await runNumberedBatch(db(), [textStatement(db(), text, params)], day);
  return { number, row: (results[1] as D1Result<Record<string, unknown>>).results[0] };
}

describe("a create's number as its batch writes it", () => {
  it.each([
    [1, "20990101"],
    [42, "20990102"],
    [9_999, "20990103"],
    // The day's 10,000th ticket has five digits in both.
    [10_000, "20990104"],
  ])("sequence %i: the SQL-made number is formatTicketNumber's", async (seq, day) => {
    await counterAt(day, seq - 1);
    const { number, row } = await numberedSelect(day, 'select ? as "stored"', [`#${pendingNumber()}#`]);
    expect(number).toBe(formatTicketNumber(day, seq));
    expect(row).toEqual({ stored: `#${formatTicketNumber(day, seq)}#` });
    expect(TICKET_NUMBER_PATTERN.test(number)).toBe(true);
  });
});

describe("a statement holding the number, rewritten by its parameters' positions", () => {
  const day = "20990201";
  const taken = async () => (await env.DB.prepare('select "seq" from "ticket_counters" where "day" = ?').bind(day).first<{ seq: number }>())?.seq ?? 0;

  it.each([
    ["a string literal and quoted names holding ?", `select '?' as "q?", 'it''s?' as [b?], ? as \`stored\`, ? as "other"`],
    ["a line comment holding ? and a quote", `select ? as "stored", -- isn't it ?\n ? as "other"`],
    ["a block comment holding ? and a quote", `select /* ? it's */ ? as "stored", /* ? */ ? as "other" /* ?`],
  ])("%s: the number goes where its parameter is, the others are bound as given", async (_, text) => {
    await counterAt(day, 0);
    const { number, row } = await numberedSelect(day, text, [`#${pendingNumber()}#`, "x?"]);
    expect(number).toBe(formatTicketNumber(day, 1));
    expect(row).toMatchObject({ stored: `#${formatTicketNumber(day, 1)}#`, other: "x?" });
  });

  it.each([
    // Positions 1 and 2 in the text, but the number is parameter 1: rewritten by position, it would go to `other`.
    ["numbered parameters", `select ?2 as "other", ?1 as "stored"`, /numbered parameter/],
    ["more ? in the text than bound", `select ? as "stored", ? as "other", ? as "third"`, /3 parameters in the text, 2 bound/],
    ["named parameters", `select ? as "stored", :other as "other"`, /1 parameters in the text, 2 bound/],
  ])("%s: refused before anything is written, no number taken", async (_, text, error) => {
    await counterAt(day, 5);
    await expect(numberedSelect(day, text, [`#${pendingNumber()}#`, "x?"])).rejects.toThrow(error);
    expect(await taken()).toBe(5);
  });
});
