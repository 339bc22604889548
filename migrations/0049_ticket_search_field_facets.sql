-- Custom field values as facet tokens of a ticket's search document (issue 15, docs/scale.md "Combined
-- filters"): a list combining `cf.<key>=` filters with each other, with status, priority, `q=` or a
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
DROP TRIGGER IF EXISTS `tickets_search_renumber_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tickets_search_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tickets_search_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tickets_search_au_moved`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `tickets_search_ad`;
--> statement-breakpoint
DELETE FROM rule_state WHERE key = 'ticket_search_facets';
--> statement-breakpoint
-- A ticket's custom field values as facet tokens (' f…0 f…0'), for each ticket that has any (deleted ones
-- too: a restore indexes them), keyed by its rowid.
CREATE TABLE IF NOT EXISTS `tickets_search_fields` (
	`ticket_rowid` integer PRIMARY KEY NOT NULL,
	`facets` text NOT NULL
);
--> statement-breakpoint
DELETE FROM tickets_search_fields;
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 0 AND t.rowid < 131072) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 131072 AND t.rowid < 262144) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 262144 AND t.rowid < 393216) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 393216 AND t.rowid < 524288) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 524288 AND t.rowid < 655360) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 655360 AND t.rowid < 786432) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 786432 AND t.rowid < 917504) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 917504 AND t.rowid < 1048576) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1048576 AND t.rowid < 1179648) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1179648 AND t.rowid < 1310720) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1310720 AND t.rowid < 1441792) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1441792 AND t.rowid < 1572864) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1572864 AND t.rowid < 1703936) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1703936 AND t.rowid < 1835008) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1835008 AND t.rowid < 1966080) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 1966080 AND t.rowid < 2097152) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2097152 AND t.rowid < 2228224) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2228224 AND t.rowid < 2359296) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2359296 AND t.rowid < 2490368) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2490368 AND t.rowid < 2621440) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2621440 AND t.rowid < 2752512) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2752512 AND t.rowid < 2883584) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 2883584 AND t.rowid < 3014656) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3014656 AND t.rowid < 3145728) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3145728 AND t.rowid < 3276800) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3276800 AND t.rowid < 3407872) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3407872 AND t.rowid < 3538944) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3538944 AND t.rowid < 3670016) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3670016 AND t.rowid < 3801088) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3801088 AND t.rowid < 3932160) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 3932160 AND t.rowid < 4063232) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4063232 AND t.rowid < 4194304) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4194304 AND t.rowid < 4325376) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4325376 AND t.rowid < 4456448) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4456448 AND t.rowid < 4587520) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4587520 AND t.rowid < 4718592) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4718592 AND t.rowid < 4849664) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4849664 AND t.rowid < 4980736) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 4980736 AND t.rowid < 5111808) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5111808 AND t.rowid < 5242880) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5242880 AND t.rowid < 5373952) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5373952 AND t.rowid < 5505024) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5505024 AND t.rowid < 5636096) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5636096 AND t.rowid < 5767168) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5767168 AND t.rowid < 5898240) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 5898240 AND t.rowid < 6029312) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6029312 AND t.rowid < 6160384) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6160384 AND t.rowid < 6291456) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6291456 AND t.rowid < 6422528) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6422528 AND t.rowid < 6553600) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6553600 AND t.rowid < 6684672) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6684672 AND t.rowid < 6815744) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6815744 AND t.rowid < 6946816) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 6946816 AND t.rowid < 7077888) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7077888 AND t.rowid < 7208960) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7208960 AND t.rowid < 7340032) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7340032 AND t.rowid < 7471104) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7471104 AND t.rowid < 7602176) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7602176 AND t.rowid < 7733248) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7733248 AND t.rowid < 7864320) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7864320 AND t.rowid < 7995392) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 7995392 AND t.rowid < 8126464) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 8126464 AND t.rowid < 8257536) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 8257536 AND t.rowid < 8388608) WHERE f <> '';
--> statement-breakpoint
INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT r, f FROM (SELECT t.rowid AS r, coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(t.custom_fields) THEN t.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f FROM tickets t WHERE t.rowid >= 8388608) WHERE f <> '';
--> statement-breakpoint
DROP VIEW IF EXISTS `tickets_search_source`;
--> statement-breakpoint
CREATE VIEW `tickets_search_source` AS
	SELECT d.doc_id AS doc_id, t.subject AS subject, t.description AS description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '') AS facets
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE t.deleted_at IS NULL;
--> statement-breakpoint
INSERT INTO tickets_fts(tickets_fts) VALUES ('delete-all');
--> statement-breakpoint
-- A ticket's doc row found by its rowid while filling (as 0046's fill); dropped after.
CREATE INDEX IF NOT EXISTS `tickets_search_docs_fill` ON `tickets_search_docs` (`ticket_rowid`);
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 0 AND t.rowid < 131072;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 131072 AND t.rowid < 262144;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 262144 AND t.rowid < 393216;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 393216 AND t.rowid < 524288;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 524288 AND t.rowid < 655360;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 655360 AND t.rowid < 786432;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 786432 AND t.rowid < 917504;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 917504 AND t.rowid < 1048576;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1048576 AND t.rowid < 1179648;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1179648 AND t.rowid < 1310720;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1310720 AND t.rowid < 1441792;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1441792 AND t.rowid < 1572864;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1572864 AND t.rowid < 1703936;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1703936 AND t.rowid < 1835008;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1835008 AND t.rowid < 1966080;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1966080 AND t.rowid < 2097152;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2097152 AND t.rowid < 2228224;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2228224 AND t.rowid < 2359296;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2359296 AND t.rowid < 2490368;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2490368 AND t.rowid < 2621440;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2621440 AND t.rowid < 2752512;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2752512 AND t.rowid < 2883584;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2883584 AND t.rowid < 3014656;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3014656 AND t.rowid < 3145728;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3145728 AND t.rowid < 3276800;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3276800 AND t.rowid < 3407872;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3407872 AND t.rowid < 3538944;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3538944 AND t.rowid < 3670016;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3670016 AND t.rowid < 3801088;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3801088 AND t.rowid < 3932160;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3932160 AND t.rowid < 4063232;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4063232 AND t.rowid < 4194304;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4194304 AND t.rowid < 4325376;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4325376 AND t.rowid < 4456448;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4456448 AND t.rowid < 4587520;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4587520 AND t.rowid < 4718592;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4718592 AND t.rowid < 4849664;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4849664 AND t.rowid < 4980736;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4980736 AND t.rowid < 5111808;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5111808 AND t.rowid < 5242880;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5242880 AND t.rowid < 5373952;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5373952 AND t.rowid < 5505024;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5505024 AND t.rowid < 5636096;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5636096 AND t.rowid < 5767168;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5767168 AND t.rowid < 5898240;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5898240 AND t.rowid < 6029312;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6029312 AND t.rowid < 6160384;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6160384 AND t.rowid < 6291456;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6291456 AND t.rowid < 6422528;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6422528 AND t.rowid < 6553600;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6553600 AND t.rowid < 6684672;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6684672 AND t.rowid < 6815744;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6815744 AND t.rowid < 6946816;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6946816 AND t.rowid < 7077888;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7077888 AND t.rowid < 7208960;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7208960 AND t.rowid < 7340032;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7340032 AND t.rowid < 7471104;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7471104 AND t.rowid < 7602176;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7602176 AND t.rowid < 7733248;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7733248 AND t.rowid < 7864320;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7864320 AND t.rowid < 7995392;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7995392 AND t.rowid < 8126464;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8126464 AND t.rowid < 8257536;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8257536 AND t.rowid < 8388608;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8388608;
--> statement-breakpoint
DROP INDEX IF EXISTS `tickets_search_docs_fill`;
--> statement-breakpoint
-- A millisecond renumbered: its postings out under their ids, its ids by rank (the joining ticket's
-- among them), its postings in again; the millisecond listed as ranked.
CREATE TRIGGER `tickets_search_renumber_ai` AFTER INSERT ON `tickets_search_renumber` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_members (ticket_rowid) SELECT ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	-- NOT EXISTS, not OR IGNORE: a statement's own conflict clause (INSERT OR ABORT INTO tickets …)
	-- overrides a trigger's, and would fail the ticket's write on a row that is already there.
	INSERT INTO tickets_search_members (ticket_rowid) SELECT new.joining WHERE NOT EXISTS (SELECT 1 FROM tickets_search_members WHERE ticket_rowid = new.joining);
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT new.ms * 2097152 + row_number() OVER (ORDER BY ticket_rowid) - 1, ticket_rowid FROM tickets_search_members;
	DELETE FROM tickets_search_members;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = t.rowid), '')
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_ranked (ms) SELECT new.ms WHERE NOT EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = new.ms);
	DELETE FROM tickets_search_renumber WHERE ms = new.ms;
END;
--> statement-breakpoint
-- A ticket's doc row and its postings, one trigger an event.
CREATE TRIGGER `tickets_search_ai` AFTER INSERT ON `tickets` BEGIN
	DELETE FROM tickets_search_fields WHERE ticket_rowid = new.rowid;
	INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT new.rowid, f FROM (SELECT coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f) WHERE f <> '';
	-- Its id without renumbering: its natural id when its millisecond holds no doc row (a new ticket's
	-- usual case; a ranked millisecond emptied may take it too, its ids being read from doc rows); in a
	-- ranked millisecond the next rank when its rowid comes after every other there (a new ticket's, as
	-- SQLite hands rowids out); else its natural id when the millisecond's tickets are of its 2^21-rowid
	-- block: one doc row tells, as an unranked millisecond holds one block only (reading them all made
	-- the k-th ticket of one millisecond read ~2k rows, an import's shared created_at quadratic). NULL
	-- (no row) when none.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT id, new.rowid FROM (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151))
		WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT l.doc_id + 1 FROM (SELECT doc_id, ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 ORDER BY doc_id DESC LIMIT 1) l WHERE l.ticket_rowid < new.rowid AND l.doc_id < CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151)
		WHEN (SELECT ticket_rowid >> 21 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 LIMIT 1) = (new.rowid >> 21) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END AS id) WHERE id IS NOT NULL;
	-- changes(): the rows the last statement of this body wrote itself (a nested trigger's are not counted).
	-- Here 0: no id taken: the millisecond renumbered by rank with it (tickets_search_renumber_ai, which
	-- writes its postings too).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Here 0: no renumbering was asked, so the id was taken: its postings under it, the doc row's
	-- doc_id (an INTEGER PRIMARY KEY: last_insert_rowid(), no row inserted since).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT last_insert_rowid(), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = new.rowid), '') WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- A ticket's words, facets or deletion changed, its created_at not: the old words out and the new in,
-- under its id (tickets_search_au_moved takes a changed created_at; not OF created_at: a statement
-- that sets only it changes nothing here).
CREATE TRIGGER `tickets_search_au` AFTER UPDATE OF subject, description, requester_id, status, priority, custom_fields, deleted_at ON `tickets`
WHEN old.created_at IS new.created_at AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
	OR old.status IS NOT new.status OR old.priority IS NOT new.priority OR old.custom_fields IS NOT new.custom_fields OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = old.rowid), '') WHERE old.deleted_at IS NULL;
	-- Soft delete: its comments leave the index with it; restore: they come back.
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND c.ticket_id = old.id;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NOT NULL AND new.deleted_at IS NULL AND c.ticket_id = new.id;
	DELETE FROM tickets_search_fields WHERE ticket_rowid = new.rowid AND old.custom_fields IS NOT new.custom_fields;
	INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT new.rowid, f FROM (SELECT coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f WHERE old.custom_fields IS NOT new.custom_fields) WHERE f <> '';
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = new.rowid) ELSE (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = new.rowid), '') WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- Its created_at changed: it leaves its millisecond (a ranked one keeps its ranks, a gap where it was)
-- and joins the other as a new ticket would. OF created_at only, so an update that does not set it
-- compiles none of this (SQLite codes a statement's triggers into it when preparing it).
CREATE TRIGGER `tickets_search_au_moved` AFTER UPDATE OF created_at ON `tickets`
WHEN old.created_at IS NOT new.created_at
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = old.rowid), '') WHERE old.deleted_at IS NULL;
	-- Soft delete: its comments leave the index with it; restore: they come back.
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND c.ticket_id = old.id;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NOT NULL AND new.deleted_at IS NULL AND c.ticket_id = new.id;
	DELETE FROM tickets_search_docs WHERE doc_id = (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END) AND ticket_rowid = old.rowid;
	DELETE FROM tickets_search_fields WHERE ticket_rowid = new.rowid AND old.custom_fields IS NOT new.custom_fields;
	INSERT INTO tickets_search_fields (ticket_rowid, facets) SELECT new.rowid, f FROM (SELECT coalesce((SELECT group_concat(' f' || hex(v.k) || v.kind || hex(v.v) || '0', '') FROM (SELECT j.key AS k, CASE WHEN j.type = 'text' THEN 't' ELSE 'i' END AS kind, CASE WHEN j.type = 'real' THEN CAST(j.value AS INTEGER) ELSE j.value END AS v FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j WHERE (j.type = 'text' AND length(j.value) <= 100) OR j.type IN ('integer', 'true', 'false') OR (j.type = 'real' AND j.value = CAST(j.value AS INTEGER)) UNION ALL SELECT j.key, 'm', e.value FROM json_each(CASE WHEN json_valid(new.custom_fields) THEN new.custom_fields ELSE '{}' END) j, json_each(CASE WHEN j.type = 'array' THEN j.value ELSE '[]' END) e WHERE j.type = 'array' AND e.type = 'text' AND length(e.value) <= 100) v), '') AS f WHERE old.custom_fields IS NOT new.custom_fields) WHERE f <> '';
	-- Its id without renumbering: its natural id when its millisecond holds no doc row (a new ticket's
	-- usual case; a ranked millisecond emptied may take it too, its ids being read from doc rows); in a
	-- ranked millisecond the next rank when its rowid comes after every other there (a new ticket's, as
	-- SQLite hands rowids out); else its natural id when the millisecond's tickets are of its 2^21-rowid
	-- block: one doc row tells, as an unranked millisecond holds one block only (reading them all made
	-- the k-th ticket of one millisecond read ~2k rows, an import's shared created_at quadratic). NULL
	-- (no row) when none.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT id, new.rowid FROM (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151))
		WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT l.doc_id + 1 FROM (SELECT doc_id, ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 ORDER BY doc_id DESC LIMIT 1) l WHERE l.ticket_rowid < new.rowid AND l.doc_id < CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151)
		WHEN (SELECT ticket_rowid >> 21 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 LIMIT 1) = (new.rowid >> 21) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END AS id) WHERE id IS NOT NULL;
	-- changes(): the rows the last statement of this body wrote itself (a nested trigger's are not counted).
	-- Here 0: no id taken: the millisecond renumbered by rank with it (tickets_search_renumber_ai, which
	-- writes its postings too).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Here 0: no renumbering was asked, so the id was taken: its postings under it, the doc row's
	-- doc_id (an INTEGER PRIMARY KEY: last_insert_rowid(), no row inserted since).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT last_insert_rowid(), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = new.rowid), '') WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- Gone: its postings and its doc row (a ranked millisecond keeps its ranks, a gap where it was).
CREATE TRIGGER `tickets_search_ad` AFTER DELETE ON `tickets` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' || coalesce((SELECT facets FROM tickets_search_fields WHERE ticket_rowid = old.rowid), '') WHERE old.deleted_at IS NULL;
	DELETE FROM tickets_search_docs WHERE doc_id = (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END) AND ticket_rowid = old.rowid;
	DELETE FROM tickets_search_fields WHERE ticket_rowid = old.rowid;
END;
--> statement-breakpoint
-- The documents hold field facets: lists may walk them (search.fts.ts fieldFacetsReady).
INSERT INTO rule_state (key, value) VALUES ('ticket_search_facets', '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
