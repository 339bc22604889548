import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages, type TestUser } from "../helpers";
import { openTicket } from "../tickets/fixtures";

/** ticket_history as migration 0031 left it: a rowid table keyed on `id`, its ticket index and the version guard. */
const OLD_SHAPE = [
  "CREATE TABLE `old_ticket_history` (`id` text PRIMARY KEY NOT NULL, `ticket_id` text NOT NULL, `type` text NOT NULL, `actor_id` text, `at` text NOT NULL, `version` integer NOT NULL, `changes` text NOT NULL, `bumps_version` integer DEFAULT false NOT NULL, `internal` integer DEFAULT false NOT NULL, `rule_id` text, `rule_name` text, FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action)",
  "INSERT INTO `old_ticket_history` SELECT `id`, `ticket_id`, `type`, `actor_id`, `at`, `version`, `changes`, `bumps_version`, `internal`, `rule_id`, `rule_name` FROM `ticket_history`",
  "DROP TABLE `ticket_history`",
  "ALTER TABLE `old_ticket_history` RENAME TO `ticket_history`",
  "CREATE INDEX `ticket_history_ticket_idx` ON `ticket_history` (`ticket_id`,`version`,`at`,`id`)",
  "CREATE UNIQUE INDEX `ticket_history_version_uq` ON `ticket_history` (`ticket_id`,`version`) WHERE bumps_version = 1",
];

const allRows = async () => (await env.DB.prepare("SELECT * FROM ticket_history ORDER BY id").all()).results;

/** Every page of a ticket's history as `who` sees it, with the cursors handed out. */
const walk = (who: TestUser, ticketId: string, limit = 2) => walkPages(who, `/api/v1/tickets/${ticketId}/history?limit=${limit}`);

describe("migrations history_keyed_by_ticket + history_without_rowid: ticket_history WITHOUT ROWID on (ticket_id, version, at, id)", () => {
  it("keeps every entry, every history page and cursor, and the lost-update guard", async () => {
    const s = await makeStaff();
    const tickets = [];
    for (let i = 0; i < 2; i++) {
      const t = await openTicket(s.customer, { priority: "low" });
      tickets.push(t.id);
      const steps: [TestUser, string, string, unknown][] = [
        [s.agent, "PATCH", "", { status: "in_progress" }],
        [s.agent, "POST", "/comments", { body: "public" }],
        [s.agent, "POST", "/comments", { body: "note", internal: true }],
        [s.agent, "POST", "/assign", { assignee_id: s.agent.id }],
        [s.customer, "POST", "/comments", { body: "thanks" }],
        [s.agent, "PATCH", "", { status: "resolved", priority: "high" }],
      ];
      for (const [who, method, path, body] of steps) {
        const res = await api(method, `/api/v1/tickets/${t.id}${path}`, { token: who.token, body });
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      }
    }

    for (const q of OLD_SHAPE) await env.DB.prepare(q).run();
    const before = await allRows();
    expect(before.length).toBeGreaterThanOrEqual(2 * 7);
    const readers = [s.agent, s.customer];
    const pagesBefore = [];
    for (const id of tickets) for (const who of readers) pagesBefore.push(await walk(who, id));
    // Customers do not see the internal note; staff do.
    expect(pagesBefore[0]!.data.length).toBe(pagesBefore[1]!.data.length + 1);

    const migrations = env.TEST_MIGRATIONS.filter((m) => /_history_(keyed_by_ticket|without_rowid)\.sql$/.test(m.name));
    expect(migrations.map((m) => m.name.slice(5))).toEqual(["history_keyed_by_ticket.sql", "history_without_rowid.sql"]);
    for (const m of migrations) for (const q of m.queries) await env.DB.prepare(q).run();

    expect(await allRows()).toEqual(before);
    await expect(env.DB.prepare("SELECT rowid FROM ticket_history LIMIT 1").all()).rejects.toThrow(/no such column: rowid/);
    const indexes = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket_history' AND name NOT LIKE 'sqlite_%'").all<{ name: string }>();
    expect(indexes.results.map((r) => r.name)).toEqual(["ticket_history_version_uq"]);

    const pagesAfter = [];
    for (const id of tickets) for (const who of readers) pagesAfter.push(await walk(who, id));
    expect(pagesAfter).toEqual(pagesBefore);

    // A PATCH that read an older version still merges or conflicts as before, and new entries append.
    const id = tickets[0]!;
    const current = await api("GET", `/api/v1/tickets/${id}`, { token: s.agent.token });
    const stale = await api("PATCH", `/api/v1/tickets/${id}`, { token: s.agent.token, body: { priority: "low" }, headers: { "if-match": `"${current.body.version - 1}"` } });
    expect(stale.status, JSON.stringify(stale.body)).toBe(409);
    const fresh = await api("PATCH", `/api/v1/tickets/${id}`, { token: s.agent.token, body: { priority: "critical" }, headers: { "if-match": `"${current.body.version}"` } });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    const after = await walk(s.agent, id, 50);
    expect(after.data.at(-1)).toMatchObject({ version: current.body.version + 1, changes: { priority: ["high", "critical"] } });
  });
});
