import { settleSla, slaOnStatus, type SlaState, type SlaTerms } from "./sla";
import { slaStateOf, type TicketState } from "./ticket-update";
import type { TicketLinkType, TicketStatus } from "./vocabulary";

/**
 * Pure rules of merging and splitting tickets (API.md "More channels and data"): which merges are
 * allowed, and the links both tickets carry afterwards. No I/O; the service reads and writes.
 */

export interface TicketLink {
  type: TicketLinkType;
  ticket_id: string;
}

/**
 * Links one ticket may carry. They travel on the row and in every ticket object and event, so a
 * ticket that collected hundreds of merged duplicates would make each of those heavy; past this, a
 * problem/incident relation is the tool, not another merge.
 */
export const MAX_LINKS = 100;

/** What a merge needs to know of each ticket. */
export interface MergeSide {
  id: string;
  number: string;
  status: TicketStatus;
  requesterId: string;
  mergedIntoId: string | null;
  links: readonly TicketLink[] | null;
}

/** Statuses whose tickets take part in no merge: their conversation is over. */
const FINISHED = new Set<TicketStatus>(["closed", "cancelled"]);

export type MergeCheck =
  | { ok: true; sameRequester: boolean }
  | { ok: false; code: "VALIDATION_ERROR" | "INVALID_TRANSITION" | "CONFLICT"; detail: string };

/** Whether `source` may be merged into `target`; different requesters need the agent's confirmation. */
export function checkMerge(source: MergeSide, target: MergeSide, confirmRequesters: boolean): MergeCheck {
  if (source.id === target.id) return { ok: false, code: "VALIDATION_ERROR", detail: "A ticket cannot be merged into itself" };
  if (source.mergedIntoId) return { ok: false, code: "INVALID_TRANSITION", detail: `${source.number} was already merged; a merged ticket cannot be merged again` };
  if (target.mergedIntoId) return { ok: false, code: "INVALID_TRANSITION", detail: `${target.number} was merged into another ticket; merge into that one instead` };
  for (const side of [source, target]) {
    if (FINISHED.has(side.status)) return { ok: false, code: "INVALID_TRANSITION", detail: `${side.number} is ${side.status}; only tickets still in progress are merged` };
  }
  if ((target.links?.length ?? 0) >= MAX_LINKS || (source.links?.length ?? 0) >= MAX_LINKS) {
    return { ok: false, code: "INVALID_TRANSITION", detail: `A ticket carries at most ${MAX_LINKS} links` };
  }
  const sameRequester = source.requesterId === target.requesterId;
  if (!sameRequester && !confirmRequesters) {
    return {
      ok: false,
      code: "CONFLICT",
      detail: `${source.number} and ${target.number} have different requesters; send confirm_requesters: true to merge them (the source's requester then follows the target by mail)`,
    };
  }
  return { ok: true, sameRequester };
}

/** Whether a split may take comments out of `source` into a new ticket. */
export function checkSplit(source: Pick<MergeSide, "number" | "mergedIntoId" | "links">): { ok: true } | { ok: false; detail: string } {
  if (source.mergedIntoId) return { ok: false, detail: `${source.number} was merged into another ticket; split that one` };
  if ((source.links?.length ?? 0) >= MAX_LINKS) return { ok: false, detail: `A ticket carries at most ${MAX_LINKS} links` };
  return { ok: true };
}

/** `links` with one more (kept once). */
export function withLink(links: readonly TicketLink[] | null, link: TicketLink): TicketLink[] {
  const current = links ?? [];
  return current.some((l) => l.type === link.type && l.ticket_id === link.ticket_id) ? [...current] : [...current, link];
}

/** The refusal of any change to a merged ticket: it is closed for good and lives on in its target. */
export function mergedRefusal(number: string, mergedIntoId: string): string {
  return `${number} was merged into ticket ${mergedIntoId}; it cannot be changed, reopened or replied to: write on that ticket`;
}

/** The SLA state of a ticket closed by a merge: its clock stops as any close stops it. */
export function closedByMerge(terms: SlaTerms, current: TicketState, now: string): SlaState {
  return settleSla(terms, slaOnStatus(terms, slaStateOf(current), "closed", now), now);
}
