import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";
import { ok, openTicket, patchTicket } from "../tickets/fixtures";
import { defineField, uniqueKey } from "./support";

afterEach(closeAll);

/**
 * A field not marked customer_visible is absent from every customer response: REST (get, list,
 * create, PATCH, conflicts, history), search, and the ticket's live socket. A canary value in it
 * must never reach a customer.
 */
const CANARY = "zqxhiddencanary";

let s: Awaited<ReturnType<typeof makeStaff>>;
let shown: { key: string };
let hidden: { key: string };
let hiddenText: { key: string };
beforeAll(async () => {
  s = await makeStaff();
  shown = await defineField(s.admin, { key: uniqueKey("product"), label: "Product", type: "dropdown", options: [{ value: "widget", label: "W" }, { value: "gadget", label: "G" }], customer_visible: true });
  hidden = await defineField(s.admin, { key: uniqueKey("risk"), label: "Risk score", type: "integer" });
  hiddenText = await defineField(s.admin, { key: uniqueKey("internal_note"), label: "Internal ref", type: "text" });
});

const leaks = (body: unknown) => JSON.stringify(body).includes(CANARY) || JSON.stringify(body).includes(hidden.key) || JSON.stringify(body).includes(hiddenText.key);

async function staffTicket() {
  const t = await openTicket(s.agent, {
    requester_email: s.customer.email,
    custom_fields: { [shown.key]: "widget", [hidden.key]: 97, [hiddenText.key]: CANARY },
  });
  expect(t.custom_fields).toEqual({ [shown.key]: "widget", [hidden.key]: 97, [hiddenText.key]: CANARY });
  return t;
}

describe("customer visibility of custom fields", () => {
  it("REST reads: the customer's get and list show the visible field only; staff see all", async () => {
    const t = await staffTicket();
    const mine = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token });
    expect(mine.body.custom_fields).toEqual({ [shown.key]: "widget" });
    const list = await api("GET", "/api/v1/tickets?limit=100", { token: s.customer.token });
    const row = list.body.data.find((x: { id: string }) => x.id === t.id);
    expect(row.custom_fields).toEqual({ [shown.key]: "widget" });
    expect(leaks(list.body)).toBe(false);
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token })).body.custom_fields).toEqual(t.custom_fields);
  });

  it("the customer's own writes answer without the hidden fields (PATCH, comment-reopen, a 409's current ticket)", async () => {
    const t = await staffTicket();
    await ok(patchTicket(s.agent, t.id, { status: "resolved" }));
    const reopened = await ok(patchTicket(s.customer, t.id, { status: "open" }));
    expect(reopened.custom_fields).toEqual({ [shown.key]: "widget" });
    expect(leaks(reopened)).toBe(false);
    await ok(patchTicket(s.agent, t.id, { status: "resolved" }));
    const stale = await patchTicket(s.customer, t.id, { status: "open" }, `"${reopened.version}"`);
    expectProblem(stale, 409, "CONFLICT");
    expect(stale.body.current.custom_fields).toEqual({ [shown.key]: "widget" });
    expect(leaks(stale.body)).toBe(false);
  });

  it("a customer's create answers (and replays its Idempotency-Key) with visible fields only", async () => {
    const editable = await defineField(s.admin, { key: uniqueKey("order"), label: "Order", type: "text", customer_visible: true, customer_editable: true });
    const body = { subject: "Mine", description: "d", custom_fields: { [editable.key]: "A-1" } };
    const headers = { "idempotency-key": uniqueKey("k") };
    const first = await api("POST", "/api/v1/tickets", { token: s.customer.token, body, headers });
    expect(first.status).toBe(201);
    expect(first.body.custom_fields).toEqual({ [editable.key]: "A-1" });
    // Staff set a hidden value in between; the replay is the first answer, nothing more.
    await ok(patchTicket(s.agent, first.body.id, { custom_fields: { [hidden.key]: 3 } }));
    const replay = await api("POST", "/api/v1/tickets", { token: s.customer.token, body, headers });
    expect(replay.body).toEqual(first.body);
  });

  it("history: the customer sees changes of visible fields only, and no entry of hidden changes alone", async () => {
    const t = await staffTicket();
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [hidden.key]: 12 } }));
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [shown.key]: "gadget", [hiddenText.key]: `${CANARY}2` } }));
    const mine = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token });
    expect(mine.body.data.map((h: { version: number; changes: object }) => [h.version, h.changes])).toEqual([
      [1, expect.objectContaining({ [`custom_fields.${shown.key}`]: [null, "widget"] })],
      [3, { [`custom_fields.${shown.key}`]: ["widget", "gadget"] }],
    ]);
    expect(leaks(mine.body)).toBe(false);
    const staff = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.agent.token });
    expect(staff.body.data).toHaveLength(3);
    expect(staff.body.data[1].changes).toEqual({ [`custom_fields.${hidden.key}`]: [97, 12] });
  });

  it("search finds nothing by a hidden field's value, for anyone (custom fields are not indexed)", async () => {
    await staffTicket();
    for (const user of [s.customer, s.agent]) {
      const found = await api("GET", `/api/v1/search?q=${CANARY}`, { token: user.token });
      expect(found.status).toBe(200);
      expect(found.body.data).toEqual([]);
      const listed = await api("GET", `/api/v1/tickets?q=${CANARY}`, { token: user.token });
      expect(listed.body.data).toEqual([]);
    }
  });

  it("live socket: the customer's ticket.updated carries visible fields only; a change of hidden fields alone is not sent to them", async () => {
    const t = await staffTicket();
    const customer = await open(roomPath(t.id), s.customer.token);
    const agent = await open(roomPath(t.id), s.agent.token);
    await customer.next("presence");
    await agent.next("presence");

    await ok(patchTicket(s.agent, t.id, { custom_fields: { [hidden.key]: 5 } }));
    const staffHidden = await agent.next("ticket.updated");
    expect(staffHidden.changes).toEqual({ [`custom_fields.${hidden.key}`]: [97, 5] });
    await customer.none("ticket.updated");

    await ok(patchTicket(s.agent, t.id, { priority: "high", custom_fields: { [shown.key]: "gadget", [hiddenText.key]: `${CANARY}x` } }));
    const seen = await customer.next("ticket.updated");
    expect(seen.changes).toEqual({ priority: ["medium", "high"], [`custom_fields.${shown.key}`]: ["widget", "gadget"] });
    expect(seen.ticket.custom_fields).toEqual({ [shown.key]: "gadget" });
    const staffSeen = await agent.next("ticket.updated", (m) => m.version === seen.version);
    expect(staffSeen.ticket.custom_fields).toEqual({ [shown.key]: "gadget", [hidden.key]: 5, [hiddenText.key]: `${CANARY}x` });
    expect(customer.log.some((m) => leaks(m))).toBe(false);
  });

  it("a customer cannot filter by a hidden field (it does not exist for them), nor learn it by an error", async () => {
    const t = await staffTicket();
    const res = await api("GET", `/api/v1/tickets?cf.${hidden.key}=97`, { token: s.customer.token });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toEqual({ [`cf.${hidden.key}`]: ["no such field"] });
    const unknown = await api("GET", `/api/v1/tickets?cf.no_such_key_at_all=97`, { token: s.customer.token });
    expect(unknown.body.errors).toEqual({ "cf.no_such_key_at_all": ["no such field"] });
    const visible = await api("GET", `/api/v1/tickets?cf.${shown.key}=widget&limit=100`, { token: s.customer.token });
    expect(visible.body.data.map((x: { id: string }) => x.id)).toContain(t.id);
  });

  it("making a field hidden hides its values at once", async () => {
    const field = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text", customer_visible: true });
    const t = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [field.key]: "gold" } });
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token })).body.custom_fields).toEqual({ [field.key]: "gold" });
    await ok(api("PATCH", `/api/v1/ticket-fields/${field.id}`, { token: s.admin.token, body: { customer_visible: false } }));
    expect((await api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token })).body.custom_fields).toEqual({});
  });
});
