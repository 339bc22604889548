import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { buildWorld, fill, hiddenFromA, leaked, operations, sampleBodies, send, snapshot, SWEEP_MS, upload } from "./support";

/**
 * API.md's hardest rule, checked across the whole route table rather than route by route: customer
 * A never sees customer B's data, anything internal or anything deleted, whichever id A puts in
 * whichever slot, by number or by id, reading or writing, and a refused write changes nothing.
 * The route table is the served OpenAPI document, so a route added later is swept too.
 */
const w = await buildWorld();
const { ops } = await operations();
const canaries = hiddenFromA(w);

/** Ids of things A may not reach, each to be tried in every slot of every route. */
const foreign: Record<string, string> = {
  "B's ticket": w.tb.id,
  "B's ticket number": w.tb.number,
  "A's deleted ticket": w.td.id,
  "A's deleted ticket number": w.td.number,
  "a note on A's ticket": w.note.id,
  "a note on B's ticket": w.bNote.id,
  "B's comment": w.bComment.id,
  "B's file": w.bFile.id,
  "the file of a note": w.noteFileId,
  "a file of the deleted ticket": w.tdFile.id,
  "a comment of the deleted ticket": w.tdComment.id,
  "an internal article": w.internalArticle.id,
  "a draft article": w.draftArticle.id,
  "B's saved search": w.bSaved.id,
  "B's user id": w.b.id,
  "an agent's user id": w.agent.id,
  "a team": w.team.id,
};

/** Every way of filling a route's slots with one foreign id: all slots, or A's own ticket first. */
function attempts(path: string): { label: string; path: string }[] {
  const slots = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  if (!slots.length) return [];
  const out: { label: string; path: string }[] = [];
  for (const [label, id] of Object.entries(foreign)) {
    out.push({ label, path: fill(path, {}, id) });
    if (slots.length > 1) out.push({ label: `A's ticket + ${label}`, path: fill(path, { [slots[0]!]: w.ta.id }, id) });
  }
  return out;
}

describe("customer A with someone else's ids in every slot", () => {
  it("every read answers 4xx and holds nothing of B's, nothing internal, nothing deleted", async () => {
    const found: string[] = [];
    for (const o of ops.filter((o) => o.method === "GET")) {
      for (const a of attempts(o.path)) {
        const res = await send(o, a.path, w.a.token, undefined);
        const bad = leaked(res.body, canaries);
        if (res.status < 400 || res.status >= 500 || bad.length) found.push(`${o.key} with ${a.label} → ${res.status} ${bad.join(",")}`);
      }
    }
    expect(found).toEqual([]);
  }, SWEEP_MS);

  it("every write answers 4xx, changes nothing, and its error holds nothing (also with a stale If-Match)", async () => {
    const bodies = sampleBodies(w);
    const before = await snapshot();
    const found: string[] = [];
    for (const o of ops.filter((o) => o.method !== "GET")) {
      for (const a of attempts(o.path)) {
        for (const ifMatch of [undefined, '"0"']) {
          const res = await api(o.method, a.path, {
            token: w.a.token,
            headers: ifMatch ? { "if-match": ifMatch } : {},
            ...(o.op.requestBody?.content?.["application/json"] ? { body: bodies[o.key] ?? {} } : {}),
          });
          const bad = leaked(res.body, canaries);
          if (res.status < 400 || res.status >= 500 || bad.length) found.push(`${o.key} with ${a.label} → ${res.status} ${bad.join(",")}`);
        }
      }
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, SWEEP_MS);

  it("uploads to B's ticket or to the deleted one are 404 and store nothing", async () => {
    const before = await snapshot();
    for (const ref of [w.tb.id, w.tb.number, w.td.id, w.td.number]) {
      const res = await upload(ref, w.a.token, "sneaky.txt");
      expect(res.status, ref).toBe(404);
      expect(res.body.code).toBe("NOT_FOUND");
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("customer A on their own ticket, by every read route and every query", () => {
  it("sees their ticket, comments, history and files, and nothing internal nor anyone else's", async () => {
    const own = await api("POST", "/api/v1/saved-searches", { token: w.a.token, body: { name: "mine", query: "printer" } });
    expect(own.status).toBe(201);
    const slotsFor = (ref: string): Record<string, string> => ({ id: ref, comment_id: w.publicReply.id, kind: "reply", name: "high" });
    const special: Record<string, string> = {
      "GET /api/v1/kb/articles/{id}": w.publicArticle.id,
      "GET /api/v1/kb/articles/{id}/versions": w.publicArticle.id,
      "GET /api/v1/kb/categories/{id}": w.category.id,
      "GET /api/v1/saved-searches/{id}": own.body.id,
      "GET /api/v1/attachments/{id}": w.aFile.id,
      "GET /api/v1/users/{id}/routing": w.a.id,
    };
    // Each secret word as a search, a filter and a suggestion: what a curious customer would type.
    const queries = ["", "?limit=100", ...Object.values(w.secret).flatMap((word) => [`?q=${word}`, `?subject=${word}&description=${word}`]), "?q=refund+approved", "?q=escalated"];
    const reached = new Set<string>();
    const found: string[] = [];
    for (const o of ops.filter((o) => o.method === "GET" && !o.path.endsWith("/live"))) {
      for (const ref of [w.ta.id, w.ta.number]) {
        const path = special[o.key] ? fill(o.path, { id: special[o.key]! }) : fill(o.path, slotsFor(ref));
        for (const query of queries) {
          const res = await send(o, path, w.a.token, undefined, { query });
          const bad = leaked(res.body, canaries);
          if (res.status >= 500 || bad.length) found.push(`${o.key}${query} → ${res.status} ${bad.join(",")}`);
          if (res.status === 200) reached.add(o.key);
        }
      }
    }
    expect(found).toEqual([]);
    // The control: A did reach their own things through these routes (the sweep is not all 403s).
    for (const key of [
      "GET /api/v1/tickets",
      "GET /api/v1/tickets/{id}",
      "GET /api/v1/tickets/{id}/comments",
      "GET /api/v1/tickets/{id}/comments/{comment_id}",
      "GET /api/v1/tickets/{id}/history",
      "GET /api/v1/tickets/{id}/attachments",
      "GET /api/v1/attachments/{id}",
      "GET /api/v1/search",
      "GET /api/v1/kb/articles",
      "GET /api/v1/kb/suggest",
      "GET /api/v1/saved-searches",
    ]) {
      expect(reached, key).toContain(key);
    }
  }, SWEEP_MS);
});

describe("the deleted ticket", () => {
  it("is 404 for every role on every route that names it, by id or number, for reads and writes alike", async () => {
    const before = await snapshot();
    const bodies = sampleBodies(w);
    const found: string[] = [];
    for (const who of [w.a, w.agent, w.manager, w.admin]) {
      for (const o of ops.filter((o) => o.path.startsWith("/api/v1/tickets/{id}"))) {
        for (const ref of [w.td.id, w.td.number]) {
          const res =
            o.key === "POST /api/v1/tickets/{id}/attachments"
              ? await upload(ref, who.token, "late.txt")
              : await send(o, fill(o.path, { id: ref, comment_id: w.tdComment.id }), who.token, bodies[o.key] ?? {});
          // Staff-only routes may refuse a customer (403) before looking for the ticket; nobody finds it.
          const expected = who === w.a ? [403, 404] : [404];
          if (!expected.includes(res.status) || leaked(res.body, [w.secret.deleted]).length) found.push(`${who.role} ${o.key} ${ref} → ${res.status}`);
        }
      }
      const file = await send(ops.find((o) => o.key === "GET /api/v1/attachments/{id}")!, `/api/v1/attachments/${w.tdFile.id}`, who.token, undefined);
      if (file.status !== 404) found.push(`${who.role} download of the deleted ticket's file → ${file.status}`);
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, SWEEP_MS);
});
