import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { makeStaff, meteredApi, meteredStatements } from "../helpers";
import { defineField, uniqueKey } from "../fields/support";
import { ok, openTicket, patchTicket } from "./fixtures";

/**
 * Lists walk field facets only once migration 0049 has filled every ticket's document with them
 * (its last statement writes rule_state 'ticket_search_facets'; search.fts.ts fieldFacetsReady): a
 * database where the fill has not completed keeps the old plans, and so the right tickets. Its own
 * file: an isolate that has seen the row trusts it for a minute.
 */
afterEach(() => vi.useRealTimers());

it("without the fill's mark, a combined field list keeps its old plan; with it, it walks the facets", async () => {
  const s = await makeStaff();
  const kind = await defineField(s.admin, { key: uniqueKey("kind"), label: "Kind", type: "dropdown", options: ["a", "b"].map((value) => ({ value, label: value })) });
  const made: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t = await openTicket(s.customer);
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [kind.key]: i % 2 ? "a" : "b" }, status: i % 3 ? "open" : "pending" }));
    made.push(t.id);
  }
  const want = [...made].reverse().filter((_, i) => (5 - i) % 2 === 1 && (5 - i) % 3 !== 0);
  const list = async () => {
    const res = await meteredApi("GET", `/api/v1/tickets?cf.${kind.key}=a&status=open&limit=25`, { token: s.agent.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { ids: res.body.data.map((t: { id: string }) => t.id), facets: meteredStatements(res).some((st) => /"tickets_fts" MATCH/.test(st.sql)) };
  };
  // A fill that did not complete: the mark is not there (a document may lack its tokens).
  await env.DB.prepare("DELETE FROM rule_state WHERE key = 'ticket_search_facets'").run();
  expect(await list()).toEqual({ ids: want, facets: false });
  expect(await list()).toEqual({ ids: want, facets: false });
  await env.DB.prepare("INSERT INTO rule_state (key, value) VALUES ('ticket_search_facets', '1')").run();
  expect(await list()).toEqual({ ids: want, facets: true });

  // 0049 run again (it takes the mark away first, then fills every document again): an isolate that
  // saw the mark keeps walking for at most a minute, then reads it again and keeps the old plans.
  await env.DB.prepare("DELETE FROM rule_state WHERE key = 'ticket_search_facets'").run();
  vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
  expect((await list()).facets).toBe(true);
  vi.setSystemTime(Date.now() + 61_000);
  expect(await list()).toEqual({ ids: want, facets: false });
  await env.DB.prepare("INSERT INTO rule_state (key, value) VALUES ('ticket_search_facets', '1')").run();
  expect(await list()).toEqual({ ids: want, facets: true });
});
