import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeUser, walkPages, type TestUser } from "../helpers";

/** audit_logs as migration 0031 left it: a rowid table with its key index and three `(…, at, id)` indexes. */
const OLD_SHAPE = [
  "CREATE TABLE `old_audit_logs` (`id` text PRIMARY KEY NOT NULL, `at` text NOT NULL, `actor_id` text, `action` text NOT NULL, `entity_type` text NOT NULL, `entity_id` text NOT NULL, `changes` text NOT NULL, `ip` text, `user_agent` text)",
  "INSERT INTO `old_audit_logs` SELECT `id`, `at`, `actor_id`, `action`, `entity_type`, `entity_id`, `changes`, `ip`, `user_agent` FROM `audit_logs`",
  "DROP TABLE `audit_logs`",
  "ALTER TABLE `old_audit_logs` RENAME TO `audit_logs`",
  "CREATE INDEX `audit_logs_at_idx` ON `audit_logs` (`at`,`id`)",
  "CREATE INDEX `audit_logs_entity_idx` ON `audit_logs` (`entity_type`,`entity_id`,`at`,`id`)",
  "CREATE INDEX `audit_logs_actor_idx` ON `audit_logs` (`actor_id`,`at`,`id`)",
];

type Row = { id: string; at: string; actor_id: string | null; action: string; entity_type: string; entity_id: string; changes: string; ip: string | null; user_agent: string | null };

const allRows = async () => (await env.DB.prepare("SELECT * FROM audit_logs ORDER BY at, id").all<Row>()).results;
const indexes = async () =>
  (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_logs' AND name NOT LIKE 'sqlite_%' ORDER BY name").all<{ name: string }>()).results.map((r) => r.name);

/** Every page of a filter through the API, newest first, with the cursors it handed out. */
const walk = (admin: TestUser, filter: string, limit = 3) => walkPages<Row>(admin, `/api/v1/audit-logs?${filter}&limit=${limit}`);

/** What the log answered before 0032/0033: newest first by `(at, id)`, straight from the rows. */
const expected = (rows: Row[], keep: (r: Row) => boolean) =>
  rows
    .filter(keep)
    .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
    .map((r) => ({ ...r, changes: JSON.parse(r.changes) }));

describe("migrations audit_indexes_by_id + audit_without_rowid: audit_logs WITHOUT ROWID keyed on its time-ordered id", () => {
  it("keeps every row and every answer of GET /audit-logs, cursors included", async () => {
    const admin = await makeUser("admin");
    const agent = await makeUser("agent");
    const customer = await makeUser("customer");
    // A trail the app writes itself: tickets, replies, internal notes, a ticket change, a user edit.
    const tickets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: `audit migration ${i}`, description: "d", priority: "low" } });
      expect(t.status, JSON.stringify(t.body)).toBe(201);
      tickets.push(t.body.id);
      expect((await api("POST", `/api/v1/tickets/${t.body.id}/comments`, { token: agent.token, body: { body: "reply", internal: i % 2 === 1 } })).status).toBe(201);
      expect((await api("PATCH", `/api/v1/tickets/${t.body.id}`, { token: agent.token, body: { priority: "high" } })).status).toBe(200);
    }
    expect((await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { name: "Renamed agent" } })).status).toBe(200);

    for (const q of OLD_SHAPE) await env.DB.prepare(q).run();
    const before = await allRows();
    expect(before.length).toBeGreaterThanOrEqual(13);
    const filters: [string, (r: Row) => boolean][] = [
      ["", () => true],
      [`entity_type=ticket&entity_id=${tickets[0]}`, (r) => r.entity_type === "ticket" && r.entity_id === tickets[0]],
      [`entity_id=${agent.id}`, (r) => r.entity_id === agent.id],
      [`actor_id=${agent.id}`, (r) => r.actor_id === agent.id],
      [`actor_id=${customer.id}`, (r) => r.actor_id === customer.id],
    ];
    const walksBefore = [];
    for (const [filter, keep] of filters) {
      const w = await walk(admin, filter);
      expect(w.data).toEqual(expected(before, keep));
      walksBefore.push(w);
    }

    const migrations = env.TEST_MIGRATIONS.filter((m) => /_audit_(indexes_by_id|without_rowid)\.sql$/.test(m.name));
    expect(migrations.map((m) => m.name.slice(5))).toEqual(["audit_indexes_by_id.sql", "audit_without_rowid.sql"]);
    for (const m of migrations) for (const q of m.queries) await env.DB.prepare(q).run();

    // The same rows, byte for byte, in a WITHOUT ROWID table with the two indexes the schema declares.
    expect(await allRows()).toEqual(before);
    await expect(env.DB.prepare("SELECT rowid FROM audit_logs LIMIT 1").all()).rejects.toThrow(/no such column: rowid/);
    expect(await indexes()).toEqual(["audit_logs_actor_id_idx", "audit_logs_entity_id_idx"]);

    // Every page answers as before, and a cursor handed out before the migration goes on where it was.
    for (const [i, [filter, keep]] of filters.entries()) {
      const w = await walk(admin, filter);
      expect(w.data).toEqual(expected(before, keep));
      expect(w.cursors).toEqual(walksBefore[i]!.cursors);
    }
    const [firstCursor] = walksBefore[0]!.cursors;
    const resumed = await api("GET", `/api/v1/audit-logs?limit=3&cursor=${encodeURIComponent(firstCursor!)}`, { token: admin.token });
    expect(resumed.body.data).toEqual(expected(before, () => true).slice(3, 6));

    // And the app keeps appending to it.
    expect((await api("POST", `/api/v1/tickets/${tickets[0]}/comments`, { token: agent.token, body: { body: "after", internal: false } })).status).toBe(201);
    const latest = await api("GET", `/api/v1/audit-logs?actor_id=${agent.id}&limit=1`, { token: admin.token });
    expect(latest.body.data[0]).toMatchObject({ action: "comment.created", actor_id: agent.id });
  });
});
