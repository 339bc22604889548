-- Holds no row. The first statement of a create's or a reply's first D1 batch inserts 1 into it only
-- when the caller's row no longer passes (deactivated, token revoked, deleted, role changed); the CHECK
-- then fails the whole batch, so nothing of the write lands (src/db/caller-gate.ts, issue 15 item 3:
-- the caller's row read in the write's first D1 call instead of a call of its own).
CREATE TABLE `caller_guard` (
	`refused` integer NOT NULL,
	CONSTRAINT "caller_verified" CHECK(refused = 0)
);
