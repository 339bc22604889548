import { beforeAll, describe, expect, it } from "vitest";
import { makeStaff, makeUser, type TestUser } from "../helpers";
import { archiveOnly, call, deliver, failingBatches, inMain, inYear, metered, ok, pages, settle, tick, YEAR, yearA, yearEnv } from "./support";

/**
 * Issue 15 item 1, search across year databases (docs/scale.md "Year databases"): a retired
 * ticket's search entries move with it (migrations-years/0002), and `GET /search` and
 * `GET /tickets?q=` ask each database that can hold a match and merge, through the Worker's
 * `fetch`, `scheduled` and `queue` with two real D1 databases bound as year databases.
 */
let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

/** A word no other ticket holds (letters only: one token, the same after stemming on both sides). */
const word = () => `k${Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => "bcdfghjkmnpqrstvwxz"[b % 19]).join("")}`;

async function ticket(customer: TestUser, subject: string, description: string, close: boolean) {
  const t = await ok(call("POST", "/tickets", customer, { subject, description, priority: "medium", tags: [] }), 201);
  await ok(call("POST", `/tickets/${t.id}/comments`, staff.agent, { body: "we are on it" }), 201);
  if (close) {
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "closed" }));
  }
  return t.id as string;
}

const hitKey = (h: { type: string; id: string }) => `${h.type}:${h.id}`;
const ticketHits = (user: TestUser, q: string, limit: number, extra = "") => pages(user, `/search?q=${q}&type=tickets${extra}`, limit, (h) => h.id);
const listed = (user: TestUser, q: string, limit: number, extra = "") => pages(user, `/tickets?q=${q}${extra}`, limit);
const once = (ids: string[]) => expect(new Set(ids).size, ids.join(" ")).toBe(ids.length);

describe("search across year databases", () => {
  it("a retired ticket is found by GET /search and GET /tickets?q= (staff and its requester) as before it retired; another customer never; an internal note never for the customer", async () => {
    const W = word();
    const NOTE = word();
    const customer = await makeUser("customer");
    const other = await makeUser("customer");
    const a = await ticket(customer, `${W} printer jam`, "paper stuck in tray two", true);
    const b = await ticket(customer, "Scanner", `the ${W} is back again`, false);
    const c = await ticket(customer, "Toner", `${W} low on the third floor`, true);
    const d = await ticket(other, `${W} of someone else`, "not yours", true);
    await ok(call("POST", `/tickets/${a}/comments`, staff.agent, { body: `${NOTE} the customer must not read this`, internal: true }), 201);
    // The note's words are indexed (staff find it while the comment is in main); never for the customer.
    expect((await ok(call("GET", `/search?q=${NOTE}`, staff.agent))).data.map(hitKey)).toEqual([expect.stringMatching(/^comment:/)]);
    expect((await ok(call("GET", `/search?q=${NOTE}`, customer))).data).toEqual([]);

    // Archived (comments to R2), not yet retired: what one database answers.
    await archiveOnly();
    expect([await inMain(a), await inMain(c), await inMain(d)]).toEqual([1, 1, 1]);
    const before = {
      staffSearch: await ticketHits(staff.agent, W, 50),
      customerSearch: await ticketHits(customer, W, 50),
      allTypes: await pages(customer, `/search?q=${W}`, 50, hitKey),
      staffList: await listed(staff.agent, W, 50),
      customerList: await listed(customer, W, 50),
      closedList: await listed(customer, W, 50, "&status=closed&sort=created_at"),
    };
    expect(new Set(before.staffSearch)).toEqual(new Set([a, b, c, d]));
    expect(new Set(before.customerSearch)).toEqual(new Set([a, b, c]));
    expect(before.customerList).toEqual([c, b, a]);

    await settle();
    expect([await inYear(yearA, a), await inYear(yearA, c), await inYear(yearA, d), await inMain(b)]).toEqual([1, 1, 1, 1]);
    expect([await inMain(a), await inMain(c), await inMain(d)]).toEqual([0, 0, 0]);

    // Lists: the same tickets in the same order (their own sort), staff and requester, any page size.
    expect(await listed(staff.agent, W, 50)).toEqual(before.staffList);
    expect(await listed(customer, W, 50)).toEqual(before.customerList);
    expect(await listed(customer, W, 1)).toEqual(before.customerList);
    expect(await listed(customer, W, 50, "&status=closed&sort=created_at")).toEqual(before.closedList);
    // Search: the same hits; the subject match first as before (bm25 weighs a subject word ten
    // times), the two description matches after it (their order rests on each database's statistics).
    const after = { staff: await ticketHits(staff.agent, W, 50), customer: await ticketHits(customer, W, 50) };
    expect(new Set(after.staff)).toEqual(new Set(before.staffSearch));
    // A customer's hits are not ranked by bm25 (its statistics are everyone's: search.fts.ts
    // ranksByRelevance): newest first in each database, main's before a year's.
    expect(before.customerSearch).toEqual([c, b, a]);
    expect(after.customer).toEqual([b, c, a]);
    expect(new Set(await pages(customer, `/search?q=${W}`, 50, hitKey))).toEqual(new Set(before.allTypes));
    // Paged one at a time: each once, in the order of the whole page.
    expect(await ticketHits(customer, W, 1)).toEqual(after.customer);
    expect(await ticketHits(staff.agent, W, 1)).toEqual(after.staff);
    // A year matches whole words only (a prefix makes FTS5 gather every word it starts, in every
    // year): the start of the word finds the live ticket, as before, and the retired ones no more.
    expect(await ticketHits(customer, W.slice(0, -2), 50)).toEqual([b]);

    // Another customer finds only their own (retired) ticket; the note's words find nothing for the customer.
    expect(await ticketHits(other, W, 50)).toEqual([d]);
    expect(await listed(other, W, 50)).toEqual([d]);
    expect(await pages(other, `/search?q=${W}`, 50, hitKey)).toEqual([`ticket:${d}`]);
    for (const user of [customer, other]) {
      expect(await pages(user, `/search?q=${NOTE}`, 50, hitKey)).toEqual([]);
      expect(await listed(user, NOTE, 50)).toEqual([]);
    }
    // A status filter that no retired ticket can meet asks main alone; one with `closed` asks the years too.
    const open = await metered(`/search?q=${W}&status=open`, staff.agent);
    expect((open.body as any).data.map((h: any) => h.id)).toEqual([b]);
    expect(Object.keys(open.perDb!)).toEqual(["DB"]);
    const closed = await metered(`/search?q=${W}&status=closed&type=tickets`, staff.agent);
    expect(new Set((closed.body as any).data.map((h: any) => h.id))).toEqual(new Set([a, c, d]));
    expect(Object.keys(closed.perDb!).sort()).toEqual(["DB", `TICKETS_${YEAR - 1}`, `TICKETS_${YEAR}`]);
  });

  it("paging through hits that span main and a year returns each ticket once, in order, whatever the page size; each page reads ≤ 100 rows per database", async () => {
    const W = word();
    const customer = await makeUser("customer");
    const ids: string[] = [];
    // Subject, description or both; open ones stay in main, closed ones retire.
    const places = [(w: string) => [`${w} printer`, "jam"], (w: string) => ["Printer", `a ${w} jam`], (w: string) => [`${w} scanner`, `${w} again and ${w}`]] as const;
    for (let i = 0; i < 14; i++) {
      const [subject, description] = places[i % 3]!(W);
      ids.push(await ticket(customer, `${subject} ${i}`, `${description} ${"words ".repeat(i)}`, i % 4 !== 0));
    }
    await archiveOnly();
    const limits = [1, 3];
    const lists = [`&sort=created_at`, ``, `&status=closed`, `&sort=-updated_at`];
    const expected = new Map<string, string[]>();
    for (const user of [staff.agent, customer]) for (const l of lists) for (const limit of limits) expected.set(`${user.id}${l}#${limit}`, await listed(user, W, limit, l));
    const searched = { staff: new Set(await ticketHits(staff.agent, W, 50)), customer: new Set(await ticketHits(customer, W, 50)) };
    expect(searched.customer).toEqual(new Set(ids));

    await settle();
    expect((await Promise.all(ids.map((id) => inYear(yearA, id)))).filter((n) => n === 1).length).toBe(10);

    for (const user of [staff.agent, customer]) {
      for (const l of lists) for (const limit of limits) expect(await listed(user, W, limit, l), `${l} limit=${limit}`).toEqual(expected.get(`${user.id}${l}#${limit}`));
      const whole = await ticketHits(user, W, 50);
      once(whole);
      expect(new Set(whole)).toEqual(user === customer ? searched.customer : searched.staff);
      for (const limit of [1, 2, 5]) expect(await ticketHits(user, W, limit), `limit=${limit}`).toEqual(whole);
      // Every type: comments and tickets merged, still each hit once.
      const mixed = await pages(user, `/search?q=${W}`, 3, hitKey);
      once(mixed);
      expect(mixed.filter((k) => k.startsWith("ticket:"))).toEqual(whole.map((id) => `ticket:${id}`));
    }

    // Metered walks: rows read per database per page; a year whose hits ran out is not asked again.
    let cursor: string | null = null;
    const touched: number[] = [];
    do {
      const res: Awaited<ReturnType<typeof metered>> = await metered(`/search?q=${W}&type=tickets&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, customer);
      expect(res.status).toBe(200);
      for (const [label, rows] of Object.entries(res.perDb)) expect(rows, label).toBeLessThanOrEqual(100);
      touched.push(Object.keys(res.perDb).length);
      cursor = (res.body as any).next_cursor;
    } while (cursor);
    expect(touched[0]).toBe(3);
    for (const l of ["", "&status=closed"]) {
      let at: string | null = null;
      do {
        const res: Awaited<ReturnType<typeof metered>> = await metered(`/tickets?q=${W}${l}&limit=3${at ? `&cursor=${encodeURIComponent(at)}` : ""}`, staff.agent);
        for (const [label, rows] of Object.entries(res.perDb)) expect(rows, `${l} ${label}`).toBeLessThanOrEqual(100);
        at = (res.body as any).next_cursor;
      } while (at);
    }
  }, 180_000);

  it("an interrupted retire (crash between copy and delete, then redelivery) never shows a ticket twice or not at all; after a bring-back it is found once, from main", async () => {
    const W = word();
    const customer = await makeUser("customer");
    const ids = [await ticket(customer, `${W} one`, "first", true), await ticket(customer, "two", `${W} second`, true)];
    await archiveOnly();
    const retire = (await tick(Date.now() + 400 * 86_400_000)).filter((m) => m.kind === "retire" && m.ids.some((id) => ids.includes(id)));
    expect(retire.length).toBeGreaterThan(0);
    const found = async () => ({
      staff: await ticketHits(staff.agent, W, 1),
      customer: await ticketHits(customer, W, 50),
      list: await listed(customer, W, 1),
      all: await pages(customer, `/search?q=${W}`, 1, hitKey),
    });
    const expectOnce = async () => {
      const f = await found();
      for (const [name, hits] of Object.entries({ staff: f.staff, customer: f.customer, list: f.list })) expect([...hits].sort(), name).toEqual([...ids].sort());
      once(f.all);
      expect(f.all.filter((k) => k.startsWith("ticket:")).sort()).toEqual(ids.map((id) => `ticket:${id}`).sort());
    };
    // The consumer dies after copying into the year database, before main's delete: both hold a copy.
    for (const m of retire) expect(await deliver(m, { ...yearEnv, DB: failingBatches() })).toBe(false);
    expect(await inMain(ids[0]!)).toBe(1);
    expect(await inYear(yearA, ids[0]!)).toBe(1);
    await expectOnce();
    // The redelivery finishes the move (and a duplicate changes nothing).
    for (const m of retire) expect(await deliver(m)).toBe(true);
    for (const m of retire) expect(await deliver(m)).toBe(true);
    for (const id of ids) expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
    await expectOnce();
    // An internal note (a write) brings one back: found once, from main (the year no longer holds it).
    await ok(call("POST", `/tickets/${ids[0]}/comments`, staff.agent, { body: "looking again", internal: true }), 201);
    expect([await inMain(ids[0]!), await inYear(yearA, ids[0]!)]).toEqual([1, 0]);
    await expectOnce();
  });

  it("GET /tickets/{id}/messages of a retired ticket reads its mail in its year database and leaves it there", async () => {
    const customer = await makeUser("customer");
    const other = await makeUser("customer");
    const id = await ticket(customer, "Mail history", "see the mails", true);
    const before = await ok(call("GET", `/tickets/${id}/messages?limit=100`, staff.agent));
    expect(before.data.length).toBeGreaterThan(0);
    const outsider = (await call("GET", `/tickets/${id}/messages`, other)).status;
    expect(outsider).not.toBe(200);
    await settle();
    expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
    expect(await ok(call("GET", `/tickets/${id}/messages?limit=100`, staff.agent))).toEqual(before);
    // Paged: the same messages, one at a time.
    const one = await pages(staff.agent, `/tickets/${id}/messages`, 1);
    expect(one).toEqual(before.data.map((m: any) => m.id));
    expect((await call("GET", `/tickets/${id}/messages`, other)).status).toBe(outsider);
    expect((await call("GET", `/tickets/${id}/messages`, customer)).status).not.toBe(200);
    // Read in place: still in its year.
    expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
  });
});

describe("GET /tickets?q= across databases, equal created_at", () => {
  // A year's ticket created in the same millisecond as main's: main's comes first, the year's on the
  // next page, whose position in the year is "every row of that millisecond" (its id's low bits may
  // be any: 2^21 - 1 and 0 here, the ends of the range).
  for (const [sort, rowid] of [
    ["-created_at", 2 ** 21 - 1],
    ["created_at", 2 ** 21],
  ] as const) {
    it(`${sort}: the year's ticket (rowid ${rowid}) follows main's page after page`, async () => {
      const W = word();
      const customer = await makeUser("customer");
      const main = await ticket(customer, `${W} in main`, "x", true);
      const row = (await yearEnv.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(main).first<Record<string, unknown>>())!;
      const cols = (await yearA.prepare("SELECT name FROM pragma_table_info('tickets')").all<{ name: string }>()).results.map((c) => c.name).filter((c) => c in row);
      const copy: Record<string, unknown> = { ...row, id: `${main}-y`, number: `${String(row.number)}-y`, subject: `${W} in a year` };
      await yearA.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => copy[c] ?? null)).run();
      for (const limit of [1, 5]) expect(await listed(staff.agent, W, limit, `&sort=${sort}`), `limit ${limit}`).toEqual([main, `${main}-y`]);
    });
  }
});
