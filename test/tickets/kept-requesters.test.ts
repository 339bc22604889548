import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ERASED_NAME } from "../../src/domain/redaction";
import { api, makeUser, meteredApi, meteredStatements, type MeteredResponse, type TestUser } from "../helpers";
import { clearRules, makeRule, settled } from "../rules/support";
import { ok, ticketEach } from "./fixtures";

/**
 * The requesters kept in the isolate (src/features/tickets/kept-requesters.ts): a list page shows
 * the kept name and email of a requester only while the requesters' version, read in the page's
 * first call of ticket rows, is the one they were kept under, and the database's triggers move it on
 * every change of a user's name or email, whoever writes (migrations/0048). A write does not touch
 * this isolate's kept requesters, only D1's version, so each "next page" below is what any isolate
 * that kept them would answer.
 */

const PAGE = 25;

let admin: TestUser;
let agent: TestUser;
/** One ticket each, a page of 25 tickets with 25 requesters. */
let customers: TestUser[];
let ticketOf: Map<string, string>;

beforeAll(async () => {
  admin = await makeUser("admin");
  agent = await makeUser("agent");
  customers = await Promise.all(Array.from({ length: PAGE }, () => makeUser("customer")));
  ticketOf = await ticketEach(customers, admin, "kr");
});

const page = (who: TestUser) => meteredApi("GET", `/api/v1/tickets?limit=${PAGE}`, { token: who.token });
/** The requester a page shows on the ticket of `customer`. */
function shownFor(res: MeteredResponse, customer: TestUser): { id: string; name: string; email: string } {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const ticket = res.body.data.find((t: { id: string }) => t.id === ticketOf.get(customer.id));
  expect(ticket, "the customer's ticket is on the page").toBeDefined();
  return ticket.requester;
}
const calls = (res: MeteredResponse) => new Set(meteredStatements(res).map((st) => st.call)).size;
const REQUESTER_LOOKUP = /from "users" where "users"\."id" = \? limit \?/;
const lookups = (res: MeteredResponse) => meteredStatements(res).filter((st) => REQUESTER_LOOKUP.test(st.sql)).length;
const WALK = /from "tickets"/i;
const walkRows = (res: MeteredResponse) =>
  meteredStatements(res)
    .filter((st) => WALK.test(st.sql))
    .reduce((n, st) => n + st.rows_read, 0);

/** A name or email written by hand, as a script would: the version is not named. */
const straight = (sql: string, ...values: unknown[]) => env.DB.prepare(sql).bind(...values).run();

describe("kept requesters", () => {
  afterEach(clearRules);

  it("once kept, a page of 25 tickets with 25 requesters reads none of them and makes one D1 call fewer", async () => {
    // Something changed a user: the next page reads its requesters (as every page did before).
    await straight("UPDATE users SET name = ? WHERE id = ?", "Warm-up", customers[0]!.id);
    const cold = await page(agent);
    expect(cold.body.data).toHaveLength(PAGE);
    expect(new Set(cold.body.data.map((t: { requester: { id: string } }) => t.requester.id)).size).toBe(PAGE);
    expect(lookups(cold)).toBe(PAGE);

    const warm = await page(agent);
    expect(warm.body.data).toEqual(cold.body.data);
    expect(lookups(warm)).toBe(0);
    expect(calls(warm)).toBe(calls(cold) - 1);
    // The walk's rows, the caller's row and the version's (in the walk's call): 1 + 25 + 1 here; before, 25 more.
    expect(warm.rowsRead).toBeLessThanOrEqual(walkRows(warm) + 2);
    expect(warm.rowsRead).toBeLessThanOrEqual(cold.rowsRead - PAGE);
  });

  it("a requester renamed through the API is seen on the very next page, by staff and by the customer", async () => {
    const c = customers[1]!;
    await page(agent);
    await page(c);
    await ok(api("PATCH", `/api/v1/users/${c.id}`, { token: admin.token, body: { name: "Renamed Requester" } }));
    expect(shownFor(await page(agent), c).name).toBe("Renamed Requester");
    expect(shownFor(await page(c), c)).toEqual({ id: c.id, name: "Renamed Requester", email: c.email });
  });

  it("an email changed through the API is seen on the very next page, by staff and by the customer", async () => {
    const c = customers[2]!;
    await page(agent);
    await page(c);
    const email = `moved-${c.id}@example.test`;
    await ok(api("PATCH", `/api/v1/users/${c.id}`, { token: admin.token, body: { email } }));
    expect(shownFor(await page(agent), c).email).toBe(email);
    expect(shownFor(await page(c), c).email).toBe(email);
  });

  it("an erased requester shows as erased on the very next page", async () => {
    const c = customers[3]!;
    await page(agent);
    await ok(api("POST", `/api/v1/users/${c.id}/erase`, { token: admin.token, body: { confirm: c.email } }));
    expect(shownFor(await page(agent), c)).toEqual({ id: c.id, name: ERASED_NAME, email: `erased-${c.id}@erased.invalid` });
  });

  it("a name or email written straight into D1 (an UPDATE, an INSERT OR REPLACE) is seen on the very next page", async () => {
    const c = customers[4]!;
    await page(agent);
    await page(c);
    await straight("UPDATE users SET name = ? WHERE id = ?", "Scripted Name", c.id);
    expect(shownFor(await page(agent), c).name).toBe("Scripted Name");
    expect(shownFor(await page(c), c).name).toBe("Scripted Name");

    // A replace deletes the row and inserts another (no delete trigger fires without recursive triggers).
    await page(agent);
    await straight(
      `INSERT OR REPLACE INTO users (id, name, email, role, active, password_hash, token_version, email_verified_at, created_at, updated_at)
       SELECT id, 'Replaced Name', 'replaced-' || id || '@example.test', role, active, password_hash, token_version, email_verified_at, created_at, updated_at FROM users WHERE id = ?`,
      c.id,
    );
    expect(shownFor(await page(agent), c)).toEqual({ id: c.id, name: "Replaced Name", email: `replaced-${c.id}@example.test` });
    expect(shownFor(await page(c), c).name).toBe("Replaced Name");
  });

  it("a write of anything else (a login's, a deactivation's, the same name again) keeps them", async () => {
    const c = customers[5]!;
    await page(agent);
    expect(lookups(await page(agent))).toBe(0);
    await straight("UPDATE users SET updated_at = ?, token_version = token_version + 0 WHERE id = ?", new Date().toISOString(), c.id);
    await straight("UPDATE users SET name = name WHERE id = ?", c.id);
    expect(lookups(await page(agent))).toBe(0);
  });

  it("a customer's page shows their own tickets and their own name and address only", async () => {
    await page(agent);
    for (const c of customers.slice(6, 9)) {
      const own = await page(c);
      expect(own.status).toBe(200);
      expect(own.body.data.map((t: { id: string }) => t.id)).toEqual([ticketOf.get(c.id)]);
      expect(own.body.data[0].requester).toEqual({ id: c.id, name: c.name, email: c.email });
      expect(lookups(own)).toBe(0);
    }
  });
  it("an automated comment (its batch inserts the automation user, who exists) keeps them", async () => {
    // Every automated comment's batch sends `INSERT … ON CONFLICT DO NOTHING` for the automation user:
    // meeting the very same row must not move the version, or an auto-acknowledging trigger would
    // make every new ticket cost every isolate its kept requesters.
    const c = customers[9]!;
    await makeRule(admin.token, { name: "Acknowledge", conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }] }, actions: [{ type: "add_comment", value: { body: "We got it", internal: false } }] });
    // The first automated comment inserts the automation user; each later one meets it.
    await ok(settled("POST", "/api/v1/tickets", { token: c.token, body: { subject: "Printer jammed", description: "d" } }), 201);
    await page(agent);
    expect(lookups(await page(agent))).toBe(0);
    const created = await ok(settled("POST", "/api/v1/tickets", { token: c.token, body: { subject: "Printer on fire", description: "d" } }), 201);
    const next = await page(agent);
    expect(next.body.data[0].id).toBe(created.id);
    expect(lookups(next)).toBe(0);
  });

  it("a user deleted straight in D1 (no route deletes one) makes the next page read its requesters again", async () => {
    const gone = await makeUser("customer");
    await page(agent);
    expect(lookups(await page(agent))).toBe(0);
    await straight("DELETE FROM users WHERE id = ?", gone.id);
    const next = await page(agent);
    expect(lookups(next)).toBe(new Set(next.body.data.map((t: { requester: { id: string } }) => t.requester.id)).size);
  });

  it("the triggers the kept requesters and the kept field catalog rest on exist (a table rebuild in a later migration drops them)", async () => {
    const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('users', 'ticket_fields') ORDER BY name").all<{ name: string }>();
    const names = results.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["users_requester_ad", "users_requester_au", "users_requester_bi"]));
    expect(names).toEqual(expect.arrayContaining(["ticket_fields_catalog_ad", "ticket_fields_catalog_ai", "ticket_fields_catalog_au"]));
  });
});
