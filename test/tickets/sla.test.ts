import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { slaPolicies } from "../../src/db/schema";
import { changeTicket, createTicket, getTicket as getTicketService } from "../../src/features/tickets/tickets.service";
import { api, makeStaff } from "../helpers";
import { ctxAt, getTicket, HOUR, openTicket, patchTicket, setTicketColumns } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const MIN = 60_000;
const input = (priority: "low" | "medium" | "high" | "critical" = "medium") => ({ subject: "SLA", description: "d", priority, channel: "web" as const, tags: [] });

describe("SLA defaults", () => {
  it("the seeded policies are API.md's table", async () => {
    const rows = await createDb(env.DB).select().from(slaPolicies);
    const table = Object.fromEntries(rows.map((r) => [r.priority, [r.name, r.firstResponseMinutes / 60, r.resolutionMinutes / 60, r.escalationMinutes / 60]]));
    expect(table).toMatchObject({
      critical: ["critical", 1, 4, 2],
      high: ["high", 4, 24, 8],
      medium: ["medium", 8, 72, 24],
      low: ["low", 24, 168, 48],
    });
  });

  it("a priority change re-targets both due dates from created_at", async () => {
    const t = await openTicket(s.customer, { priority: "low" });
    const res = await patchTicket(s.agent, t.id, { priority: "critical" });
    expect(res.body.sla).toMatchObject({
      policy: "critical",
      first_response_due_at: plus(t.created_at, HOUR),
      resolution_due_at: plus(t.created_at, 4 * HOUR),
      breached: false,
    });
    const back = await patchTicket(s.agent, t.id, { priority: "high" });
    expect(back.body.sla).toMatchObject({ policy: "high", first_response_due_at: plus(t.created_at, 4 * HOUR), resolution_due_at: plus(t.created_at, 24 * HOUR) });
  });

  it("a priority change that puts a due date in the past breaches the ticket", async () => {
    const t = await openTicket(s.customer, { priority: "low" });
    await setTicketColumns(t.id, { createdAt: new Date(Date.now() - 2 * HOUR).toISOString() });
    const res = await patchTicket(s.agent, t.id, { priority: "critical" });
    expect(res.body.sla.breached).toBe(true);
    const list = await api("GET", "/api/v1/tickets?breached=true&limit=100", { token: s.agent.token });
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(t.id);
  });
});

describe("pending pauses the SLA clock", () => {
  it("pause 2 h then resume: both due dates move by exactly the paused time", async () => {
    const T0 = "2030-03-01T08:00:00.000Z";
    const { body: t } = await createTicket(ctxAt(s.agent, T0), input("high"));
    expect(t.sla).toMatchObject({ first_response_due_at: plus(T0, 4 * HOUR), resolution_due_at: plus(T0, 24 * HOUR), paused: false });

    const paused = await changeTicket(ctxAt(s.agent, plus(T0, HOUR)), t.id, { status: "pending" }, { type: "updated" });
    expect(paused.ticket.sla).toMatchObject({ paused: true, breached: false });

    // Long after every due date, while still paused: not breached.
    const later = await getTicketService(ctxAt(s.agent, plus(T0, 100 * HOUR)), t.id);
    expect(later.sla).toMatchObject({ paused: true, breached: false });

    const resumed = await changeTicket(ctxAt(s.agent, plus(T0, 3 * HOUR)), t.id, { status: "open" }, { type: "updated" });
    expect(resumed.ticket.sla).toMatchObject({
      paused: false,
      breached: false,
      first_response_due_at: plus(T0, 6 * HOUR),
      resolution_due_at: plus(T0, 26 * HOUR),
    });
    expect(resumed.changes).toEqual({ status: ["pending", "open"] });

    // A second pause adds to the first.
    await changeTicket(ctxAt(s.agent, plus(T0, 4 * HOUR)), t.id, { status: "pending" }, { type: "updated" });
    const again = await changeTicket(ctxAt(s.agent, plus(T0, 4 * HOUR + 30 * MIN)), t.id, { status: "in_progress" }, { type: "updated" });
    expect(again.ticket.sla).toMatchObject({ first_response_due_at: plus(T0, 6 * HOUR + 30 * MIN), resolution_due_at: plus(T0, 26 * HOUR + 30 * MIN) });

    // After the pushed due date the ticket is breached as usual.
    expect((await getTicketService(ctxAt(s.agent, plus(T0, 6 * HOUR + 29 * MIN)), t.id)).sla.breached).toBe(false);
    expect((await getTicketService(ctxAt(s.agent, plus(T0, 6 * HOUR + 31 * MIN)), t.id)).sla.breached).toBe(true);
  });

  it("a priority change while pending keeps the clock paused and re-targets from creation plus completed pauses", async () => {
    const T0 = "2030-03-02T08:00:00.000Z";
    const { body: t } = await createTicket(ctxAt(s.agent, T0), input("low"));
    await changeTicket(ctxAt(s.agent, plus(T0, HOUR)), t.id, { status: "pending" }, { type: "updated" });
    const r = await changeTicket(ctxAt(s.agent, plus(T0, 50 * HOUR)), t.id, { priority: "critical" }, { type: "updated" });
    expect(r.ticket.sla).toMatchObject({ paused: true, breached: false, policy: "critical" });
    const resumed = await changeTicket(ctxAt(s.agent, plus(T0, 51 * HOUR)), t.id, { status: "open" }, { type: "updated" });
    expect(resumed.ticket.sla).toMatchObject({ first_response_due_at: plus(T0, 51 * HOUR), resolution_due_at: plus(T0, 54 * HOUR), breached: false });
  });

  it("a breach from before the pause stays, and the pause adds none", async () => {
    const T0 = "2030-03-03T08:00:00.000Z";
    const { body: t } = await createTicket(ctxAt(s.agent, T0), input("critical"));
    const paused = await changeTicket(ctxAt(s.agent, plus(T0, 2 * HOUR)), t.id, { status: "pending" }, { type: "updated" });
    expect(paused.ticket.sla).toMatchObject({ paused: true, breached: true });
  });

  it("over HTTP: pending shows sla.paused, is left out of breached=true, and a paused ticket sorts last by sla_due", async () => {
    const t = await openTicket(s.customer, { priority: "critical" });
    const paused = await patchTicket(s.agent, t.id, { status: "pending" });
    expect(paused.body.sla.paused).toBe(true);
    // Pretend it has been pending for a day: due dates are long past, yet nothing is breached.
    await setTicketColumns(t.id, { createdAt: new Date(Date.now() - 25 * HOUR).toISOString(), slaPausedAt: new Date(Date.now() - 24 * HOUR).toISOString() });
    expect((await getTicket(s.agent, t.id)).body.sla).toMatchObject({ paused: true, breached: false });
    const breached = await api("GET", "/api/v1/tickets?breached=true&limit=100", { token: s.agent.token });
    expect(breached.body.data.map((x: { id: string }) => x.id)).not.toContain(t.id);
    const notBreached = await api("GET", "/api/v1/tickets?breached=false&limit=100", { token: s.agent.token });
    expect(notBreached.body.data.map((x: { id: string }) => x.id)).toContain(t.id);

    const resumed = await patchTicket(s.agent, t.id, { status: "open" });
    expect(resumed.body.sla.paused).toBe(false);
    // 24 h paused: the 1 h first-response target now falls due ~1 h after creation + 24 h, i.e. ~now.
    const due = Date.parse(resumed.body.sla.first_response_due_at);
    expect(Math.abs(due - Date.now())).toBeLessThan(5 * MIN);
  });
});

describe("resolution", () => {
  it("resolving in time is no breach; resolving late is", async () => {
    const T0 = "2030-03-04T08:00:00.000Z";
    const { body: a } = await createTicket(ctxAt(s.agent, T0), input("critical"));
    const onTime = await changeTicket(ctxAt(s.agent, plus(T0, 30 * MIN)), a.id, { status: "resolved" }, { type: "updated" });
    expect(onTime.ticket).toMatchObject({ resolved_at: plus(T0, 30 * MIN), sla: { breached: false } });
    // Long after, a resolved ticket does not breach.
    expect((await getTicketService(ctxAt(s.agent, plus(T0, 1000 * HOUR)), a.id)).sla.breached).toBe(false);

    const { body: b } = await createTicket(ctxAt(s.agent, T0), input("critical"));
    const late = await changeTicket(ctxAt(s.agent, plus(T0, 5 * HOUR)), b.id, { status: "resolved" }, { type: "updated" });
    expect(late.ticket.sla.breached).toBe(true);
  });
});
