/**
 * SLA badges: which targets of a ticket are running, how long is left, and how urgent that is. The
 * server decides breaches and risk (API.md "SLA and routing"); between updates the countdown runs in
 * the browser from the due dates, so a badge turns red when the time is up without a reload.
 */

export type SlaTarget = "first_response" | "next_response" | "resolution";
export type SlaState = "ok" | "at_risk" | "breached" | "paused";

export interface SlaBadge {
  target: SlaTarget;
  label: string;
  dueAt: string;
  remainingMs: number;
  state: SlaState;
}

export interface TicketSla {
  status: string;
  first_response_at: string | null;
  sla: {
    first_response_due_at: string | null;
    next_response_due_at?: string | null;
    resolution_due_at: string | null;
    breached: boolean;
    breaches?: string[];
    at_risk?: boolean;
    paused: boolean;
  };
}

const LABELS: Record<SlaTarget, string> = { first_response: "First response", next_response: "Next response", resolution: "Resolution" };
/** Locally, a running target with less than this left shows as at risk even before the server says so. */
export const AT_RISK_WINDOW_MS = 30 * 60_000;
const DONE = new Set(["resolved", "closed", "cancelled"]);

/** The running targets of a ticket at `now`, most urgent first. Met or finished targets have no badge. */
export function slaBadges(ticket: TicketSla, now: number): SlaBadge[] {
  if (DONE.has(ticket.status)) return [];
  const { sla } = ticket;
  const breaches = new Set(sla.breaches ?? []);
  const targets: [SlaTarget, string | null | undefined][] = [
    ["first_response", ticket.first_response_at ? null : sla.first_response_due_at],
    ["next_response", sla.next_response_due_at],
    ["resolution", sla.resolution_due_at],
  ];
  const badges: SlaBadge[] = [];
  for (const [target, dueAt] of targets) {
    if (!dueAt) continue;
    const remainingMs = new Date(dueAt).getTime() - now;
    let state: SlaState;
    if (breaches.has(target) || remainingMs <= 0) state = "breached";
    else if (sla.paused) state = "paused";
    else if (remainingMs <= AT_RISK_WINDOW_MS || (sla.at_risk && target !== "resolution")) state = "at_risk";
    else state = "ok";
    badges.push({ target, label: LABELS[target], dueAt, remainingMs, state });
  }
  return badges.sort((a, b) => a.remainingMs - b.remainingMs);
}

/** The badge's words, read by screen readers as they are shown: "First response due in 2 h 05 m", "Resolution overdue by 12 m". */
export function slaText(badge: SlaBadge, duration: (ms: number) => string): string {
  if (badge.state === "paused") return `${badge.label} paused`;
  if (badge.remainingMs <= 0) return `${badge.label} overdue by ${duration(-badge.remainingMs)}`;
  if (badge.state === "breached") return `${badge.label} breached`;
  return `${badge.label} due in ${duration(badge.remainingMs)}`;
}
