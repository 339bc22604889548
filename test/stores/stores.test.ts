import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { comments } from "../../src/db/schema";
import { yearOfTicketRef, yearBounds } from "../../src/db/ticket-stores";
import { newId } from "../../src/lib/ids";
import { metered as meteredD1, newMeter } from "../../src/db/metrics";
import { BASE, db, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { upload } from "../security/support";
import { drainJobs, jobsEnv, storedPoints } from "../reports/support";
import { archiveOnly, base, beforeStatement, call, DAY, deliver, failingBatches, inMain, inYear, metered, ok, pages, recorded, settle, tick, YEAR, yearA, yearEnv } from "./support";

/**
 * Issue 15 item 1, the year databases (docs/scale.md "Year databases"): archived tickets of a year
 * that is over move from main into `TICKETS_<year>` (the retire job: `scheduled` cron `*∕5`, then the
 * JOBS `queue`), and every route reads them where they are; a change brings one back. The year
 * bindings are two D1 databases of vitest.config.ts, handed to the Worker's entry points under
 * this year's and last year's names, so no other test sees a year database.
 */

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

const TAGS = ["vip", "billing", "printer"];
/** A ticket of `customer` with a staff reply, closed (`close`) or left open. */
async function ticket(customer: TestUser, i: number, close: boolean, priority = "medium", before?: (id: string) => Promise<unknown>) {
  const t = await ok(call("POST", "/tickets", customer, { subject: `Printer ${i}`, description: `jam ${i}`, priority, tags: [TAGS[i % 3]!] }), 201);
  await ok(call("POST", `/tickets/${t.id}/comments`, staff.agent, { body: `reply ${i}` }), 201);
  await before?.(t.id);
  if (close) {
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "closed" }));
  }
  return t.id as string;
}


async function readAll(user: TestUser, id: string) {
  const get = async (path: string) => {
    const r = await call("GET", `/tickets/${id}${path}`, user);
    return { status: r.status, body: r.body };
  };
  return { ticket: await get(""), comments: await get("/comments?limit=100"), history: await get("/history?limit=100"), attachments: await get("/attachments?limit=100") };
}

describe("year databases", () => {
  it("the id says the year", () => {
    const at = Date.UTC(2025, 6, 1);
    expect(yearOfTicketRef(newId(at))).toBe(2025);
    expect(yearOfTicketRef("TICK-20240105-0007")).toBe(2024);
    const { loId, hiId } = yearBounds(2025);
    expect(newId(at) > loId && newId(at) < hiId).toBe(true);
    expect(newId(Date.UTC(2026, 0, 1)) >= hiId).toBe(true);
    expect(yearOfTicketRef("not an id!")).toBeNull();
  });

  it("a year database has main's columns of every table that moves (migrations-years is generated from migrations: scripts/year-schema.mjs)", async () => {
    const columns = async (d1: D1Database, table: string) => (await d1.prepare(`SELECT name, type, "notnull", dflt_value FROM pragma_table_info('${table}') ORDER BY name`).all()).results;
    expect(await columns(yearA, "tickets")).toEqual(await columns(base.DB, "tickets"));
    for (const table of ["ticket_tag_index", "outbound_messages", "inbound_messages", "mail_message_ids", "ticket_participants"]) expect(await columns(yearA, table)).toEqual(await columns(base.DB, table));
  });

  it("… and main's indexes, partial conditions included: a list's `INDEXED BY` names an index both must have", async () => {
    const indexes = async (d1: D1Database, table: string) =>
      (await d1.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`).bind(table).all()).results;
    for (const table of ["tickets", "ticket_tag_index", "outbound_messages", "inbound_messages", "mail_message_ids", "ticket_participants"])
      expect(await indexes(yearA, table), table).toEqual(await indexes(base.DB, table));
  });

  it("retire → read on every route → lists → reopen: the same answers, another customer's id 404, reports unchanged, back in main", async () => {
    const customer = await makeUser("customer");
    const other = await makeUser("customer");
    const a = await ticket(customer, 0, true);
    const b = await ticket(customer, 1, true);
    // A file names the ticket from main (attachments): it cannot leave, and stays served from main.
    const held = await ticket(customer, 2, true, "medium", async (id) => expect((await upload(id, customer.token, "jam.txt")).status).toBe(201));
    const open = await ticket(customer, 3, false);

    const before = { staff: await readAll(staff.agent, a), customer: await readAll(customer, a) };
    const listBefore = await pages(customer, "/tickets?status=closed", 100);
    // A customer's lists in orders of their own priority and SLA-due indexes (migrations 0051, years' 0007): walked by name in each database.
    const ownBefore = { priority: await pages(customer, "/tickets?sort=priority", 100), tag: await pages(customer, "/tickets?tag=vip&sort=sla_due", 100) };
    expect([ownBefore.priority.length, ownBefore.tag.length]).toEqual([4, 2]);
    const points = await storedPoints();

    // A year and more later: the archive takes the closed tickets, then the retire moves them into this year's database.
    await settle(Date.now() + 400 * DAY);
    expect(await inMain(a)).toBe(0);
    expect(await inYear(yearA, a)).toBe(1);
    expect(await inMain(b)).toBe(0);
    expect(await inMain(held)).toBe(1);
    expect(await inYear(yearA, held)).toBe(0);
    expect(await inMain(open)).toBe(1);

    // Every route answers as before, for staff and for the requester.
    expect(await readAll(staff.agent, a)).toEqual(before.staff);
    expect(await readAll(customer, a)).toEqual(before.customer);
    // By number too.
    const number = before.staff.ticket.body.number;
    expect((await call("GET", `/tickets/${number}`, staff.agent)).body.id).toBe(a);
    // Another customer: 404 on every route, as before; so is an id of the right year that does not exist.
    for (const path of ["", "/comments", "/history", "/attachments"]) expect((await call("GET", `/tickets/${a}${path}`, other)).status).toBe(404);
    expect((await call("GET", `/tickets/${newId()}`, staff.agent)).status).toBe(404);
    expect((await call("GET", `/tickets?status=closed&limit=100`, other)).body.data).toEqual([]);
    // The requester's list of closed tickets: the same tickets, in the same order, across both databases.
    expect(await pages(customer, "/tickets?status=closed", 100)).toEqual(listBefore);
    expect(await pages(customer, "/tickets?status=closed", 1)).toEqual(listBefore);
    expect(await pages(customer, "/tickets?sort=priority", 1)).toEqual(ownBefore.priority);
    expect(await pages(customer, "/tickets?tag=vip&sort=sla_due", 1)).toEqual(ownBefore.tag);
    // Reports read rollups in main: not a figure moves.
    expect(await storedPoints()).toEqual(points);
    // The other reads of a ticket answer where it is and leave it there (a read never moves it).
    expect((await call("GET", `/tickets/${a}/satisfaction`, customer)).status).toBe(200);
    expect((await ok(call("GET", `/tickets/${a}/time-entries`, staff.agent))).data).toEqual([]);
    expect((await call("GET", `/tickets/${a}/suggested-articles`, staff.agent)).status).toBe(200);
    expectProblem(await call("GET", `/tickets/${a}/satisfaction`, other), 404, "NOT_FOUND");
    expect(await inYear(yearA, a)).toBe(1);
    expect(await inMain(a)).toBe(0);

    // Reopening brings it back into main first; the archive then restores its comments.
    const reopened = await ok(call("PATCH", `/tickets/${a}`, staff.agent, { status: "open" }));
    expect(reopened.status).toBe("open");
    expect(await inMain(a)).toBe(1);
    expect(await inYear(yearA, a)).toBe(0);
    expect((await db().select({ n: count() }).from(comments).where(eq(comments.ticketId, a)))[0]!.n).toBe(1);
    expect((await readAll(customer, a)).comments).toEqual(before.customer.comments);
    // A reply to the other one (a write through the comments route) does the same.
    await ok(call("POST", `/tickets/${b}/comments`, staff.agent, { body: "one more", internal: true }), 201);
    expect(await inMain(b)).toBe(1);
    expect(await inYear(yearA, b)).toBe(0);
  });

  it("erasing a person brings their retired tickets and mail back into main first: nothing of them stays in a year database", async () => {
    const person = await makeUser("customer");
    const id = await ticket(person, 50, true);
    await settle(Date.now() + 400 * DAY);
    expect(await inYear(yearA, id)).toBe(1);
    const mails = async () => Number((await yearA.prepare("SELECT count(*) AS n FROM outbound_messages WHERE to_address = ?").bind(person.email).first("n")) ?? 0);
    expect(await mails()).toBeGreaterThan(0);
    const res = await call("POST", `/users/${person.id}/erase`, staff.admin, { confirm: person.email });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((res.body as any).erased.tickets).toBe(1);
    expect(await inYear(yearA, id)).toBe(0);
    expect(await inMain(id)).toBe(1);
    expect(await mails()).toBe(0);
    expect(Number(await yearA.prepare("SELECT count(*) AS n FROM tickets WHERE requester_id = ?").bind(person.id).first("n"))).toBe(0);
  });

  it("erasing a person: a ticket a retire moves out again right after its bring-back comes back once more and is rewritten", async () => {
    const person = await makeUser("customer");
    const owner = await makeUser("customer");
    // Another customer's ticket the person was copied on: only their address names them there.
    const id = await ticket(owner, 52, true, "medium", (t) =>
      base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(t, person.email, new Date().toISOString()).run(),
    );
    await settle(Date.now() + 400 * DAY);
    const followed = async (d1: D1Database) => Number((await d1.prepare("SELECT count(*) AS n FROM ticket_participants WHERE email = ?").bind(person.email).first("n")) ?? 0);
    expect([await inMain(id), await inYear(yearA, id), await followed(yearA)]).toEqual([0, 1, 1]);
    // Erasure brings the ticket back (it follows it); before it restores what it brought back, a
    // retire pass moves the ticket, archived and closed, out again.
    const retireAgain = beforeStatement(
      base.DB,
      (sql) => /"requester_id" = \? and "tickets"\."deleted_at" is null and "tickets"\."archived_at" is not null/i.test(sql),
      async () => {
        expect(await deliver({ kind: "retire", year: yearOfTicketRef(id), ids: [id] })).toBe(true);
        expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
      },
    );
    const res = await call("POST", `/users/${person.id}/erase`, staff.admin, { confirm: person.email }, { ...yearEnv, DB: retireAgain } as Bindings);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Nothing of them is left in the year database; main's row names them no more either.
    expect([await inMain(id), await inYear(yearA, id)]).toEqual([1, 0]);
    expect([await followed(yearA), await followed(base.DB)]).toEqual([0, 0]);
  });

  it("an interrupted retire resumes without losing or duplicating a ticket; a message delivered twice moves nothing twice", async () => {
    const customer = await makeUser("customer");
    const ids = [await ticket(customer, 10, true), await ticket(customer, 11, true)];
    const later = Date.now() + 400 * DAY;
    // The archive first (its messages only).
    for (const m of (await tick(later)).filter((m) => m.kind === "archive")) expect(await deliver(m, yearEnv)).toBe(true);
    const retire = (await tick(later)).filter((m) => m.kind === "retire" && m.ids.some((id) => ids.includes(id)));
    expect(retire.length).toBeGreaterThan(0);
    // The consumer dies after copying into the year database, before main's delete: the message is retried.
    const failing = failingBatches();
    for (const m of retire) expect(await deliver(m, { ...yearEnv, DB: failing })).toBe(false);
    // Nothing lost: every ticket still in main; the copy of the first the chunk tried landed (the chunk stopped at its failed delete).
    const chunk = retire.flatMap((m) => m.ids);
    for (const id of chunk) expect(await inMain(id), id).toBe(1);
    let both = 0;
    for (const id of chunk) both += await inYear(yearA, id);
    expect(both).toBeGreaterThan(0);
    // Meanwhile each shows once, from main.
    const listed = await pages(customer, "/tickets", 100);
    expect(listed.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    // The redelivery finishes the move; a duplicate delivery finds nothing left to move.
    for (const m of retire) expect(await deliver(m, yearEnv)).toBe(true);
    for (const m of retire) expect(await deliver(m, yearEnv)).toBe(true);
    for (const id of ids) {
      expect(await inMain(id)).toBe(0);
      expect(await inYear(yearA, id)).toBe(1);
      expect((await call("GET", `/tickets/${id}`, customer)).status).toBe(200);
    }
    // No ticket of the chunk is in both databases.
    for (const id of chunk) expect((await inMain(id)) + (await inYear(yearA, id)), id).toBe(1);
    expect((await pages(customer, "/tickets", 100)).filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
  });

  it("lists across both databases return what one database did, in the same order, each page reading ≤ 100 rows per database", async () => {
    const customer = await makeUser("customer");
    const ids: string[] = [];
    // Open and closed tickets interleaved in time, priorities and tags mixed: the open stay in main, the closed move.
    for (let i = 0; i < 24; i++) ids.push(await ticket(customer, 100 + i, i % 3 !== 0, ["low", "medium", "high", "critical"][i % 4]!));
    const queries = [
      `requester_id=${customer.id}`,
      `requester_id=${customer.id}&sort=created_at`,
      `requester_id=${customer.id}&sort=-updated_at`,
      `requester_id=${customer.id}&sort=priority`,
      `requester_id=${customer.id}&sort=-priority`,
      `requester_id=${customer.id}&sort=sla_due`,
      `requester_id=${customer.id}&status=closed`,
      `requester_id=${customer.id}&status=open,closed&sort=created_at`,
      `requester_id=${customer.id}&tag=vip`,
      `requester_id=${customer.id}&priority=high,critical`,
      `requester_id=${customer.id}&sort=-updated_at&created_after=${encodeURIComponent(new Date(Date.now() - DAY).toISOString())}`,
    ];
    const limits = [1, 4, 7];
    const expected = new Map<string, string[]>();
    for (const q of queries) for (const limit of limits) expected.set(`${q}#${limit}`, await pages(staff.agent, `/tickets?${q}`, limit));
    await settle(Date.now() + 400 * DAY);
    const retired = (await Promise.all(ids.map((id) => inYear(yearA, id)))).filter((n) => n === 1).length;
    expect(retired).toBe(16);
    for (const q of queries) {
      for (const limit of limits) {
        const got = await pages(staff.agent, `/tickets?${q}`, limit);
        expect(got, `${q} limit=${limit}`).toEqual(expected.get(`${q}#${limit}`));
        expect(got.length).toBeGreaterThan(0);
      }
    }
    // Rows read per page, per database, on a metered walk.
    let touchedYear = 0;
    for (const q of queries) {
      let cursor: string | null = null;
      do {
        const res: Awaited<ReturnType<typeof metered>> = await metered(`/tickets?${q}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, staff.agent);
        const perDb = new Map(Object.entries(res.perDb));
        expect(perDb.has("DB")).toBe(true);
        if (perDb.has(`TICKETS_${YEAR}`)) touchedYear++;
        for (const [label, rows] of perDb) expect(rows, `${q} ${label}`).toBeLessThanOrEqual(100);
        cursor = (res.body as any).next_cursor;
      } while (cursor);
    }
    expect(touchedYear).toBeGreaterThan(5);
    // An open list never touches a year.
    const open = await metered(`/tickets?requester_id=${customer.id}&status=open&limit=5`, staff.agent);
    expect(Object.keys(open.perDb)).toEqual(["DB"]);
    // Nor does a created_at range outside the bound years, whatever the sort.
    const older = await metered(`/tickets?sort=-updated_at&created_before=${YEAR - 1}-01-01T00:00:00Z&limit=5`, staff.agent);
    expect(Object.keys(older.perDb)).toEqual(["DB"]);
  }, 180_000);

  it("a year copy left by an interrupted retire is never served once main's ticket is deleted", async () => {
    const customer = await makeUser("customer");
    const id = await ticket(customer, 310, true);
    // The copy an interrupted retire leaves behind (copied into the year, not yet deleted from main).
    const row = (await base.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(id).first()) as Record<string, unknown>;
    const cols = Object.keys(row);
    await yearA.prepare(`INSERT INTO tickets (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(...cols.map((c) => row[c] ?? null)).run();
    try {
      expect(await ok(call("DELETE", `/tickets/${id}`, staff.admin), 204)).toBeNull();
      for (const user of [customer, staff.agent]) expectProblem(await call("GET", `/tickets/${id}`, user), 404, "NOT_FOUND");
      expectProblem(await call("POST", `/tickets/${id}/comments`, customer, { body: "still there?" }), 404, "NOT_FOUND");
      expect(await inMain(id)).toBe(1);
    } finally {
      await yearA.prepare("DELETE FROM tickets WHERE id = ?").bind(id).run();
    }
  });

  it("an export of a list includes its retired tickets, in the list's order, and its estimate counts them", async () => {
    const customer = await makeUser("customer");
    const ids = [await ticket(customer, 400, true), await ticket(customer, 401, false), await ticket(customer, 402, true)];
    await settle(Date.now() + 400 * DAY);
    expect(await Promise.all(ids.map((id) => inYear(yearA, id)))).toEqual([1, 0, 1]);
    const listed = await pages(staff.manager, `/tickets?requester_id=${customer.id}&sort=created_at`, 100);
    expect(listed).toEqual(ids);
    const jobs = jobsEnv({ [`TICKETS_${YEAR}`]: yearA, [`TICKETS_${YEAR - 1}`]: env.TEST_YEAR_B } as Partial<Bindings>);
    const send = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${staff.manager.token}`, ...(body ? { "content-type": "application/json" } : {}) };
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`${BASE}/api/v1${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined }), jobs.env, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const created = await send("POST", "/exports", { kind: "tickets", format: "csv", filters: { requester_id: customer.id, sort: "created_at" }, columns: ["id", "subject"] });
    expect(created.status).toBe(202);
    const id = ((await created.json()) as { id: string }).id;
    await drainJobs(jobs);
    const job = (await (await send("GET", `/exports/${id}`)).json()) as { status: string; progress: { rows_done: number; rows_estimated: number } };
    expect(job.status).toBe("done");
    expect(job.progress).toEqual({ rows_done: 3, rows_estimated: 3 });
    const csv = await (await send("GET", `/exports/${id}/download`)).text();
    expect(csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(",")[0])).toEqual(ids);
  });

  it("a page filled by main's newer tickets still leads on to the older year's: the list does not end there", async () => {
    const customer = await makeUser("customer");
    const mainId = await ticket(customer, 300, true);
    // A ticket of last year, retired into last year's database (a copy of main's row, dated then).
    const at = Date.UTC(YEAR - 1, 5, 1, 12);
    const oldId = newId(at);
    const row = (await base.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(mainId).first()) as Record<string, unknown>;
    const old: Record<string, unknown> = { ...row, id: oldId, number: `TICK-${YEAR - 1}0601-${Math.floor(Math.random() * 1e6)}`, created_at: new Date(at).toISOString(), updated_at: new Date(at).toISOString() };
    const cols = Object.keys(old);
    await env.TEST_YEAR_B.prepare(`INSERT INTO tickets (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(...cols.map((c) => old[c] ?? null)).run();
    try {
      for (const path of ["/tickets?status=closed", "/tickets?status=closed&sort=created_at"]) {
        const expected = path.includes("sort=created_at") ? [oldId, mainId] : [mainId, oldId];
        expect(await pages(customer, path, 1), path).toEqual(expected);
        expect(await pages(customer, path, 25), path).toEqual(expected);
      }
      // And the retired ticket reads where it is.
      expect((await ok(call("GET", `/tickets/${oldId}`, customer))).id).toBe(oldId);
    } finally {
      await env.TEST_YEAR_B.prepare("DELETE FROM tickets WHERE id = ?").bind(oldId).run();
    }
  });

  it("the retire moves a ticket in 3 D1 round trips, 2 to main and 1 to its year (was 8: its throughput, a chunk's tickets go one by one)", async () => {
    const customer = await makeUser("customer");
    const all = [await ticket(customer, 40, true), await ticket(customer, 41, true), await ticket(customer, 42, true), await ticket(customer, 43, true)];
    await archiveOnly();
    // Their mail rows move with them, read in that batch (a follower each).
    for (const id of all) await base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(id, `cc-${id}@example.com`, new Date().toISOString()).run();
    const mail = async (d1: D1Database) => Number(await d1.prepare("SELECT count(*) AS n FROM ticket_participants WHERE ticket_id IN (?, ?, ?, ?)").bind(...all).first("n"));
    const main = recorded(base.DB);
    const year = recorded(yearA);
    expect(await deliver({ kind: "retire", year: YEAR, ids: all }, { ...yearEnv, DB: main.d1, [`TICKETS_${YEAR}`]: year.d1 } as Bindings)).toBe(true);
    for (const id of all) expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
    expect([await mail(base.DB), await mail(yearA)]).toEqual([0, 4]);
    // Per ticket: one batch of its row, what holds it and its mail rows, then the delete (main); the copy
    // (year). Per message: the year's position read and written.
    expect({ main: main.log.calls, year: year.log.calls }).toEqual({ main: 4 * 2, year: 4 + 2 });
  });

  it("the retire reads no mail rows of a ticket that may not leave (still open): the condition is in each mail select, still one round trip", async () => {
    const customer = await makeUser("customer");
    const open = await ticket(customer, 44, false);
    const closed = await ticket(customer, 45, true);
    await archiveOnly();
    const FOLLOWERS = 4;
    for (const id of [open, closed])
      for (let i = 0; i < FOLLOWERS; i++)
        await base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(id, `cc${i}-${id}@example.com`, new Date().toISOString()).run();
    const meter = newMeter();
    const main = recorded(meteredD1(base.DB, meter));
    expect(await deliver({ kind: "retire", year: YEAR, ids: [open, closed] }, { ...yearEnv, DB: main.d1 } as Bindings)).toBe(true);
    expect([await inMain(open), await inYear(yearA, open)]).toEqual([1, 0]);
    expect([await inMain(closed), await inYear(yearA, closed)]).toEqual([0, 1]);
    // Rows read by each mail select (its first parameter is the ticket): the open ticket's read its
    // eligibility (one row) and none of its mail; the leaving one's read its followers.
    const mailReads = (id: string) =>
      meter.statements.filter((st) => /from "(outbound_messages|inbound_messages|mail_message_ids|ticket_participants)"/i.test(st.sql) && /^select/i.test(st.sql.trim()) && st.params[0] === id);
    expect(mailReads(open)).toHaveLength(4);
    for (const st of mailReads(open)) expect(st.rowsRead, st.sql).toBeLessThanOrEqual(1);
    const followers = mailReads(closed).find((st) => /ticket_participants/.test(st.sql))!;
    expect(followers.rowsRead).toBeGreaterThanOrEqual(FOLLOWERS);
    // Round trips to main: the open ticket one batch (read, kept), the leaving one two (read, delete).
    expect(main.log.calls).toBe(1 + 2);
  });

  it("a team that a retired ticket belongs to cannot be deleted (409, as for a ticket in main); the ticket reopens", async () => {
    const customer = await makeUser("customer");
    const team = await ok(call("POST", "/teams", staff.manager, { name: `Retired team ${newId()}` }), 201);
    const id = await ticket(customer, 33, false);
    await ok(call("PATCH", `/tickets/${id}`, staff.manager, { team_id: team.id }));
    await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "closed" }));
    await settle(Date.now() + 400 * DAY);
    expect([await inMain(id), await inYear(yearA, id)]).toEqual([0, 1]);
    expectProblem(await call("DELETE", `/teams/${team.id}`, staff.manager), 409, "CONFLICT");
    expect((await call("GET", `/teams/${team.id}`, staff.agent)).status).toBe(200);
    const reopened = await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "open" }));
    expect(reopened.team_id).toBe(team.id);
    expect([await inMain(id), await inYear(yearA, id)]).toEqual([1, 0]);
    expectProblem(await call("DELETE", `/teams/${team.id}`, staff.manager), 409, "CONFLICT");
  });
});
