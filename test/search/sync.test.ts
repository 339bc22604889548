import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { article, comment, ids, integrityCheck, search, ticket, word } from "./support";

/** The FTS5 indexes follow every write: edits, workflow changes, deletes (FTS5's integrity check agrees). */
const { customer, agent, admin } = await makeStaff();

describe("tickets", () => {
  it("an edited subject or description is found by its new words only", async () => {
    const [before, after, later] = [word(), word(), word()];
    const t = await ticket(customer.token, `Subject ${before}`, `Description ${before}`);
    expect(ids(await search(agent.token, before))).toEqual([t.id]);
    expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body: { subject: `Subject ${after}` } })).status).toBe(200);
    expect(ids(await search(agent.token, after))).toEqual([t.id]);
    expect(ids(await search(agent.token, before))).toEqual([t.id]); // still in the description
    expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body: { description: `Description ${later}` } })).status).toBe(200);
    expect((await search(agent.token, before)).data).toEqual([]);
    expect(ids(await search(agent.token, later))).toEqual([t.id]);
    expect((await api("GET", `/api/v1/tickets?q=${before}`, { token: agent.token })).body.data).toEqual([]);
    expect((await api("GET", `/api/v1/tickets?q=${later}`, { token: customer.token })).body.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    await integrityCheck("tickets_fts");
  });

  it("status, priority and assignment changes leave the index as it was", async () => {
    const w = word();
    const t = await ticket(customer.token, `Workflow ${w}`, "x");
    for (const body of [{ status: "in_progress" }, { priority: "critical" }, { assignee_id: agent.id }, { status: "resolved" }]) {
      expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body })).status).toBe(200);
    }
    expect(ids(await search(customer.token, w))).toEqual([t.id]);
    expect(ids(await search(agent.token, w, { status: "resolved", priority: "critical" }))).toEqual([t.id]);
    await integrityCheck("tickets_fts");
  });

  it("a deleted ticket and its comments leave the index", async () => {
    const w = word();
    const t = await ticket(customer.token, `Delete ${w}`, "x");
    await comment(agent.token, t.id, `public ${w}`);
    await comment(agent.token, t.id, `internal ${w}`, true);
    expect((await search(agent.token, w)).data).toHaveLength(3);
    expect((await api("DELETE", `/api/v1/tickets/${t.id}`, { token: admin.token })).status).toBe(204);
    expect((await search(admin.token, w)).data).toEqual([]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM comments_fts WHERE comments_fts MATCH ?").bind(`"${w}"`).first<{ n: number }>();
    expect(rows?.n).toBe(0);
    await integrityCheck("tickets_fts");
    await integrityCheck("comments_fts");
  });

  it("a ticket written straight into the table (mail, import) is indexed by the trigger too", async () => {
    const w = word();
    const r = await env.DB.prepare("SELECT * FROM tickets LIMIT 1").first<Record<string, unknown>>();
    const id = `direct-${w}`;
    const row = { ...r!, id, number: `TICK-20991231-${String(Math.floor(Math.random() * 9000) + 1000)}`, subject: `Imported ${w}`, requester_id: customer.id };
    const cols = Object.keys(row);
    await env.DB.prepare(`INSERT INTO tickets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
      .bind(...cols.map((c) => (row as Record<string, unknown>)[c] ?? null))
      .run();
    expect(ids(await search(customer.token, w))).toEqual([id]);
    await integrityCheck("tickets_fts");
  });
});

describe("articles", () => {
  it("follow edits, unpublishing, publishing and deletion", async () => {
    const [w, renamed] = [word(), word()];
    const a = await article(agent.token, { title: `Guide ${w}`, body: "Steps." });
    expect(ids(await search(customer.token, w))).toEqual([a.id]);

    const edit = (body: Record<string, unknown>) => api("PATCH", `/api/v1/kb/articles/${a.id}`, { token: agent.token, body });
    expect((await edit({ title: `Guide ${renamed}` })).status).toBe(200);
    expect((await search(customer.token, w)).data).toEqual([]);
    expect(ids(await search(customer.token, renamed))).toEqual([a.id]);

    expect((await edit({ status: "draft" })).status).toBe(200);
    expect((await search(customer.token, renamed)).data).toEqual([]);
    expect(ids(await search(agent.token, renamed))).toEqual([a.id]);

    expect((await edit({ status: "published", visibility: "internal" })).status).toBe(200);
    expect((await search(customer.token, renamed)).data).toEqual([]);
    expect((await api("GET", `/api/v1/kb/suggest?subject=${renamed}`)).body.data).toEqual([]);

    expect((await edit({ visibility: "public" })).status).toBe(200);
    expect(ids(await search(customer.token, renamed))).toEqual([a.id]);
    await integrityCheck("kb_articles_fts");

    expect((await api("DELETE", `/api/v1/kb/articles/${a.id}`, { token: agent.token })).status).toBe(204);
    expect((await search(agent.token, renamed)).data).toEqual([]);
    await integrityCheck("kb_articles_fts");
  });

  it("views and votes do not touch the index", async () => {
    const w = word();
    const a = await article(agent.token, { title: `Counted ${w}`, body: "x" });
    await api("GET", `/api/v1/kb/articles/${a.id}`);
    await api("POST", `/api/v1/kb/articles/${a.id}/feedback`, { body: { helpful: true } });
    expect(ids(await search(customer.token, w))).toEqual([a.id]);
    await integrityCheck("kb_articles_fts");
  });
});
