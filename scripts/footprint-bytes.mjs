// Bytes per ticket in D1 without Miniflare (docs/scale.md "Footprint"): applies migrations/ and the bench seed
// (bench/lib/seed.mjs, the bench's mix) to a plain SQLite file with node:sqlite, then VACUUM + dbstat, live and
// after an archive done in SQL the way archive.service.ts does it (every closed ticket: comments and history
// deleted, authors other than the requester kept, archived_at set). A quick check of a schema change; the
// measured figure is bench/archive.mjs + scripts/archive-bytes.mjs (the real cron, queue and R2 documents).
//
//   npx node --experimental-sqlite scripts/footprint-bytes.mjs . 0.05 /tmp/footprint.sqlite
import { DatabaseSync } from "node:sqlite";
import { rmSync, copyFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
const [repoArg, scaleArg, out] = process.argv.slice(2);
if (!out) throw new Error("usage: footprint-bytes.mjs <repo> <scale> <out.sqlite>");
const repo = path.resolve(repoArg);
const scale = Number(scaleArg);
const { applyMigrations } = await import(pathToFileURL(path.join(repo, "bench/lib/migrate.mjs")).href);
const { seed, DEFAULT_SIZES } = await import(pathToFileURL(path.join(repo, "bench/lib/seed.mjs")).href);
rmSync(out, { force: true });
const raw = new DatabaseSync(out);
raw.exec("PRAGMA foreign_keys = ON");
const stmt = (sql, args = []) => ({
  sql, args,
  bind: (...a) => stmt(sql, a),
  run: async () => { raw.prepare(sql).run(...args); return { meta: {} }; },
  all: async () => ({ results: raw.prepare(sql).all(...args) }),
  first: async (col) => { const r = raw.prepare(sql).get(...args); return col ? r?.[col] : r; },
});
const db = {
  prepare: (sql) => stmt(sql),
  batch: async (list) => {
    raw.exec("BEGIN");
    try { for (const s of list) { if (s.args.length) raw.prepare(s.sql).run(...s.args); else raw.exec(s.sql); } raw.exec("COMMIT"); }
    catch (e) { raw.exec("ROLLBACK"); throw e; }
    return [];
  },
};
const log = (m) => console.error(m);
await applyMigrations(db, log);
const sizes = Object.fromEntries(Object.entries(DEFAULT_SIZES).map(([k, v]) => [k, ["tickets", "comments", "customers"].includes(k) ? Math.round(v * scale) : v]));
await seed(db, { sizes, pepper: "bench-pepper", log });
raw.close();

function measure(file) {
  const d = new DatabaseSync(file);
  d.exec("VACUUM");
  const rows = d.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC").all();
  const tickets = d.prepare("SELECT count(*) n FROM tickets").get().n;
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const res = { tickets, perTicket: Math.round(total / tickets), by: Object.fromEntries(rows.filter((r) => r.bytes / tickets >= 5).map((r) => [r.name, Math.round(r.bytes / tickets)])) };
  d.close();
  return res;
}
const live = measure(out);
const arch = out.replace(/\.sqlite$/, "-archived.sqlite");
copyFileSync(out, arch);
const a = new DatabaseSync(arch);
a.exec("PRAGMA foreign_keys = ON");
a.exec(`BEGIN;
CREATE TEMP TABLE due AS SELECT id FROM tickets WHERE deleted_at IS NULL AND archived_at IS NULL AND status = 'closed';
INSERT OR IGNORE INTO ticket_archive_authors (author_id, ticket_id) SELECT DISTINCT c.author_id, c.ticket_id FROM comments c JOIN tickets t ON t.id = c.ticket_id WHERE c.ticket_id IN (SELECT id FROM due) AND c.author_id IS NOT NULL AND c.author_id <> t.requester_id;
DELETE FROM comments WHERE ticket_id IN (SELECT id FROM due);
DELETE FROM ticket_history WHERE ticket_id IN (SELECT id FROM due);
UPDATE tickets SET archived_at = '2027-01-01T00:00:00.000Z' WHERE id IN (SELECT id FROM due);
COMMIT;`);
const archived = a.prepare("SELECT count(*) n FROM tickets WHERE archived_at IS NOT NULL").get().n;
a.close();
console.log(JSON.stringify({ live, archived: { archived, ...measure(arch) } }, null, 1));
