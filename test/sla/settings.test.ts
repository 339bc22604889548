import { beforeAll, describe, expect, it } from "vitest";
import { addBusinessMinutes, type BusinessCalendar } from "../../src/domain/business-hours";
import { api, expectProblem, makeStaff } from "../helpers";
import { HOUR, iso, MIN, rowOf } from "./helpers";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const DEFAULTS = [
  { name: "critical", priority: "critical", first_response_minutes: 60, next_response_minutes: 60, resolution_minutes: 240, escalation_minutes: 120, business_hours: false },
  { name: "high", priority: "high", first_response_minutes: 240, next_response_minutes: 240, resolution_minutes: 1440, escalation_minutes: 480, business_hours: false },
  { name: "medium", priority: "medium", first_response_minutes: 480, next_response_minutes: 480, resolution_minutes: 4320, escalation_minutes: 1440, business_hours: false },
  { name: "low", priority: "low", first_response_minutes: 1440, next_response_minutes: 1440, resolution_minutes: 10080, escalation_minutes: 2880, business_hours: false },
];

const policy = (over: Record<string, unknown> = {}) => ({
  priority: "low",
  first_response_minutes: 1440,
  next_response_minutes: 1440,
  resolution_minutes: 10080,
  escalation_minutes: 2880,
  business_hours: false,
  ...over,
});

/** A ticket of the customer's; one on a channel customers cannot open by themselves (phone) is recorded by an agent for them. */
const newTicket = async (body: Record<string, unknown> = {}) => {
  const staffRecorded = body.channel !== undefined && body.channel !== "web" && body.channel !== "api";
  const res = staffRecorded
    ? await api("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "s", description: "d", requester_email: s.customer.email, ...body } })
    : await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

describe("GET /sla-policies", () => {
  it("staff read API.md's defaults; customers are refused (403), anonymous callers 401", async () => {
    const res = await api("GET", "/api/v1/sla-policies", { token: s.agent.token });
    expect(res.status).toBe(200);
    for (const d of DEFAULTS) {
      expect(res.body.data).toContainEqual({ ...d, category: null, channel: null, escalation_raise_priority: false, escalation_reassign: "manager" });
    }
    expectProblem(await api("GET", "/api/v1/sla-policies", { token: s.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/sla-policies"), 401, "UNAUTHORIZED");
  });
});

describe("PUT /sla-policies/{name}", () => {
  it("admins only; bad input is 400 and changes nothing", async () => {
    expectProblem(await api("PUT", "/api/v1/sla-policies/low", { token: s.manager.token, body: policy() }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", "/api/v1/sla-policies/low", { token: s.agent.token, body: policy() }), 403, "FORBIDDEN");
    const bad: [string, Record<string, unknown>][] = [
      ["zero minutes", policy({ first_response_minutes: 0 })],
      ["fractional minutes", policy({ resolution_minutes: 1.5 })],
      ["more than a year", policy({ resolution_minutes: 600_000 })],
      ["unknown priority", policy({ priority: "urgent" })],
      ["missing field", { priority: "low", first_response_minutes: 10 }],
      ["unknown field", policy({ sla_owner: "me" })],
      ["name differs from the path", policy({ name: "other" })],
      ["unknown channel", policy({ channel: "pigeon" })],
      ["unknown escalation", policy({ escalation_reassign: "ceo" })],
    ];
    for (const [what, body] of bad) {
      const res = await api("PUT", "/api/v1/sla-policies/low", { token: s.admin.token, body });
      expect(res.status, what).toBe(400);
      expect(res.body.code, what).toBe("VALIDATION_ERROR");
    }
    expectProblem(await api("PUT", "/api/v1/sla-policies/bad%20name", { token: s.admin.token, body: policy() }), 400, "VALIDATION_ERROR");
    const after = await api("GET", "/api/v1/sla-policies/low", { token: s.agent.token });
    expect(after.body).toMatchObject(DEFAULTS[3]!);
  });

  it("a change applies to tickets created or re-prioritised afterwards, not to the others", async () => {
    const before = await newTicket({ priority: "high" });
    const other = await newTicket({ priority: "medium" });
    const res = await api("PUT", "/api/v1/sla-policies/high", { token: s.admin.token, body: policy({ priority: "high", first_response_minutes: 30, next_response_minutes: 30, resolution_minutes: 120, escalation_minutes: 60 }) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ name: "high", first_response_minutes: 30 });
    try {
      const after = await newTicket({ priority: "high" });
      expect(after.sla.first_response_due_at).toBe(iso(Date.parse(after.created_at) + 30 * MIN));
      expect(after.sla.resolution_due_at).toBe(iso(Date.parse(after.created_at) + 2 * HOUR));
      const unchanged = await api("GET", `/api/v1/tickets/${before.id}`, { token: s.agent.token });
      expect(unchanged.body.sla.first_response_due_at).toBe(iso(Date.parse(before.created_at) + 4 * HOUR));
      // An edit that is not a re-prioritisation keeps the old targets.
      const edited = await api("PATCH", `/api/v1/tickets/${before.id}`, { token: s.agent.token, body: { subject: "renamed" } });
      expect(edited.body.sla.first_response_due_at).toBe(iso(Date.parse(before.created_at) + 4 * HOUR));
      const reprioritised = await api("PATCH", `/api/v1/tickets/${other.id}`, { token: s.agent.token, body: { priority: "high" } });
      expect(reprioritised.body.sla).toMatchObject({ policy: "high", first_response_due_at: iso(Date.parse(other.created_at) + 30 * MIN) });
    } finally {
      await api("PUT", "/api/v1/sla-policies/high", { token: s.admin.token, body: { ...DEFAULTS[1], name: undefined } });
    }
  });

  it("a policy per category (and channel): the most specific one fitting the ticket applies; each priority keeps its base policy (409)", async () => {
    const created = await api("PUT", "/api/v1/sla-policies/vip-billing", { token: s.admin.token, body: policy({ priority: "medium", category: "Billing", first_response_minutes: 15 }) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get("location")).toBe("/api/v1/sla-policies/vip-billing");
    expect(created.body).toMatchObject({ name: "vip-billing", category: "billing", channel: null });
    const byChannel = await api("PUT", "/api/v1/sla-policies/vip-billing-phone", {
      token: s.admin.token,
      body: policy({ priority: "medium", category: "billing", channel: "phone", first_response_minutes: 5 }),
    });
    expect(byChannel.status).toBe(201);

    expect((await newTicket({ priority: "medium", category: "billing" })).sla.policy).toBe("vip-billing");
    expect((await newTicket({ priority: "medium", category: "BILLING", channel: "phone" })).sla.policy).toBe("vip-billing-phone");
    expect((await newTicket({ priority: "medium", category: "shipping" })).sla.policy).toBe("medium");
    expect((await newTicket({ priority: "high", category: "billing" })).sla.policy).toBe("high");

    // Re-categorised: the policy that fits now.
    const t = await newTicket({ priority: "medium", category: "shipping" });
    const moved = await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { category: "billing" } });
    expect(moved.body.sla).toMatchObject({ policy: "vip-billing", first_response_due_at: iso(Date.parse(t.created_at) + 15 * MIN) });

    expectProblem(
      await api("PUT", "/api/v1/sla-policies/another-billing", { token: s.admin.token, body: policy({ priority: "medium", category: "billing" }) }),
      409,
      "CONFLICT",
    );
    expectProblem(await api("PUT", "/api/v1/sla-policies/low", { token: s.admin.token, body: policy({ category: "x" }) }), 409, "CONFLICT");
    expectProblem(await api("PUT", "/api/v1/sla-policies/low", { token: s.admin.token, body: policy({ priority: "high" }) }), 409, "CONFLICT");
    expect((await api("GET", "/api/v1/sla-policies/low", { token: s.agent.token })).body).toMatchObject({ priority: "low", category: null });
    expectProblem(await api("GET", "/api/v1/sla-policies/nope", { token: s.agent.token }), 404, "NOT_FOUND");
  });
});

describe("GET|PUT /business-hours", () => {
  it("is 24/7 until configured; staff read it; only admins change it", async () => {
    expect((await api("GET", "/api/v1/business-hours", { token: s.agent.token })).body).toEqual({ time_zone: "UTC", intervals: [], holidays: [] });
    expectProblem(await api("GET", "/api/v1/business-hours", { token: s.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", "/api/v1/business-hours", { token: s.manager.token, body: { time_zone: "UTC", intervals: [] } }), 403, "FORBIDDEN");
  });

  it.each([
    ["unknown time zone", { time_zone: "Mars/Olympus_Mons", intervals: [] }, "time_zone"],
    ["overlapping intervals", { time_zone: "Europe/Berlin", intervals: [{ day: 1, start: "09:00", end: "13:00" }, { day: 1, start: "12:00", end: "18:00" }] }, "intervals.1"],
    ["an overnight interval spilling into the next day's", { time_zone: "Europe/Berlin", intervals: [{ day: 1, start: "22:00", end: "06:00" }, { day: 2, start: "05:00", end: "09:00" }] }, "intervals.1"],
    ["a time that does not exist", { time_zone: "Europe/Berlin", intervals: [{ day: 1, start: "09:00", end: "24:30" }] }, "intervals.0.end"],
    ["a zero-length interval", { time_zone: "Europe/Berlin", intervals: [{ day: 1, start: "09:00", end: "09:00" }] }, "intervals.0"],
    ["day 8", { time_zone: "Europe/Berlin", intervals: [{ day: 8, start: "09:00", end: "10:00" }] }, "intervals.0.day"],
    ["a holiday that is no date", { time_zone: "Europe/Berlin", intervals: [], holidays: ["2026-02-30"] }, "holidays.0"],
    ["an unknown field", { time_zone: "UTC", intervals: [], weekends: true }, null],
  ])("400 for %s, naming the field", async (_what, body, field) => {
    const before = await api("GET", "/api/v1/business-hours", { token: s.agent.token });
    const res = await api("PUT", "/api/v1/business-hours", { token: s.admin.token, body });
    expectProblem(res, 400, "VALIDATION_ERROR");
    if (field) expect(Object.keys(res.body.errors)).toContain(field);
    expect((await api("GET", "/api/v1/business-hours", { token: s.agent.token })).body).toEqual(before.body);
  });

  it("a policy on business hours times tickets created afterwards by the calendar; older tickets keep theirs", async () => {
    const calendar = { time_zone: "America/New_York", intervals: [1, 2, 3, 4, 5].map((day) => ({ day, start: "09:00", end: "17:00" })), holidays: ["2026-12-25"] };
    const before = await newTicket({ priority: "critical" });
    const put = await api("PUT", "/api/v1/business-hours", { token: s.admin.token, body: calendar });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual(calendar);
    expect((await api("GET", "/api/v1/business-hours", { token: s.agent.token })).body).toEqual(calendar);
    // The default policies count wall-clock time until a policy opts in.
    const wall = await newTicket({ priority: "critical" });
    expect(wall.sla.first_response_due_at).toBe(iso(Date.parse(wall.created_at) + HOUR));
    const opted = await api("PUT", "/api/v1/sla-policies/critical", { token: s.admin.token, body: { ...DEFAULTS[0], business_hours: true } });
    expect(opted.body.business_hours).toBe(true);
    const timed = await newTicket({ priority: "critical" });
    const cal: BusinessCalendar = { timeZone: calendar.time_zone, intervals: calendar.intervals as BusinessCalendar["intervals"], holidays: calendar.holidays };
    expect(timed.sla.first_response_due_at).toBe(addBusinessMinutes(cal, timed.created_at, 60));
    expect(timed.sla.resolution_due_at).toBe(addBusinessMinutes(cal, timed.created_at, 240));
    expect((await rowOf(timed.id)).slaCalendarId).not.toBeNull();
    const old = await api("GET", `/api/v1/tickets/${before.id}`, { token: s.agent.token });
    expect(old.body.sla.first_response_due_at).toBe(iso(Date.parse(before.created_at) + HOUR));
  });
});
