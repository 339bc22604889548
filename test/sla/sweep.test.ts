import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import { before } from "../rules/support";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { idempotencyKeys, rateLimits, slaPolicies, teamMembers, teams } from "../../src/db/schema";
import { api, makeStaff, makeUser } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { newId } from "../../src/lib/ids";
import { changeTicket } from "../../src/features/tickets/tickets.service";
import { runArchive } from "../../src/features/archive/archive.jobs";
import { systemContext } from "../../src/contexts";
import { metered, newMeter } from "../../src/db/metrics";
import type { Bindings } from "../../src/env";
import { bindings, ctxAt, db, DAY, editAt, historyOf, historyTypes, HOUR, iso, MIN, replyAt, retireAll, rowOf, ticketAt, tick, tickReports } from "./helpers";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
beforeEach(retireAll);
afterEach(closeAll);

// Each test runs on its own day of 2031 (the sweep's clock is the trigger's), far from real time.
const day = (n: number) => Date.parse("2031-01-05T08:00:00.000Z") + n * DAY;

const sweepOf = (reports: Record<string, any>[]) => reports.find((r) => r.job === "sla-sweep")!;

describe("the SLA sweep (scheduled export, controlled clock)", () => {
  it("marks exactly the due tickets: breach history and flags on those, nothing on the others", async () => {
    const t0 = day(0);
    const due1 = await ticketAt(s.customer, t0, { priority: "critical" });
    const due2 = await ticketAt(s.customer, t0 + 5 * MIN, { priority: "critical" });
    const answered = await ticketAt(s.customer, t0, { priority: "critical" });
    await replyAt(s.agent, t0 + 10 * MIN, answered.id);
    const notYet = await ticketAt(s.customer, t0 + 50 * MIN, { priority: "critical" }); // due t0+110
    const low = await ticketAt(s.customer, t0, { priority: "low" });
    const pending = await ticketAt(s.customer, t0, { priority: "critical" });
    await editAt(s.agent, t0 + 10 * MIN, pending.id, { status: "pending" });

    const reports = await tickReports(t0 + 66 * MIN);
    const sweep = sweepOf(reports);
    expect(sweep).toMatchObject({ job: "sla-sweep", breached: 2 });

    for (const t of [due1, due2]) {
      const row = await rowOf(t.id);
      expect(row).toMatchObject({ firstResponseBreached: true, slaBreached: true, slaAnnounced: 1 });
      const breach = (await historyOf(t.id)).filter((h) => h.type === "sla.breached");
      expect(breach).toHaveLength(1);
      expect(breach[0]).toMatchObject({ actorId: null, internal: true, changes: { target: "first_response", due_at: row.firstResponseDueAt } });
    }
    for (const t of [answered, notYet, low, pending]) {
      expect(await historyTypes(t.id)).not.toContain("sla.breached");
      expect((await rowOf(t.id)).slaBreached).toBe(false);
    }
    // notYet passed 80 % of its hour (48 min) at t0+98; nothing yet at t0+66.
    expect(await historyTypes(notYet.id)).not.toContain("sla.at_risk");
  });

  it("announces at-risk once when 80 % of a target is used, then the breach once; the wire shows both", async () => {
    const t0 = day(1);
    const t = await ticketAt(s.customer, t0, { priority: "critical" });
    await tick(t0 + 47 * MIN);
    expect(await historyTypes(t.id)).not.toContain("sla.at_risk");
    await tick(t0 + 48 * MIN);
    await tick(t0 + 49 * MIN);
    expect((await historyOf(t.id)).filter((h) => h.type === "sla.at_risk").map((h) => h.changes)).toEqual([{ target: "first_response", due_at: iso(t0 + HOUR) }]);
    const risky = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token });
    // Real time is years before the ticket's clock: the wire judges at-risk by the stored instant only once reached.
    expect(risky.body.sla).toMatchObject({ at_risk: false, breached: false, breaches: [] });

    await tick(t0 + 61 * MIN);
    await tick(t0 + 62 * MIN);
    const history = await historyTypes(t.id);
    expect(history.filter((h) => h === "sla.breached")).toHaveLength(1);
    expect(history.filter((h) => h === "escalated")).toHaveLength(1);
    const after = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token });
    expect(after.body.sla).toMatchObject({ breached: true, breaches: ["first_response"] });
  });

  it("twice in a row, and two overlapping runs, escalate once", async () => {
    const t0 = day(2);
    const t = await ticketAt(s.customer, t0, { priority: "high" });
    await tick(t0 + 5 * HOUR);
    await tick(t0 + 5 * HOUR);
    await Promise.all([tick(t0 + 5 * HOUR + MIN), tick(t0 + 5 * HOUR + MIN)]);
    const t2 = await ticketAt(s.customer, t0 + 10 * MIN, { priority: "high" });
    await Promise.all([tick(t0 + 6 * HOUR), tick(t0 + 6 * HOUR), tick(t0 + 6 * HOUR)]);
    for (const id of [t.id, t2.id]) {
      const types = await historyTypes(id);
      expect(types.filter((x) => x === "sla.breached"), id).toHaveLength(1);
      expect(types.filter((x) => x === "escalated"), id).toHaveLength(1);
      expect(types.filter((x) => x === "sla.at_risk"), id).toHaveLength(0); // breached before its first sweep
    }
  });

  it("escalation reassigns to the team's manager (policy default) and records why; the feed hears of the breach", async () => {
    const t0 = day(3);
    const manager = await makeUser("manager");
    const teamId = newId();
    await db().insert(teams).values({ id: teamId, name: `Escalations ${teamId}`, createdAt: iso(t0), managerId: manager.id });
    await db().insert(teamMembers).values({ teamId, userId: s.agent.id, createdAt: iso(t0) });
    const t = await ticketAt(s.manager, t0, { priority: "critical", team_id: teamId, requester_email: s.customer.email });
    await editAt(s.manager, t0 + MIN, t.id, { assigneeId: s.agent.id });
    const watcher = await open(FEED_PATH, manager.token);
    await watcher.next("presence");

    await tick(t0 + 61 * MIN);
    const breach = await watcher.next("sla.breached");
    expect(breach).toMatchObject({ target: "first_response", ticket: { id: t.id } });
    const row = await rowOf(t.id);
    expect(row.assigneeId).toBe(manager.id);
    expect(row.priority).toBe("critical");
    const escalated = (await historyOf(t.id)).find((h) => h.type === "escalated")!;
    expect(escalated).toMatchObject({ actorId: null, internal: true, bumpsVersion: true });
    expect(escalated.changes).toMatchObject({ assignee_id: [s.agent.id, manager.id], reason: "SLA breached: first_response", cause: "breach", targets: ["first_response"] });
    const feedAssigned = await watcher.next("ticket.assigned", (m) => m.ticket.id === t.id && m.assignee_id === manager.id);
    expect(feedAssigned).toBeTruthy();
  });

  it("a policy that raises the priority escalates one step, and the new priority's targets apply", async () => {
    const t0 = day(4);
    await db().update(slaPolicies).set({ escalationRaisePriority: true, escalationReassign: "none" }).where(eq(slaPolicies.name, "medium"));
    try {
      const t = await ticketAt(s.customer, t0, { priority: "medium" });
      await tick(t0 + 8 * HOUR + MIN);
      const row = await rowOf(t.id);
      expect(row.priority).toBe("high");
      expect(row.slaPolicy).toBe("high");
      // high: resolution 24 h from creation.
      expect(row.resolutionDueAt).toBe(iso(t0 + 24 * HOUR));
      const escalated = (await historyOf(t.id)).find((h) => h.type === "escalated")!;
      expect(escalated.changes).toMatchObject({ priority: ["medium", "high"] });
    } finally {
      await db().update(slaPolicies).set({ escalationRaisePriority: false, escalationReassign: "manager" }).where(eq(slaPolicies.name, "medium"));
    }
  });

  it("a policy that raises the priority, the priority set to critical between the sweep's read and its escalation's write: raised from the row the write reads, not set back to the stale step up", async () => {
    const t0 = day(40);
    await db().update(slaPolicies).set({ escalationRaisePriority: true, escalationReassign: "none" }).where(eq(slaPolicies.name, "medium"));
    try {
      const t = await ticketAt(s.customer, t0, { priority: "medium" });
      const at = t0 + 8 * HOUR + MIN;
      // Held before the batch that writes a priority: the escalation's (the breach's own write moves none).
      const held = before(/"priority_rank" = \?/, () => editAt(s.agent, at, t.id, { priority: "critical" }));
      const execution = createExecutionContext();
      await worker.scheduled!(createScheduledController({ scheduledTime: new Date(at), cron: "* * * * *" }), { ...bindings, DB: held.db }, execution);
      await waitOnExecutionContext(execution);
      expect(held.wasHeld()).toBe(true);
      expect((await rowOf(t.id)).priority).toBe("critical");
      const escalated = (await historyOf(t.id)).filter((h) => h.type === "escalated");
      expect(escalated).toHaveLength(1);
      expect(escalated[0]!.changes).not.toHaveProperty("priority");
    } finally {
      await db().update(slaPolicies).set({ escalationRaisePriority: false, escalationReassign: "manager" }).where(eq(slaPolicies.name, "medium"));
    }
  });

  it("a ticket resolved between the sweep's read and its escalation's write is not escalated (no raised priority, no escalation on record)", async () => {
    const t0 = day(41);
    await db().update(slaPolicies).set({ escalationRaisePriority: true, escalationReassign: "none" }).where(eq(slaPolicies.name, "medium"));
    try {
      const t = await ticketAt(s.customer, t0, { priority: "medium" });
      const at = t0 + 8 * HOUR + MIN;
      const held = before(/"priority_rank" = \?/, () => editAt(s.agent, at, t.id, { status: "resolved" }));
      const execution = createExecutionContext();
      await worker.scheduled!(createScheduledController({ scheduledTime: new Date(at), cron: "* * * * *" }), { ...bindings, DB: held.db }, execution);
      await waitOnExecutionContext(execution);
      expect(held.wasHeld()).toBe(true);
      expect(await rowOf(t.id)).toMatchObject({ status: "resolved", priority: "medium" });
      expect((await historyOf(t.id)).map((h) => h.type)).not.toContain("escalated");
    } finally {
      await db().update(slaPolicies).set({ escalationRaisePriority: false, escalationReassign: "manager" }).where(eq(slaPolicies.name, "medium"));
    }
  });

  it("an unresolved ticket is escalated once at the policy's escalation time even without a breach", async () => {
    const t0 = day(5);
    const t = await ticketAt(s.customer, t0, { priority: "critical" }); // escalation 120 min
    await replyAt(s.agent, t0 + 5 * MIN, t.id);
    await tick(t0 + 119 * MIN);
    expect(await historyTypes(t.id)).not.toContain("escalated");
    await tick(t0 + 121 * MIN);
    await tick(t0 + 122 * MIN);
    const escalations = (await historyOf(t.id)).filter((h) => h.type === "escalated");
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.changes).toMatchObject({ cause: "unresolved", reason: "Unresolved after 120 minutes of SLA time" });
  });

  it("a breach by a late reply is announced by the next sweep; a late reply to a pending ticket is judged by the clock", async () => {
    const t0 = day(6);
    const late = await ticketAt(s.customer, t0, { priority: "critical" });
    await replyAt(s.agent, t0 + 70 * MIN, late.id);
    expect((await rowOf(late.id)).firstResponseBreached).toBe(true);
    const paused = await ticketAt(s.customer, t0, { priority: "critical" });
    await editAt(s.agent, t0 + 30 * MIN, paused.id, { status: "pending" });
    await replyAt(s.agent, t0 + 5 * HOUR, paused.id);
    await tick(t0 + 5 * HOUR + MIN);
    const announced = (await historyOf(late.id)).filter((h) => h.type === "sla.breached").map((h) => h.changes as { target: string });
    announced.sort((a, b) => a.target.localeCompare(b.target));
    // The resolution (4 h) ran out too by then.
    expect(announced).toEqual([
      { target: "first_response", due_at: iso(t0 + HOUR) },
      { target: "resolution", due_at: iso(t0 + 4 * HOUR) },
    ]);
    expect(await historyTypes(paused.id)).not.toContain("sla.breached");
    expect((await rowOf(paused.id)).firstResponseMinutes).toBe(30);
  });

  it("next response: armed by the customer's reply, breached and announced when staff do not answer in time", async () => {
    const t0 = day(7);
    const t = await ticketAt(s.customer, t0, { priority: "critical" });
    await replyAt(s.agent, t0 + 5 * MIN, t.id);
    await replyAt(s.customer, t0 + 10 * MIN, t.id);
    const armed = await rowOf(t.id);
    expect(armed.nextResponseDueAt).toBe(iso(t0 + 70 * MIN));
    await tick(t0 + 71 * MIN);
    expect((await historyOf(t.id)).filter((h) => h.type === "sla.breached").map((h) => (h.changes as { target: string }).target)).toEqual(["next_response"]);
    // Answered late: met, but the breach stays on record.
    await replyAt(s.agent, t0 + 80 * MIN, t.id);
    const row = await rowOf(t.id);
    expect(row).toMatchObject({ nextResponseStartedMs: null, nextResponseBreached: true });
  });
});

describe("auto-close (resolved tickets close after AUTO_CLOSE_DAYS)", () => {
  it("closes a resolved ticket after the period, as the system, and not a minute before", async () => {
    const t0 = day(10);
    const days = Number(env.AUTO_CLOSE_DAYS);
    expect(days).toBe(3);
    const t = await ticketAt(s.customer, t0, { priority: "low" });
    await editAt(s.agent, t0 + HOUR, t.id, { status: "resolved" });
    const reopened = await ticketAt(s.customer, t0, { priority: "low" });
    await editAt(s.agent, t0 + HOUR, reopened.id, { status: "resolved" });
    await editAt(s.customer, t0 + 2 * HOUR, reopened.id, { status: "open" });

    await tick(t0 + HOUR + 3 * DAY - MIN);
    expect((await rowOf(t.id)).status).toBe("resolved");
    await tick(t0 + HOUR + 3 * DAY + MIN);
    const row = await rowOf(t.id);
    expect(row).toMatchObject({ status: "closed", closedAt: iso(t0 + HOUR + 3 * DAY + MIN) });
    const close = (await historyOf(t.id)).at(-1)!;
    expect(close).toMatchObject({ type: "updated", actorId: null, changes: { status: ["resolved", "closed"], reason: "auto-closed 3 days after resolution" } });
    expect((await rowOf(reopened.id)).status).toBe("open");
    // Nothing left to close.
    const again = await tickReports(t0 + HOUR + 3 * DAY + 2 * MIN);
    expect(again.find((r) => r.job === "auto-close")).toMatchObject({ closed: 0 });
  });
});

describe("housekeeping", () => {
  it("purges idempotency keys older than 24 h and long-expired rate-limit windows, keeping the live ones", async () => {
    const now = day(20);
    const user = s.customer.id;
    await db().insert(idempotencyKeys).values([
      { userId: user, key: "old", requestHash: "h", status: 201, body: "{}", createdAt: iso(now - 25 * HOUR) },
      { userId: user, key: "fresh", requestHash: "h", status: 201, body: "{}", createdAt: iso(now - HOUR) },
    ]);
    const sec = Math.floor(now / 1000);
    await db().insert(rateLimits).values([
      { key: "login:ip:old", windowStart: sec - 2 * 86_400, count: 3 },
      { key: "login:ip:fresh", windowStart: sec - 60, count: 3 },
    ]);
    const reports = await tickReports(now);
    expect(reports.find((r) => r.job === "housekeeping")).toMatchObject({ idempotency_keys: 1, rate_limits: 1 });
    expect((await db().select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((r) => r.key)).toEqual(["fresh"]);
    expect((await db().select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key)).toContain("login:ip:fresh");
    expect((await db().select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key)).not.toContain("login:ip:old");
  });
});

describe("the system context", () => {
  it("only a context marked as the system acts without an actor; a bare actor-less one is refused and changes nothing", async () => {
    const t0 = day(30);
    const t = await ticketAt(s.customer, t0, { priority: "low" });
    const bare = { ...ctxAt(null, t0 + MIN), system: undefined };
    await expect(changeTicket(bare, t.id, { status: "cancelled" }, { type: "updated" })).rejects.toThrow("service call without an actor");
    expect((await rowOf(t.id)).status).toBe("open");
    await changeTicket(ctxAt(null, t0 + MIN), t.id, { status: "cancelled" }, { type: "updated" });
    expect((await rowOf(t.id)).status).toBe("cancelled");
  });
});

describe("the sweep reads through its index", () => {
  it("EXPLAIN: the due query walks tickets_sla_check_idx, auto-close tickets_status_resolved_idx", async () => {
    const plan = async (query: string) =>
      (await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`).all<{ detail: string }>()).results.map((r) => r.detail).join(" | ");
    expect(
      await plan(
        `SELECT * FROM tickets INNER JOIN users ON users.id = tickets.requester_id WHERE tickets.deleted_at IS NULL AND tickets.sla_check_at <= '2031-01-01' ORDER BY tickets.sla_check_at, tickets.rowid LIMIT 100`,
      ),
    ).toMatch(/tickets USING INDEX tickets_sla_check_idx/);
    expect(
      await plan(`SELECT id FROM tickets WHERE deleted_at IS NULL AND tickets.status = 'resolved' AND resolved_at <= '2031-01-01' ORDER BY resolved_at, id LIMIT 201`),
    ).toMatch(/USING (COVERING )?INDEX tickets_status_resolved_idx/);
  });

  it("EXPLAIN: the archive cron's query (as its real run sends it) is a range of tickets_archive_due_idx, never a scan", async () => {
    const meter = newMeter();
    const jobs = { send: async () => {}, sendBatch: async () => {} } as unknown as Bindings["JOBS"];
    await runArchive(systemContext({ ...(env as unknown as Bindings), JOBS: jobs, DB: metered(env.DB, meter) }, "vitest", { now: new Date(Date.now() + 400 * DAY) }));
    const [query] = meter.statements.filter((st) => /from "tickets"/i.test(st.sql));
    expect(meter.statements).toHaveLength(1);
    const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${query!.sql}`).bind(...(query!.params as unknown[])).all<{ detail: string }>()).results.map((r) => r.detail);
    // The partial index holds closed, unarchived tickets in closed_at order: no sort, nothing before the cutoff read.
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatch(/^SEARCH tickets USING (COVERING )?INDEX tickets_archive_due_idx \(status=\? AND closed_at<\?\)$/);
  });
});
