-- report_open_by keeps no row for unassigned or no-team open tickets (member ''): the reports derive
-- them as the scope's total in report_open less its members' rows (src/domain/rollups.ts
-- withoutMember), so a ticket with no assignee or no team writes up to two rows fewer on every move.
-- The rows are the same number either way, so nothing else changes and no rebuild is needed.
DELETE FROM report_open_by WHERE member = '';
