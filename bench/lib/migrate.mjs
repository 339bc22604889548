// Applies migrations/*.sql to the bench database the way `wrangler d1 migrations apply` does:
// in file-name order, each file as one batch, recorded in d1_migrations (same table and columns),
// so a seeded database picks up migrations added later.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { unstable_splitSqlQuery } from "wrangler";
import { ROOT } from "./server.mjs";

const MIGRATIONS_DIR = path.join(ROOT, "migrations");

/** name → sha256 of every migration file now in migrations/. */
export function migrationHashes() {
  return Object.fromEntries(
    readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => [f, createHash("sha256").update(readFileSync(path.join(MIGRATIONS_DIR, f))).digest("hex")]),
  );
}

/**
 * Why a database migrated with `applied` (name → hash) cannot take the current migrations, or null.
 * Appending files is fine; editing, renaming or removing an applied one (a regenerated history) is not.
 */
export function migrationConflict(applied) {
  const now = migrationHashes();
  for (const [name, hash] of Object.entries(applied ?? {})) {
    if (!(name in now)) return `migration ${name} is gone`;
    if (now[name] !== hash) return `migration ${name} changed`;
  }
  return null;
}

export async function applyMigrations(db, log) {
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT UNIQUE,
        applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
      )`,
    )
    .run();
  const applied = new Set((await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => r.name));
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const pending = files.filter((f) => !applied.has(f));
  for (const file of pending) {
    const sql = readFileSync(path.join(MIGRATIONS_DIR, file), "utf8");
    // splitSqlQuery keeps trigger bodies (BEGIN … END;) whole; drizzle's breakpoints are comments.
    const statements = unstable_splitSqlQuery(sql).filter((s) => s.trim());
    await db.batch([
      ...statements.map((s) => db.prepare(s)),
      db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file),
    ]);
  }
  log(pending.length ? `migrations applied: ${pending.join(", ")}` : `migrations: all ${files.length} already applied`);
  return { files, applied: pending };
}
