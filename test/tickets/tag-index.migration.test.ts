import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages, type TestUser } from "../helpers";
import { openTicket } from "./fixtures";

/** ticket_tag_index as migration 0031 left it: a rowid table with its whole row again in its key index. */
const OLD_SHAPE = [
  "CREATE TABLE `old_ticket_tag_index` (`tag` text NOT NULL, `created_at` text NOT NULL, `ticket_rowid` integer NOT NULL, PRIMARY KEY(`tag`, `created_at`, `ticket_rowid`))",
  "INSERT INTO `old_ticket_tag_index` SELECT `tag`, `created_at`, `ticket_rowid` FROM `ticket_tag_index`",
  "DROP TABLE `ticket_tag_index`",
  "ALTER TABLE `old_ticket_tag_index` RENAME TO `ticket_tag_index`",
];

const allRows = async () => (await env.DB.prepare("SELECT * FROM ticket_tag_index ORDER BY tag, created_at, ticket_rowid").all()).results;

/** Every page of a tag filter, with the cursors handed out. */
const walk = (who: TestUser, query: string) => walkPages(who, `/api/v1/tickets?${query}&limit=2`);

describe("migration tag_index_without_rowid: ticket_tag_index is its key alone", () => {
  it("keeps every row and every tag list page; tags still follow changes", async () => {
    const s = await makeStaff();
    const tag = `mig${crypto.randomUUID().slice(0, 6)}`;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await openTicket(s.customer, { tags: i % 2 ? [tag, "other"] : [tag] })).id);

    for (const q of OLD_SHAPE) await env.DB.prepare(q).run();
    const before = await allRows();
    const queries = [`tag=${tag}`, `tag=${tag}&sort=-updated_at`, `tag=${tag}&status=open`];
    const pagesBefore = [];
    for (const q of queries) pagesBefore.push(await walk(s.agent, q));
    expect(pagesBefore[0]!.data.map((t) => (t as { id: string }).id).sort()).toEqual([...ids].sort());

    const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_tag_index_without_rowid.sql"));
    for (const q of migration!.queries) await env.DB.prepare(q).run();

    expect(await allRows()).toEqual(before);
    await expect(env.DB.prepare("SELECT rowid FROM ticket_tag_index LIMIT 1").all()).rejects.toThrow(/no such column: rowid/);
    const pagesAfter = [];
    for (const q of queries) pagesAfter.push(await walk(s.agent, q));
    expect(pagesAfter).toEqual(pagesBefore);

    // The one write keeps maintaining it: a tag taken off leaves the list.
    expect((await api("PATCH", `/api/v1/tickets/${ids[0]}`, { token: s.agent.token, body: { tags: ["other"] } })).status).toBe(200);
    const after = await walk(s.agent, `tag=${tag}`);
    expect(after.data.map((t) => (t as { id: string }).id).sort()).toEqual(ids.slice(1).sort());
  });
});
