/**
 * The one serializer of events for webhooks and channels: `data` of a delivery is the event itself
 * (every member but `type`), generic over the TicketEvent union, so a new event type is delivered
 * with no code here. What a webhook without include_internal must not get is stripped in one place:
 * internal events (an internal note, an escalation, a routing decision) are not sent at all, and a
 * ticket is shown as its requester may see it.
 */
import type { TicketEvent } from "../../events/ticket-events";
import type { Ticket } from "../tickets/tickets.serialize";

/** An event only staff may know of: it carries an internal note, or it was marked internal by the change that made it. */
export function isInternalEvent(event: TicketEvent): boolean {
  if ("internal" in event && event.internal) return true;
  return "comment" in event && event.comment.internal;
}

/**
 * A ticket as its requester sees it. Today that is the whole wire ticket; fields only staff may see
 * (custom fields that are not customer_visible) are removed here when they exist.
 */
export function publicTicket(ticket: Ticket): Ticket {
  return ticket;
}

/** `data` of the event for a webhook with or without include_internal; null: not for that webhook. */
export function eventData(event: TicketEvent, includeInternal: boolean): Record<string, unknown> | null {
  if (!includeInternal && isInternalEvent(event)) return null;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "type") continue;
    data[key] = key === "ticket" && !includeInternal ? publicTicket(value as Ticket) : value;
  }
  return data;
}

/** Both variants of an event's data, the internal one only when it differs (so it is stored once). */
export function eventPayloads(event: TicketEvent): { payload: Record<string, unknown> | null; internalPayload: Record<string, unknown> | null } {
  const payload = eventData(event, false);
  const internal = eventData(event, true);
  return { payload, internalPayload: payload && JSON.stringify(payload) === JSON.stringify(internal) ? null : internal };
}
