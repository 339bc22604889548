// Writes migrations/0049_ticket_search_field_facets.sql (its ranged fill statements are many and alike:
// edit here, run `node scripts/gen-ticket-search-facets.mjs`). Once deployed, change the facets with a
// new migration (the triggers' 'delete' must be given exactly what was indexed).
import { writeFileSync } from "node:fs";
import { BR, FACETS, ranges, searchTriggers } from "./lib/ticket-search-sql.mjs";

/**
 * The longest text value indexed as a facet, in characters (SQLite's length(), JS's code points):
 * the longest option value (OPTION_VALUE in src/domain/custom-fields.ts), so every dropdown and
 * multiselect option and every date is a token; longer text is a text or textarea value, which no
 * list filters by, and would only make long tokens. MAX_FACET_VALUE_CHARS in src/domain/search-query.ts.
 */
const MAX_FACET_VALUE_CHARS = 100;

// The ticket's custom_fields as an object to read (a malformed value would fail the ticket's write in json_each).
const fields = (x) => `CASE WHEN json_valid(${x}.custom_fields) THEN ${x}.custom_fields ELSE '{}' END`;
/**
 * A ticket's custom field values as facet tokens, a pure function of its custom_fields JSON (src/domain
 * search-query.ts fieldToken builds the same): ' f<hex key>t<hex text>0' for a text value,
 * ' f<hex key>i<hex decimal>0' for an integer, a boolean (1 / 0: what json_extract gives, what the list
 * compares) or an integral real, ' f<hex key>m<hex option>0' for each text element of an array (a
 * multiselect's options). '' when none, so a ticket without values keeps 0046's facets exactly.
 * json_each: in the triggers and this migration only (see the head of the migration).
 * Hex keeps every token one alphanumeric word of the tokenizer whatever the value holds (quotes, FTS5
 * syntax, any script), ending in a digit so porter leaves it whole; 'f' starts none of the other facets
 * (u…0, s…0, p…0), and t, i, m are not hex digits, so the key ends where they stand.
 */
const FIELD_FACETS = (x) =>
  `coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (` +
  `SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(${fields(x)}) j ` +
  `WHERE (j.type = 'text' AND length(j.value) <= ${MAX_FACET_VALUE_CHARS}) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) ` +
  `UNION ALL SELECT j.key, 'm', e.value FROM json_each(${fields(x)}) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e ` +
  `WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= ${MAX_FACET_VALUE_CHARS}) v), '')`;
/** What a ticket's facets hold of its values: its row of tickets_search_fields (none: no value has a token). */
const SIDE = (x) => `coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = ${x}.rowid), '')`;
const FACETS_WITH_FIELDS = (x) => `${FACETS(x)} || ${SIDE(x)}`;
/** A ticket's row of tickets_search_fields written from its custom_fields (`when`: only then). */
const WRITE_SIDE = (x, when = "") =>
  `INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT ${x}.rowid, f FROM (SELECT ${FIELD_FACETS(x)} AS f${when ? ` WHERE ${when}` : ""}) WHERE f <> '';`;
const CHANGED = "old.custom_fields IS NOT new.custom_fields";

const s = [];
s.push(`-- Custom field values as facet tokens of a ticket's search document (issue 15, docs/scale.md "Combined
-- filters"): a list combining \`cf.<key>=\` filters with each other, with status, priority, \`q=\` or a
-- customer's own tickets walks tickets_fts's postings of all of them in one MATCH, in created order
-- (src/features/tickets/tickets.list.ts), instead of one index with the rest checked per row.
-- The tokens are a function of the ticket's custom_fields (FIELD_FACETS in
-- scripts/gen-ticket-search-facets.mjs, which writes this file), kept in tickets_search_fields (a row a
-- ticket that has any), which the triggers write when the ticket is inserted or its custom_fields
-- change, and which the facets of the view and of every trigger's 'delete' and insert append to 0046's.
-- Not computed in the view itself: FTS5 reads its content table with virtual tables refused
-- (SQLITE_PREPARE_NO_VTAB), so a view calling json_each fails snippet(), 'rebuild' and the
-- integrity-check ("no such table: main.json_each"); and a 'delete' given the stored tokens removes
-- exactly what was indexed, whatever computed them. A ticket without values has exactly 0046's facets.
-- tickets_search_au now also fires when custom_fields changes.
-- Filled and re-indexed a rowid range at a time, as 0046 is (131,072 tickets a statement, D1 stopping
-- a query at 30 s; docs/scale.md "Migrations on a big database"): the tokens, then the index emptied
-- and filled again, which needs no knowledge of what each document held (deleting each valued ticket's
-- document and inserting it again costs two writes of the whole document a ticket, and every ticket
-- may hold values). Last, rule_state 'ticket_search_facets' says it is complete: until then lists do
-- not walk field facets (a file applied in part leaves them on their old plans, never a wrong list).
-- Rerunnable from the top (IF EXISTS, IF NOT EXISTS, the tokens emptied first), should a run stop part-way.
-- Hand-written (drizzle-kit knows neither virtual tables, views nor triggers).
DROP TRIGGER IF EXISTS \`tickets_search_renumber_ai\`;`);
for (const t of ["tickets_search_ai", "tickets_search_au", "tickets_search_au_moved", "tickets_search_ad"]) s.push(`DROP TRIGGER IF EXISTS \`${t}\`;`);
s.push(`DELETE FROM rule_state WHERE key = 'ticket_search_facets';`);
s.push(`-- A ticket's custom field values as facet tokens (' f…0 f…0'), for each ticket that has any (deleted ones
-- too: a restore indexes them), keyed by its rowid.
CREATE TABLE IF NOT EXISTS \`tickets_search_fields\` (
	\`ticket_rowid\` integer PRIMARY KEY NOT NULL,
	\`facets\` text NOT NULL
);`);
s.push(`DELETE FROM tickets_search_fields;`);
for (const range of ranges(131072))
  s.push(`INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, ${FIELD_FACETS("t")} AS f FROM tickets t WHERE ${range}) WHERE f <> '';`);
s.push(`DROP VIEW IF EXISTS \`tickets_search_source\`;`);
s.push(`CREATE VIEW \`tickets_search_source\` AS
	SELECT d.doc_id AS doc_id, t.subject AS subject, t.description AS description, ${FACETS_WITH_FIELDS("t")} AS facets
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE t.deleted_at IS NULL;`);
s.push(`INSERT INTO tickets_fts(tickets_fts) VALUES ('delete-all');`);
s.push(`-- A ticket's doc row found by its rowid while filling (as 0046's fill); dropped after.
CREATE INDEX IF NOT EXISTS \`tickets_search_docs_fill\` ON \`tickets_search_docs\` (\`ticket_rowid\`);`);
for (const range of ranges(131072))
  s.push(`INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, ${FACETS_WITH_FIELDS("t")}
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND ${range};`);
s.push(`DROP INDEX IF EXISTS \`tickets_search_docs_fill\`;`);
s.push(
  ...searchTriggers({
    main: true,
    FACETS: FACETS_WITH_FIELDS,
    extra: ["custom_fields"],
    keep: {
      // DELETE first, not OR REPLACE: a statement's own conflict clause overrides a trigger's.
      inserted: `	DELETE FROM tickets_search_fields WHERE ticket_rowid = new.rowid;\n	${WRITE_SIDE("new")}\n`,
      changed: `	DELETE FROM tickets_search_fields WHERE ticket_rowid = new.rowid AND ${CHANGED};\n	${WRITE_SIDE("new", CHANGED)}\n`,
      gone: `	DELETE FROM tickets_search_fields WHERE ticket_rowid = old.rowid;\n`,
    },
  }),
);
s.push(`-- The documents hold field facets: lists may walk them (search.fts.ts fieldFacetsReady).
INSERT INTO rule_state (key, value) VALUES ('ticket_search_facets', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;`);

const root = new URL("..", import.meta.url);
writeFileSync(new URL("migrations/0049_ticket_search_field_facets.sql", root), s.join(BR) + "\n");
