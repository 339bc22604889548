import { beforeAll, describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import { systemContext } from "../../src/contexts";
import { returnRetired } from "../../src/features/archive/archive.retire";
import { makeStaff, makeUser } from "../helpers";
import { archiveOnly, base, call, DAY, deliver, failingBatches, hooked, inMain, inYear, ok, settle, YEAR, yearA, yearEnv } from "./support";

/**
 * The retire's move against everything that can run between its steps (docs/scale.md "Year
 * databases", archive.retire.ts retireTicket: the orderings table). Each test drives one
 * interleaving for real: the hooks run another run's steps, a change or a read between two D1
 * calls of a retire run, through the Worker's `queue`, `scheduled` and `fetch`. Every one of them
 * lost the ticket or a change before the year copy and its drop were ordered by the row's state.
 */

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

/**
 * A customer's closed ticket (medium, tagged), archived in main (not retired); the retire message
 * for it alone; and where it is and what the customer reads of it.
 */
async function archivedTicket(i: number) {
  const customer = await makeUser("customer");
  const t = await ok(call("POST", "/tickets", customer, { subject: `Race ${i}`, description: `race ${i}`, priority: "medium", tags: ["vip"] }), 201);
  const id = t.id as string;
  await ok(call("POST", `/tickets/${id}/comments`, staff.agent, { body: `reply ${i}` }), 201);
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "resolved" }));
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "closed" }));
  await archiveOnly();
  return {
    id,
    customer,
    message: { kind: "retire", year: YEAR, ids: [id] },
    /** [in main, in the year]: 0 or 1 each. */
    where: async () => [await inMain(id), await inYear(yearA, id)],
    /** The status of the customer's GET of it now (404: in neither database). */
    read: async () => (await call("GET", `/tickets/${id}`, customer)).status,
    priority: async () => (await ok(call("GET", `/tickets/${id}`, customer))).priority as string,
  };
}
type Race = Awaited<ReturnType<typeof archivedTicket>>;

/** Reopen, raise, close again: a change a user sees, and the ticket closed for the archive. */
async function change(id: string) {
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "open", priority: "high" }));
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "resolved" }));
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "closed" }));
}

/** A delivery of the ticket's retire message with main's or the year's binding `d1` in place. */
const run = (race: Race, d1: { DB: D1Database } | { year: D1Database }) =>
  deliver(race.message, { ...yearEnv, ...("DB" in d1 ? { DB: d1.DB } : { [`TICKETS_${YEAR}`]: d1.year }) } as Bindings);

/**
 * Run B of the ticket's retire, started now: it reads and copies, then waits before its delete
 * from main (its first batch there) until `release`d. `reads`: the customer's GET right after that
 * delete committed (none if it was refused).
 */
function pausedRun(race: Race) {
  let atDelete!: () => void;
  const paused = new Promise<void>((r) => (atDelete = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const reads: number[] = [];
  const main = hooked(base.DB, {
    before: async () => {
      atDelete();
      await released;
    },
    after: async () => reads.push(await race.read()),
  });
  return { paused, release, reads, done: run(race, { DB: main }) };
}

describe("the retire's races", () => {
  it("a run that read the ticket before it changed and retired again does not put its older row back: the change stays", async () => {
    const race = await archivedTicket(1);
    // Run A reads the ticket (medium); before its copy lands, the ticket is raised to high, archived
    // again and retired by another run (the cron's next pass).
    const year = hooked(yearA, {
      before: async () => {
        await change(race.id);
        await settle(Date.now() + 400 * DAY);
        expect(await race.where()).toEqual([0, 1]);
      },
    });
    expect(await run(race, { year })).toBe(true);
    expect(await race.where()).toEqual([0, 1]);
    expect(await race.priority()).toBe("high");
    // Found by its tag where it is, once.
    const listed = await ok(call("GET", "/tickets?tag=vip&status=closed&limit=100", race.customer));
    expect(listed.data.filter((t: any) => t.id === race.id).map((t: any) => t.priority)).toEqual(["high"]);
  });

  it("a stale run's keep does not drop the newer run's copy: the ticket is never in neither database", async () => {
    const race = await archivedTicket(2);
    let b!: ReturnType<typeof pausedRun>;
    // Run A copies the ticket; before its delete from main, the ticket changes and is archived again,
    // and run B reads and copies the new row and waits before its own delete. A's delete is stale: A
    // keeps the ticket in main. Then B deletes from main: a read right after must find the ticket.
    const mainA = hooked(base.DB, {
      before: async () => {
        await change(race.id);
        await archiveOnly();
        b = pausedRun(race);
        await b.paused;
      },
    });
    expect(await run(race, { DB: mainA })).toBe(true);
    // A kept the ticket in main; B is between its copy and its delete.
    expect(await inMain(race.id)).toBe(1);
    b.release();
    expect(await b.done).toBe(true);
    expect(b.reads).toEqual([200]);
    expect(await race.where()).toEqual([0, 1]);
    expect(await race.priority()).toBe("high");
  });

  it("a stale run leaves alone a later run's copy at main's state; that run dead before its delete, its message's redelivery finishes the move", async () => {
    const race = await archivedTicket(5);
    // Run A copies the ticket; before its delete, the ticket changes and is archived again, and run B
    // copies the new row and dies before its delete (its message stays for a retry). A's delete is
    // stale: it keeps the ticket in main and leaves B's copy (it cannot tell a dead run from a live one).
    const mainA = hooked(base.DB, {
      before: async () => {
        await change(race.id);
        await archiveOnly();
        expect(await run(race, { DB: failingBatches() })).toBe(false);
      },
    });
    expect(await run(race, { DB: mainA })).toBe(true);
    // The duplicate for a while (docs/scale.md "Not built"): main's row is the one read.
    expect(await race.where()).toEqual([1, 1]);
    expect(await race.priority()).toBe("high");
    // The queue redelivers B's message: the move finishes, once.
    expect(await run(race, { DB: base.DB })).toBe(true);
    expect(await race.where()).toEqual([0, 1]);
    expect(await race.priority()).toBe("high");
  });

  it("two runs of one state, one refused by a foreign key: it fences main's row rather than drop the other's copy", async () => {
    const race = await archivedTicket(4);
    const late = `late-${race.id}@example.com`;
    let b!: ReturnType<typeof pausedRun>;
    // Run A copies the ticket; a mail row comes (the ticket's revision stays); run B (the chunk
    // delivered again) copies the same state with that row and waits before its delete. A's delete
    // is refused (the new row names the ticket): A keeps it in main. B's delete must not then leave
    // the ticket in neither database.
    const mainA = hooked(base.DB, {
      before: async () => {
        await base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(race.id, late, new Date().toISOString()).run();
        b = pausedRun(race);
        await b.paused;
      },
    });
    expect(await run(race, { DB: mainA })).toBe(true);
    b.release();
    expect(await b.done).toBe(true);
    // B's delete was refused too (main's row moved on): no moment without the ticket, and it is in main once.
    expect(b.reads).toEqual([]);
    expect(await race.where()).toEqual([1, 0]);
    expect(await race.read()).toBe(200);
    // The late mail row is in main with it, none in the year.
    expect(await base.DB.prepare("SELECT count(*) AS n FROM ticket_participants WHERE ticket_id = ? AND email = ?").bind(race.id, late).first("n")).toBe(1);
    expect(await yearA.prepare("SELECT count(*) AS n FROM ticket_participants WHERE ticket_id = ?").bind(race.id).first("n")).toBe(0);
  });

  it("two retire runs and a bring-back: the run that read the row before it left and came back does not delete it", async () => {
    const race = await archivedTicket(3);
    const reads: number[] = [];
    // Run B reads and copies the ticket. Before its delete, run A (the chunk delivered again) moves
    // it, and a write that changes nothing (the priority it has) brings it back into main, at the
    // revision B read, and drops the year copy. B's delete must not take main's row now.
    const mainB = hooked(base.DB, {
      before: async () => {
        expect(await run(race, { DB: base.DB })).toBe(true);
        expect(await race.where()).toEqual([0, 1]);
        await ok(call("PATCH", `/tickets/${race.id}`, staff.agent, { priority: "medium" }));
        expect(await race.where()).toEqual([1, 0]);
      },
      after: async () => reads.push(await race.read()),
    });
    expect(await run(race, { DB: mainB })).toBe(true);
    // B's delete was refused (the row came back since B read it): no moment without the ticket.
    expect(reads).toEqual([]);
    expect(await race.where()).toEqual([1, 0]);
    expect(await race.read()).toBe(200);
    // The next pass moves it.
    await settle(Date.now() + 400 * DAY);
    expect(await race.where()).toEqual([0, 1]);
    expect(await race.read()).toBe(200);
  });

  it("two retire runs of one ticket at once: the run that finds it moved keeps the year copy (in exactly one database)", async () => {
    const race = await archivedTicket(30);
    // Run B reads and copies the ticket; run A (the same message delivered again) moves it before B's delete.
    const mainB = hooked(base.DB, {
      before: async () => {
        expect(await run(race, { DB: base.DB })).toBe(true);
        expect(await race.where()).toEqual([0, 1]);
      },
    });
    expect(await run(race, { DB: mainB })).toBe(true);
    expect(await race.where()).toEqual([0, 1]);
    // Delivered once more: nothing moves, nothing drops.
    expect(await run(race, { DB: base.DB })).toBe(true);
    expect(await race.where()).toEqual([0, 1]);
    expect(await race.read()).toBe(200);
  });

  it("a bring-back of a ticket main still holds (a retire between its copy and its delete): the retire's delete is refused, the ticket stays in main, once", async () => {
    const race = await archivedTicket(31);
    const outbound = async (d1: D1Database) => Number(await d1.prepare("SELECT count(*) AS n FROM outbound_messages WHERE ticket_id = ?").bind(race.id).first("n"));
    // What privacy's bring-back of every ticket a year holds meets: a retire's copy, main's row not yet deleted.
    const main = hooked(base.DB, {
      before: async () => {
        expect(await race.where()).toEqual([1, 1]);
        expect(await returnRetired(systemContext(yearEnv, "vitest", { now: new Date() }), race.id)).toBe(true);
      },
    });
    expect(await run(race, { DB: main })).toBe(true);
    expect(await race.where()).toEqual([1, 0]);
    expect(await outbound(yearA)).toBe(0);
    expect(await outbound(base.DB)).toBeGreaterThan(0);
    expect(await race.read()).toBe(200);
    // The next pass moves it.
    await settle(Date.now() + 400 * DAY);
    expect(await race.where()).toEqual([0, 1]);
  });

  it("a mail row that comes between the retire's read and its delete is not deleted uncopied: the ticket stays in main", async () => {
    const race = await archivedTicket(32);
    const late = `late-${race.id}@example.com`;
    const main = hooked(base.DB, {
      before: () => base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(race.id, late, new Date().toISOString()).run(),
    });
    expect(await run(race, { DB: main })).toBe(true);
    expect(await race.where()).toEqual([1, 0]);
    expect(await base.DB.prepare("SELECT email FROM ticket_participants WHERE ticket_id = ? AND email = ?").bind(race.id, late).first("email")).toBe(late);
    // Its earlier mail is still in main too.
    expect(Number(await base.DB.prepare("SELECT count(*) AS n FROM outbound_messages WHERE ticket_id = ?").bind(race.id).first("n"))).toBeGreaterThan(0);
  });
});
