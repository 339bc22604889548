import { describe, expect, it } from "vitest";
import { callerContext, systemContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../src/domain/vocabulary";
import { addComment } from "../../src/features/comments/comments.service";
import { createTeam } from "../../src/features/teams/teams.service";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { AppError } from "../../src/lib/errors";
import { runSlaSweep } from "../../src/jobs/sla-sweep";
import { makeUser, type TestUser } from "../helpers";
import { bindings, expectRollupsMatchRows, prng, rebuildNow } from "./support";

const MIN = 60_000;
const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

/**
 * A seeded random sequence of ticket changes through the services (the one ticket write), at a
 * clock that moves forward by random steps over weeks: after it, the rollups equal a
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
      await runSlaSweep(at(null));
      return "sweep";
    }

    async function run(n: number) {
      for (let i = 0; i < n; i++) {
        try {
          const kind = await step();
          outcomes[kind] = (outcomes[kind] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          outcomes[`refused ${err.status}`] = (outcomes[`refused ${err.status}`] ?? 0) + 1;
        }
      }
    }

    await run(1_000);
    // The sequence did exercise every kind of change (a seed that did not would prove little).
    for (const kind of ["create", "status", "field", "staff comment", "customer comment", "delete", "sweep"]) expect(outcomes[kind], kind).toBeGreaterThan(5);
    const points = await expectRollupsMatchRows();
    expect(points).toBeGreaterThan(500);

    // A rebuild from the rows reaches the same tables.
    await rebuildNow();
    expect(await expectRollupsMatchRows()).toBe(points);

    // Changes between the rebuild's steps are counted once: before the watermark reaches their
    // ticket (the rebuild reads the row), after it (staged), and while keys are converted.
    await rebuildNow(async () => run(3));
    await expectRollupsMatchRows();
  }, 600_000);
});
