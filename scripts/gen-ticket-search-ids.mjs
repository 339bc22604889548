// Writes migrations/0046_ticket_search_ids.sql and migrations-years/0006_ticket_search_ids.sql (their
// ranged statements are many and alike: edit here, run `node scripts/gen-ticket-search-ids.mjs`).
// Never deployed before it landed; once deployed, change the search ids with a new migration.
import { writeFileSync } from "node:fs";
import { BR, FACETS, L, MS, NAT, R, ranges, searchTriggers } from "./lib/ticket-search-sql.mjs";

function migration(main) {
  const s = [];
  s.push(`-- The ticket search index's ids made unique and in created order past 2^21 rowids (issue 15, docs/scale.md
-- "q= in created order"; ${main ? "migrations/0045_ticket_search_created_order.sql" : "migrations-years/0005_ticket_search_created_order.sql"} keyed it by created_at in ms
-- × 2^21 + the rowid's low 21 bits). Two tickets of one millisecond whose rowids are 2^21 apart shared
-- an id there: the second kept no doc row, but FTS5 took its postings under the first's id (the second
-- never found, the first matching its words, a later 'delete' of either corrupting the index), and two
-- of one millisecond in different 2^21-rowid blocks listed in low-bit order, not rowid order.
-- Now a millisecond whose tickets are all in one block keeps those natural ids (every millisecond
-- below 2^21 rowids: nothing changes there); one that came to hold tickets of two blocks is listed in
-- tickets_search_ranked for good and its tickets' ids are ms × 2^21 + their rank by rowid in it
-- (0, 1, …; a ticket leaving it leaves a gap); a ticket joining it takes the next rank when its rowid
-- comes after every other there (a new ticket's), else the millisecond is renumbered: ids stay unique
-- and in (created_at, rowid) order. tickets_search_ranked is exactly the set of milliseconds whose ids
-- may not be natural: a trigger and a reader take a ticket's natural id unless its millisecond is
-- listed there (one primary-key probe), and read its doc row if it is. The search index has one trigger per
-- event on tickets, which writes the doc row and FTS5 together (SQLite fires several triggers of one
-- event in an order not to rely on), FTS5 always under the id the doc row holds; for UPDATE two,
-- whose WHENs part it (created_at the same or not: exactly one fires for a row).${main ? ` (0002's
-- tickets_fts_au_requester also fires on a requester change: it writes only comments_fts.)` : ""} A
-- renumbering costs rows only in that millisecond, which holds or held two blocks (past 2^21 rowids).
-- Hand-written (drizzle-kit knows neither virtual tables nor triggers), through
-- scripts/gen-ticket-search-ids.mjs.
DROP TRIGGER \`tickets_search_docs_ai\`;`);
  for (const t of ["tickets_search_docs_au", "tickets_search_docs_ad", "tickets_fts_ai", "tickets_fts_au_content", "tickets_fts_au_deleted", "tickets_fts_au_restored", "tickets_fts_ad"])
    s.push(`DROP TRIGGER \`${t}\`;`);
  s.push(`-- The milliseconds whose tickets' ids are ranks (see the head of this file); a row stays for good
-- (giving a millisecond its natural ids back would renumber it, and the last ticket past 2^21 rowids
-- gone would renumber every listed one in the one DELETE).
CREATE TABLE \`tickets_search_ranked\` (
	\`ms\` integer PRIMARY KEY NOT NULL
);`);
  s.push(`-- A renumbering asked for: a row inserted renumbers its millisecond by rank with the ticket \`joining\`
-- it (the trigger tickets_search_renumber_ai), which deletes the row; empty between statements.
CREATE TABLE \`tickets_search_renumber\` (
	\`ms\` integer PRIMARY KEY NOT NULL,
	\`joining\` integer NOT NULL
);`);
  s.push(`-- Scratch of a renumbering: the rowids of the millisecond's tickets; empty between statements.
CREATE TABLE \`tickets_search_members\` (
	\`ticket_rowid\` integer PRIMARY KEY NOT NULL
);`);
  // Repair: tickets without their own doc row (they shared an id), a rowid range at a time.
  const rs = ranges(262144);
  rs.forEach((range, i) => {
    const head =
      i === 0
        ? `-- Repair of what 0045's ids did past 2^21 rowids. A ticket without its own doc row (it shared an
-- id, or a ticket that did went since) is marked, a rowid range at a time (D1 stops a query at 30 s:
-- each statement probes at most 262,144 tickets' doc rows by primary key, up to 2^23 rowids; the last
-- every rowid past that). Not only past 2^21: a ticket below it could come second into a shared id.
`
        : "";
    s.push(`${head}INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE ${range} AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = ${NAT("t")} AND ticket_rowid = t.rowid);`);
  });
  s.push(`-- Their milliseconds are numbered by rank, and every millisecond holding tickets of two 2^21-rowid blocks
-- (one pass over the doc rows, by their ids' milliseconds: \`>> 21\` floors, so before 1970 too; only
-- when a rowid past 2^21 is there, else no millisecond holds two blocks).
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT ${MS("t")} FROM tickets_search_members m JOIN tickets t ON t.rowid = m.ticket_rowid;`);
  s.push(`INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT doc_id >> 21 FROM tickets_search_docs
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= ${R}) GROUP BY doc_id >> 21 HAVING min(ticket_rowid >> 21) <> max(ticket_rowid >> 21);`);
  s.push(`-- The marked milliseconds renumbered: their tickets (doc rows and those without), ids by rank.
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT d.ticket_rowid FROM tickets_search_ranked r JOIN tickets_search_docs d ON d.doc_id BETWEEN r.ms * ${R} AND r.ms * ${R} + ${L};`);
  s.push(`DELETE FROM tickets_search_docs WHERE doc_id IN (SELECT d.doc_id FROM tickets_search_ranked r JOIN tickets_search_docs d ON d.doc_id BETWEEN r.ms * ${R} AND r.ms * ${R} + ${L});`);
  s.push(`INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT ${MS("t")} * ${R} + row_number() OVER (PARTITION BY ${MS("t")} ORDER BY t.rowid) - 1, t.rowid
	FROM tickets_search_members m JOIN tickets t ON t.rowid = m.ticket_rowid;`);
  s.push(`DELETE FROM tickets_search_members;`);
  s.push(`-- The index emptied and filled again, always: a shared id left postings of two tickets under one id,
-- and a 'delete' under it (an edit, a move, a delete of either) took the other's document size with
-- it, which nothing in the data records once the second ticket is gone (bm25, snippet() and
-- ORDER BY rank then fail with SQLITE_CORRUPT on the survivor's words). Filled a rowid range at a time
-- like 0045's: 131,072 tickets a statement (~7 s at most), up to 2^23 rowids; the last every rowid
-- past that.
INSERT INTO tickets_fts(tickets_fts) VALUES ('delete-all');`);
  s.push(`-- A ticket's doc row found by its rowid while filling (a ranked millisecond's ids are not computed
-- from the row, and a millisecond may hold thousands of tickets); dropped after.
CREATE INDEX \`tickets_search_docs_fill\` ON \`tickets_search_docs\` (\`ticket_rowid\`);`);
  for (const range of ranges(131072))
    s.push(`INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, ${FACETS("t")}
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND ${range};`);
  s.push(`DROP INDEX \`tickets_search_docs_fill\`;`);
  s.push(...searchTriggers({ main, FACETS }));
  let text = s.join(BR) + "\n";
  if (!main)
    text = text.replace(
      /^(?:--[^\n]*\n)+/,
      `-- The ticket search index's ids made unique and in created order past 2^21 rowids (issue 15); the same
-- as migrations/0046_ticket_search_ids.sql (see there) for a year database's own tickets (years carry
-- no comments). Through scripts/gen-ticket-search-ids.mjs.
`,
    );
  return text;
}

const root = new URL("..", import.meta.url);
writeFileSync(new URL("migrations/0046_ticket_search_ids.sql", root), migration(true));
writeFileSync(new URL("migrations-years/0006_ticket_search_ids.sql", root), migration(false));
