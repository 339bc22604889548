import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { article, ids, integrityCheck, search, word } from "./support";
import { bindings, settled } from "../rules/support";

/**
 * Customers and anonymous visitors rank articles over an index of the published public articles only
 * (kb_articles_public_fts, migration 0050): bm25 weighs a word by how many documents of the index hold
 * it, so ranked among every article their scores said whether drafts and internal articles hold a word.
 */
const { customer, agent, admin } = await makeStaff();

const [x, y] = [word("x"), word("y")];
// Two public articles holding the words unevenly, one holding y alone (y commoner than x, so the x-heavy
// one leads), and articles holding neither, so a word's rarity is not lost in a tiny index (FTS5 floors
// the weight of a word most documents hold).
const heavyX = await article(agent.token, { title: `${x} ${x} ${x} ${y}`, body: `Steps for ${x} and ${y}.` });
const heavyY = await article(agent.token, { title: `${x} ${y} ${y} ${y}`, body: `Notes on ${y}.` });
const onlyY = await article(agent.token, { title: `About ${y}`, body: "More." });
for (let i = 0; i < 6; i++) await article(agent.token, { title: `Filler ${word("f")}`, body: "Nothing to see here." });

const kbList = (q: string, token?: string) => api("GET", `/api/v1/kb/articles?${new URLSearchParams({ q })}`, token ? { token } : {});
const suggest = (subject: string, token?: string) => api("GET", `/api/v1/kb/suggest?${new URLSearchParams({ subject })}`, token ? { token } : {});

/** Everything a customer and an anonymous visitor are shown for the two words, scores and snippets included. */
async function nonStaffView() {
  const out: unknown[] = [await search(customer.token, `${x} ${y}`, { type: "articles" }), await search(customer.token, x, { type: "articles" })];
  for (const token of [customer.token, undefined]) {
    for (const res of [await kbList(`${x} ${y}`, token), await suggest(`${x} ${y}`, token)]) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      out.push(res.body);
    }
  }
  return out;
}

describe("non-staff article ranking", () => {
  it("gives customers and anonymous visitors the same scores and order whether drafts and internal articles hold the words", async () => {
    const before = await nonStaffView();
    expect(ids(before[0] as { data: { id: string }[] })).toEqual([heavyX.id, heavyY.id]);
    expect(ids(before[4] as { data: { id: string }[] })).toEqual([heavyX.id, heavyY.id]);
    expect(ids(before[5] as { data: { id: string }[] })).toEqual([heavyX.id, heavyY.id, onlyY.id]);
    // An admin writes x into an internal article, a public draft and an internal draft: among every
    // article x is no longer rarer than y, which would put heavyY first and lower heavyX's score.
    const hidden = [
      await article(admin.token, { title: `${x} ${x} escalation`, body: `${x} internal`, visibility: "internal" }),
      await article(admin.token, { title: `${x} ${x} upcoming`, body: `${x} draft`, status: "draft" }),
      await article(admin.token, { title: `${x} ${x} plan`, body: `${x} internal draft`, visibility: "internal", status: "draft" }),
    ];
    expect(await nonStaffView()).toEqual(before);
    // Staff still rank over every article and find the hidden ones.
    expect(ids(await search(agent.token, x, { type: "articles" })).sort()).toEqual([heavyX.id, heavyY.id, ...hidden.map((h) => h.id)].sort());
    const staffSuggest = await suggest(x, agent.token);
    expect(staffSuggest.body.data.map((a: { id: string }) => a.id).sort()).toEqual([heavyX.id, heavyY.id, hidden[0]!.id].sort());
    await integrityCheck("kb_articles_public_fts");
  });

  it("shows customers and anonymous visitors snippets with the matched words", async () => {
    const hit = (await search(customer.token, x, { type: "articles" })).data.find((d) => d.id === heavyX.id)!;
    expect(hit.snippet).toContain(`<mark>${x}</mark>`);
    const listed = (await kbList(y, customer.token)).body.data.find((a: { id: string }) => a.id === onlyY.id);
    expect(listed.snippet).toBe(`About <mark>${y}</mark>`);
    const anon = (await kbList(`steps ${x}`)).body.data;
    expect(anon.map((a: { id: string }) => a.id)).toEqual([heavyX.id]);
    expect(anon[0].snippet).toBe(`<mark>Steps</mark> for <mark>${x}</mark> and ${y}.`);
    const suggested = (await suggest(y)).body.data.find((a: { id: string }) => a.id === onlyY.id);
    expect(suggested.snippet).toContain(`<mark>${y}</mark>`);
  });

  it("follows publishing, unpublishing, visibility, edits and deletion", async () => {
    const [w, renamed] = [word(), word()];
    const a = await article(agent.token, { title: `Guide ${w}`, body: "Steps.", status: "draft" });
    const found = async (q: string) => {
      const res = [
        ids(await search(customer.token, q, { type: "articles" })),
        (await kbList(q, customer.token)).body.data.map((d: { id: string }) => d.id),
        (await kbList(q)).body.data.map((d: { id: string }) => d.id),
        (await suggest(q)).body.data.map((d: { id: string }) => d.id),
      ];
      // Every non-staff path agrees.
      for (const r of res) expect(r).toEqual(res[0]);
      return res[0];
    };
    const edit = async (body: Record<string, unknown>) => expect((await api("PATCH", `/api/v1/kb/articles/${a.id}`, { token: agent.token, body })).status).toBe(200);
    expect(await found(w)).toEqual([]);

    await edit({ status: "published" });
    expect(await found(w)).toEqual([a.id]);
    await edit({ title: `Guide ${renamed}` });
    expect(await found(w)).toEqual([]);
    expect(await found(renamed)).toEqual([a.id]);
    await edit({ status: "draft" });
    expect(await found(renamed)).toEqual([]);
    expect(ids(await search(agent.token, renamed))).toEqual([a.id]);
    await edit({ status: "published", visibility: "internal" });
    expect(await found(renamed)).toEqual([]);
    await edit({ visibility: "public" });
    expect(await found(renamed)).toEqual([a.id]);
    await integrityCheck("kb_articles_public_fts");

    expect((await api("DELETE", `/api/v1/kb/articles/${a.id}`, { token: agent.token })).status).toBe(204);
    expect(await found(renamed)).toEqual([]);
    expect((await search(agent.token, renamed)).data).toEqual([]);
    await integrityCheck("kb_articles_public_fts");
  });

  it("is filled by its migration from the articles already written (rerunnable)", async () => {
    const w = word();
    const pub = await article(agent.token, { title: `Older ${w}`, body: "Text." });
    await article(agent.token, { title: `Older draft ${w}`, body: "Text.", status: "draft" });
    await env.DB.prepare("INSERT INTO kb_articles_public_fts(kb_articles_public_fts) VALUES ('delete-all')").run();
    expect((await kbList(w)).body.data).toEqual([]);
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_kb_articles_public_search.sql"))!;
    for (const q of migration.queries) await env.DB.prepare(q).run();
    expect((await kbList(w)).body.data.map((d: { id: string }) => d.id)).toEqual([pub.id]);
    expect(ids(await search(customer.token, x, { type: "articles" })).sort()).toEqual([heavyX.id, heavyY.id].sort());
    await integrityCheck("kb_articles_public_fts");
  });
});

/** `env.DB` with `meanwhile` run once just before the first statement whose SQL matches `at` is read. */
function beforeRead(at: RegExp, meanwhile: () => Promise<unknown>) {
  let done = false;
  const statement = (st: D1PreparedStatement, text: string): D1PreparedStatement =>
    new Proxy(st, {
      get(target, p) {
        if (p === "bind") return (...args: unknown[]) => statement(target.bind(...args), text);
        if (p === "all" || p === "raw" || p === "first" || p === "run")
          return async (...args: unknown[]) => {
            if (!done && at.test(text)) {
              done = true;
              await meanwhile();
            }
            return (target[p] as (...a: unknown[]) => unknown).apply(target, args);
          };
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  const wrap = <T extends D1Database | D1DatabaseSession>(d1: T): T =>
    new Proxy(d1, {
      get(target, p) {
        if (p === "prepare") return (text: string) => statement(target.prepare(text), text);
        if (p === "withSession") return (c?: string) => wrap((target as D1Database).withSession(c));
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return { db: wrap(env.DB), wasHeld: () => done };
}

describe("an article hidden between its ranking and its read", () => {
  it("is not shown to a customer or a visitor: made internal with a new body just after the ranking found it", async () => {
    const w = word("race");
    const found = await article(agent.token, { title: `Refund ${w}`, body: "Public steps." });
    for (const token of [customer.token, undefined]) {
      // The list's read of the ranked articles' rows: an editor makes it internal just before.
      const secret = `Internal ${word("secret")}`;
      const held = beforeRead(/from "kb_articles" where \("kb_articles"\."id" in/, () =>
        env.DB.prepare("UPDATE kb_articles SET visibility = 'internal', body = ? WHERE id = ?").bind(secret, found.id).run(),
      );
      const res = await settled("GET", `/api/v1/kb/articles?${new URLSearchParams({ q: w })}`, token ? { token } : {}, { ...bindings, DB: held.db });
      expect(held.wasHeld()).toBe(true);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data).toEqual([]);
      expect(JSON.stringify(res.body)).not.toContain(secret);
      await env.DB.prepare("UPDATE kb_articles SET visibility = 'public', body = 'Public steps.' WHERE id = ?").bind(found.id).run();
    }
  });
});
