-- Tickets from before the automation columns (migration 0011): the best knowledge there is, so
-- automations' hours_since_status_changed / _requester_update find them through their indexes.
-- Every change from now on sets the columns itself (changeTicket, createTicket).
UPDATE tickets SET status_changed_at = coalesce(CASE status WHEN 'closed' THEN closed_at WHEN 'resolved' THEN resolved_at END, updated_at) WHERE status_changed_at IS NULL;--> statement-breakpoint
UPDATE tickets SET requester_updated_at = created_at WHERE requester_updated_at IS NULL;
