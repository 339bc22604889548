-- A ticket's returns from a year database (issue 15, features/archive/archive.retire.ts): a bring-back
-- keeps the revision (it names the archive document) and moves this, so (returned, revision) orders
-- every state of the row: a retire's delete requires both it read, and a year copy is replaced or
-- dropped only by a newer state. Existing rows: 0.
ALTER TABLE `tickets` ADD `returned` integer DEFAULT 0 NOT NULL;
