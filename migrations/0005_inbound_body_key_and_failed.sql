DROP INDEX `inbound_messages_quarantine_idx`;--> statement-breakpoint
ALTER TABLE `inbound_messages` ADD `body_key` text;--> statement-breakpoint
CREATE INDEX `inbound_messages_held_idx` ON `inbound_messages` (`created_at`,`id`) WHERE status IN ('quarantined', 'failed');