// The archive (issue 15 item 1, docs/scale.md "Archive to R2"): how many bytes a ticket takes in D1
// before and after it is archived, how fast the cron + JOBS queue archive the seeded closed tickets,
// and what reading an archived ticket costs (D1 rows, latency) next to a live one.
//
// The seed's closed tickets were closed within the last year; the archive's cron is dispatched with
// its clock 400 days ahead, so every one of them is due (ARCHIVE_AFTER_DAYS keeps its default).
// Destructive: the bench database keeps its tickets archived afterwards (run it with its own
// BENCH_STATE_DIR, or --reseed the next run of the other modules). Bytes before and after, VACUUMed:
// `npx node --experimental-sqlite scripts/archive-bytes.mjs <that state dir>` afterwards.

const DAY = 86_400_000;
const ARCHIVE_CRON = "*/5 * * * *";

/** Bytes per b-tree (tables and indexes, FTS5 shadow tables by name) from SQLite's dbstat. */
async function bytesByName(db) {
  const rows = (await db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all()).results;
  return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
}

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const pick = (o, re) => Object.fromEntries(Object.entries(o).filter(([k]) => re.test(k)));

export async function run(ctx) {
  const { db, mf, log, request, tokens, measure, probe } = ctx;
  const notes = [];
  const count = async (sql) => (await db.prepare(sql).first("n")) ?? 0;
  const tickets = await count("SELECT count(*) AS n FROM tickets");
  const before = await bytesByName(db).catch((err) => {
    notes.push(`dbstat refused by the local D1 (${err.message}); bytes not measured here`);
    return null;
  });
  const due = await count("SELECT count(*) AS n FROM tickets WHERE deleted_at IS NULL AND archived_at IS NULL AND status = 'closed'");
  // A live closed ticket to compare reads with, before it is archived: one with comments and history.
  const sample = await db
    .prepare("SELECT t.id FROM tickets t WHERE t.status = 'closed' AND t.archived_at IS NULL AND (SELECT count(*) FROM comments c WHERE c.ticket_id = t.id) >= 3 LIMIT 2")
    .all();
  const [liveId, archivedId] = sample.results.map((r) => r.id);
  log(`${due} closed tickets of ${tickets} to archive`);

  const worker = await mf.getWorker("edgedesk");
  const started = Date.now();
  let archived = 0;
  // One tick at a time (≤ 500 tickets each), the next once its chunks are consumed, as the */5 cron paces it.
  while (archived < due) {
    await worker.scheduled({ cron: ARCHIVE_CRON, scheduledTime: new Date(Date.now() + 400 * DAY) });
    const target = Math.min(due, archived + 500);
    const tickStarted = Date.now();
    while (archived < target) {
      await new Promise((r) => setTimeout(r, 250));
      archived = await count("SELECT count(*) AS n FROM tickets WHERE archived_at IS NOT NULL");
      if (Date.now() - tickStarted > 5 * 60_000) throw new Error(`archive stalls at ${archived} of ${due}`);
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const throughput = archived / seconds;
  log(`archived ${archived} tickets in ${seconds.toFixed(1)} s (${throughput.toFixed(1)} tickets/s)`);
  notes.push(`archived ${archived} of ${tickets} tickets (every closed one) in ${seconds.toFixed(1)} s through the cron and the JOBS queue: ${throughput.toFixed(1)} tickets/s`);

  if (before) {
    const after = await bytesByName(db);
    const totalBefore = sum(before);
    const totalAfter = sum(after);
    const parts = (o) => ({
      all: sum(o),
      history: sum(pick(o, /^(ticket_history|.*ticket_history.*)$/)),
      comments: sum(pick(o, /^comments(_|$)|^sqlite_autoindex_comments/)),
      comments_fts: sum(pick(o, /^comments_fts/)),
      tickets: sum(pick(o, /^tickets(_(?!fts)|$)|^sqlite_autoindex_tickets/)),
      audit: sum(pick(o, /audit/)),
    });
    const b = parts(before);
    const a = parts(after);
    notes.push(`D1 bytes (dbstat, not vacuumed): ${totalBefore} → ${totalAfter}; per ticket ${(totalBefore / tickets).toFixed(0)} → ${(totalAfter / tickets).toFixed(0)} B all-in`);
    notes.push(`freed per archived ticket: ${((totalBefore - totalAfter) / archived).toFixed(0)} B (history ${((b.history - a.history) / archived).toFixed(0)}, comments ${((b.comments - a.comments) / archived).toFixed(0)}, comment FTS ${((b.comments_fts - a.comments_fts) / archived).toFixed(0)})`);
    notes.push(`parts before/after (B): ${JSON.stringify({ before: b, after: a })}`);
  }
  // The documents' sizes: Miniflare's R2 proxy does not list from Node reliably; read them from the
  // bucket's state afterwards (the results note says how).

  // Reading: the archived sample against a live ticket restored for the purpose (any change restores).
  if (liveId && archivedId) {
    // An internal note: a closed ticket takes one, and any write restores the ticket.
    const restore = await request({ method: "POST", path: `/api/v1/tickets/${liveId}/comments`, token: tokens.agent, body: { body: "bench: restored", internal: true } });
    if (restore.status !== 201) notes.push(`restore of ${liveId}: ${restore.status} ${restore.body.slice(0, 200)}`);
    for (const [label, id] of [
      ["archived", archivedId],
      ["restored (live)", liveId],
    ]) {
      for (const [what, suffix] of [
        ["ticket", ""],
        ["comments", "/comments?limit=50"],
        ["history", "/history?limit=50"],
      ]) {
        const path = `/api/v1/tickets/${id}${suffix}`;
        await measure({ name: `${label} ticket: GET ${what}`, route: `GET /tickets/{id}${suffix.replace(/\?.*/, "")}`, as: "agent", request: () => ({ path, token: tokens.agent }), rows: true });
      }
    }
  } else notes.push("no closed ticket with 3 comments in the seed: reads not measured");
  void probe;
  return { notes };
}
