import { openSla, settleSla, slaOnMessage, slaOnStatus, sweepSla, type SlaState, type SlaTerms } from "../../src/domain/sla";
import type { TicketStatus } from "../../src/domain/vocabulary";

/** One thing that happened to a seeded ticket: a public message (by whom) or a status change. */
export type SlaEvent = { at: string; message: "staff" | "customer" } | { at: string; status: TicketStatus };

/** Sweep steps between two events: each step moves `sla_check_at` on, and a ticket has a handful of checkpoints. */
const MAX_SWEEPS = 32;

/**
 * A ticket's SLA state at `now` after `events` (in order), through src/domain/sla.ts itself: each write
 * settled as a ticket change settles it, and the minute sweep run at every check instant before each
 * event and before `now`, so past breaches, warnings and escalation checkpoints are announced (their
 * bits; no history rows, as the Zendesk importer writes none) and `sla_check_at` is the next instant to
 * come. 24/7 only (`targets` as tickets store them in sla_targets): the bench configures no business hours.
 */
export function replaySla(targets: SlaTerms["targets"], createdAt: string, events: readonly SlaEvent[], now: string): SlaState {
  const terms: SlaTerms = { targets, calendar: null };
  let s = openSla(terms, createdAt);
  const sweepUntil = (at: string) => {
    for (let i = 0; i < MAX_SWEEPS && s.slaCheckAt <= at; i++) s = sweepSla(terms, s, s.slaCheckAt).next;
  };
  for (const e of events) {
    sweepUntil(e.at);
    s = "status" in e ? slaOnStatus(terms, s, e.status, e.at) : slaOnMessage(terms, s, e.message, e.at);
    s = settleSla(terms, s, e.at);
  }
  sweepUntil(now);
  return s;
}
