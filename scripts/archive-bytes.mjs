// Bytes per ticket in D1 before and after the archive (docs/scale.md "Archive measured"), from a
// bench state directory that bench/archive.mjs archived:
//
//   npx node --experimental-sqlite scripts/archive-bytes.mjs bench/.tmp/state-archive
//
// "after" is a copy of that database; "before" is another copy with every archived ticket restored
// from its R2 document exactly as the one write restores it (comments and history rows put back,
// their FTS entries by the migrations' triggers, ticket_archive_authors emptied), which also checks
// that the documents hold everything. Both are VACUUMed, then measured with SQLite's dbstat (Node's
// bundled SQLite: workerd's FTS5 format needs a recent one).
import { DatabaseSync } from "node:sqlite";
import { copyFileSync, readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import os from "node:os";

const state = process.argv[2];
if (!state) throw new Error("usage: archive-bytes.mjs <bench state dir>");
const sqliteIn = (dir) => readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").map((f) => path.join(dir, f))[0];
const d1 = sqliteIn(path.join(state, "d1", "miniflare-D1DatabaseObject"));
const r2 = sqliteIn(path.join(state, "r2", "miniflare-R2BucketObject"));
const blobs = path.join(state, "r2", readdirSync(path.join(state, "r2")).find((d) => d !== "miniflare-R2BucketObject"), "blobs");

function copy(name) {
  const file = path.join(os.tmpdir(), `archive-bytes-${name}.sqlite`);
  copyFileSync(d1, file);
  return new DatabaseSync(file);
}

const PARTS = {
  audit: /audit/,
  "tickets + indexes": /^(tickets($|_(?!fts))|sqlite_autoindex_tickets)/,
  tickets_fts: /^tickets_fts/,
  ticket_history: /ticket_history/,
  comments: /^(comments($|_(ticket|merged|author))|sqlite_autoindex_comments)/,
  comments_fts: /^comments_fts/,
  ticket_archive_authors: /ticket_archive_authors/,
  ticket_tag_index: /ticket_tag_index/,
};

function measure(db) {
  db.exec("VACUUM");
  const rows = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all();
  const count = (sql) => db.prepare(sql).get().n;
  const tickets = count("SELECT count(*) AS n FROM tickets");
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const parts = Object.fromEntries(Object.entries(PARTS).map(([k, re]) => [k, Math.round(rows.filter((r) => re.test(r.name)).reduce((s, r) => s + r.bytes, 0) / tickets)]));
  return {
    tickets,
    archived: count("SELECT count(*) AS n FROM tickets WHERE archived_at IS NOT NULL"),
    comments: count("SELECT count(*) AS n FROM comments"),
    history: count("SELECT count(*) AS n FROM ticket_history"),
    bytes: total,
    perTicket: Math.round(total / tickets),
    parts,
  };
}

const after = measure(copy("after"));
const before = copy("before");
const objects = new DatabaseSync(r2).prepare("SELECT key, blob_id, size FROM _mf_objects WHERE key LIKE 'archive/tickets/%'").all();
const insertComment = before.prepare("INSERT INTO comments (id, ticket_id, author_id, body, internal, channel, created_at, merged_from_ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
const insertHistory = before.prepare(
  "INSERT INTO ticket_history (id, ticket_id, type, actor_id, at, version, changes, bumps_version, internal, rule_id, rule_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
before.exec("BEGIN");
for (const o of objects) {
  const doc = JSON.parse(gunzipSync(readFileSync(path.join(blobs, o.blob_id))).toString("utf8"));
  for (const c of doc.comments) insertComment.run(c.id, c.ticketId, c.authorId, c.body, c.internal ? 1 : 0, c.channel, c.createdAt, c.mergedFromTicketId);
  for (const h of doc.history) insertHistory.run(h.id, h.ticketId, h.type, h.actorId, h.at, h.version, JSON.stringify(h.changes), h.bumpsVersion ? 1 : 0, h.internal ? 1 : 0, h.ruleId ?? null, h.ruleName ?? null);
  before.prepare("UPDATE tickets SET archived_at = NULL WHERE id = ?").run(doc.ticket.id);
}
before.exec("DELETE FROM ticket_archive_authors");
before.exec("COMMIT");
const restored = measure(before);
const r2Bytes = objects.reduce((s, o) => s + o.size, 0);
console.log(
  JSON.stringify(
    {
      before: restored,
      after,
      freedPerArchivedTicket: Math.round((restored.bytes - after.bytes) / Math.max(1, after.archived)),
      r2: { documents: objects.length, averageBytes: Math.round(r2Bytes / Math.max(1, objects.length)), min: Math.min(...objects.map((o) => o.size)), max: Math.max(...objects.map((o) => o.size)) },
    },
    null,
    1,
  ),
);
