import { describe, expect, it } from "vitest";
import { callerContext, systemContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../src/domain/vocabulary";
import { addComment } from "../../src/features/comments/comments.service";
import { createTeam } from "../../src/features/teams/teams.service";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { AppError } from "../../src/lib/errors";
import { runSlaSweep } from "../../src/jobs/sla-sweep";
import { startOfLocalDay } from "../../src/domain/business-hours";
import { blockOf, dateOf, DAY_MS as DAY, GRANULARITIES, periodStarts, QUARTER_MS } from "../../src/domain/rollups";
import { overview } from "../../src/features/reports/reports.service";
import { logTime } from "../../src/features/time/time.service";
import { makeUser, type TestUser } from "../helpers";
import { createDb } from "../../src/db/client";
import { foldJournal } from "../../src/features/reports/reports.journal";
import { bindings, expectedAllBefore, expectRollupsMatchRows, expectTotalsMatchRows, foldNow, journalCount, prng, rebuildNow, vectorMinus } from "./support";

const MIN = 60_000;
const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

/**
 * A seeded random sequence of ticket changes through the services (the one ticket write), at a
 * clock that moves forward by random steps over months, with time logged late (dated back across
 * blocks of day rows) and tickets moved between teams, agents and priorities (their figures dated
 * back to their creation): after it, the rollups and what the reports read from them equal a
 * recomputation from the ticket rows; a rebuild reaches the same tables; and changes made while a
 * rebuild runs are counted exactly once.
 */
describe("report rollups equal a recomputation from the ticket rows", () => {
  it("after 1,000 random changes, after a rebuild, and with changes during a rebuild", async () => {
    const [manager, admin, a1, a2, c1, c2, c3] = await Promise.all([
      makeUser("manager"),
      makeUser("admin"),
      makeUser("agent"),
      makeUser("agent"),
      makeUser("customer"),
      makeUser("customer"),
      makeUser("customer"),
    ]);
    const start = Date.parse("2026-03-20T08:00:00.000Z"); // crosses Europe's DST change (2026-03-29)
    let now = start;
    const at = (u: TestUser | null) => (u ? callerContext(bindings, actorOf(u), { ip: null, userAgent: "property" }, { now: new Date(now) }) : systemContext(bindings, "property", { now: new Date(now) }));
    const teamA = (await createTeam(at(manager), { name: `A ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [a1.id, a2.id] })).id;
    const teamB = (await createTeam(at(manager), { name: `B ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [a2.id] })).id;
    const rnd = prng(20261126);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ids: string[] = [];
    const requesterOf = new Map<string, TestUser>();
    const outcomes: Record<string, number> = {};
    const customers = [c1, c2, c3];
    const staff = [a1, a2, manager];

    async function step() {
      now += Math.floor(rnd() * 90) * MIN + Math.floor(rnd() * 60_000);
      // Now and then days go by: the sequence spans several blocks of day rows (BLOCK_DAYS).
      if (rnd() < 0.03) now += Math.floor(rnd() * 20 * DAY);
      const r = rnd();
      const ticket = ids.length ? pick(ids) : null;
      if (!ticket || r < 0.22) {
        const who = rnd() < 0.5 ? pick(customers) : manager;
        const requester = who === manager ? pick(customers) : who;
        const res = await createTicket(at(who), {
          subject: "property",
          description: "d",
          priority: pick(TICKET_PRIORITIES),
          channel: pick(TICKET_CHANNELS),
          category: pick([undefined, "billing", "bug", "how to"]),
          tags: [],
          ...(who === manager && rnd() < 0.6 ? { team_id: pick([teamA, teamB]) } : {}),
          ...(who === manager ? { requester_email: requester.email } : {}),
        });
        ids.push(res.body.id);
        requesterOf.set(res.body.id, requester);
        return "create";
      }
      if (r < 0.45) {
        await changeTicket(at(pick(staff)), ticket, { status: pick(TICKET_STATUSES) }, { type: "updated" });
        return "status";
      }
      if (r < 0.55) {
        const edit = pick([{ priority: pick(TICKET_PRIORITIES) }, { category: pick([null, "billing", "bug", "refund"]) }, { teamId: pick([null, teamA, teamB]) }, { assigneeId: pick([null, a1.id, a2.id]) }]);
        await changeTicket(at(manager), ticket, edit, { type: "updated" });
        return "field";
      }
      if (r < 0.75) {
        await addComment(at(pick(staff)), ticket, { body: "staff reply", internal: rnd() < 0.2 });
        return "staff comment";
      }
      if (r < 0.88) {
        // The requester replies (reopens a pending or resolved ticket); now and then another customer, refused (404).
        await addComment(at(rnd() < 0.9 ? requesterOf.get(ticket)! : pick(customers)), ticket, { body: "customer reply", internal: false });
        return "customer comment";
      }
      if (r < 0.91) {
        await deleteTicket(at(admin), ticket);
        ids.splice(ids.indexOf(ticket), 1);
        return "delete";
      }
      if (r < 0.95) {
        // Time logged late, dated up to 150 days back: across blocks, into days and quarters long written.
        const startedAt = new Date(now - Math.floor(rnd() * 150 * DAY)).toISOString();
        await logTime(at(pick(staff)), ticket, { minutes: 1 + Math.floor(rnd() * 120), billable: rnd() < 0.5, started_at: startedAt });
        return "back-dated time";
      }
      await runSlaSweep(at(null));
      return "sweep";
    }

    // Folds of the report journal at random moments, from their own seed (the changes stay the same
    // sequence): the checks below find it folded, partly folded or not at all.
    const foldRnd = prng(4242);
    async function run(n: number) {
      for (let i = 0; i < n; i++) {
        const f = foldRnd();
        if (f < 0.04) outcomes.fold = (outcomes.fold ?? 0) + (await foldNow()).folds;
        else if (f < 0.06) outcomes["fold one"] = (outcomes["fold one"] ?? 0) + (await foldJournal({ db: createDb(bindings.DB) })).rows;
        try {
          const kind = await step();
          outcomes[kind] = (outcomes[kind] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          outcomes[`refused ${err.status}`] = (outcomes[`refused ${err.status}`] ?? 0) + 1;
        }
      }
    }

    /**
     * What the reports read equals the recomputation: totals of every (dimension, key) at random
     * instants and at every block edge, and overviews of random periods spanning blocks, by day,
     * week and month, in zones whose midnight is not UTC's (half and quarter hours included).
     */
    async function expectReadsMatchRows() {
      const instants = Array.from({ length: 30 }, () => Math.floor((start - 160 * DAY + rnd() * (now - start + 161 * DAY)) / QUARTER_MS) * QUARTER_MS);
      expect(await expectTotalsMatchRows(instants)).toBeGreaterThan(1_000);
      let counted = 0;
      for (const tz of ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"]) {
        const toDay = Math.floor(now / DAY) - Math.floor(rnd() * 20);
        const fromDay = toDay - 33 - Math.floor(rnd() * 150);
        const granularity = pick(GRANULARITIES);
        const report = await overview(at(manager), { from: dateOf(fromDay), to: dateOf(toDay), tz, granularity });
        const edges = [...periodStarts(fromDay, toDay, granularity), toDay + 1].map((d) => startOfLocalDay(tz, d));
        const before = await expectedAllBefore(edges);
        const sums = (i: number, j = i + 1) => {
          const v = vectorMinus(before[j]!, before[i]!);
          const n = (k: string) => v[k] ?? 0;
          return { created: n("created"), solved: n("solved"), breaches: n("fr_breached") + n("nr_breached") + n("res_breached"), reopened: n("reopened"), time: n("time_billable") + n("time_nonbillable") };
        };
        const whole = sums(0, edges.length - 1);
        expect({ created: report.created, solved: report.solved, breaches: report.sla.breaches, reopened: report.reopened, time: report.time_spent_minutes }, `${tz} ${granularity}`).toEqual(whole);
        expect(report.series.map((s) => ({ created: s.created, solved: s.solved, breaches: s.breaches })), `${tz} ${granularity} series`).toEqual(
          report.series.map((_, i) => {
            const { created, solved, breaches } = sums(i);
            return { created, solved, breaches };
          }),
        );
        counted += whole.created + whole.time;
      }
      expect(counted, "the periods had figures").toBeGreaterThan(0);
    }

    await run(1_000);
    expect(outcomes.fold, "folds").toBeGreaterThan(10);
    // The sequence did exercise every kind of change (a seed that did not would prove little),
    // and spanned several blocks of day rows.
    for (const kind of ["create", "status", "field", "staff comment", "customer comment", "delete", "back-dated time", "sweep"]) expect(outcomes[kind], kind).toBeGreaterThan(5);
    expect(blockOf(Math.floor(now / DAY)) - blockOf(Math.floor(start / DAY))).toBeGreaterThanOrEqual(3);
    // Exact with the journal as the sequence left it, and again once it is folded.
    expect(await journalCount(), "the journal holds writes not folded").toBeGreaterThan(0);
    const points = await expectRollupsMatchRows();
    expect(points).toBeGreaterThan(500);
    await expectReadsMatchRows();
    await foldNow();
    expect(await journalCount()).toBe(0);
    expect(await expectRollupsMatchRows()).toBe(points);
    await expectReadsMatchRows();
    await run(5);

    // A rebuild from the rows reaches the same tables (its start discards the journal: the rows have it).
    const atRebuild = await expectRollupsMatchRows();
    await rebuildNow();
    expect(await expectRollupsMatchRows()).toBe(atRebuild);
    await expectReadsMatchRows();

    // Changes between the rebuild's steps are counted once: before the watermark reaches their
    // ticket (the rebuild reads the row), after it (staged), and while keys are converted.
    await rebuildNow(async () => run(3));
    await expectRollupsMatchRows();
    await expectReadsMatchRows();
    // Live again: writes journal, folded or not.
    await run(30);
    await expectRollupsMatchRows();
    await foldNow();
    await expectRollupsMatchRows();
    await expectReadsMatchRows();
  }, 900_000);
});
