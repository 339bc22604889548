import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Bindings } from "../../src/env";
import type { Actor } from "../../src/domain/permissions";
import { yearOfTicketRef } from "../../src/db/ticket-stores";
import { returnRetired } from "../../src/features/archive/archive.retire";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { archiveOnly, base, beforeStatement, call, deliver, failingBatches, inMain, inYear, metered, ok, settle, YEAR, yearA, yearB, yearEnv } from "./support";

/**
 * The incremental export (`GET /incremental/tickets`) across year databases (docs/scale.md "Year
 * databases"): a ticket retired into its year stays in the stream at its change, once, in (time,
 * id) order with main's, at every page size; a move between pages (a retire, a bring-back) neither
 * repeats nor skips it; a ticket both databases hold (an interrupted retire) comes once.
 */

const MIN = 60_000;
const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });
/** A service call at a past instant: the export hands out changes only once they are a minute old. */
const at = (u: TestUser, ms: number) => callerContext(base, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date(ms) });
const yearOf = (id: string) => (yearOfTicketRef(id) === YEAR ? yearA : yearB);

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

/**
 * Tickets changed in a window of their own at `t0`: six changed in the very same millisecond
 * (t0 + 1 min; the closed ones retire, the others stay in main, so ties on the time are broken by
 * id across the databases), one closed later, one open changed later, one deleted (main's deletion).
 */
async function seed(t0: number) {
  const customer = await makeUser("customer");
  const make = async (i: number) =>
    (await createTicket(at(customer, t0), { subject: `Warehouse ${i}`, description: "d", priority: "low", channel: "web", tags: [] })).body.id as string;
  const close = async (id: string, ms: number) => {
    await changeTicket(at(staff.agent, ms - 1_000), id, { status: "resolved" }, { type: "updated" });
    await changeTicket(at(staff.agent, ms), id, { status: "closed" }, { type: "updated" });
  };
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) ids.push(await make(i));
  const closed = [ids[0]!, ids[2]!, ids[3]!, ids[5]!];
  for (const id of closed) await close(id, t0 + MIN);
  for (const id of [ids[1]!, ids[4]!]) await changeTicket(at(staff.agent, t0 + MIN), id, { priority: "high" }, { type: "updated" });
  await close(ids[6]!, t0 + 2 * MIN);
  await changeTicket(at(staff.agent, t0 + 3 * MIN), ids[7]!, { priority: "high" }, { type: "updated" });
  await deleteTicket(at(staff.admin, t0 + 4 * MIN), ids[8]!);
  return { ids, retiring: [...closed, ids[6]!], end: new Date(t0 + 4 * MIN).toISOString() };
}

const url = (limit: number, from: { start?: string; cursor?: string }) =>
  `/incremental/tickets?limit=${limit}&${from.cursor ? `cursor=${encodeURIComponent(from.cursor)}` : `start_time=${encodeURIComponent(from.start!)}`}`;
const timeOf = (item: any) => (item.deleted ? item.deleted_at : item.updated_at) as string;

/**
 * The stream from `from` at `limit` a page, `pagesAtMost` pages (or until it passes `end`, the
 * window's last change: other tests' tickets follow): the items of `ids`, and the cursor to go on.
 */
async function read(from: { start?: string; cursor?: string }, limit: number, ids: string[], end: string, pagesAtMost = Infinity) {
  const items: any[] = [];
  let cursor = from.cursor;
  for (let n = 0; n < pagesAtMost; n++) {
    const page = await ok(call("GET", url(limit, cursor ? { cursor } : from), staff.admin));
    expect(page.data.length).toBeLessThanOrEqual(limit);
    items.push(...page.data.filter((t: any) => ids.includes(t.id)));
    cursor = page.next_cursor;
    if (page.end_of_stream || page.data.some((t: any) => timeOf(t) > end)) break;
  }
  return { items, cursor: cursor! };
}

describe("the incremental export across year databases", () => {
  it("a ticket retired into its year appears once, at its change, in (time, id) order with main's, at page sizes 1 to 5", async () => {
    const t0 = Date.now() - 3 * 3_600_000;
    const { ids, retiring, end } = await seed(t0);
    const start = new Date(t0).toISOString();
    // Archived (closed, comments in R2) but still in main: the stream as one database gives it.
    await archiveOnly();
    const before = (await read({ start }, 100, ids, end)).items;
    expect(before.map((t) => t.id)).toEqual([...[0, 1, 2, 3, 4, 5].map((i) => ids[i]!).sort(), ids[6], ids[7], ids[8]]);
    expect(before.at(-1)).toEqual({ id: ids[8], deleted: true, deleted_at: new Date(t0 + 4 * MIN).toISOString() });

    // The retire moves the closed ones into their year.
    await settle();
    for (const id of retiring) expect([await inMain(id), await inYear(yearOf(id), id)], id).toEqual([0, 1]);
    for (let limit = 1; limit <= 5; limit++) expect((await read({ start }, limit, ids, end)).items, `limit=${limit}`).toEqual(before);

    // Each database reads O(limit) rows a page: main its three walks (live before and after the years, deletions), a year its one.
    const page = await metered(url(5, { start }), staff.admin);
    expect(page.status).toBe(200);
    for (const [label, rows] of Object.entries(page.perDb)) expect(rows, label).toBeLessThanOrEqual(4 * 5 + 5);
    expect(Object.keys(page.perDb)).toContain(`TICKETS_${yearOfTicketRef(ids[0]!)}`);
  }, 120_000);

  it("a retire or a bring-back between two pages neither repeats nor skips a ticket", async () => {
    const t0 = Date.now() - 5 * 3_600_000;
    const { ids, retiring, end } = await seed(t0);
    const start = new Date(t0).toISOString();
    await archiveOnly();
    const whole = (await read({ start }, 100, ids, end)).items.map((t) => t.id);

    // A page handed out (the cursor inside the six tied changes), then the retire moves them.
    const first = await read({ start }, 2, ids, end, 1);
    expect(first.items.length).toBe(2);
    await settle();
    for (const id of retiring) expect(await inMain(id), id).toBe(0);
    // One more page, then a bring-back (no change: the row comes back as it was) of a ticket
    // handed out already and one not yet.
    const second = await read({ cursor: first.cursor }, 2, ids, end, 1);
    const handedOut = [...first.items, ...second.items].map((t) => t.id);
    const back = [retiring.find((id) => handedOut.includes(id))!, retiring.find((id) => !handedOut.includes(id))!];
    expect(back.every(Boolean)).toBe(true);
    const system = callerContext(yearEnv, actorOf(staff.admin), { ip: null, userAgent: "test" }, { now: new Date() });
    for (const id of back) {
      expect(await returnRetired(system, id)).toBe(true);
      expect([await inMain(id), await inYear(yearOf(id), id)], id).toEqual([1, 0]);
    }
    const rest = await read({ cursor: second.cursor }, 2, ids, end);
    expect([...handedOut, ...rest.items.map((t) => t.id)]).toEqual(whole);
  }, 120_000);

  it("a ticket an interrupted retire left in both databases comes once (main's row), at every page size", async () => {
    const t0 = Date.now() - 7 * 3_600_000;
    const { ids, retiring, end } = await seed(t0);
    const start = new Date(t0).toISOString();
    await archiveOnly();
    const before = (await read({ start }, 100, ids, end)).items;
    // The consumer dies after each copy into the year, before main's delete (each message stays for a retry).
    const retire = retiring.map((id) => ({ kind: "retire", year: yearOfTicketRef(id)!, ids: [id] }));
    for (const m of retire) expect(await deliver(m, { ...yearEnv, DB: failingBatches() })).toBe(false);
    for (const id of retiring) expect([await inMain(id), await inYear(yearOf(id), id)], id).toEqual([1, 1]);
    for (let limit = 1; limit <= 5; limit++) expect((await read({ start }, limit, ids, end)).items, `limit=${limit}`).toEqual(before);
    // One of them reopened in main meanwhile: it comes at its new change only, never as the year's stale copy.
    const reopened = retiring[0]!;
    await changeTicket(at(staff.agent, t0 + 5 * MIN), reopened, { status: "open" }, { type: "updated" });
    const later = new Date(t0 + 5 * MIN).toISOString();
    for (const limit of [1, 3]) {
      const { items } = await read({ start }, limit, ids, later);
      expect(items.map((t) => t.id)).toEqual([...before.map((t) => t.id).filter((id) => id !== reopened), reopened]);
      expect(items.at(-1)).toMatchObject({ id: reopened, status: "open", updated_at: later });
    }
    // The redelivery finishes the moves (the reopened ticket stays in main): still once each.
    for (const m of retire) expect(await deliver(m)).toBe(true);
    expect([await inMain(reopened), await inYear(yearOf(reopened), reopened)]).toEqual([1, 0]);
    for (const id of retiring.slice(1)) expect([await inMain(id), await inYear(yearOf(id), id)], id).toEqual([0, 1]);
    expect((await read({ start }, 3, ids, later)).items.map((t) => t.id)).toEqual([...before.map((t) => t.id).filter((id) => id !== reopened), reopened]);
  }, 120_000);

  it("a bring-back while a page is being read neither hides nor repeats the ticket", async () => {
    const t0 = Date.now() - 9 * 3_600_000;
    const { ids, retiring, end } = await seed(t0);
    const start = new Date(t0).toISOString();
    await settle();
    const whole = (await read({ start }, 100, ids, end)).items;
    const system = callerContext(yearEnv, actorOf(staff.admin), { ip: null, userAgent: "test" }, { now: new Date() });
    const page = async (e: Bindings) => (await ok(call("GET", url(100, { start }), staff.admin, undefined, e))).data.filter((t: any) => ids.includes(t.id));
    // After main's walk, before the year's: the ticket leaves the year before that read.
    const [first, second] = [retiring[0]!, retiring[1]!];
    const yearBinding = `TICKETS_${yearOfTicketRef(first)}`;
    const beforeYearRead = beforeStatement(yearOf(first), (sql) => /order by "tickets"\."updated_at"/i.test(sql), () => returnRetired(system, first));
    expect(await page({ ...yearEnv, [yearBinding]: beforeYearRead } as Bindings)).toEqual(whole);
    expect([await inMain(first), await inYear(yearOf(first), first)]).toEqual([1, 0]);
    // After every walk, before main is asked which of the year's rows it holds: it came back after main's reads.
    const beforeLookup = beforeStatement(base.DB, (sql) => /"tickets"\."id" in \(/i.test(sql) && !/order by/i.test(sql), () => returnRetired(system, second));
    expect(await page({ ...yearEnv, DB: beforeLookup } as Bindings)).toEqual(whole);
    expect([await inMain(second), await inYear(yearOf(second), second)]).toEqual([1, 0]);
  }, 120_000);

  it("is for admins, years bound or not", async () => {
    const start = new Date(Date.now() - 3_600_000).toISOString();
    for (const user of [staff.manager, staff.agent, staff.customer]) expectProblem(await call("GET", url(5, { start }), user), 403, "FORBIDDEN");
    expect((await call("GET", url(5, { start }), staff.admin)).status).toBe(200);
  });
});
