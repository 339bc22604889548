-- Fills the routing copy of every team member (team_member_routing_copy) from its sources: the member's
-- agent_routing row, user_skills, and their running tickets (open or in progress, not deleted).
-- Idempotent: it recomputes the whole copy, so it also repairs a copy that drifted (the bench
-- runs it after seeding tickets straight into D1).
UPDATE team_members SET
  availability = coalesce((SELECT availability FROM agent_routing WHERE agent_routing.user_id = team_members.user_id), 'online'),
  max_open_tickets = coalesce((SELECT max_open_tickets FROM agent_routing WHERE agent_routing.user_id = team_members.user_id), 20),
  last_assigned_at = (SELECT last_assigned_at FROM agent_routing WHERE agent_routing.user_id = team_members.user_id),
  active_tickets = (SELECT count(*) FROM tickets WHERE tickets.assignee_id = team_members.user_id AND tickets.status IN ('open', 'in_progress') AND tickets.deleted_at IS NULL),
  critical_tickets = (SELECT count(*) FROM tickets WHERE tickets.assignee_id = team_members.user_id AND tickets.status IN ('open', 'in_progress') AND tickets.deleted_at IS NULL AND tickets.priority_rank = 4),
  skills = coalesce((SELECT json_group_object(skill, proficiency) FROM user_skills WHERE user_skills.user_id = team_members.user_id), '{}');
