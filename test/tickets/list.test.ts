import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { teams } from "../../src/db/schema";
import type { TicketPriority } from "../../src/domain/vocabulary";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { api, expectProblem, makeStaff, type ApiResponse, type TestUser } from "../helpers";
import { ctxAt, DAY, openTicket, type TicketBody } from "./fixtures";

/**
 * A known dataset (this file's D1 holds nothing else), made through the services at chosen instants
 * so created_at, updated_at and due dates are predictable, then read through the HTTP API.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
const byName: Record<string, TicketBody> = {};
const nameOf: Record<string, string> = {};
const TEAM = "team-list-test";
const T = Date.now() - 10 * 60_000; // ten minutes ago: every due date but "old"'s is ahead of now
const at = (seconds: number) => new Date(T + seconds * 1000);

interface Spec {
  name: string;
  at: Date;
  who: () => TestUser;
  priority: TicketPriority;
  channel: "web" | "email" | "chat" | "phone" | "social" | "api";
  category?: string;
  tags: string[];
}

beforeAll(async () => {
  s = await makeStaff();
  await createDb(env.DB).insert(teams).values({ id: TEAM, name: "Second line", createdAt: new Date().toISOString() });
  const specs: Spec[] = [
    { name: "old", at: new Date(Date.now() - 3 * DAY), who: () => s.customer, priority: "medium", channel: "web", tags: ["legacy"] },
    { name: "a1", at: at(1), who: () => s.customer, priority: "critical", channel: "web", category: "billing", tags: ["vip", "printer"] },
    { name: "a2", at: at(2), who: () => s.customer2, priority: "low", channel: "email", category: "hardware", tags: ["printer"] },
    { name: "a3", at: at(3), who: () => s.customer, priority: "high", channel: "chat", category: "billing", tags: [] },
    { name: "a4", at: at(4), who: () => s.customer2, priority: "medium", channel: "phone", tags: ["vip"] },
    { name: "a5", at: at(5), who: () => s.customer, priority: "high", channel: "api", tags: [] },
    { name: "a6", at: at(6), who: () => s.customer2, priority: "low", channel: "social", tags: [] },
    { name: "a7", at: at(7), who: () => s.customer, priority: "critical", channel: "email", tags: [] },
    { name: "gone", at: at(8), who: () => s.customer, priority: "critical", channel: "web", category: "billing", tags: ["vip", "printer"] },
  ];
  for (const spec of specs) {
    const { body } = await createTicket(ctxAt(spec.who(), spec.at), {
      subject: `List ${spec.name}`,
      description: "d",
      priority: spec.priority,
      channel: spec.channel,
      category: spec.category,
      tags: spec.tags,
    });
    byName[spec.name] = body as TicketBody;
    nameOf[body.id] = spec.name;
  }
  const change = (who: TestUser, name: string, seconds: number, edit: Parameters<typeof changeTicket>[2]) =>
    changeTicket(ctxAt(who, at(seconds)), byName[name]!.id, edit, { type: "updated" });
  await change(s.agent, "a7", 120, { status: "cancelled" });
  await change(s.agent, "a3", 150, { assigneeId: s.agent.id });
  await change(s.agent, "a5", 200, { status: "in_progress", assigneeId: s.agent.id });
  await change(s.agent, "a6", 250, { status: "resolved" });
  await change(s.manager, "a4", 300, { status: "pending", assigneeId: s.agent2.id, teamId: TEAM });
  await deleteTicket(ctxAt(s.admin, at(400)), byName.gone!.id);
});

async function names(query: string, who: TestUser = s.agent): Promise<string[]> {
  const res = await api("GET", `/api/v1/tickets${query}`, { token: who.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.next_cursor).toBeNull();
  return (res.body.data as TicketBody[]).map((t) => nameOf[t.id] ?? `unknown:${t.id}`);
}

const ALL = ["old", "a1", "a2", "a3", "a4", "a5", "a6", "a7"];

describe("GET /tickets: sorts", () => {
  it.each([
    ["(default: -created_at)", "", [...ALL].reverse()],
    ["-created_at", "sort=-created_at", [...ALL].reverse()],
    ["created_at", "sort=created_at", ALL],
    ["updated_at", "sort=updated_at", ["old", "a1", "a2", "a7", "a3", "a5", "a6", "a4"]],
    ["-updated_at", "sort=-updated_at", ["a4", "a6", "a5", "a3", "a7", "a2", "a1", "old"]],
    // Most urgent first; within a priority the oldest first.
    ["priority", "sort=priority", ["a1", "a7", "a3", "a5", "old", "a4", "a2", "a6"]],
    ["-priority", "sort=-priority", ["a6", "a2", "a4", "old", "a5", "a3", "a7", "a1"]],
    // Nearest unmet due date first; paused (a4), resolved (a6) and cancelled (a7) tickets have none and come last.
    ["sla_due", "sort=sla_due", ["old", "a1", "a3", "a5", "a2", "a4", "a6", "a7"]],
  ])("%s", async (_label, q, expected) => {
    expect(await names(`?limit=100&${q}`)).toEqual(expected);
  });
});

describe("GET /tickets: filters", () => {
  it.each([
    ["status=open", ["old", "a1", "a2", "a3"]],
    ["status=open,pending", ["old", "a1", "a2", "a3", "a4"]],
    ["status=resolved,closed", ["a6"]],
    ["status=cancelled", ["a7"]],
    ["status=in_progress", ["a5"]],
    ["status=closed", []],
    ["priority=critical", ["a1", "a7"]],
    ["priority=high,low", ["a2", "a3", "a5", "a6"]],
    ["priority=medium", ["old", "a4"]],
    ["assignee_id=none", ["old", "a1", "a2", "a6", "a7"]],
    ["assignee_id=me", ["a3", "a5"]],
    ["category=billing", ["a1", "a3"]],
    ["category=hardware", ["a2"]],
    ["channel=email", ["a2", "a7"]],
    ["channel=api", ["a5"]],
    ["tag=printer", ["a1", "a2"]],
    ["tag=vip", ["a1", "a4"]],
    ["tag=VIP", ["a1", "a4"]],
    ["tag=legacy", ["old"]],
    ["tag=nothing", []],
    ["breached=true", ["old"]],
    ["breached=false", ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]],
    ["status=open&priority=critical", ["a1"]],
    ["status=open,in_progress&assignee_id=me&priority=high", ["a3", "a5"]],
    ["category=billing&tag=vip", ["a1"]],
  ])("%s", async (q, expected) => {
    expect(await names(`?limit=100&sort=created_at&${q}`)).toEqual(expected);
  });

  it("assignee_id by id", async () => {
    expect(await names(`?sort=created_at&assignee_id=${s.agent.id}`)).toEqual(["a3", "a5"]);
    expect(await names(`?sort=created_at&assignee_id=${s.agent2.id}`)).toEqual(["a4"]);
    expect(await names(`?sort=created_at&assignee_id=me`, s.agent2)).toEqual(["a4"]);
    expect(await names(`?sort=created_at&assignee_id=me`, s.admin)).toEqual([]);
  });

  it("requester_id and team_id", async () => {
    expect(await names(`?sort=created_at&requester_id=${s.customer.id}`)).toEqual(["old", "a1", "a3", "a5", "a7"]);
    expect(await names(`?sort=created_at&requester_id=${s.customer2.id}`)).toEqual(["a2", "a4", "a6"]);
    expect(await names(`?sort=created_at&team_id=${TEAM}`)).toEqual(["a4"]);
  });

  it("created_after is inclusive, created_before exclusive", async () => {
    const a3 = encodeURIComponent(byName.a3!.created_at);
    expect(await names(`?sort=created_at&created_after=${a3}`)).toEqual(["a3", "a4", "a5", "a6", "a7"]);
    expect(await names(`?sort=created_at&created_before=${a3}`)).toEqual(["old", "a1", "a2"]);
    const a2 = encodeURIComponent(byName.a2!.created_at);
    const a5 = encodeURIComponent(byName.a5!.created_at);
    expect(await names(`?sort=created_at&created_after=${a2}&created_before=${a5}`)).toEqual(["a2", "a3", "a4"]);
    expect(await names(`?sort=created_at&created_after=${a3}&created_before=${a3}`)).toEqual([]);
  });

  it("created_after accepts an offset and compares the instant", async () => {
    const a3 = new Date(byName.a3!.created_at);
    // The same instant written in +02:00.
    const local = new Date(a3.getTime() + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
    expect(await names(`?sort=created_at&created_after=${encodeURIComponent(local)}`)).toEqual(["a3", "a4", "a5", "a6", "a7"]);
  });

  it("customers' lists hold only their own tickets, whatever the filter", async () => {
    expect(await names("?sort=created_at", s.customer)).toEqual(["old", "a1", "a3", "a5", "a7"]);
    expect(await names("?sort=created_at&tag=printer", s.customer)).toEqual(["a1"]);
    expect(await names("?sort=created_at&tag=printer", s.customer2)).toEqual(["a2"]);
    expect(await names(`?sort=created_at&requester_id=${s.customer2.id}`, s.customer)).toEqual([]);
    expect(await names(`?sort=created_at&assignee_id=${s.agent.id}`, s.customer)).toEqual(["a3", "a5"]);
    expect(await names("?sort=created_at&assignee_id=me", s.customer)).toEqual([]);
  });

  it("unknown query parameters are ignored", async () => {
    expect(await names("?limit=100&sort=created_at&page=2&offset=5&foo=bar&q_unknown=1&status_=closed")).toEqual(ALL);
  });

  it.each([
    ["category", "' OR 1=1 --"],
    ["category", "%"],
    ["category", "_"],
    ["category", "billing' OR '1'='1"],
    ["requester_id", "' OR 1=1 --"],
    ["requester_id", "%"],
    ["requester_id", "_"],
    ["assignee_id", "' OR 1=1 --"],
    ["assignee_id", "%"],
    ["assignee_id", "_"],
    ["team_id", "%"],
    ["team_id", "' OR 1=1 --"],
    ["tag", "_"],
  ])("an injection-looking %s=%j matches nothing", async (param, value) => {
    expect(await names(`?${param}=${encodeURIComponent(value)}`)).toEqual([]);
  });

  it.each([
    "status=' OR 1=1 --",
    "status=%",
    "status=open,bogus",
    "status=,,,",
    "priority=urgent",
    "priority=%",
    "channel=fax",
    "tag=%",
    "tag=' OR 1=1 --",
    "breached=yes",
    "breached=1",
    "created_after=yesterday",
    "created_after=2026-13-45T00:00:00Z",
    "created_before=%",
    "sort=bogus",
    "sort=created_at;DROP TABLE tickets",
    "limit=0",
    "limit=101",
    "limit=-1",
    "limit=abc",
    "limit=1.5",
    "cursor=",
  ])("invalid %s → 400, never 500", async (q) => {
    const res = await api("GET", `/api/v1/tickets?${q.replace(/[' %;]/g, encodeURIComponent)}`, { token: s.agent.token });
    expectProblem(res, 400, "VALIDATION_ERROR");
  });

  it.each(["status=open&status=closed", "limit=2&limit=3", "sort=priority&sort=sla_due", "tag=vip&tag=printer", "status[]=open", "assignee_id=me&assignee_id=none"])(
    "repeated or bracketed parameters (%s) answer 200 or 400, never 500",
    async (q) => {
      const res = await api("GET", `/api/v1/tickets?${q}`, { token: s.agent.token });
      expect([200, 400], JSON.stringify(res.body)).toContain(res.status);
      if (res.status === 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
    },
  );

  it("limit 1 and 100 are accepted; the default page is 25", async () => {
    expect((await api("GET", "/api/v1/tickets?limit=1", { token: s.agent.token })).body.data).toHaveLength(1);
    expect((await api("GET", "/api/v1/tickets?limit=100", { token: s.agent.token })).body.data).toHaveLength(8);
  });
});

/** Every page of a query, following next_cursor. */
async function walk(query: string, who: TestUser = s.agent, between?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: ApiResponse = await api("GET", `/api/v1/tickets?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: who.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(2);
    seen.push(...res.body.data.map((t: TicketBody) => nameOf[t.id] ?? "new"));
    cursor = res.body.next_cursor;
    pages++;
    await between?.(pages);
    expect(pages).toBeLessThan(20);
  } while (cursor);
  return { seen, pages };
}

describe("GET /tickets: cursor pagination", () => {
  const SORTS = ["-created_at", "created_at", "updated_at", "-updated_at", "priority", "-priority", "sla_due"];

  it.each(SORTS)("sort=%s: walking pages of 2 gives the full list, no duplicates, no gaps", async (sort) => {
    const full = await names(`?limit=100&sort=${sort}`);
    const { seen, pages } = await walk(`limit=2&sort=${sort}`);
    expect(seen).toEqual(full);
    expect(pages).toBe(4);
  });

  it("filters and pagination together", async () => {
    expect((await walk("limit=2&sort=priority&status=open,pending")).seen).toEqual(await names("?limit=100&sort=priority&status=open,pending"));
    expect((await walk("limit=2", s.customer)).seen).toEqual(await names("?limit=100", s.customer));
  });

  it("the last page says next_cursor: null; an exact multiple does not leave an empty extra page", async () => {
    const res = await api("GET", "/api/v1/tickets?limit=8", { token: s.agent.token });
    expect(res.body.data).toHaveLength(8);
    expect(res.body.next_cursor).toBeNull();
  });

  it("a cursor from another sort → 400", async () => {
    const first = await api("GET", "/api/v1/tickets?limit=2&sort=priority", { token: s.agent.token });
    const cursor = encodeURIComponent(first.body.next_cursor);
    for (const other of ["-created_at", "created_at", "sla_due", "-priority"]) {
      expectProblem(await api("GET", `/api/v1/tickets?limit=2&sort=${other}&cursor=${cursor}`, { token: s.agent.token }), 400, "VALIDATION_ERROR");
    }
  });

  it("a tampered or foreign cursor → 400", async () => {
    const first = await api("GET", "/api/v1/tickets?limit=2", { token: s.agent.token });
    const cursor: string = first.body.next_cursor;
    const [payload, mac] = cursor.split(".") as [string, string];
    const flipped = (str: string, i: number) => str.slice(0, i) + (str[i] === "A" ? "B" : "A") + str.slice(i + 1);
    const comments = await api("GET", `/api/v1/tickets/${byName.a1!.id}/comments?limit=1`, { token: s.agent.token });
    for (const bad of [
      `${flipped(payload, 3)}.${mac}`,
      `${payload}.${flipped(mac, 2)}`,
      `${payload}.`,
      payload,
      "garbage",
      "a.b",
      btoa(JSON.stringify({ s: "tickets:-created_at", k: ["9999", "z"], id: "z" })),
    ]) {
      expectProblem(await api("GET", `/api/v1/tickets?limit=2&cursor=${encodeURIComponent(bad)}`, { token: s.agent.token }), 400, "VALIDATION_ERROR");
    }
    expect(comments.status).toBe(200);
  });

  it("a customer may follow their own cursors; a staff cursor does not widen a customer's list", async () => {
    const staffPage = await api("GET", "/api/v1/tickets?limit=2&sort=created_at", { token: s.agent.token });
    const res = await api("GET", `/api/v1/tickets?limit=100&sort=created_at&cursor=${encodeURIComponent(staffPage.body.next_cursor)}`, {
      token: s.customer2.token,
    });
    expect(res.status).toBe(200);
    for (const t of res.body.data as TicketBody[]) expect(t.requester.id).toBe(s.customer2.id);
  });

  // Runs last: it adds tickets to the dataset.
  it.each(SORTS)("sort=%s stays stable while new tickets arrive mid-walk: every existing ticket exactly once", async (sort) => {
    const { seen } = await walk(`limit=2&sort=${sort}`, s.agent, async (page) => {
      if (page <= 2) await openTicket(s.customer2, { priority: page === 1 ? "critical" : "low" });
    });
    const known = seen.filter((n) => n !== "new");
    expect([...known].sort()).toEqual([...ALL].sort());
    expect(new Set(known).size).toBe(known.length);
  });
});
