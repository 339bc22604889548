import type { TicketStatus } from "./vocabulary";

/** API.md "Status transitions". */
const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ["in_progress", "pending", "resolved", "cancelled"],
  in_progress: ["open", "pending", "resolved", "cancelled"],
  pending: ["open", "in_progress", "resolved", "cancelled"],
  resolved: ["closed", "open"],
  closed: ["open"],
  cancelled: [],
};

export type TransitionResult =
  | { ok: true }
  | { ok: false; reason: "not_allowed" | "reopen_window_passed"; allowed: readonly TicketStatus[] };

export interface TransitionInput {
  from: TicketStatus;
  to: TicketStatus;
  /** When a closed ticket was closed (ISO); a closed ticket reopens only within the window. */
  closedAt: string | null;
  reopenWindowDays: number;
  now: Date;
}

/** Targets a ticket in `from` may move to at `now` (the reopen window is part of the rule). */
export function allowedTransitions(input: Omit<TransitionInput, "to">): readonly TicketStatus[] {
  if (input.from === "closed" && !withinReopenWindow(input.closedAt, input.reopenWindowDays, input.now)) return [];
  return TRANSITIONS[input.from];
}

export function checkTransition(input: TransitionInput): TransitionResult {
  const allowed = allowedTransitions(input);
  if (allowed.includes(input.to)) return { ok: true };
  const reason = input.from === "closed" && TRANSITIONS.closed.includes(input.to) ? "reopen_window_passed" : "not_allowed";
  return { ok: false, reason, allowed };
}

function withinReopenWindow(closedAt: string | null, days: number, now: Date): boolean {
  if (!closedAt) return true;
  return now.getTime() - Date.parse(closedAt) <= days * 86_400_000;
}
