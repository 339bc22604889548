import { describe, expect, it } from "vitest";
import { api, makeUser, meteredApi, meteredStatements } from "../helpers";

/**
 * A create verifies its caller inside its first D1 call (db/caller-gate.ts). With an Idempotency-Key
 * or custom fields, that first call is the key's lookup or the field catalog's read: they are carried
 * with the caller's row, not preceded by a call reading the caller alone (drizzle's selects read
 * through raw(), which the gate does not carry).
 */
const CALLER = /^select .* from "users" where "users"\."id" = \? limit 1$/;

/** The statements of a metered request, grouped by D1 call, in order. */
function calls(res: { headers: Headers }): string[][] {
  const out = new Map<number, string[]>();
  for (const st of meteredStatements(res)) out.set(st.call, [...(out.get(st.call) ?? []), st.sql]);
  return [...out.values()];
}

const callerAlone = (c: string[]) => c.length === 1 && CALLER.test(c[0]!);

/**
 * After the first call: the SLA policies' read when the isolate has no copy of them yet (which test
 * of the file runs first decides that), then the write's one batch (db/ticket-numbering.ts).
 */
function expectPoliciesThenWrite(made: string[][]) {
  const between = made.slice(1, -1);
  expect(between.length).toBeLessThanOrEqual(1);
  for (const c of between) expect(c.some((q) => /from "sla_policies"/.test(q))).toBe(true);
  expect(made.at(-1)!.some((q) => /^insert into "ticket_counters"/.test(q))).toBe(true);
}

describe("a create's first D1 call carries its caller with what it reads first", () => {
  it("with an Idempotency-Key: the key's lookup rides with the caller's row (2 or 3 calls, was 4), and a replay is one call", async () => {
    const u = await makeUser("customer", { name: "Kim Key" });
    const body = { subject: "keyed", description: "d" };
    const headers = { "idempotency-key": `first-call-${u.id}` };
    const res = await meteredApi("POST", "/api/v1/tickets", { token: u.token, body, headers });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.requester).toMatchObject({ id: u.id, name: "Kim Key" });
    const made = calls(res);
    expect(made.some(callerAlone)).toBe(false);
    expect(made[0]).toHaveLength(2);
    expect(made[0]![0]).toMatch(CALLER);
    expect(made[0]![1]).toMatch(/from "idempotency_keys" where/);
    expectPoliciesThenWrite(made);

    const replay = await meteredApi("POST", "/api/v1/tickets", { token: u.token, body, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(res.body);
    const replayed = calls(replay);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]![0]).toMatch(CALLER);
  });

  it("with custom fields: the field catalog rides with the caller's row (2 or 3 calls, was 4)", async () => {
    const admin = await makeUser("admin");
    const agent = await makeUser("agent", { name: "Fay Fields" });
    const key = `order_${agent.id.toLowerCase()}`;
    const field = await api("POST", "/api/v1/ticket-fields", { token: admin.token, body: { key, label: "Order", type: "text" } });
    expect(field.status, JSON.stringify(field.body)).toBe(201);
    const res = await meteredApi("POST", "/api/v1/tickets", { token: agent.token, body: { subject: "fields", description: "d", custom_fields: { [key]: "A-17" } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.custom_fields).toEqual({ [key]: "A-17" });
    const made = calls(res);
    expect(made.some(callerAlone)).toBe(false);
    expect(made[0]![0]).toMatch(CALLER);
    expect(made[0]![1]).toMatch(/from "ticket_fields" where/);
    expectPoliciesThenWrite(made);
  });
});
