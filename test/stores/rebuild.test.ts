import { beforeAll, describe, expect, it } from "vitest";
import { callerContext, systemContext } from "../../src/contexts";
import { returnRetired } from "../../src/features/archive/archive.retire";
import type { Actor } from "../../src/domain/permissions";
import { addComment } from "../../src/features/comments/comments.service";
import { rebuildState } from "../../src/features/reports/reports.rebuild";
import { changeTicket, createTicket } from "../../src/features/tickets/tickets.service";
import { createDb } from "../../src/db/client";
import { makeStaff, makeUser, type TestUser } from "../helpers";
import { backlogs, drainJobs, jobsEnv, storedPoints } from "../reports/support";
import { archiveOnly, base, beforeBatch, call, DAY, deliver, inMain, inYear, ok, recorded, settle, tick, YEAR, yearA, yearB, yearEnv, years } from "./support";

/**
 * Issue 15, the rollup rebuild with year databases bound (docs/scale.md "Year databases"): the
 * rebuild counts every ticket once wherever it lives, main's and each retired year's, while tickets
 * come back into main (a write brings a retired one back) and the retire moves them out, between
 * its steps and inside one. Through `fetch` (POST /reports/rebuild, the report routes), `queue`
 * (its steps, the retire) and `scheduled` (archive and retire crons).
 */
const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });
const at = (u: TestUser, iso: string) => callerContext(base, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date(iso) });
const LATER = Date.now() + 400 * DAY;

let staff: Awaited<ReturnType<typeof makeStaff>>;
let customer: TestUser;
const main: string[] = [];
const retiredA: string[] = [];
const retiredB: string[] = [];
const waiting: string[] = [];

/** A ticket through `fetch` with a staff reply; closed (resolved, then closed) unless `open`. */
async function ticket(i: number, open = false) {
  const t = await ok(call("POST", "/tickets", customer, { subject: `Rebuild ${i}`, description: `d ${i}`, priority: ["low", "high"][i % 2] }), 201);
  await ok(call("POST", `/tickets/${t.id}/comments`, staff.agent, { body: `reply ${i}` }), 201);
  if (!open) {
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "closed" }));
  }
  return t.id as string;
}

/** A ticket of last year (its id says so: ids are time-ordered), replied to, solved and closed then. */
async function lastYears(i: number) {
  const day = `${YEAR - 1}-0${3 + i}-10`;
  const id = (await createTicket(at(customer, `${day}T08:00:00Z`), { subject: `Old ${i}`, description: "d", priority: "medium", channel: "web", tags: [] })).body.id;
  await addComment(at(staff.agent, `${day}T09:00:00Z`), id, { body: "on it", internal: false });
  await changeTicket(at(staff.agent, `${day}T10:00:00Z`), id, { status: "resolved" }, { type: "updated" });
  await changeTicket(at(staff.agent, `${day}T11:00:00Z`), id, { status: "closed" }, { type: "updated" });
  return id;
}

/** What the reports answer (every report route) and the rollups hold (their plain sums, the open-ticket counters). */
async function figures() {
  const period = `from=${YEAR - 1}-01-01&to=${new Date().toISOString().slice(0, 10)}`;
  const reports: Record<string, unknown> = {};
  for (const path of [`overview?${period}`, `agents?${period}`, "backlog", `sla?${period}`, `time?${period}&group_by=agent`, `time?${period}&group_by=ticket`]) {
    reports[path] = await ok(call("GET", `/reports/${path}`, staff.manager));
  }
  const b = await backlogs();
  return { reports, points: Object.fromEntries([...(await storedPoints())].sort()), open: Object.fromEntries([...b.stored].sort()), openBy: Object.fromEntries([...b.storedBy].sort()) };
}

/** POST /reports/rebuild with the years bound, its steps delivered through `queue` (`between` before each); the number of deliveries. */
async function rebuild(between?: (state: Awaited<ReturnType<typeof rebuildState>>) => Promise<void>, db: D1Database = base.DB) {
  const jobs = jobsEnv({ ...years, DB: db });
  const res = await call("POST", "/reports/rebuild", staff.admin, {}, jobs.env);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const steps = await drainJobs(jobs, between && (async () => between(await rebuildState({ db: createDb(base.DB) }))));
  expect((await rebuildState({ db: createDb(base.DB) })).phase).toBe("live");
  return steps;
}

const retire = (id: string) => deliver({ kind: "retire", year: YEAR, ids: [id] });
const where = async (id: string) => [await inMain(id), await inYear(yearA, id), await inYear(yearB, id)];
/** An internal note: a write, so a retired ticket comes back into main first; no figure moves. */
const note = (id: string) => ok(call("POST", `/tickets/${id}/comments`, staff.agent, { body: "a note", internal: true }), 201);

beforeAll(async () => {
  staff = await makeStaff();
  customer = await makeUser("customer");
  for (let i = 0; i < 2; i++) main.push(await ticket(i, true));
  for (let i = 0; i < 4; i++) retiredA.push(await ticket(10 + i));
  for (let i = 0; i < 3; i++) retiredB.push(await lastYears(i));
  await settle(LATER);
  // Closed and archived, not retired yet: the retire moves them while a rebuild walks.
  for (let i = 0; i < 2; i++) waiting.push(await ticket(20 + i));
  await archiveOnly(LATER);
}, 180_000);

describe("a rollup rebuild with year databases bound", () => {
  it("counts main's tickets and each year's: the rebuilt figures are the figures before", async () => {
    for (const id of main) expect(await where(id)).toEqual([1, 0, 0]);
    for (const id of retiredA) expect(await where(id)).toEqual([0, 1, 0]);
    for (const id of retiredB) expect(await where(id)).toEqual([0, 0, 1]);
    for (const id of waiting) expect(await where(id)).toEqual([1, 0, 0]);
    const before = await figures();
    expect(Object.keys(before.points).length).toBeGreaterThan(20);
    await rebuild();
    expect(await figures()).toEqual(before);
  }, 120_000);

  it("tickets brought back and retired between its steps are each counted once", async () => {
    const before = await figures();
    const seen: string[] = [];
    await rebuild(async (state) => {
      if (state.phase === "staging" && state.watermark === "" && !seen.includes("start")) {
        seen.push("start");
        // The walk has not reached them: a retired ticket comes back (read in main later) and an
        // archived one may not leave main yet (kept: the walk has not counted it).
        await note(retiredA[0]!);
        expect(await where(retiredA[0]!)).toEqual([1, 0, 0]);
        expect(await retire(waiting[0]!)).toBe(true);
        expect(await where(waiting[0]!)).toEqual([1, 0, 0]);
        // Nor does the cron queue them: its scan skips what the walk has not counted (else each
        // tick would copy them into the year and drop the copy again until staging ends).
        const queued = (await tick(LATER)).filter((m) => m.kind === "retire").flatMap((m) => m.ids);
        expect(queued).not.toContain(waiting[0]);
        expect(queued).not.toContain(waiting[1]);
      } else if (state.phase === "staging" && state.watermark !== "" && !seen.includes("walked")) {
        seen.push("walked");
        // Past them: both directions move a counted ticket, whose figures stay where they are.
        await note(retiredB[0]!);
        expect(await where(retiredB[0]!)).toEqual([1, 0, 0]);
        expect(await retire(waiting[1]!)).toBe(true);
        expect(await where(waiting[1]!)).toEqual([0, 1, 0]);
      } else if (state.phase === "converting" && !seen.includes("converting")) {
        seen.push("converting");
        await note(retiredA[1]!);
        expect(await where(retiredA[1]!)).toEqual([1, 0, 0]);
      }
    });
    expect(seen).toEqual(["start", "walked", "converting"]);
    expect(await figures()).toEqual(before);
    // Live again, the retire moves what waited (re-archived first: the notes restored them).
    await settle(LATER);
    expect(await where(waiting[0]!)).toEqual([0, 1, 0]);
    expect(await figures()).toEqual(before);
  }, 180_000);

  it("a ticket brought back and changed between a step's reads and its batch fails the step's guard: the step reads it again, in main", async () => {
    const back = retiredA[2]!;
    expect(await where(back)).toEqual([0, 1, 0]);
    const before = await figures();
    // The step's batch, once it has read main and the years (the ticket in its year): a reopen
    // brings the ticket back into main inside the chunk's range and moves its figures (its delta is
    // not staged: the watermark has not reached it). Counting the row read from the year would lose it.
    const racing = beforeBatch(
      async () => expect((await ok(call("PATCH", `/tickets/${back}`, staff.agent, { status: "open" }))).status).toBe("open"),
      async () => {
        const s = await rebuildState({ db: createDb(base.DB) });
        return s.phase === "staging" && s.watermark === "";
      },
    );
    const watched = recorded(racing);
    await rebuild(undefined, watched.d1);
    expect(watched.log.failures.length).toBe(1);
    expect(watched.log.failures[0]).toMatch(/overflow/);
    expect(await where(back)).toEqual([1, 0, 0]);
    const after = await figures();
    expect((after.reports.backlog as { total: number }).total).toBe((before.reports.backlog as { total: number }).total + 1);
    // What a rebuild with nothing happening meanwhile counts.
    await rebuild();
    expect(await figures()).toEqual(after);
  }, 120_000);

  it("a change that moves figures during the walk (a retired ticket reopened) is counted once: the same as a quiet rebuild after it", async () => {
    const reopened = retiredA[3]!;
    expect(await where(reopened)).toEqual([0, 1, 0]);
    const quiet = await figures();
    let done = false;
    await rebuild(async (state) => {
      if (state.phase === "staging" && state.watermark !== "" && !done) {
        done = true;
        expect((await ok(call("PATCH", `/tickets/${reopened}`, staff.agent, { status: "open" }))).status).toBe("open");
      }
    });
    expect(done).toBe(true);
    const after = await figures();
    expect(after).not.toEqual(quiet);
    expect((after.reports.backlog as { total: number }).total).toBe((quiet.reports.backlog as { total: number }).total + 1);
    await rebuild();
    expect(await figures()).toEqual(after);
  }, 180_000);
});

describe("a retired ticket whose team is gone", () => {
  /** A ticket of a new team, closed, archived and retired into this year's database; the team. */
  async function retiredOfTeam(i: number) {
    const team = await ok(call("POST", "/teams", staff.manager, { name: `Gone ${i} ${crypto.randomUUID()}` }), 201);
    const id = await ticket(40 + i, true);
    await ok(call("PATCH", `/tickets/${id}`, staff.manager, { team_id: team.id }));
    await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "closed" }));
    return { id, team: team.id as string };
  }

  /** A write of it comes back without the team: a system change in its history; the figures as a rebuild counts them. */
  async function expectClearedOnWrite(id: string, team: string) {
    const reopened = await ok(call("PATCH", `/tickets/${id}`, staff.agent, { status: "open" }));
    expect(reopened).toMatchObject({ status: "open", team_id: null });
    expect(await where(id)).toEqual([1, 0, 0]);
    const history = await ok(call("GET", `/tickets/${id}/history?limit=100`, staff.agent));
    const cleared = history.data.find((e: any) => "team_id" in e.changes && e.changes.team_id[1] === null);
    expect(cleared).toMatchObject({ actor: null, changes: { team_id: [team, null] } });
    // Another write works as on any ticket.
    await ok(call("POST", `/tickets/${id}/comments`, staff.agent, { body: "back", internal: true }), 201);
    // The team's figures moved with it: the rollups equal a rebuild's count.
    const now = await figures();
    await rebuild();
    expect(await figures()).toEqual(now);
  }

  it("deleted before the year databases were checked: the bring-back clears the team, and writes work", async () => {
    const { id, team } = await retiredOfTeam(0);
    await settle(LATER);
    expect(await where(id)).toEqual([0, 1, 0]);
    // What a deployment before deleteTeam's look into the year databases did: the team went, main's foreign key had nothing to refuse.
    await base.DB.batch([base.DB.prepare("DELETE FROM team_members WHERE team_id = ?").bind(team), base.DB.prepare("DELETE FROM teams WHERE id = ?").bind(team)]);
    expect((await call("GET", `/teams/${team}`, staff.agent)).status).toBe(404);
    // A read leaves it where it is, with the team it names.
    expect((await ok(call("GET", `/tickets/${id}`, staff.agent))).team_id).toBe(team);
    await expectClearedOnWrite(id, team);
  }, 180_000);

  it("a bring-back that clears the team with no write after it (a refused write, a person's export): restored as by a write, it is archived and retired again", async () => {
    const { id, team } = await retiredOfTeam(2);
    await settle(LATER);
    expect(await where(id)).toEqual([0, 1, 0]);
    await base.DB.batch([base.DB.prepare("DELETE FROM team_members WHERE team_id = ?").bind(team), base.DB.prepare("DELETE FROM teams WHERE id = ?").bind(team)]);
    expect(await returnRetired(systemContext(yearEnv, "test", { now: new Date() }), id)).toBe(true);
    expect(await where(id)).toEqual([1, 0, 0]);
    // Before, the clearing's history entry sat in D1 beside the archived ticket's document and kept it
    // from retiring (the retire's history check) until some write came: in main for good.
    await settle(LATER);
    expect(await where(id)).toEqual([0, 1, 0]);
    const read = await ok(call("GET", `/tickets/${id}`, staff.agent));
    expect(read.team_id).toBeNull();
    const history = await ok(call("GET", `/tickets/${id}/history?limit=100`, staff.agent));
    expect(history.data.find((e: any) => "team_id" in e.changes && e.changes.team_id[1] === null)).toMatchObject({ actor: null, changes: { team_id: [team, null] } });
    const thread = await ok(call("GET", `/tickets/${id}/comments?limit=100`, staff.agent));
    expect(thread.data.map((c: any) => c.body)).toContain("reply 42");
    // The figures as a rebuild counts them.
    const now = await figures();
    await rebuild();
    expect(await figures()).toEqual(now);
  }, 180_000);

  it("deleted while the retire moves one of its tickets (deleteTeam looked into the years before the move): the same", async () => {
    const { id, team } = await retiredOfTeam(1);
    await archiveOnly(LATER);
    expect(await where(id)).toEqual([1, 0, 0]);
    // deleteTeam found no retired ticket of the team; the retire moves this one before its batch in
    // main, which then finds no ticket of the team in main either.
    // (Its batch: the members, the team, the audit row; the request's rate-limit batch comes before it.)
    const racing = beforeBatch(
      async () => {
        expect(await retire(id)).toBe(true);
        expect(await where(id)).toEqual([0, 1, 0]);
      },
      async (stmts) => stmts.length === 3,
    );
    const deleted = await call("DELETE", `/teams/${team}`, staff.manager, undefined, { ...yearEnv, DB: racing });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect((await call("GET", `/teams/${team}`, staff.agent)).status).toBe(404);
    await expectClearedOnWrite(id, team);
  }, 180_000);
});
