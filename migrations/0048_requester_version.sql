-- The requesters' version (src/features/tickets/kept-requesters.ts): an isolate keeps the requesters
-- a ticket list showed (id, name, email) and uses them only while this value is the one it read them
-- with. Set by triggers on `users`, whoever writes (the service, an isolate still running the code
-- before this one, a script, `wrangler d1 execute`), on exactly what a list shows of a requester:
-- - an update of the name or the email to another value (a rename, an address change, a GDPR erasure,
--   which rewrites both); an update of anything else (a login, a password, a role, a deactivation,
--   the token version), or of the name to the same value (a chat's PATCH writes it every time), does
--   not move it: UPDATE OF plus WHEN, so those writes stay one row;
-- - a delete (no code path deletes a user; a script may);
-- - an insert that replaces a row with another id, name or email (INSERT OR REPLACE: SQLite deletes
--   the old row without firing the delete trigger unless recursive_triggers is on, which D1 does not
--   promise). A BEFORE INSERT trigger sees the row still there: it moves the version when a row holds
--   the new row's id or email (the table's only unique keys, both binary) and differs from it in id,
--   name or email. An insert that meets the very same row (the automation user's INSERT … ON
--   CONFLICT DO NOTHING in every automated comment's batch, a racing first mail's ensureCustomer,
--   the local start's INSERT OR IGNORE) leaves every kept requester true, so it moves nothing. A plain
--   insert that conflicts fails and takes the trigger's write back with it. A new user (every new
--   customer from mail) costs the two index probes of the WHEN and writes nothing more: a user not
--   yet read is not kept, so their arrival needs no version.
-- A random value, not a counter: a database restored to an earlier state (D1 Time Travel) must not
-- reach a value an isolate kept other requesters under. No conflict clause in the trigger bodies: a
-- statement's own (INSERT OR IGNORE INTO users …) would override it; an UPDATE by key and an INSERT
-- … WHERE NOT EXISTS cannot conflict. Users live in main only (not in the year databases). Hand-written
-- (drizzle-kit knows no triggers).
INSERT INTO `rule_state` (`key`, `value`) VALUES ('requester_version', lower(hex(randomblob(16))))
	ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
--> statement-breakpoint
CREATE TRIGGER `users_requester_bi` BEFORE INSERT ON `users`
	WHEN EXISTS (SELECT 1 FROM `users` WHERE (`id` = NEW.`id` OR `email` = NEW.`email`)
		AND (`id` IS NOT NEW.`id` OR `name` IS NOT NEW.`name` OR `email` IS NOT NEW.`email`)) BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'requester_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'requester_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'requester_version');
END;
--> statement-breakpoint
CREATE TRIGGER `users_requester_au` AFTER UPDATE OF `name`, `email` ON `users`
	WHEN OLD.`name` IS NOT NEW.`name` OR OLD.`email` IS NOT NEW.`email` BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'requester_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'requester_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'requester_version');
END;
--> statement-breakpoint
CREATE TRIGGER `users_requester_ad` AFTER DELETE ON `users` BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'requester_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'requester_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'requester_version');
END;
