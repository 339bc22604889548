-- Issue 15 item 4: routing walks an index in its strategy's order and stops at the first eligible
-- members (features/teams/routing.service walkCandidates) instead of reading every member.
-- team_member_skills: team_members' routing copy, one row per member and skill held, so skill_based
-- walks the holders of the ticket's skill by score. It is derived from team_members by the triggers
-- below, so every write of a member row (the ticket write's load counters, availability, capacity,
-- the assignment stamp, skills, membership, the bench's direct updates) keeps it; WITHOUT ROWID
-- (drizzle-kit cannot declare it): its key is most of the row. teams.member_count is kept the same way.
CREATE TABLE `team_member_skills` (
	`team_id` text NOT NULL,
	`user_id` text NOT NULL,
	`skill` text NOT NULL,
	`proficiency` integer NOT NULL,
	`availability` text NOT NULL,
	`max_open_tickets` integer NOT NULL,
	`active_tickets` integer NOT NULL,
	`critical_tickets` integer NOT NULL,
	`last_assigned_at` text,
	PRIMARY KEY(`team_id`, `user_id`, `skill`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `team_member_skills_score_idx` ON `team_member_skills` (`team_id`,`skill`,active_tickets + 2 * critical_tickets - 5 * proficiency,`last_assigned_at`,`user_id`) WHERE availability = 'online';--> statement-breakpoint
ALTER TABLE `teams` ADD `member_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `team_members_least_loaded_idx` ON `team_members` (`team_id`,`active_tickets`,`critical_tickets`,`last_assigned_at`,`user_id`) WHERE availability = 'online';--> statement-breakpoint
CREATE INDEX `team_members_round_robin_idx` ON `team_members` (`team_id`,`last_assigned_at`,`user_id`) WHERE availability = 'online';--> statement-breakpoint
CREATE INDEX `team_members_load_score_idx` ON `team_members` (`team_id`,active_tickets + 2 * critical_tickets,`last_assigned_at`,`user_id`) WHERE availability = 'online';--> statement-breakpoint
-- Skills below 1 are not held (domain/routing: proficiency < 1 lacks the skill).
CREATE TRIGGER team_member_skills_insert AFTER INSERT ON team_members BEGIN
  INSERT INTO team_member_skills (team_id, user_id, skill, proficiency, availability, max_open_tickets, active_tickets, critical_tickets, last_assigned_at)
    SELECT NEW.team_id, NEW.user_id, key, value, NEW.availability, NEW.max_open_tickets, NEW.active_tickets, NEW.critical_tickets, NEW.last_assigned_at
    FROM json_each(NEW.skills) WHERE value >= 1;
  UPDATE teams SET member_count = member_count + 1 WHERE id = NEW.team_id;
END;
--> statement-breakpoint
CREATE TRIGGER team_member_skills_delete AFTER DELETE ON team_members BEGIN
  DELETE FROM team_member_skills WHERE team_id = OLD.team_id AND user_id = OLD.user_id;
  UPDATE teams SET member_count = member_count - 1 WHERE id = OLD.team_id;
END;
--> statement-breakpoint
CREATE TRIGGER team_member_skills_skills AFTER UPDATE OF skills ON team_members BEGIN
  DELETE FROM team_member_skills WHERE team_id = NEW.team_id AND user_id = NEW.user_id;
  INSERT INTO team_member_skills (team_id, user_id, skill, proficiency, availability, max_open_tickets, active_tickets, critical_tickets, last_assigned_at)
    SELECT NEW.team_id, NEW.user_id, key, value, NEW.availability, NEW.max_open_tickets, NEW.active_tickets, NEW.critical_tickets, NEW.last_assigned_at
    FROM json_each(NEW.skills) WHERE value >= 1;
END;
--> statement-breakpoint
-- Fires only for writes that name these columns: a member's load moves one row per skill they hold.
CREATE TRIGGER team_member_skills_state AFTER UPDATE OF availability, max_open_tickets, active_tickets, critical_tickets, last_assigned_at ON team_members BEGIN
  UPDATE team_member_skills SET availability = NEW.availability, max_open_tickets = NEW.max_open_tickets, active_tickets = NEW.active_tickets,
    critical_tickets = NEW.critical_tickets, last_assigned_at = NEW.last_assigned_at
  WHERE team_id = NEW.team_id AND user_id = NEW.user_id;
END;
--> statement-breakpoint
INSERT INTO team_member_skills (team_id, user_id, skill, proficiency, availability, max_open_tickets, active_tickets, critical_tickets, last_assigned_at)
  SELECT m.team_id, m.user_id, j.key, j.value, m.availability, m.max_open_tickets, m.active_tickets, m.critical_tickets, m.last_assigned_at
  FROM team_members m, json_each(m.skills) j WHERE j.value >= 1;
--> statement-breakpoint
UPDATE teams SET member_count = (SELECT count(*) FROM team_members WHERE team_members.team_id = teams.id);
