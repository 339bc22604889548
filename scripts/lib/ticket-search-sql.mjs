// The SQL of the ticket search index's triggers (tickets_fts keyed in created order, ids unique past
// 2^21 rowids: migrations/0046_ticket_search_ids.sql, whose head says how), shared by the scripts that
// write its migrations: scripts/gen-ticket-search-ids.mjs (0046, years 0006) and
// scripts/gen-ticket-search-facets.mjs (0049: custom field facets). `FACETS` is what 0045/0046 index
// as a ticket's facets; a migration that changes it passes its own.

export const R = 2097152; // 2^21: a millisecond's ids
export const L = R - 1;
export const MAX_RANGED = 2 ** 23; // ranged statements up to here, the last one open-ended
export const MS = (x) => `CAST(round((julianday(${x}.created_at) - 2440587.5) * 86400000.0) AS INTEGER)`;
export const NAT = (x) => `(${MS(x)} * ${R} + (${x}.rowid & ${L}))`;
export const OF_MS = (ms) => `doc_id BETWEEN ${ms} * ${R} AND ${ms} * ${R} + ${L}`;
export const FACETS = (x) => `'u' || hex(${x}.requester_id) || '0 s' || replace(${x}.status, '_', '') || '0 p' || ${x}.priority || '0'`;
export const RANKED = (ms) => `EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = ${ms})`;
/** A ticket's id: its doc row's in a ranked millisecond, else its natural id (one primary-key probe). */
export const DOC = (x) => `(CASE WHEN ${RANKED(MS(x))} THEN (SELECT doc_id FROM tickets_search_docs WHERE ${OF_MS(MS(x))} AND ticket_rowid = ${x}.rowid) ELSE ${NAT(x)} END)`;
export const ranges = (step) => {
  const out = [];
  for (let lo = 0; lo < MAX_RANGED; lo += step) out.push(`t.rowid >= ${lo} AND t.rowid < ${lo + step}`);
  out.push(`t.rowid >= ${MAX_RANGED}`);
  return out;
};
export const BR = "\n--> statement-breakpoint\n";

/**
 * The CREATE TRIGGER statements of the search index (tickets_search_renumber_ai, then _ai, _au,
 * _au_moved, _ad), each writing `FACETS(x)` as a ticket's facets. `main`: main's (which also moves
 * the ticket's comments in comments_fts on a soft delete or restore), else a year database's.
 * `extra`: columns beyond the words, facets and deletion whose change rewrites the document (what
 * `FACETS` reads besides requester_id, status and priority). `keep`: statements (each a line, tab
 * first) that keep what `FACETS` reads up to date: `inserted` first in the insert's trigger,
 * `changed` between an update's 'delete' and its insert, `gone` last in the delete's.
 */
export function searchTriggers({ main, FACETS, extra = [], keep = {} }) {
  const s = [];
  s.push(`-- A millisecond renumbered: its postings out under their ids, its ids by rank (the joining ticket's
-- among them), its postings in again; the millisecond listed as ranked.
CREATE TRIGGER \`tickets_search_renumber_ai\` AFTER INSERT ON \`tickets_search_renumber\` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', d.doc_id, t.subject, t.description, ${FACETS("t")}
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.${OF_MS("new.ms")} AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_members (ticket_rowid) SELECT ticket_rowid FROM tickets_search_docs WHERE ${OF_MS("new.ms")};
	-- NOT EXISTS, not OR IGNORE: a statement's own conflict clause (INSERT OR ABORT INTO tickets …)
	-- overrides a trigger's, and would fail the ticket's write on a row that is already there.
	INSERT INTO tickets_search_members (ticket_rowid) SELECT new.joining WHERE NOT EXISTS (SELECT 1 FROM tickets_search_members WHERE ticket_rowid = new.joining);
	DELETE FROM tickets_search_docs WHERE ${OF_MS("new.ms")};
	INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT new.ms * ${R} + row_number() OVER (ORDER BY ticket_rowid) - 1, ticket_rowid FROM tickets_search_members;
	DELETE FROM tickets_search_members;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, ${FACETS("t")}
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.${OF_MS("new.ms")} AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_ranked (ms) SELECT new.ms WHERE NOT EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = new.ms);
	DELETE FROM tickets_search_renumber WHERE ms = new.ms;
END;`);
  // Joining a millisecond (a new ticket, or one whose created_at moved): natural id, next rank, or renumbering.
  const last = (x) => `(SELECT doc_id, ticket_rowid FROM tickets_search_docs WHERE ${OF_MS(MS(x))} ORDER BY doc_id DESC LIMIT 1)`;
  const join = (x) => `	-- Its id without renumbering: its natural id when its millisecond holds no doc row (a new ticket's
	-- usual case; a ranked millisecond emptied may take it too, its ids being read from doc rows); in a
	-- ranked millisecond the next rank when its rowid comes after every other there (a new ticket's, as
	-- SQLite hands rowids out); else its natural id when the millisecond's tickets are of its 2^21-rowid
	-- block: one doc row tells, as an unranked millisecond holds one block only (reading them all made
	-- the k-th ticket of one millisecond read ~2k rows, an import's shared created_at quadratic). NULL
	-- (no row) when none.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT id, ${x}.rowid FROM (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE ${OF_MS(MS(x))}) THEN ${NAT(x)}
		WHEN ${RANKED(MS(x))} THEN (SELECT l.doc_id + 1 FROM ${last(x)} l WHERE l.ticket_rowid < ${x}.rowid AND l.doc_id < ${MS(x)} * ${R} + ${L})
		WHEN (SELECT ticket_rowid >> 21 FROM tickets_search_docs WHERE ${OF_MS(MS(x))} LIMIT 1) = (${x}.rowid >> 21) THEN ${NAT(x)} END AS id) WHERE id IS NOT NULL;
	-- changes(): the rows the last statement of this body wrote itself (a nested trigger's are not counted).
	-- Here 0: no id taken: the millisecond renumbered by rank with it (tickets_search_renumber_ai, which
	-- writes its postings too).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT ${MS(x)}, ${x}.rowid WHERE changes() = 0;
	-- Here 0: no renumbering was asked, so the id was taken: its postings under it, the doc row's
	-- doc_id (an INTEGER PRIMARY KEY: last_insert_rowid(), no row inserted since).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT last_insert_rowid(), ${x}.subject, ${x}.description, ${FACETS(x)} WHERE changes() = 0 AND ${x}.deleted_at IS NULL;`;
  const comments = main
    ? `
	-- Soft delete: its comments leave the index with it; restore: they come back.
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND c.ticket_id = old.id;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NOT NULL AND new.deleted_at IS NULL AND c.ticket_id = new.id;`
    : "";
  s.push(`-- A ticket's doc row and its postings, one trigger an event.
CREATE TRIGGER \`tickets_search_ai\` AFTER INSERT ON \`tickets\` BEGIN
${keep.inserted ?? ""}${join("new")}
END;`);
  s.push(`-- A ticket's words, facets or deletion changed, its created_at not: the old words out and the new in,
-- under its id (tickets_search_au_moved takes a changed created_at; not OF created_at: a statement
-- that sets only it changes nothing here).
CREATE TRIGGER \`tickets_search_au\` AFTER UPDATE OF subject, description, requester_id, status, priority, ${extra.map((c) => `${c}, `).join("")}deleted_at ON \`tickets\`
WHEN old.created_at IS new.created_at AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
	OR old.status IS NOT new.status OR old.priority IS NOT new.priority${extra.map((c) => ` OR old.${c} IS NOT new.${c}`).join("")} OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', ${DOC("old")}, old.subject, old.description, ${FACETS("old")} WHERE old.deleted_at IS NULL;${comments}
${keep.changed ?? ""}	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT ${DOC("new")}, new.subject, new.description, ${FACETS("new")} WHERE new.deleted_at IS NULL;
END;`);
  s.push(`-- Its created_at changed: it leaves its millisecond (a ranked one keeps its ranks, a gap where it was)
-- and joins the other as a new ticket would. OF created_at only, so an update that does not set it
-- compiles none of this (SQLite codes a statement's triggers into it when preparing it).
CREATE TRIGGER \`tickets_search_au_moved\` AFTER UPDATE OF created_at ON \`tickets\`
WHEN old.created_at IS NOT new.created_at
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', ${DOC("old")}, old.subject, old.description, ${FACETS("old")} WHERE old.deleted_at IS NULL;${comments}
	DELETE FROM tickets_search_docs WHERE doc_id = ${DOC("old")} AND ticket_rowid = old.rowid;
${keep.changed ?? ""}${join("new")}
END;`);
  s.push(`-- Gone: its postings and its doc row (a ranked millisecond keeps its ranks, a gap where it was).
CREATE TRIGGER \`tickets_search_ad\` AFTER DELETE ON \`tickets\` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', ${DOC("old")}, old.subject, old.description, ${FACETS("old")} WHERE old.deleted_at IS NULL;
	DELETE FROM tickets_search_docs WHERE doc_id = ${DOC("old")} AND ticket_rowid = old.rowid;
${keep.gone ?? ""}END;`);
  return s;
}
