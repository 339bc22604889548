import { users, type tickets } from "../../db/schema";
import { customerValues, knownValues, type FieldCatalog } from "../../domain/custom-fields";
import { customStatusOf } from "../../domain/custom-statuses";
import { slaView } from "../../domain/sla";

export type TicketRow = typeof tickets.$inferSelect;

/** The requester as tickets show them: select these beside a ticket row. */
export const requesterColumns = { id: users.id, name: users.name, email: users.email };
export interface Requester {
  id: string;
  name: string;
  email: string;
}

/**
 * Who a ticket is shown to: staff see every custom field that exists, customers only those marked
 * customer_visible, and no `time_spent_minutes`. Every wire ticket is made by {@link toTicket} with a view (features/tickets/ticket-view.ts), so no path can hand
 * a customer a field they may not see.
 */
export interface TicketView {
  audience: "staff" | "customer";
  fields: FieldCatalog;
}

/** The wire shape of a ticket (API.md "Tickets") as `view` may see it. */
export function toTicket(row: TicketRow, requester: Requester, now: Date, view: TicketView) {
  const sla = slaView(row, now.toISOString());
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    description: row.description,
    status: row.status,
    custom_status: customStatusOf(row),
    priority: row.priority,
    category: row.category,
    channel: row.channel,
    tags: row.tags,
    requester: { id: requester.id, name: requester.name, email: requester.email },
    assignee_id: row.assigneeId,
    team_id: row.teamId,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    first_response_at: row.firstResponseAt,
    resolved_at: row.resolvedAt,
    closed_at: row.closedAt,
    merged_into_id: row.mergedIntoId,
    links: row.links ?? [],
    sla: {
      policy: row.slaPolicy,
      first_response_due_at: row.firstResponseDueAt,
      next_response_due_at: sla.nextResponseDueAt,
      resolution_due_at: row.resolutionDueAt,
      breached: row.slaBreached || sla.breaches.length > 0,
      breaches: sla.breaches,
      at_risk: sla.atRisk,
      paused: row.slaPausedAt !== null,
    },
    satisfaction: row.satisfactionScore !== null && row.satisfactionRatedAt ? { score: row.satisfactionScore, comment: row.satisfactionComment, rated_at: row.satisfactionRatedAt } : null,
    // Logged time is staff bookkeeping (like the entries and their notes): customers never see it.
    ...(view.audience === "staff" ? { time_spent_minutes: row.timeSpentMinutes } : {}),
    custom_fields: view.audience === "staff" ? knownValues(view.fields, row.customFields) : customerValues(view.fields, row.customFields),
    external_id: row.externalId,
  };
}
export type Ticket = ReturnType<typeof toTicket>;
