// SQLite's own CPU for a reply's row changes, outside workerd: the ticket's update and the comment's
// insert (with its comments_fts trigger), each reply committed as its own transaction, so FTS5's
// commit-time flush and segment merges are paid (the bench's replay rolls back and never pays them).
// Run it on a COPY of a bench database (it writes):
//
//   npx node bench/lib/sqlite-reply-cost.mjs /tmp/copy.sqlite all|commentonly|updateonly|nofts [n]
//
// `nofts` drops the trigger first (the difference is FTS5's share). Prints CPU ms per reply
// (process.cpuUsage: user + system), `synchronous` off so no fsync is counted.
import { DatabaseSync } from "node:sqlite";

const [path, variant = "all", n = "300"] = process.argv.slice(2);
if (!path) throw new Error("usage: sqlite-reply-cost.mjs <copy.sqlite> [all|commentonly|updateonly|nofts] [n]");
const db = new DatabaseSync(path);
db.exec("PRAGMA synchronous=OFF");
const agent = db.prepare("select id from users where role = 'agent' limit 1").get().id;
const ids = db.prepare("select id from tickets where status = 'open' and deleted_at is null order by random() limit ?").all(Number(n)).map((r) => r.id);
if (variant === "nofts") db.exec("DROP TRIGGER comments_fts_ai");
const body = "Thanks for reaching out. I have checked your account and the export should now work again; please try once more and tell us if the error about the VAT invoice comes back after the next billing run.";
const update = db.prepare("update tickets set updated_at = ?, revision = revision + 1 where id = ?");
const insert = db.prepare("insert into comments (id, ticket_id, author_id, body, internal, channel, created_at) values (?, ?, ?, ?, 0, 'web', ?)");
const ms = ids.map((id, k) => {
  const c0 = process.cpuUsage();
  db.exec("BEGIN");
  const now = new Date().toISOString();
  if (variant !== "commentonly") update.run(now, id);
  if (variant !== "updateonly") insert.run(`zz${Date.now()}${k}`, id, agent, `${body} ${k}`, now);
  db.exec("COMMIT");
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
});
ms.sort((a, b) => a - b);
const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
console.log(`${variant}: ${ms.length} replies, CPU ms mean ${mean.toFixed(3)}, p50 ${ms[ms.length >> 1].toFixed(3)}, p90 ${ms[Math.floor(ms.length * 0.9)].toFixed(3)}`);
