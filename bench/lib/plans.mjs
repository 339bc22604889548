// EXPLAIN QUERY PLAN for the selects a request ran (as reported by the D1_METRICS headers): a
// table scan without an index, or a temporary B-tree for ORDER BY, reads O(table) rows.

// "SCAN x USING INDEX i" walks an index in ORDER BY order (stopped by LIMIT): fine. FTS5 virtual
// tables, constant rows and a VALUES list written into the statement ("SCAN 33-ROW VALUES CLAUSE":
// the report boundaries) are not table scans either.
const FULL_SCAN = /^SCAN (?!CONSTANT ROW)(?!\d+-ROW VALUES CLAUSE)(\S+)(?!.*\bUSING\b.*\bINDEX\b)(?!.*VIRTUAL TABLE)/;
const TEMP_SORT = /USE TEMP B-TREE/;
// Scanning a table this small (the SLA policy table, settings) costs less than an index lookup would.
const SMALL_TABLE_ROWS = 1_000;

/** Adds `plan` to each select of `statements`; returns the lines that read O(table). */
export async function explainStatements(db, statements, tableSizes = {}) {
  const issues = [];
  for (const st of statements ?? []) {
    if (!/^\s*select\b/i.test(st.sql)) continue;
    if (st.exact === false) {
      st.plan = ["(statement cut in the metrics header: not explained)"];
      continue;
    }
    try {
      const { results } = await db.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).bind(...st.params).all();
      st.plan = results.map((r) => r.detail);
    } catch (err) {
      st.plan = [`(EXPLAIN failed: ${err.message})`];
      continue;
    }
    for (const line of st.plan) {
      const scanned = line.match(FULL_SCAN)?.[1];
      if (scanned && (tableSizes[scanned] ?? Infinity) <= SMALL_TABLE_ROWS) continue;
      if (scanned || TEMP_SORT.test(line)) issues.push(`${line} — in \`${st.sql.slice(0, 160)}…\``);
    }
  }
  return issues;
}
