import { SELF_SERVICE_CHANNELS, type TicketChannel, type TicketStatus } from "./vocabulary";

export const ROLES = ["customer", "agent", "manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller as every service sees it. */
export interface Actor {
  id: string;
  name: string;
  email: string;
  role: Role;
  /**
   * A self-registered account whose address is not proven yet (issue 9): it sees only the tickets
   * it opened itself through the API, whatever else arrives for the address.
   */
  unverified?: true;
}

/** What a permission check needs to know of a ticket. */
export interface TicketAccess {
  requesterId: string;
  createdById: string;
  channel: TicketChannel;
  status: TicketStatus;
}

export type Capability =
  | "ticket.create"
  | "ticket.create_for_requester"
  | "ticket.comment_public"
  | "ticket.comment_internal"
  | "ticket.see_internal"
  | "ticket.edit_fields"
  | "ticket.edit_content"
  | "ticket.assign_any"
  | "ticket.assign_self"
  | "ticket.escalate"
  | "ticket.delete"
  | "ticket.merge"
  | "users.list"
  | "users.manage"
  | "settings.manage"
  | "settings.read"
  | "routing.manage"
  | "reports.all"
  | "reports.own"
  | "audit.read"
  | "mail.release"
  | "time.log"
  | "time.manage_any"
  | "rules.read"
  | "rules.manage"
  | "macros.use"
  | "macros.manage_shared"
  | "integrations.manage";

export const isStaff = (role: Role) => role !== "customer";

/** API.md "Roles": the one table every route asks. */
const MATRIX: Record<Capability, readonly Role[]> = {
  "ticket.create": ["customer", "agent", "manager", "admin"],
  "ticket.create_for_requester": ["agent", "manager", "admin"],
  "ticket.comment_public": ["customer", "agent", "manager", "admin"],
  "ticket.comment_internal": ["agent", "manager", "admin"],
  "ticket.see_internal": ["agent", "manager", "admin"],
  "ticket.edit_fields": ["agent", "manager", "admin"],
  "ticket.edit_content": ["agent", "manager", "admin"],
  "ticket.assign_any": ["manager", "admin"],
  "ticket.assign_self": ["agent", "manager", "admin"],
  "ticket.escalate": ["manager", "admin"],
  "ticket.delete": ["admin"],
  // Merge duplicates and split mixed tickets (API.md "More channels and data": agent+).
  "ticket.merge": ["agent", "manager", "admin"],
  "users.list": ["agent", "manager", "admin"],
  "users.manage": ["admin"],
  "settings.manage": ["admin"],
  // SLA policies and business hours are read by everyone who works tickets.
  "settings.read": ["agent", "manager", "admin"],
  // Teams, skills, capacity: managers run their teams (issue 5).
  "routing.manage": ["manager", "admin"],
  "reports.all": ["manager", "admin"],
  "reports.own": ["agent", "manager", "admin"],
  "audit.read": ["admin"],
  // A released mail acts as its sender without proof: a manager's decision, never an agent's (issue 9).
  "mail.release": ["manager", "admin"],
  // Time tracking (issue 12): staff log time; the author changes an entry, managers any entry.
  "time.log": ["agent", "manager", "admin"],
  "time.manage_any": ["manager", "admin"],
  // Rules act on every ticket as the system: admins write them, managers may read them (API.md "Automation").
  "rules.read": ["manager", "admin"],
  "rules.manage": ["admin"],
  // Macros: every agent uses shared ones and keeps personal ones; managers and admins keep the shared ones.
  "macros.use": ["agent", "manager", "admin"],
  "macros.manage_shared": ["manager", "admin"],
  // Webhooks and channels hold secrets and receive every ticket's data (API.md "Roles": admin).
  "integrations.manage": ["admin"],
};

export function can(role: Role, capability: Capability): boolean {
  return MATRIX[capability].includes(role);
}

/**
 * A ticket the user opened themselves through the API (web or api channel): the only kind an
 * unverified account sees, because nothing in it came from the address's real owner.
 */
export function isSelfServiceTicket(userId: string, ticket: Pick<TicketAccess, "requesterId" | "createdById" | "channel">): boolean {
  return ticket.requesterId === userId && ticket.createdById === userId && (SELF_SERVICE_CHANNELS as readonly string[]).includes(ticket.channel);
}

/**
 * Customers see their own tickets only, and until their address is proven only those they opened
 * themselves through the API (not mail that arrived from the address, nor tickets staff opened for
 * it); staff see all.
 */
export function canSeeTicket(actor: Pick<Actor, "id" | "role" | "unverified">, ticket: Pick<TicketAccess, "requesterId" | "createdById" | "channel">): boolean {
  if (isStaff(actor.role)) return true;
  return actor.unverified ? isSelfServiceTicket(actor.id, ticket) : ticket.requesterId === actor.id;
}

/**
 * Whether a ticket opened by `role` may say it came through `channel`: customers open tickets on
 * the web or through the API; mail, chat, phone and social are conversations the helpdesk records
 * (a customer claiming `email` would pass their ticket off as mail from the address).
 */
export function mayOpenOnChannel(role: Role, channel: TicketChannel): boolean {
  return isStaff(role) || (SELF_SERVICE_CHANNELS as readonly string[]).includes(channel);
}

/** The status changes a customer may make on their own ticket (API.md "Roles": change status). */
export function customerMayChangeStatus(from: TicketStatus, to: TicketStatus): boolean {
  if (to === "cancelled") return from === "open" || from === "in_progress" || from === "pending";
  if (to === "closed") return from === "resolved";
  if (to === "open") return from === "resolved" || from === "closed";
  return false;
}

/** Whether `actor` may set the assignee of a ticket to `assigneeId` (null = unassign). */
export function mayAssign(actor: Pick<Actor, "id" | "role">, assigneeId: string | null): boolean {
  if (can(actor.role, "ticket.assign_any")) return true;
  return can(actor.role, "ticket.assign_self") && assigneeId === actor.id;
}

/**
 * Whose figures a caller sees in reports (API.md "Reports"): managers and admins everyone's, an
 * agent only their own (other agents' rows are absent, team-wide figures are theirs alone), a
 * customer none (403). The one place reports ask.
 */
export type ReportScope = { kind: "all" } | { kind: "agent"; agentId: string };

export function reportScope(actor: Pick<Actor, "id" | "role">): ReportScope | null {
  if (can(actor.role, "reports.all")) return { kind: "all" };
  if (can(actor.role, "reports.own")) return { kind: "agent", agentId: actor.id };
  return null;
}
