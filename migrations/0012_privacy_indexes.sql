CREATE INDEX `attachments_sha256_idx` ON `attachments` (`sha256`);--> statement-breakpoint
CREATE INDEX `ticket_participants_email_idx` ON `ticket_participants` (`email`);--> statement-breakpoint
CREATE INDEX `comments_author_idx` ON `comments` (`author_id`);--> statement-breakpoint
CREATE INDEX `tickets_deleted_requester_idx` ON `tickets` (`requester_id`) WHERE deleted_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `webhook_events_ticket_idx` ON `webhook_events` (`ticket_id`) WHERE ticket_id IS NOT NULL;