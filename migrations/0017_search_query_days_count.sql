-- Issue 9 item 10: the number of distinct queries in each day's search rollup, kept by the database
-- itself, so capping new rows (src/features/search/search.service.ts record) reads one row. An upsert
-- that only counts an existing query fires no INSERT trigger; housekeeping deletes whole old days.
CREATE TRIGGER search_query_stats_count AFTER INSERT ON search_query_stats BEGIN
  INSERT INTO search_query_days (day, queries) VALUES (NEW.day, 1)
  ON CONFLICT (day) DO UPDATE SET queries = queries + 1;
END;
--> statement-breakpoint
INSERT INTO search_query_days (day, queries) SELECT day, count(*) FROM search_query_stats GROUP BY day;
