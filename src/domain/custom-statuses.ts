import { TICKET_STATUSES, type StatusCategory, type TicketStatus } from "./vocabulary";

/**
 * Custom statuses (API.md "Custom statuses"): names people see ("Waiting on vendor") that are each
 * a kind of one status category. A ticket's `status` stays the category, so the transition table,
 * the SLA pause and every status filter work unchanged; `custom_status` is the finer name. A ticket
 * without one shows its category's own name.
 */

export interface StatusDefinition {
  id: string;
  key: string;
  label: string;
  category: StatusCategory;
  active: boolean;
}

/** The custom statuses that exist (active or not), by key. */
export type StatusCatalog = ReadonlyMap<string, StatusDefinition>;

/** Custom status keys: lowercase words, never a category's own name (that one is built in). */
export const STATUS_KEY = /^[a-z][a-z0-9_]{0,49}$/;
export const isBuiltInStatus = (key: string): key is TicketStatus => (TICKET_STATUSES as readonly string[]).includes(key);

/** The `custom_status` a ticket shows: its custom status, or its category's own name. */
export const customStatusOf = (t: { status: TicketStatus; customStatus?: string | null }) => t.customStatus ?? t.status;

export type StatusEdit = { status?: TicketStatus; customStatus?: string | null };

/**
 * A PATCH's `status` and/or `custom_status` as an edit of the category and the custom status:
 * a custom status moves the ticket to its category; a built-in name is that category without a
 * custom status; both given must agree.
 */
export function resolveStatusEdit(
  catalog: StatusCatalog,
  input: { status?: TicketStatus | undefined; customStatus?: string | undefined },
): { ok: true; edit: StatusEdit } | { ok: false; errors: Record<string, string[]> } {
  const { status, customStatus } = input;
  if (customStatus === undefined) return { ok: true, edit: status === undefined ? {} : { status } };
  if (isBuiltInStatus(customStatus)) {
    if (status !== undefined && status !== customStatus) return { ok: false, errors: { custom_status: [`${customStatus} is not a kind of ${status}`] } };
    return { ok: true, edit: { status: customStatus, customStatus: null } };
  }
  const def = catalog.get(customStatus);
  if (!def) return { ok: false, errors: { custom_status: ["no such status"] } };
  if (!def.active) return { ok: false, errors: { custom_status: ["the status is inactive"] } };
  if (status !== undefined && status !== def.category) return { ok: false, errors: { custom_status: [`${customStatus} is a kind of ${def.category}, not ${status}`] } };
  return { ok: true, edit: { status: def.category, customStatus: def.key } };
}
