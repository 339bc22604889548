import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";
import { api, expectProblem, makeStaff } from "../helpers";
import { article, comment, ids, integrityCheck, search, ticket, word } from "./support";

/**
 * Nothing is found that the caller could not open directly: customer A never sees customer B's
 * tickets or comments, nor any internal note, by any search path; deleted tickets and unpublished
 * or internal articles are found by nobody who cannot open them.
 */
const { customer: alice, customer2: bob, agent, admin } = await makeStaff();

const shared = word();
const noteWord = word();
const publicWord = word();
const aliceTicket = await ticket(alice.token, `Alice ${shared}`, `Alice's description ${shared}`);
const bobTicket = await ticket(bob.token, `Bob ${shared}`, `Bob's description ${shared}`);
const aliceNote = await comment(agent.token, aliceTicket.id, `Internal: ${noteWord} ${shared} refund approved`, true);
const alicePublic = await comment(agent.token, aliceTicket.id, `Public reply ${publicWord} ${shared}`);
const bobPublic = await comment(agent.token, bobTicket.id, `Reply to Bob ${publicWord} ${shared}`);

const kbWord = word();
const published = await article(agent.token, { title: `Published ${kbWord}`, body: `public text ${kbWord}` });
const draft = await article(agent.token, { title: `Draft ${kbWord}`, body: `draft text ${kbWord}`, status: "draft" });
const internal = await article(agent.token, { title: `Internal ${kbWord}`, body: `internal text ${kbWord}`, visibility: "internal" });
const internalDraft = await article(agent.token, { title: `Internal draft ${kbWord}`, body: `x ${kbWord}`, visibility: "internal", status: "draft" });

describe("customers", () => {
  it("find only their own tickets and the public comments on them", async () => {
    expect(ids(await search(alice.token, shared)).sort()).toEqual([aliceTicket.id, alicePublic.id].sort());
    expect(ids(await search(bob.token, shared)).sort()).toEqual([bobTicket.id, bobPublic.id].sort());
    expect(ids(await search(alice.token, publicWord))).toEqual([alicePublic.id]);
  });

  it("never find an internal note, not even on their own ticket", async () => {
    expect((await search(alice.token, noteWord)).data).toEqual([]);
    expect((await search(alice.token, `${noteWord} refund`, { type: "comments" })).data).toEqual([]);
    expect((await search(alice.token, "refund approved")).data.filter((d) => d.id === aliceNote.id)).toEqual([]);
  });

  it("cannot reach someone else's documents by typing their visibility token", async () => {
    const { ownerToken } = await import("../../src/domain/search-query");
    for (const q of [ownerToken(bob.id), `owner:${ownerToken(bob.id)} ${shared}`, `scope:${ownerToken(bob.id)}`, `staff0 ${noteWord}`, `${shared} OR ${noteWord}`]) {
      const found = ids(await search(alice.token, q));
      expect(found).not.toContain(bobTicket.id);
      expect(found).not.toContain(bobPublic.id);
      expect(found).not.toContain(aliceNote.id);
    }
  });

  it("learn nothing of others' words from their own hits: the same page, scores and order, whether others' tickets and notes hold the words", async () => {
    const [x, y] = [word("x"), word("y")];
    // Two tickets of Alice's holding the words unevenly: bm25 would order them by which word is rarer in the whole index.
    const heavyX = await ticket(alice.token, `${x} ${x} ${x} ${y}`, "plain");
    const heavyY = await ticket(alice.token, `${x} ${y} ${y} ${y}`, "plain");
    const reply = await comment(agent.token, heavyX.id, `About ${x} and ${y}`);
    const page = async () => [await search(alice.token, `${x} ${y}`), await search(alice.token, x), await search(alice.token, x, { type: "comments" })];
    const before = await page();
    expect(ids(before[0]!).sort()).toEqual([heavyX.id, heavyY.id, reply.id].sort());
    // Bob's tickets and an internal note come to hold x: in everyone's index, x is no longer rare.
    for (let i = 0; i < 3; i++) await ticket(bob.token, `Bob ${x}`, `${x} again`);
    await comment(agent.token, bobTicket.id, `Internal: ${x} ${x}`, true);
    expect(await page()).toEqual(before);
  });

  it("see only their own tickets in the list's full-text filter, even asking for someone else's", async () => {
    const mine = await api("GET", `/api/v1/tickets?q=${shared}`, { token: alice.token });
    expect(mine.body.data.map((t: { id: string }) => t.id)).toEqual([aliceTicket.id]);
    const theirs = await api("GET", `/api/v1/tickets?q=${shared}&requester_id=${bob.id}`, { token: alice.token });
    expect(theirs.body.data).toEqual([]);
    const viaNote = await api("GET", `/api/v1/tickets?q=${noteWord}`, { token: alice.token });
    expect(viaNote.body.data).toEqual([]);
  });

  it("find published public articles only, by every path", async () => {
    expect(ids(await search(alice.token, kbWord))).toEqual([published.id]);
    const listed = await api("GET", `/api/v1/kb/articles?q=${kbWord}`, { token: alice.token });
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([published.id]);
    const suggested = await api("GET", `/api/v1/kb/suggest?subject=${kbWord}`, { token: alice.token });
    expect(suggested.body.data.map((a: { id: string }) => a.id)).toEqual([published.id]);
    for (const hidden of [draft, internal, internalDraft]) {
      expectProblem(await api("GET", `/api/v1/kb/articles/${hidden.id}`, { token: alice.token }), 404, "NOT_FOUND");
    }
  });

  it("cannot ask for articles suggested to agents", async () => {
    expectProblem(await api("GET", `/api/v1/tickets/${aliceTicket.id}/suggested-articles`, { token: alice.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", `/api/v1/tickets/${bobTicket.id}/suggested-articles`, { token: alice.token }), 404, "NOT_FOUND");
  });
});

describe("anonymous callers", () => {
  it("find and read published public articles only", async () => {
    const listed = await api("GET", `/api/v1/kb/articles?q=${kbWord}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([published.id]);
    const all = await api("GET", "/api/v1/kb/articles?limit=100");
    const seen = all.body.data.map((a: { id: string }) => a.id);
    expect(seen).toContain(published.id);
    for (const hidden of [draft, internal, internalDraft]) {
      expect(seen).not.toContain(hidden.id);
      expectProblem(await api("GET", `/api/v1/kb/articles/${hidden.id}`), 404, "NOT_FOUND");
      expectProblem(await api("POST", `/api/v1/kb/articles/${hidden.id}/feedback`, { body: { helpful: true } }), 404, "NOT_FOUND");
    }
    const suggested = await api("GET", `/api/v1/kb/suggest?subject=${kbWord}&description=${shared}`);
    expect(suggested.body.data.map((a: { id: string }) => a.id)).toEqual([published.id]);
  });

  it("cannot search tickets, and a bad token is refused rather than treated as anonymous", async () => {
    expectProblem(await api("GET", `/api/v1/search?q=${shared}`), 401, "UNAUTHORIZED");
    expectProblem(await api("GET", `/api/v1/kb/articles?q=${kbWord}`, { token: "not-a-token" }), 401, "UNAUTHORIZED");
  });
});

describe("staff", () => {
  it("find every ticket, comment and internal note, and every article", async () => {
    expect(ids(await search(agent.token, shared)).sort()).toEqual([aliceTicket.id, bobTicket.id, aliceNote.id, alicePublic.id, bobPublic.id].sort());
    expect(ids(await search(agent.token, noteWord))).toEqual([aliceNote.id]);
    expect(ids(await search(agent.token, kbWord)).sort()).toEqual([published.id, draft.id, internal.id, internalDraft.id].sort());
  });

  it("get published articles (internal ones too, drafts not) as suggestions", async () => {
    const suggested = await api("GET", `/api/v1/kb/suggest?subject=${kbWord}`, { token: agent.token });
    expect(suggested.body.data.map((a: { id: string }) => a.id).sort()).toEqual([published.id, internal.id].sort());
  });
});

describe("deleted tickets", () => {
  it("are found by nobody, with their comments, by any path", async () => {
    const w = word();
    const doomed = await ticket(alice.token, `Doomed ${w}`, `gone ${w}`);
    const reply = await comment(agent.token, doomed.id, `reply ${w}`);
    const note = await comment(agent.token, doomed.id, `note ${w}`, true);
    expect(ids(await search(agent.token, w)).sort()).toEqual([doomed.id, reply.id, note.id].sort());
    expect((await api("DELETE", `/api/v1/tickets/${doomed.id}`, { token: admin.token })).status).toBe(204);
    for (const who of [alice, agent, admin]) {
      expect((await search(who.token, w)).data).toEqual([]);
      expect((await api("GET", `/api/v1/tickets?q=${w}`, { token: who.token })).body.data).toEqual([]);
    }
    // A comment written after the delete (a race past the visibility check) is not indexed either.
    await env.DB.prepare("INSERT INTO comments (id, ticket_id, author_id, body, internal, channel, created_at) VALUES (?, ?, ?, ?, 0, 'web', ?)")
      .bind(newId(), doomed.id, agent.id, `late ${w}`, new Date().toISOString())
      .run();
    expect((await search(admin.token, w)).data).toEqual([]);
    await integrityCheck("comments_fts");
  });
});
