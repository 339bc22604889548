import { describe, expect, it } from "vitest";
import { NO_DUE, type TicketStatus } from "../../src/domain/vocabulary";
import { settleSla, sweepSla, type SlaState, type SlaTerms } from "../../src/domain/sla";

/**
 * The sweep reads a ticket when its `slaCheckAt` has passed. If the step it plans then changes
 * nothing, the ticket stays due and is read again first in every run: enough of them and real
 * breaches are never reached (the 1M bench's "119 left"). So, for every status and every
 * combination of flags, at every instant around the ticket's own instants:
 *   - after the sweep's step, the next check is strictly in the future (or NO_DUE);
 *   - a writer's settled state that is due now is one the sweep makes progress on;
 *   - a ticket that is over (closed, cancelled) announces a breach it carries once, then has nothing left to check.
 */

const MIN = 60_000;
const BITS = { first_response: 1, next_response: 2, resolution: 4 } as const;
const HOUR = 60 * MIN;
const T0 = Date.parse("2026-06-17T20:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const TERMS: SlaTerms[] = [
  { targets: { name: "medium", firstResponseMinutes: 480, nextResponseMinutes: 480, resolutionMinutes: 4320, escalationMinutes: 1440 }, calendar: null },
  { targets: { name: "no-escalation", firstResponseMinutes: 60, resolutionMinutes: 240 }, calendar: null },
];
const STATUSES: TicketStatus[] = ["open", "in_progress", "pending", "resolved", "closed", "cancelled"];

// Instants of the first policy's targets: first response due T0+8h (at risk +6.4h), escalation +24h, resolution +72h.
const INSTANTS = [0, 6.4 * HOUR, 8 * HOUR, 8 * HOUR + 1, 24 * HOUR, 72 * HOUR, 72 * HOUR + 1, 180 * 24 * HOUR];

function* states(terms: SlaTerms): Generator<{ label: string; s: SlaState }> {
  const t = terms.targets;
  const frDue = iso(T0 + t.firstResponseMinutes * MIN);
  const resDue = iso(T0 + t.resolutionMinutes * MIN);
  for (const status of STATUSES)
    for (const answered of [null, 2 * HOUR, 30 * HOUR])
      for (const resolvedAfter of status === "resolved" || status === "closed" ? [null, 5 * HOUR, 100 * HOUR] : [null])
        for (const pausedAfter of status === "pending" ? [null, 7 * HOUR, 8 * HOUR, 9 * HOUR] : [null])
          for (const armed of answered !== null && status !== "resolved" ? [null, answered + HOUR] : [null])
            for (const flags of [0, 1, 2, 4, 5, 7])
              for (const announced of [0, 1, 5, 7])
                for (const warned of [0, 7])
                  for (const escalated of [false, true]) {
                    const s: SlaState = {
                      status,
                      createdAt: iso(T0),
                      firstResponseAt: answered === null ? null : iso(T0 + answered),
                      resolvedAt: resolvedAfter === null ? null : iso(T0 + resolvedAfter),
                      slaPausedAt: pausedAfter === null ? null : iso(T0 + pausedAfter),
                      slaPausedMs: 0,
                      firstResponseDueAt: frDue,
                      nextResponseDueAt: armed === null ? null : iso(T0 + armed + (t.nextResponseMinutes ?? t.firstResponseMinutes) * MIN),
                      resolutionDueAt: resDue,
                      nextResponseStartedMs: armed,
                      firstResponseBreached: (flags & 1) !== 0,
                      nextResponseBreached: (flags & 2) !== 0,
                      resolutionBreached: (flags & 4) !== 0,
                      // The seed's pre-engine rows: the list flag alone.
                      slaBreached: flags !== 0,
                      slaAnnounced: announced,
                      slaWarned: warned,
                      slaEscalated: escalated,
                      slaNextDueAt: NO_DUE,
                      slaAtRiskAt: NO_DUE,
                      // Whatever a writer left: a check months past.
                      slaCheckAt: iso(T0 + 8 * HOUR),
                      firstResponseMinutes: null,
                      resolutionMinutes: null,
                    };
                    yield { label: `${terms.targets.name} ${status} answered=${answered} resolved=${resolvedAfter} paused=${pausedAfter} armed=${armed} flags=${flags} announced=${announced} warned=${warned} escalated=${escalated}`, s };
                  }
}

const SWEEP_COLUMNS = ["firstResponseBreached", "nextResponseBreached", "resolutionBreached", "slaBreached", "slaAnnounced", "slaWarned", "slaEscalated", "slaCheckAt", "slaNextDueAt", "slaAtRiskAt"] as const;
const changed = (a: SlaState, b: SlaState) => SWEEP_COLUMNS.some((k) => a[k] !== b[k]);

describe("the SLA check instant (sla_check_at) is always ahead of the sweep", () => {
  it("after a sweep step it is in the future or NO_DUE, and a second step at the same instant changes nothing", () => {
    let n = 0;
    for (const terms of TERMS)
      for (const { label, s } of states(terms))
        for (const dt of INSTANTS) {
          const now = iso(T0 + dt);
          const step = sweepSla(terms, s, now);
          n++;
          if (!(step.next.slaCheckAt > now)) expect.fail(`${label} at +${dt / HOUR} h: check ${step.next.slaCheckAt} not after ${now}`);
          const again = sweepSla(terms, step.next, now);
          if (changed(step.next, again.next) || again.breached.length || again.atRisk.length || again.escalation) expect.fail(`${label} at +${dt / HOUR} h: a second step still does something`);
        }
    expect(n).toBeGreaterThan(10_000);
  });

  it("a writer's settled state that is due makes the sweep do something (no ticket is read for nothing)", () => {
    for (const terms of TERMS)
      for (const { label, s } of states(terms))
        for (const dt of INSTANTS) {
          const now = iso(T0 + dt);
          const written = settleSla(terms, s, now);
          if (written.slaCheckAt === NO_DUE) continue;
          // The sweep runs at the check instant or any time after it.
          for (const later of [written.slaCheckAt, iso(Math.max(Date.parse(written.slaCheckAt), T0 + dt) + MIN)]) {
            if (later < now) continue;
            const step = sweepSla(terms, written, later);
            if (!changed(written, step.next)) expect.fail(`${label}: written at +${dt / HOUR} h with check ${written.slaCheckAt}; the sweep at ${later} changes nothing`);
          }
        }
  });

  it("a closed or cancelled ticket announces a breach it carries once (API.md: recorded once per target), then has nothing left to check", () => {
    for (const terms of TERMS)
      for (const { label, s } of states(terms)) {
        if (s.status !== "closed" && s.status !== "cancelled") continue;
        const now = iso(T0 + 180 * 24 * HOUR);
        const step = sweepSla(terms, s, now);
        // Every breached target not yet announced is announced now (flagged, or observed from the due dates).
        const owed = (["first_response", "next_response", "resolution"] as const).filter(
          (t) => step.next[({ first_response: "firstResponseBreached", next_response: "nextResponseBreached", resolution: "resolutionBreached" } as const)[t]] && !(s.slaAnnounced & BITS[t]),
        );
        expect(step.breached, label).toEqual(owed);
        expect(step.next.slaAnnounced, label).toBe(owed.reduce((m, t) => m | BITS[t], s.slaAnnounced));
        // A ticket that is over is not escalated, and its checkpoint stays for a reopen.
        expect(step.escalation, label).toBeNull();
        expect(step.next.slaEscalated, label).toBe(s.slaEscalated);
        expect(step.atRisk, label).toEqual([]);
        expect(step.next.slaCheckAt, label).toBe(NO_DUE);
        const again = sweepSla(terms, step.next, iso(T0 + 181 * 24 * HOUR));
        expect(again.breached, label).toEqual([]);
        if (s.slaBreached) expect(step.next.slaBreached, label).toBe(true);
      }
  });

  it("the 1M bench's row: closed by auto-close with both breaches flagged and never announced: announced by the next run, then nothing to check", () => {
    const terms = TERMS[0]!;
    const row: SlaState = {
      status: "closed",
      createdAt: "2026-06-17T20:24:53.366Z",
      firstResponseAt: "2026-06-19T00:42:54.372Z",
      resolvedAt: "2026-06-25T18:33:23.194Z",
      slaPausedAt: null,
      slaPausedMs: 0,
      firstResponseDueAt: "2026-06-18T04:24:53.366Z",
      nextResponseDueAt: null,
      resolutionDueAt: "2026-06-20T20:24:53.366Z",
      nextResponseStartedMs: null,
      firstResponseBreached: true,
      nextResponseBreached: false,
      resolutionBreached: true,
      slaBreached: true,
      slaAnnounced: 0,
      slaWarned: 0,
      slaEscalated: false,
      slaNextDueAt: NO_DUE,
      slaAtRiskAt: NO_DUE,
      slaCheckAt: "2026-06-18T04:24:53.366Z",
      firstResponseMinutes: null,
      resolutionMinutes: null,
    };
    const now = "2026-12-06T11:33:00.000Z";
    // The write that closed it owes the announcement: the sweep reads it once, at the first due date.
    expect(settleSla(terms, row, now).slaCheckAt).toBe("2026-06-18T04:24:53.366Z");
    const step = sweepSla(terms, row, now);
    expect(step).toMatchObject({ breached: ["first_response", "resolution"], escalation: null, next: { slaCheckAt: NO_DUE, slaAnnounced: 5, slaBreached: true, slaEscalated: false } });
    expect(sweepSla(terms, step.next, now)).toMatchObject({ breached: [], next: { slaCheckAt: NO_DUE } });
  });
});
