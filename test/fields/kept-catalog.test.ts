import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";
import { changeTicket } from "../../src/features/tickets/tickets.service";
import { AppError } from "../../src/lib/errors";
import { ctxAt, ok, openTicket, patchTicket, rowOf, setTicketColumns } from "../tickets/fixtures";
import { defineField, uniqueKey } from "./support";

/**
 * The field catalog kept in the isolate (src/features/fields/kept-catalog.ts): a GET or a list page
 * renders from it only while the catalog's version, read in the call that reads the rows, is the
 * kept one. Definition writes go through the API here (one test writes D1 directly): the database's
 * triggers change the version whoever writes (migrations/0047), and a write does not touch this
 * isolate's kept catalog, only D1's version, so each "next request" below is what any other isolate
 * would answer.
 */
afterEach(closeAll);

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const CATALOG_READ = /from "ticket_fields" where "ticket_fields"\."deleted_at" is null/;
const readsCatalog = (res: { headers: Headers }) => meteredStatements(res).some((st) => CATALOG_READ.test(st.sql));

const get = (who: TestUser, id: string) => meteredApi("GET", `/api/v1/tickets/${id}`, { token: who.token });
async function listed(who: TestUser, id: string) {
  const res = await meteredApi("GET", "/api/v1/tickets?limit=100", { token: who.token });
  expect(res.status).toBe(200);
  return { res, ticket: res.body.data.find((t: { id: string }) => t.id === id) };
}

const patchField = (id: string, body: Record<string, unknown>) => ok(api("PATCH", `/api/v1/ticket-fields/${id}`, { token: s.admin.token, body }));

describe("the kept field catalog", () => {
  it("a GET of a ticket with custom fields reads ≤ 5 rows once the catalog is kept; the first GET after a definition change reads it again", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("plan"), label: "Plan", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [field.key]: "gold" } });
    await get(s.agent, t.id); // the isolate keeps the catalog at the current version
    const kept = await get(s.agent, t.id);
    expect(kept.status).toBe(200);
    expect(kept.body.custom_fields).toEqual({ [field.key]: "gold" });
    expect(readsCatalog(kept)).toBe(false);
    // The caller's row, the ticket with its requester, the version's row.
    expect(kept.rowsRead).toBeLessThanOrEqual(5);

    await patchField(field.id, { label: "Plan tier" });
    const after = await get(s.agent, t.id);
    expect(readsCatalog(after)).toBe(true);
    expect(after.body.custom_fields).toEqual({ [field.key]: "gold" });
    expect(readsCatalog(await get(s.agent, t.id))).toBe(false);
  });

  it("a list page with custom fields renders from the kept catalog, and reads it again after a definition change", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text" });
    const t = await openTicket(s.agent, { custom_fields: { [field.key]: "silver" } });
    await listed(s.agent, t.id);
    const kept = await listed(s.agent, t.id);
    expect(kept.ticket.custom_fields).toEqual({ [field.key]: "silver" });
    expect(readsCatalog(kept.res)).toBe(false);
    await patchField(field.id, { label: "Tier name" });
    expect(readsCatalog((await listed(s.agent, t.id)).res)).toBe(true);
  });

  it("a field made not customer_visible is gone from the customer's GET and list on the next request", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("account"), label: "Account", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [field.key]: "zq-secret-account" } });
    // Shown, twice each: the second from the kept catalog.
    for (let i = 0; i < 2; i++) {
      expect((await get(s.customer, t.id)).body.custom_fields).toEqual({ [field.key]: "zq-secret-account" });
      expect((await listed(s.customer, t.id)).ticket.custom_fields).toEqual({ [field.key]: "zq-secret-account" });
    }
    await patchField(field.id, { customer_visible: false });
    const got = await get(s.customer, t.id);
    expect(got.status).toBe(200);
    expect(got.body.custom_fields).toEqual({});
    expect(JSON.stringify(got.body)).not.toContain("zq-secret-account");
    const row = (await listed(s.customer, t.id)).ticket;
    expect(row.custom_fields).toEqual({});
    expect(JSON.stringify(row)).not.toContain("zq-secret-account");
    // Staff still see it.
    expect((await get(s.agent, t.id)).body.custom_fields).toEqual({ [field.key]: "zq-secret-account" });
  });

  it("a field defined meanwhile shows its values on the next request", async () => {
    const key = uniqueKey("region");
    const t = await openTicket(s.agent, {});
    // A value under a key no field has yet (as an import could leave one): shown nowhere.
    await setTicketColumns(t.id, { customFields: { [key]: "emea" } });
    for (let i = 0; i < 2; i++) {
      expect((await get(s.agent, t.id)).body.custom_fields).toEqual({});
      expect((await listed(s.agent, t.id)).ticket.custom_fields).toEqual({});
    }
    await defineField(s.admin, { key, label: "Region", type: "text" });
    expect((await get(s.agent, t.id)).body.custom_fields).toEqual({ [key]: "emea" });
    expect((await listed(s.agent, t.id)).ticket.custom_fields).toEqual({ [key]: "emea" });
  });

  it("a deleted field is gone from the next request", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("legacy"), label: "Legacy", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [field.key]: "old" } });
    for (let i = 0; i < 2; i++) expect((await get(s.customer, t.id)).body.custom_fields).toEqual({ [field.key]: "old" });
    expect((await api("DELETE", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token })).status).toBe(204);
    expect((await get(s.customer, t.id)).body.custom_fields).toEqual({});
    expect((await get(s.agent, t.id)).body.custom_fields).toEqual({});
    expect((await listed(s.agent, t.id)).ticket.custom_fields).toEqual({});
  });

  it("a definition written outside the service (straight in D1, the version untouched: a script, an isolate running older code) is seen on the next request", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("vip"), label: "VIP", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [field.key]: "yes" } });
    for (let i = 0; i < 2; i++) expect((await get(s.customer, t.id)).body.custom_fields).toEqual({ [field.key]: "yes" });
    const version = () => env.DB.prepare("SELECT value FROM rule_state WHERE key = 'ticket_catalog_version'").first<string>("value");
    const before = await version();
    // Not the service's write: nothing here names the version; the database's triggers move it (migrations/0047).
    await env.DB.prepare("UPDATE ticket_fields SET customer_visible = 0 WHERE id = ?").bind(field.id).run();
    expect(await version()).not.toBe(before);
    expect((await get(s.customer, t.id)).body.custom_fields).toEqual({});
    expect((await listed(s.customer, t.id)).ticket.custom_fields).toEqual({});
    // An insert and a delete too (an import of definitions, a clean-up): each moves it.
    const moved = await version();
    await env.DB.prepare("INSERT OR IGNORE INTO ticket_fields (id, key, label, type, options, required_to_resolve, customer_visible, customer_editable, active, position, created_at, updated_at) SELECT 'script-field', ?, 'S', 'text', NULL, 0, 1, 0, 1, 0, created_at, updated_at FROM ticket_fields WHERE id = ?")
      .bind(uniqueKey("script"), field.id)
      .run();
    const inserted = await version();
    expect(inserted).not.toBe(moved);
    await env.DB.prepare("DELETE FROM ticket_fields WHERE id = 'script-field'").run();
    expect(await version()).not.toBe(inserted);
  });
});

describe("ticket writes planned from the kept field catalog", () => {
  const create = (who: TestUser, body: Record<string, unknown>) =>
    meteredApi("POST", "/api/v1/tickets", { token: who.token, body: { subject: `Kept ${crypto.randomUUID().slice(0, 8)}`, description: "d", ...body } });
  const VERSION_HELD = /from \(select coalesce\(\(select "value" from "rule_state"/;

  it("a create with custom fields reads no catalog while the kept one holds (its batch checks the version), and reads it again after a definition change", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("sku"), label: "SKU", type: "text" });
    expect((await create(s.agent, { custom_fields: { [field.key]: "A-1" } })).status).toBe(201);
    const kept = await create(s.agent, { custom_fields: { [field.key]: "A-2" } });
    expect(kept.status, JSON.stringify(kept.body)).toBe(201);
    expect(kept.body.custom_fields).toEqual({ [field.key]: "A-2" });
    expect(readsCatalog(kept)).toBe(false);
    expect(meteredStatements(kept).some((st) => VERSION_HELD.test(st.sql))).toBe(true);

    await patchField(field.id, { label: "Stock unit" });
    const after = await create(s.agent, { custom_fields: { [field.key]: "A-3" } });
    expect(after.status).toBe(201);
    expect(readsCatalog(after)).toBe(true);
  });

  it("a field made not customer_editable is refused in the customer's next create", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("budget"), label: "Budget", type: "text", customer_visible: true, customer_editable: true });
    for (let i = 0; i < 2; i++) expect((await create(s.customer, { custom_fields: { [field.key]: "100" } })).status).toBe(201);
    await patchField(field.id, { customer_editable: false });
    const refused = await create(s.customer, { custom_fields: { [field.key]: "1000" } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
  });

  it("a field made not customer_visible is gone from the customer's next write's answer", async () => {
    const editable = await defineField(s.admin, { key: uniqueKey("contact"), label: "Contact", type: "text", customer_visible: true, customer_editable: true });
    const shown = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [editable.key]: "phone", [shown.key]: "zq-gold-tier" } });
    for (const how of ["mail", "chat"]) {
      const res = await patchTicket(s.customer, t.id, { custom_fields: { [editable.key]: how } });
      expect(res.body.custom_fields).toEqual({ [editable.key]: how, [shown.key]: "zq-gold-tier" });
    }
    await patchField(shown.id, { customer_visible: false });
    const res = await patchTicket(s.customer, t.id, { custom_fields: { [editable.key]: "phone" } });
    expect(res.status).toBe(200);
    expect(res.body.custom_fields).toEqual({ [editable.key]: "phone" });
    expect(JSON.stringify(res.body)).not.toContain("zq-gold-tier");
  });

  it("a field made not customer_visible is gone from the customer's live event of the next write (the event's view is the plan's)", async () => {
    const shown = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [shown.key]: "zq-live-tier" } });
    await ok(patchTicket(s.agent, t.id, { priority: "high" })); // the isolate keeps the catalog
    await patchField(shown.id, { customer_visible: false });
    const customer = await open(roomPath(t.id), s.customer.token);
    await customer.next("presence");
    await ok(patchTicket(s.agent, t.id, { priority: "low" }));
    const event = await customer.next("ticket.updated");
    expect(event.ticket.custom_fields).toEqual({});
    expect(JSON.stringify(event)).not.toContain("zq-live-tier");
  });

  it("a field defined or an option added meanwhile is taken by the next create and change (a refusal is decided on a fresh read)", async () => {
    const colour = await defineField(s.admin, { key: uniqueKey("colour"), label: "Colour", type: "dropdown", options: [{ value: "red", label: "Red" }] });
    const t = await openTicket(s.agent, { custom_fields: { [colour.key]: "red" } });
    expect((await create(s.agent, { custom_fields: { [colour.key]: "red" } })).status).toBe(201);
    const size = await defineField(s.admin, { key: uniqueKey("size"), label: "Size", type: "integer" });
    const made = await create(s.agent, { custom_fields: { [colour.key]: "red", [size.key]: 3 } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.custom_fields).toEqual({ [colour.key]: "red", [size.key]: 3 });
    await patchField(colour.id, { options: [{ value: "red", label: "Red" }, { value: "blue", label: "Blue" }] });
    const changed = await patchTicket(s.agent, t.id, { custom_fields: { [colour.key]: "blue" } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.custom_fields).toEqual({ [colour.key]: "blue" });
  });

  it("an edit that changes nothing of a field deleted meanwhile is refused as unknown: nothing to write is decided on a fresh read, as a refusal is", async () => {
    const legacy = await defineField(s.admin, { key: uniqueKey("legacy"), label: "Legacy", type: "text" });
    const t = await openTicket(s.agent, { custom_fields: { [legacy.key]: "kept" } });
    for (let i = 0; i < 2; i++) expect((await get(s.agent, t.id)).body.custom_fields).toEqual({ [legacy.key]: "kept" });
    expect((await api("DELETE", `/api/v1/ticket-fields/${legacy.id}`, { token: s.admin.token })).status).toBe(204);
    // The same value again: by the isolate's copy nothing changes (no batch, so no check of the copy).
    const res = await patchTicket(s.agent, t.id, { custom_fields: { [legacy.key]: "kept" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toEqual({ [`custom_fields.${legacy.key}`]: ["no such field"] });
  });

  // A refusal that names a field, or of an edit that names one, is decided on a fresh read: the tests above.
  it("a refusal the catalog cannot decide (an agent assigning someone else) reads no catalog", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("area"), label: "Area", type: "text" });
    const t = await openTicket(s.agent, { custom_fields: { [field.key]: "north" } });
    await get(s.agent, t.id); // the isolate keeps the catalog
    const res = await meteredApi("POST", `/api/v1/tickets/${t.id}/assign`, { token: s.agent.token, body: { assignee_id: s.agent2.id } });
    expectProblem(res, 403, "FORBIDDEN");
    expect(readsCatalog(res)).toBe(false);
    expect((await rowOf(t.id))!.assigneeId).toBeNull();
  });

  // No route runs two writes on one context at once today (bulk runs them in turn, a rule gets its
  // own context; the SLA sweep runs eight at once on its context, but a swept ticket with values has
  // read the catalog before its escalation plans), so the service is driven here as such a caller
  // would. The first write's failed check must not take the second's with it: before each plan
  // carried its own, the first's failure dropped the context's entry the second's batch looked up,
  // and the second resolved its ticket without the field now required.
  it("two changes in flight on one context, both planned from a kept catalog made stale: each batch checks its own plan's catalog and each is refused on the fresh one", async () => {
    const tier = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text" });
    const cause = await defineField(s.admin, { key: uniqueKey("cause"), label: "Cause", type: "text" });
    const a = await openTicket(s.agent, { custom_fields: { [tier.key]: "a" } });
    const b = await openTicket(s.agent, { custom_fields: { [tier.key]: "b" } });
    await get(s.agent, a.id); // the isolate keeps the catalog: Cause not required to resolve
    await patchField(cause.id, { required_to_resolve: true });
    try {
      const ctx = ctxAt(s.agent, Date.now());
      // The second plan reads once more before its batch (its new assignee), after it took the
      // catalog: the first's batch has failed by then.
      const [first, second] = await Promise.allSettled([
        changeTicket(ctx, a.id, { status: "resolved" }, { type: "updated" }),
        changeTicket(ctx, b.id, { status: "resolved", assigneeId: s.agent.id }, { type: "updated" }),
      ]);
      for (const outcome of [first, second]) {
        expect(outcome.status).toBe("rejected");
        const err = (outcome as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe("INVALID_TRANSITION");
        expect((err as AppError).options.errors).toEqual({ [`custom_fields.${cause.key}`]: ["required to resolve"] });
      }
      expect((await rowOf(a.id))!.status).toBe("open");
      expect((await rowOf(b.id))!.status).toBe("open");
    } finally {
      await patchField(cause.id, { required_to_resolve: false });
    }
  });
});
