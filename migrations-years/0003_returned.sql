-- main's migrations/0042 for a year's tickets (the copy carries every column of main's row).
ALTER TABLE `tickets` ADD `returned` integer DEFAULT 0 NOT NULL;
