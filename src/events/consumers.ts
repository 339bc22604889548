import type { ServiceContext } from "../lib/request-context";
import type { TicketEventConsumer } from "./ticket-events";
import { mailOutbox } from "../email/outbox";
import { liveFanOut } from "../features/live/live.service";
import { notificationsConsumer } from "../features/notifications/notifications.service";
import { ruleTriggers } from "../features/rules/triggers";
import { assignmentStamp } from "../features/teams/routing.service";
import { reportRollups } from "../features/reports/reports.rollups";
import { channelReplies } from "../features/channels/channels.outbound";
import { webhookOutbox } from "../features/webhooks/webhooks.outbox";

/**
 * Every consumer of ticket events, in the order they run: this list is the whole wiring. Each
 * ticket write (features/tickets/ticket-write.ts) puts the `inBatch` rows of all of them into its
 * own batch and, after commit, runs their `afterCommit` work. The contexts of src/contexts.ts hand
 * this list to the services.
 */
export const TICKET_EVENT_CONSUMERS: readonly TicketEventConsumer<ServiceContext>[] = [
  // Mail: outbox rows in the change's batch (acknowledgement, staff reply, resolution), queued after commit.
  mailOutbox,
  // Routing: an assignment stamps the assignee's last assignment (round-robin, idle tie-break).
  assignmentStamp,
  // Reports: the rollups move by the difference of the rows the write replaced and wrote.
  reportRollups,
  // Notifications: rows and unread counters in the change's batch; pushed to their recipients' feed sockets after commit.
  notificationsConsumer,
  // Channels: a staff reply on a ticket a channel thread continues goes back to that channel (a delivery row).
  channelReplies,
  // Webhooks: the event and its deliveries to subscribed webhooks in the change's batch; after commit every
  // delivery of the event (channel replies too) goes to the WEBHOOKS queue.
  webhookOutbox,
  // Live: the ticket's room (filtered per socket by role) and the agents' feed.
  liveFanOut,
  // Triggers: after commit, the active triggers judge the change as a whole (features/rules/triggers.ts).
  ruleTriggers,
];
