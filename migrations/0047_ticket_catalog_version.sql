-- The field catalog's version (src/features/fields/kept-catalog.ts): an isolate keeps the catalog
-- and uses it only while this value is the one it read the catalog with. Set by triggers on every
-- write of a definition, whoever writes it (the service, an isolate still running the code before
-- this one, a script, `wrangler d1 execute`): a write that did not set it would leave warm isolates
-- showing customers a field just hidden, with no time limit (stop 33's review). A random value, not
-- a counter: a database restored to an earlier state (D1 Time Travel) must not reach a value an
-- isolate kept another catalog under. No conflict clause in the trigger bodies: a statement's own
-- (INSERT OR IGNORE INTO ticket_fields …) would override it; an UPDATE by key and an INSERT … WHERE
-- NOT EXISTS cannot conflict. Hand-written (drizzle-kit knows no triggers).
INSERT INTO `rule_state` (`key`, `value`) VALUES ('ticket_catalog_version', lower(hex(randomblob(16))))
	ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
--> statement-breakpoint
CREATE TRIGGER `ticket_fields_catalog_ai` AFTER INSERT ON `ticket_fields` BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'ticket_catalog_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'ticket_catalog_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'ticket_catalog_version');
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_fields_catalog_au` AFTER UPDATE ON `ticket_fields` BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'ticket_catalog_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'ticket_catalog_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'ticket_catalog_version');
END;
--> statement-breakpoint
CREATE TRIGGER `ticket_fields_catalog_ad` AFTER DELETE ON `ticket_fields` BEGIN
	UPDATE `rule_state` SET `value` = lower(hex(randomblob(16))) WHERE `key` = 'ticket_catalog_version';
	INSERT INTO `rule_state` (`key`, `value`) SELECT 'ticket_catalog_version', lower(hex(randomblob(16)))
		WHERE NOT EXISTS (SELECT 1 FROM `rule_state` WHERE `key` = 'ticket_catalog_version');
END;
