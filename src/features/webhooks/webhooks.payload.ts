/**
 * The one serializer of events for webhooks and channels: `data` of a delivery is the event itself
 * (every member but `type`), generic over the TicketEvent union, so a new event type is delivered
 * with no code here. What a webhook without include_internal must not get is stripped in one place:
 * internal events (an internal note, an escalation, a routing decision) are not sent at all, and the
 * ticket and its changes are shown as the requester may see them (custom fields that are not
 * customer_visible left out, as on the customer's socket); a change of such fields alone is not sent.
 */
import { customerChanges, customerTicket } from "../../domain/custom-fields";
import type { TicketEvent } from "../../events/ticket-events";

/** An event only staff may know of: it carries an internal note, or it was marked internal by the change that made it. */
export function isInternalEvent(event: TicketEvent): boolean {
  if ("internal" in event && event.internal) return true;
  return "comment" in event && event.comment.internal;
}

/** The event's changes as its requester may see them (null: it carries none): made once per payload. */
function changesForCustomers(event: TicketEvent): Record<string, unknown> | null {
  return "changes" in event && event.changes ? customerChanges(event.changes as Record<string, unknown>, event.customer_fields ?? []) : null;
}

/** {@link staffOnlyEvent}, given the event's changes as customers see them. */
function staffOnlyWith(event: TicketEvent, shown: Record<string, unknown> | null): boolean {
  if (isInternalEvent(event)) return true;
  return shown !== null && "changes" in event && Object.keys(event.changes).length > 0 && Object.keys(shown).length === 0;
}

/**
 * Whether a webhook without include_internal gets nothing of the event ({@link eventData} is null for
 * it): an internal event, or a change of custom fields customers may not see, alone. Nothing is
 * serialized: the outbox asks it before any payload exists (webhooks.outbox.ts subscribedRows).
 */
export function staffOnlyEvent(event: TicketEvent): boolean {
  return staffOnlyWith(event, isInternalEvent(event) ? null : changesForCustomers(event));
}

/** `data` of the event for a webhook with or without include_internal; null: not for that webhook. */
export function eventData(event: TicketEvent, includeInternal: boolean): Record<string, unknown> | null {
  const shown = includeInternal || isInternalEvent(event) ? null : changesForCustomers(event);
  if (!includeInternal && staffOnlyWith(event, shown)) return null;
  const visible = event.customer_fields ?? [];
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === "type" || key === "customer_fields") continue;
    if (includeInternal) data[key] = value;
    else if (key === "ticket") data[key] = customerTicket(value as { custom_fields: Record<string, never> }, visible);
    else if (key === "changes") data[key] = shown ?? value;
    else data[key] = value;
  }
  return data;
}

/** Both variants of an event's data, the internal one only when it differs (so it is stored once). */
export function eventPayloads(event: TicketEvent): { payload: Record<string, unknown> | null; internalPayload: Record<string, unknown> | null } {
  const payload = eventData(event, false);
  const internal = eventData(event, true);
  return { payload, internalPayload: payload && JSON.stringify(payload) === JSON.stringify(internal) ? null : internal };
}
