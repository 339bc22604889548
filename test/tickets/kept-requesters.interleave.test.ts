import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ERASED_NAME } from "../../src/domain/redaction";
import { api, makeUser, meteredApi, meteredStatements, type MeteredResponse, type TestUser } from "../helpers";
import { ticketEach } from "./fixtures";

/**
 * Kept requesters (src/features/tickets/kept-requesters.ts) under requests that overlap in one
 * isolate: a page that read its requesters before a GDPR erasure and keeps them after a newer page
 * kept the erased one must not bring the old name back to the pages after it.
 */

const N = 3;
let admin: TestUser;
let agent: TestUser;
let customers: TestUser[];
let ticketOf: Map<string, string>;

beforeAll(async () => {
  admin = await makeUser("admin");
  agent = await makeUser("agent");
  customers = await Promise.all(Array.from({ length: N }, (_, i) => makeUser("customer", { name: `Customer ${i}` })));
  ticketOf = await ticketEach(customers, admin, "il");
});

/** env.DB whose request holds after its `holdAt`-th D1 batch answered, until released. */
function heldAfterBatch(holdAt: number) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const atHold = new Promise<void>((r) => (reached = r));
  let batches = 0;
  const session = (s: D1DatabaseSession) =>
    new Proxy(s, {
      get(target, p) {
        if (p === "batch")
          return async (statements: D1PreparedStatement[]) => {
            const res = await target.batch(statements);
            if (++batches === holdAt) {
              reached();
              await released;
            }
            return res;
          };
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  const db = new Proxy(env.DB, {
    get(target, p) {
      if (p === "withSession") return (constraint?: string) => session(target.withSession(constraint));
      const v = Reflect.get(target, p);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, release, atHold };
}

const page = (opts: { env?: Record<string, unknown> } = {}) => meteredApi("GET", `/api/v1/tickets?limit=${N}`, { token: agent.token, ...opts });
const shown = (res: MeteredResponse, c: TestUser) => res.body.data.find((t: { id: string }) => t.id === ticketOf.get(c.id)).requester;
const lookups = (res: MeteredResponse) => meteredStatements(res).filter((st) => /from "users" where "users"\."id" = \? limit \?/.test(st.sql)).length;

describe("kept requesters, overlapping pages", () => {
  it("a page that read before an erasure and keeps after a newer page does not bring the erased name back", async () => {
    await env.DB.prepare("UPDATE users SET name = 'Customer 0 again' WHERE id = ?").bind(customers[0]!.id).run();
    expect(lookups(await page())).toBe(N);
    expect(lookups(await page())).toBe(0);
    await env.DB.prepare("UPDATE users SET name = 'Customer 1 renamed' WHERE id = ?").bind(customers[1]!.id).run();

    // A reads its rows (with the version) and its requesters, then waits before keeping them.
    const held = heldAfterBatch(2);
    const a = page({ env: { DB: held.db } });
    await held.atHold;
    const erased = customers[2]!;
    expect((await api("POST", `/api/v1/users/${erased.id}/erase`, { token: admin.token, body: { confirm: erased.email } })).status).toBe(200);
    const b = await page();
    expect(shown(b, erased).name).toBe(ERASED_NAME);
    held.release();
    expect(shown(await a, erased).name).toBe(erased.name); // A began before the erasure

    // A kept its requesters last, under the version before the erasure: the next pages read again.
    const c = await page();
    expect(shown(c, erased)).toEqual({ id: erased.id, name: ERASED_NAME, email: `erased-${erased.id}@erased.invalid` });
    expect(lookups(c)).toBe(N);
    const d = await page();
    expect(lookups(d)).toBe(0);
    expect(shown(d, erased).name).toBe(ERASED_NAME);
  });
});
