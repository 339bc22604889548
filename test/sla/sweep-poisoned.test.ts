import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SWEEP_CONCURRENCY, SWEEP_FAILED_GROUPS_TO_STOP, SweepFailed, type SweepReport } from "../../src/jobs/sla-sweep";
import { makeStaff } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { DAY, historyOf, MIN, retireAll, rowOf, ticketAt, tick } from "./helpers";

/**
 * One ticket whose sweep step fails must not hold up the others: the run goes on past it and fails
 * at its end, naming it. The fault is in the database, as test/tickets/atomicity.test.ts injects it:
 * a trigger fails the audit insert (the write's last statement) of any write about a marked ticket.
 */
const MARK = "SWEEP-POISON";
const INJECTED = /injected sweep fault/;
const TRIGGER = "test_sweep_poison";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
  await env.DB.prepare(
    `CREATE TRIGGER IF NOT EXISTS ${TRIGGER} BEFORE INSERT ON audit_logs
     WHEN EXISTS (SELECT 1 FROM tickets WHERE id = NEW.entity_id AND subject LIKE '${MARK}%')
     BEGIN SELECT RAISE(ABORT, 'injected sweep fault'); END`,
  ).run();
});
afterAll(async () => {
  await env.DB.prepare(`DROP TRIGGER IF EXISTS ${TRIGGER}`).run();
});
beforeEach(retireAll);
afterEach(closeAll);

const setSubject = (id: string, subject: string) => env.DB.prepare("UPDATE tickets SET subject = ? WHERE id = ?").bind(subject, id).run();

/** One tick through the Worker's `scheduled` export: its error (null if it succeeded). */
const tickError = (at: number) =>
  tick(at).then(
    () => null,
    (err: unknown) => err,
  );

/** The sweep's own failure inside the scheduled handler's AggregateError. */
function sweepFailure(err: unknown): SweepFailed {
  expect(err).toBeInstanceOf(AggregateError);
  const failed = (err as AggregateError).errors.find((e) => e instanceof SweepFailed);
  expect(failed).toBeInstanceOf(SweepFailed);
  return failed as SweepFailed;
}

const breachHistory = async (id: string) => (await historyOf(id)).filter((h) => h.type === "sla.breached").map((h) => h.changes);
const breachAudit = async (id: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM audit_logs WHERE entity_id = ? AND action = 'ticket.sla.breached'").bind(id).first<{ n: number }>())!.n;

// Its own days of 2033, far from real time and from the other SLA files' days.
const day = (n: number) => Date.parse("2033-03-07T08:00:00.000Z") + n * DAY;

describe("the SLA sweep goes on past a ticket whose step fails", () => {
  it("one poisoned ticket first in line: every other due ticket is announced once, the run fails naming it, and once mended it is announced", async () => {
    const t0 = day(0);
    // Critical: first response due after 60 min. The poisoned ticket is the oldest, so first in the sweep's order.
    const poisoned = await ticketAt(s.customer, t0, { priority: "critical" });
    // More than two groups behind it: before, the failed group ended the run and the groups after it waited.
    const others = [];
    for (let i = 1; i <= 2 * SWEEP_CONCURRENCY + 2; i++) others.push(await ticketAt(s.customer, t0 + i * MIN, { priority: "critical" }));
    await setSubject(poisoned.id, `${MARK} printer`);
    const watcher = await open(FEED_PATH, s.manager.token);
    await watcher.next("presence");

    const late = t0 + (60 + others.length + 5) * MIN;
    const failure = sweepFailure(await tickError(late));
    expect(failure.message).toContain(poisoned.id);
    expect(failure.message).toMatch(INJECTED);
    expect(failure.errors.map(String).join(" ")).toMatch(INJECTED);
    expect(failure.report).toMatchObject<Partial<SweepReport>>({ checked: others.length + 1, breached: others.length, tickets_failed: 1, failed: 0 });

    for (const t of others) {
      const row = await rowOf(t.id);
      expect(row).toMatchObject({ firstResponseBreached: true, slaAnnounced: 1 });
      expect(await breachHistory(t.id)).toEqual([{ target: "first_response", due_at: row.firstResponseDueAt }]);
      expect(await breachAudit(t.id)).toBe(1);
    }
    // The feed heard of each of them, exactly once.
    for (const t of others) await watcher.next("sla.breached", (m) => m.ticket.id === t.id);
    // Nothing of the poisoned ticket was written: still due, first in line.
    const stuck = await rowOf(poisoned.id);
    expect(stuck).toMatchObject({ firstResponseBreached: false, slaBreached: false, slaAnnounced: 0 });
    expect(await breachHistory(poisoned.id)).toEqual([]);

    // The next minute: the others are settled (nothing announced again); the poisoned ticket fails again, visibly.
    const again = sweepFailure(await tickError(late + MIN));
    expect(again.report).toMatchObject({ checked: 1, breached: 0, tickets_failed: 1 });
    for (const t of others) {
      expect(await breachHistory(t.id)).toHaveLength(1);
      expect(await breachAudit(t.id)).toBe(1);
    }
    await watcher.none("sla.breached", (m) => m.ticket.id !== poisoned.id);

    // Mended (the fault gone): the next run announces its breach, once, and succeeds.
    await setSubject(poisoned.id, "printer");
    expect(await tickError(late + 2 * MIN)).toBeNull();
    const mended = await rowOf(poisoned.id);
    expect(mended).toMatchObject({ firstResponseBreached: true, slaAnnounced: 1 });
    expect(await breachHistory(poisoned.id)).toEqual([{ target: "first_response", due_at: mended.firstResponseDueAt }]);
    await watcher.next("sla.breached", (m) => m.ticket.id === poisoned.id);
    expect(await tickError(late + 3 * MIN)).toBeNull();
    expect(await breachHistory(poisoned.id)).toHaveLength(1);
    for (const t of others) expect(await breachHistory(t.id)).toHaveLength(1);
  }, 120_000);

  it("a fault that fails every ticket: the run gives up after whole groups failed instead of failing every due ticket each minute, and sweeps them all once mended", async () => {
    const t0 = day(3);
    const due = [];
    for (let i = 0; i < (SWEEP_FAILED_GROUPS_TO_STOP + 1) * SWEEP_CONCURRENCY + 2; i++) due.push(await ticketAt(s.customer, t0 + i * MIN, { priority: "critical" }));
    for (const t of due) await setSubject(t.id, `${MARK} outage`);

    const late = t0 + (60 + due.length + 5) * MIN;
    const failure = sweepFailure(await tickError(late));
    expect(failure.message).toMatch(/gave up/);
    const tried = SWEEP_FAILED_GROUPS_TO_STOP * SWEEP_CONCURRENCY;
    expect(failure.report).toMatchObject<Partial<SweepReport>>({ checked: tried, tickets_failed: tried, breached: 0, gave_up: true, more: true });
    for (const t of due) expect(await breachHistory(t.id)).toEqual([]);

    // Mended: one run sweeps every one of them, each announced once.
    for (const t of due) await setSubject(t.id, "outage");
    expect(await tickError(late + MIN)).toBeNull();
    for (const t of due) expect(await breachHistory(t.id)).toHaveLength(1);
  }, 120_000);
});
