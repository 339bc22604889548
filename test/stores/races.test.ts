import { beforeAll, describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import { makeStaff, makeUser, type TestUser } from "../helpers";
import { archiveOnly, aroundBatch, base, call, DAY, deliver, inMain, inYear, ok, settle, YEAR, yearA, yearEnv } from "./support";

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

/** A closed ticket of `customer`, archived in main (not retired), and the retire message for it alone. */
async function archivedOnly(customer: TestUser, i: number) {
  const t = await ok(call("POST", "/tickets", customer, { subject: `Race ${i}`, description: `race ${i}`, priority: "medium", tags: ["vip"] }), 201);
  await ok(call("POST", `/tickets/${t.id}/comments`, staff.agent, { body: `reply ${i}` }), 201);
  await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "resolved" }));
  await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "closed" }));
  await archiveOnly();
  return { id: t.id as string, message: { kind: "retire", year: YEAR, ids: [t.id as string] } };
}

/** Reopen, raise, close again: a change a user sees, and the ticket closed for the archive. */
async function change(id: string) {
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "open", priority: "high" }));
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "resolved" }));
  await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "closed" }));
}

const where = async (id: string) => [await inMain(id), await inYear(yearA, id)];
const withYear = (d1: D1Database) => ({ ...yearEnv, [`TICKETS_${YEAR}`]: d1 }) as Bindings;

describe("the retire's races", () => {
  it("a run that read the ticket before it changed and retired again does not put its older row back: the change stays", async () => {
    const customer = await makeUser("customer");
    const { id, message } = await archivedOnly(customer, 1);
    // Run A reads the ticket (medium); before its copy lands, the ticket is raised to high, archived
    // again and retired by another run (the cron's next pass).
    const year = aroundBatch(yearA, {
      before: async () => {
        await change(id);
        await settle(Date.now() + 400 * DAY);
        expect(await where(id)).toEqual([0, 1]);
      },
    });
    expect(await deliver(message, withYear(year))).toBe(true);
    expect(await where(id)).toEqual([0, 1]);
    expect((await ok(call("GET", `/tickets/${id}`, customer))).priority).toBe("high");
    // Found by its tag where it is, once.
    const listed = await ok(call("GET", "/tickets?tag=vip&status=closed&limit=100", customer));
    expect(listed.data.filter((t: any) => t.id === id).map((t: any) => t.priority)).toEqual(["high"]);
  });

  it("a stale run's keep does not drop the newer run's copy: the ticket is never in neither database", async () => {
    const customer = await makeUser("customer");
    const { id, message } = await archivedOnly(customer, 2);
    let releaseA!: () => void;
    const aDone = new Promise<void>((r) => (releaseA = r));
    let bCopied!: () => void;
    const bReady = new Promise<void>((r) => (bCopied = r));
    let runB: Promise<boolean> | undefined;
    const reads: number[] = [];
    // Run A copies the ticket; before its delete from main, the ticket changes and is archived again,
    // and run B reads and copies the new row and waits before its own delete. A's delete is stale: A
    // keeps the ticket in main. Then B deletes from main: a read right after must find the ticket.
    const mainA = aroundBatch(base.DB, {
      before: async () => {
        await change(id);
        await archiveOnly();
        const mainB = aroundBatch(base.DB, {
          before: async () => {
            bCopied();
            await aDone;
          },
          after: async () => reads.push((await call("GET", `/tickets/${id}`, customer)).status),
        });
        runB = deliver(message, { ...yearEnv, DB: mainB });
        await bReady;
      },
    });
    expect(await deliver(message, { ...yearEnv, DB: mainA })).toBe(true);
    // A kept the ticket in main; B is between its copy and its delete.
    expect(await inMain(id)).toBe(1);
    releaseA();
    expect(await runB).toBe(true);
    expect(reads).toEqual([200]);
    expect(await where(id)).toEqual([0, 1]);
    expect((await ok(call("GET", `/tickets/${id}`, customer))).priority).toBe("high");
  });

  it("two runs of one state, one refused by a foreign key: it fences main's row rather than drop the other's copy", async () => {
    const customer = await makeUser("customer");
    const { id, message } = await archivedOnly(customer, 4);
    let releaseA!: () => void;
    const aDone = new Promise<void>((r) => (releaseA = r));
    let bCopied!: () => void;
    const bReady = new Promise<void>((r) => (bCopied = r));
    let runB: Promise<boolean> | undefined;
    const reads: number[] = [];
    // Run A copies the ticket; a mail row comes (the ticket's revision stays); run B (the chunk
    // delivered again) copies the same state with that row and waits before its delete. A's delete
    // is refused (the new row names the ticket): A keeps it in main. B's delete must not then leave
    // the ticket in neither database.
    const mainA = aroundBatch(base.DB, {
      before: async () => {
        await base.DB.prepare("INSERT INTO ticket_participants (ticket_id, email, added_at) VALUES (?, ?, ?)").bind(id, `late-${id}@example.com`, new Date().toISOString()).run();
        const mainB = aroundBatch(base.DB, {
          before: async () => {
            bCopied();
            await aDone;
          },
          after: async () => reads.push((await call("GET", `/tickets/${id}`, customer)).status),
        });
        runB = deliver(message, { ...yearEnv, DB: mainB });
        await bReady;
      },
    });
    expect(await deliver(message, { ...yearEnv, DB: mainA })).toBe(true);
    releaseA();
    expect(await runB).toBe(true);
    // B's delete was refused too (main's row moved on): no moment without the ticket, and it is in main once.
    expect(reads).toEqual([]);
    expect(await where(id)).toEqual([1, 0]);
    expect((await call("GET", `/tickets/${id}`, customer)).status).toBe(200);
    // The late mail row is in main with it, none in the year.
    expect(await base.DB.prepare("SELECT count(*) AS n FROM ticket_participants WHERE ticket_id = ? AND email = ?").bind(id, `late-${id}@example.com`).first("n")).toBe(1);
    expect(await yearA.prepare("SELECT count(*) AS n FROM ticket_participants WHERE ticket_id = ?").bind(id).first("n")).toBe(0);
  });

  it("two retire runs and a bring-back: the run that read the row before it left and came back does not delete it", async () => {
    const customer = await makeUser("customer");
    const { id, message } = await archivedOnly(customer, 3);
    const reads: number[] = [];
    // Run B reads and copies the ticket. Before its delete, run A (the chunk delivered again) moves
    // it, and a write that changes nothing (the priority it has) brings it back into main, at the
    // revision B read, and drops the year copy. B's delete must not take main's row now.
    const mainB = aroundBatch(base.DB, {
      before: async () => {
        expect(await deliver(message, yearEnv)).toBe(true);
        expect(await where(id)).toEqual([0, 1]);
        await ok(call("PATCH", `/tickets/${id}`, staff.agent, { priority: "medium" }));
        expect(await where(id)).toEqual([1, 0]);
      },
      after: async () => reads.push((await call("GET", `/tickets/${id}`, customer)).status),
    });
    expect(await deliver(message, { ...yearEnv, DB: mainB })).toBe(true);
    // B's delete was refused (the row came back since B read it): no moment without the ticket.
    expect(reads).toEqual([]);
    expect(await where(id)).toEqual([1, 0]);
    expect((await call("GET", `/tickets/${id}`, customer)).status).toBe(200);
    // The next pass moves it.
    await settle(Date.now() + 400 * DAY);
    expect(await where(id)).toEqual([0, 1]);
    expect((await call("GET", `/tickets/${id}`, customer)).status).toBe(200);
  });
});
