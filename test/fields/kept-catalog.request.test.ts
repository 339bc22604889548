import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff, meteredApi, meteredStatements, type MeteredResponse } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";
import { callerContext, systemContext } from "../../src/contexts";
import type { Bindings } from "../../src/env";
import { planActions } from "../../src/domain/rules";
import { AUTOMATION_USER, applyActions, ruleTicketOf } from "../../src/features/rules/run-actions";
import { changeTicket, findVisibleTicket } from "../../src/features/tickets/tickets.service";
import { ok, openTicket, rowOf } from "../tickets/fixtures";
import { call, hookEnv, receiverEndpoint } from "../webhooks/support";
import { keepFieldCatalog, keptForWrite } from "../../src/features/fields/kept-catalog";
import { defineField, uniqueKey } from "./support";

/**
 * A request's OWN field catalog (src/features/fields/kept-catalog.ts): what it read is checked by
 * each of its writes' batches, as the isolate's kept copy is, so a definition written while the
 * request runs (a bulk of many tickets) is not taken by its later writes. The request here is a
 * bulk change held right after its first ticket's batch, while an admin changes a definition.
 */
afterEach(closeAll);

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const CATALOG_READ = /from "ticket_fields" where "ticket_fields"\."deleted_at" is null/;
const VERSION_HELD = /from \(select coalesce\(\(select "value" from "rule_state"/;
const catalogReads = (res: MeteredResponse) => meteredStatements(res).filter((st) => CATALOG_READ.test(st.sql)).length;
const versionChecks = (res: MeteredResponse) => meteredStatements(res).filter((st) => VERSION_HELD.test(st.sql)).length;

const patchField = (id: string, body: Record<string, unknown>) => ok(api("PATCH", `/api/v1/ticket-fields/${id}`, { token: s.admin.token, body }));

/**
 * The isolate's kept catalog made stale behind its back (a definition written straight in D1: the
 * triggers move the version), so the next request reads the catalog itself: its own from then on.
 */
async function staleKeptCatalog() {
  const key = uniqueKey("other");
  await defineField(s.admin, { key, label: "Other", type: "text" });
  await env.DB.prepare("UPDATE ticket_fields SET label = ? WHERE key = ?").bind(`Other ${crypto.randomUUID().slice(0, 6)}`, key).run();
}

/** env.DB whose request holds right after the first of its D1 batches after which `reached` holds, until released. */
function heldAfter(reached: () => Promise<boolean>) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const atHold = new Promise<void>((r) => (arrived = r));
  let held = false;
  const batch = (target: D1Database | D1DatabaseSession) => async (statements: D1PreparedStatement[]) => {
    const res = await target.batch(statements);
    if (!held && (await reached())) {
      held = true;
      arrived();
      await released;
    }
    return res;
  };
  const wrap = <T extends D1Database | D1DatabaseSession>(d1: T): T =>
    new Proxy(d1, {
      get(target, p) {
        if (p === "batch") return batch(target);
        if (p === "withSession") return (constraint?: string) => wrap((target as D1Database).withSession(constraint));
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return { db: wrap(env.DB), release, atHold };
}

/** {@link heldAfter} the D1 batch that wrote `ticketId` (its version moved). */
async function heldAfterWriteOf(ticketId: string) {
  const versionNow = () => env.DB.prepare("SELECT version FROM tickets WHERE id = ?").bind(ticketId).first<number>("version");
  const version = await versionNow();
  return heldAfter(async () => (await versionNow()) !== version);
}

/** A bulk change of `ids`, held after the first one's write while `meanwhile` runs. */
async function bulkWith(ids: string[], body: Record<string, unknown>, meanwhile: () => Promise<unknown>) {
  const held = await heldAfterWriteOf(ids[0]!);
  const bulk = meteredApi("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids, ...body }, env: { DB: held.db } });
  await held.atHold;
  try {
    await meanwhile();
  } finally {
    held.release();
  }
  const res = await bulk;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}

describe("writes planned from the request's own field catalog", () => {
  it("an option removed while a bulk macro runs: the tickets after it are refused the value (400), not given it", async () => {
    const colour = await defineField(s.admin, {
      key: uniqueKey("colour"),
      label: "Colour",
      type: "dropdown",
      options: [
        { value: "red", label: "Red" },
        { value: "blue", label: "Blue" },
      ],
    });
    const macro = await ok(api("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "Blue", actions: [{ type: "set_custom_field", value: { key: colour.key, value: "blue" } }] } }), 201);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openTicket(s.agent, { custom_fields: { [colour.key]: "red" } })));
    await staleKeptCatalog();
    const res = await bulkWith([a!.id, b!.id, c!.id], { macro_id: macro.id }, () => patchField(colour.id, { options: [{ value: "red", label: "Red" }] }));
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200, 400, 400]);
    for (const r of res.body.results.slice(1)) {
      expect(r.error.code).toBe("VALIDATION_ERROR");
      expect(r.error.detail).toBe(`Invalid custom fields: custom_fields.${colour.key}`);
    }
    expect((await rowOf(a!.id))!.customFields).toEqual({ [colour.key]: "blue" });
    for (const t of [b!, c!]) expect((await rowOf(t.id))!.customFields).toEqual({ [colour.key]: "red" });
    // The request read the catalog (the kept copy was stale), wrote the first ticket under it, found it
    // stale at the second's batch and read it once more; the third planned from that read.
    expect(catalogReads(res)).toBe(2);
  });

  it("a field hidden from customers while a bulk runs: the customer's live event of a later ticket does not carry it", async () => {
    const tier = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text", customer_visible: true });
    const a = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [tier.key]: "zq-tier-a" } });
    const b = await openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [tier.key]: "zq-tier-b" } });
    await staleKeptCatalog();
    const customer = await open(roomPath(b.id), s.customer.token);
    await customer.next("presence");
    const res = await bulkWith([a.id, b.id], { changes: { priority: "high" } }, () => patchField(tier.id, { customer_visible: false }));
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200]);
    const event = await customer.next("ticket.updated");
    expect(event.ticket.priority).toBe("high");
    expect(event.ticket.custom_fields).toEqual({});
    expect(JSON.stringify(event)).not.toContain("zq-tier-b");
    // Staff still see the value; the write went through (planned again on the fresh catalog).
    expect((await rowOf(b.id))!.priority).toBe("high");
    expect((await ok(api("GET", `/api/v1/tickets/${b.id}`, { token: s.agent.token }))).custom_fields).toEqual({ [tier.key]: "zq-tier-b" });
  });

  it("a field made required to resolve while a bulk resolves: the tickets after it are refused (422), not resolved without it", async () => {
    const cause = await defineField(s.admin, { key: uniqueKey("cause"), label: "Cause", type: "text" });
    const [a, b] = await Promise.all([1, 2].map(() => openTicket(s.agent, {})));
    await staleKeptCatalog();
    try {
      const res = await bulkWith([a!.id, b!.id], { changes: { status: "resolved" } }, () => patchField(cause.id, { required_to_resolve: true }));
      expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200, 422]);
      expect(res.body.results[1].error).toEqual({ code: "INVALID_TRANSITION", detail: `Fill in ${cause.key} before resolving the ticket` });
      expect((await rowOf(a!.id))!.status).toBe("resolved");
      expect((await rowOf(b!.id))!.status).toBe("open");
    } finally {
      await patchField(cause.id, { required_to_resolve: false });
    }
  });

  it("a bulk of tickets with values reads the catalog once when nothing changes, and each write checks its version; tickets without values check nothing", async () => {
    const area = await defineField(s.admin, { key: uniqueKey("area"), label: "Area", type: "text" });
    const withValues = await Promise.all([1, 2, 3].map((i) => openTicket(s.agent, { custom_fields: { [area.key]: `north ${i}` } })));
    await staleKeptCatalog();
    const res = await meteredApi("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: withValues.map((t) => t.id), changes: { priority: "low" } } });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 200]);
    expect(catalogReads(res)).toBe(1);
    expect(versionChecks(res)).toBe(3);

    const bare = await Promise.all([1, 2, 3].map(() => openTicket(s.agent, {})));
    const plain = await meteredApi("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: bare.map((t) => t.id), changes: { priority: "low" } } });
    expect(plain.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 200]);
    expect(catalogReads(plain)).toBe(0);
    expect(versionChecks(plain)).toBe(0);
  });

  it("a refusal decided on the request's own read stands: a bulk whose every ticket is refused reads the catalog once", async () => {
    const size = await defineField(s.admin, {
      key: uniqueKey("size"),
      label: "Size",
      type: "dropdown",
      options: [
        { value: "s", label: "S" },
        { value: "m", label: "M" },
      ],
    });
    const macro = await ok(api("POST", "/api/v1/macros", { token: s.agent.token, body: { name: "Medium", actions: [{ type: "set_custom_field", value: { key: size.key, value: "m" } }] } }), 201);
    const tickets = await Promise.all([1, 2, 3].map(() => openTicket(s.agent, { custom_fields: { [size.key]: "s" } })));
    // The option goes (the isolate's kept copy still has it): the first ticket is refused by the copy,
    // so decided again on a fresh read; the others are refused by that read, which stands.
    await patchField(size.id, { options: [{ value: "s", label: "S" }] });
    const res = await meteredApi("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: tickets.map((t) => t.id), macro_id: macro.id } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number; error: { code: string } }) => [r.status, r.error.code])).toEqual([
      [400, "VALIDATION_ERROR"],
      [400, "VALIDATION_ERROR"],
      [400, "VALIDATION_ERROR"],
    ]);
    expect(catalogReads(res)).toBe(1);
  });

  // Driven through the service, as an automation's run would (one context for its tickets, in turn),
  // with the definition written between two tickets: the webhook action sends the rule's own
  // ticket.updated, made in the change's `with` from the catalog the plan took (not one read before).
  it("an automation's webhook event of a later ticket, the field hidden meanwhile: the payload for webhooks without include_internal does not carry it", async () => {
    const hooks = hookEnv();
    const endpoint = receiverEndpoint("owncat");
    const hook = await call(hooks.env, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, events: ["sla.breached"] } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const tier = await defineField(s.admin, { key: uniqueKey("tier"), label: "Tier", type: "text", customer_visible: true });
    const [a, b] = await Promise.all(["a", "b"].map((x) => openTicket(s.agent, { requester_email: s.customer.email, custom_fields: { [tier.key]: `zq-hook-${x}` } })));
    await staleKeptCatalog();
    const ctx = systemContext(hooks.env, "automations", { now: new Date() });
    const actions = [
      { type: "set_priority" as const, value: "critical" as const },
      { type: "webhook" as const, value: { webhook_id: hook.body.id as string } },
    ];
    const apply = async (id: string) => {
      const found = await findVisibleTicket(ctx, id);
      const plan = planActions(actions, ruleTicketOf(found.row, found.requester, ctx.now));
      return applyActions(ctx, found, plan, { author: AUTOMATION_USER, automated: true, currentUser: "Automation", mailId: `action-owncat-${id}` });
    };
    await apply(a!.id);
    await patchField(tier.id, { customer_visible: false });
    expect((await apply(b!.id)).ticket.priority).toBe("critical");
    const payloads = async (id: string) => (await env.DB.prepare("SELECT payload FROM webhook_events WHERE ticket_id = ? AND type = 'ticket.updated'").bind(id).all<{ payload: string }>()).results.map((r) => JSON.parse(r.payload));
    expect((await payloads(a!.id)).map((p) => p.ticket.custom_fields)).toEqual([{ [tier.key]: "zq-hook-a" }]);
    const later = await payloads(b!.id);
    expect(later.map((p) => p.ticket.custom_fields)).toEqual([{}]);
    expect(JSON.stringify(later)).not.toContain("zq-hook-b");
  });

  it("a field made not customer_editable between a customer's create's catalog read and its write: refused (403), no ticket", async () => {
    const plan = await defineField(s.admin, { key: uniqueKey("plan"), label: "Plan", type: "text", customer_visible: true, customer_editable: true });
    await staleKeptCatalog();
    const subject = `Held create ${crypto.randomUUID().slice(0, 8)}`;
    // The request's first batch reads the catalog (the kept copy is stale); its write comes after.
    const held = heldAfter(async () => true);
    const create = meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "d", custom_fields: { [plan.key]: "gold" } }, env: { DB: held.db } });
    await held.atHold;
    try {
      await patchField(plan.id, { customer_editable: false });
    } finally {
      held.release();
    }
    const res = await create;
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.code).toBe("FORBIDDEN");
    // Read, written under a check that failed, read again and refused.
    expect(catalogReads(res)).toBe(2);
    expect(res.body.errors).toEqual({ [`custom_fields.${plan.key}`]: [expect.any(String)] });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE subject = ?").bind(subject).first<number>("n")).toBe(0);
  });
});

describe("a write whose catalog check failed", () => {
  /**
   * env.DB under which, before each of the change's D1 calls, the isolate keeps an older catalog
   * again, as another request served by a lagging replica would (keepFieldCatalog takes what it is given).
   */
  function keepingStaleCopy(fields: Parameters<typeof keepFieldCatalog>[1]) {
    const batches: boolean[] = [];
    const wrap = <T extends D1Database | D1DatabaseSession>(d1: T): T =>
      new Proxy(d1, {
        get(target, p) {
          if (p === "withSession") return (constraint?: string) => wrap((target as D1Database).withSession(constraint));
          const v = Reflect.get(target, p);
          if (p !== "prepare" && p !== "batch") return typeof v === "function" ? v.bind(target) : v;
          return (...args: unknown[]) => {
            keepFieldCatalog("an-older-version", fields);
            const out = (v as (...a: unknown[]) => unknown).apply(target, args);
            if (p === "batch") (out as Promise<unknown>).then(() => batches.push(true), () => batches.push(false));
            return out;
          };
        },
      });
    return { db: wrap(env.DB), batches };
  }

  it("plans again from the catalog read on the primary, not from the isolate's copy kept stale meanwhile: written, not 409", async () => {
    const colour = await defineField(s.admin, { key: uniqueKey("colour"), label: "Colour", type: "text" });
    const t = await openTicket(s.agent, { custom_fields: { [colour.key]: "red" } });
    await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token }));
    const stale = keepingStaleCopy(keptForWrite()!.fields);
    const ctx = callerContext({ ...env, DB: stale.db } as Bindings, { id: s.agent.id, name: s.agent.name, email: s.agent.email, role: s.agent.role }, { ip: null, userAgent: "vitest" }, { now: new Date() });
    await changeTicket(ctx, t.id, { priority: "low" }, { type: "updated" });
    expect((await rowOf(t.id))!.priority).toBe("low");
    // The first plan took the stale copy and its batch failed; then the catalog's read, and the write.
    expect(stale.batches).toEqual([false, true, true]);
  });
});
