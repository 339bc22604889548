import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { teams } from "../../src/db/schema";
import { changeTicket } from "../../src/features/tickets/tickets.service";
import type { TicketEdit } from "../../src/domain/ticket-update";
import { env } from "cloudflare:workers";
import { api, makeStaff } from "../helpers";
import { ctxAt, getTicket, historyRows, openTicket, patchTicket, rowOf } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
const TEAM = "team-concurrency";
beforeAll(async () => {
  s = await makeStaff();
  await createDb(env.DB).insert(teams).values({ id: TEAM, name: "Night shift", createdAt: new Date().toISOString() });
});

describe("concurrent creates", () => {
  it("20 at once get 20 distinct numbers with a consecutive per-day sequence", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => api("POST", "/api/v1/tickets", { token: (i % 2 ? s.customer : s.agent).token, body: { subject: `Concurrent ${i}`, description: "d" } })),
    );
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const numbers = results.map((r) => r.body.number as string);
    expect(new Set(numbers).size).toBe(20);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(20);
    const byDay = new Map<string, number[]>();
    for (const n of numbers) {
      const [, day, seq] = n.split("-") as [string, string, string];
      byDay.set(day, [...(byDay.get(day) ?? []), Number(seq)]);
    }
    for (const seqs of byDay.values()) {
      seqs.sort((a, b) => a - b);
      expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length);
    }
  });
});

/** One edit per editable field, all based on version 1. */
const fieldEdits = (): [string, Record<string, unknown>, TicketEdit][] => [
  ["subject", { subject: "Concurrent subject" }, { subject: "Concurrent subject" }],
  ["description", { description: "Concurrent description" }, { description: "Concurrent description" }],
  ["priority", { priority: "high" }, { priority: "high" }],
  ["category", { category: "billing" }, { category: "billing" }],
  ["tags", { tags: ["merged"] }, { tags: ["merged"] }],
  ["assignee_id", { assignee_id: s.agent.id }, { assigneeId: s.agent.id }],
  ["team_id", { team_id: TEAM }, { teamId: TEAM }],
  ["status", { status: "in_progress" }, { status: "in_progress" }],
];

const EXPECTED = () => ({
  subject: "Concurrent subject",
  description: "Concurrent description",
  priority: "high",
  category: "billing",
  tags: ["merged"],
  assignee_id: s.agent.id,
  team_id: TEAM,
  status: "in_progress",
});

describe("concurrent PATCHes with the same If-Match", () => {
  it("one per field, all at once over HTTP: every change lands, versions 2..9, nothing lost", async () => {
    const t = await openTicket(s.customer);
    const results = await Promise.all(fieldEdits().map(([, body]) => patchTicket(s.manager, t.id, body, '"1"')));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const final = (await getTicket(s.manager, t.id)).body;
    expect(final).toMatchObject({ ...EXPECTED(), version: 9 });
    const history = await historyRows(t.id);
    expect(history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(history.slice(1).flatMap((h) => Object.keys(h.changes)).sort()).toEqual(fieldEdits().map(([f]) => f).sort());
  });

  it("one per field straight through the service (mail, cron and rules take this path): merged, or cleanly refused", async () => {
    const t = await openTicket(s.customer);
    const results = await Promise.allSettled(
      fieldEdits().map(([, , edit]) => changeTicket(ctxAt(s.manager, Date.now()), t.id, edit, { type: "updated", baseVersion: 1 })),
    );
    const accepted = fieldEdits().filter((_, i) => results[i]!.status === "fulfilled");
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    // Every edit is of another field, so none may be refused.
    expect(accepted.length).toBe(8);
    const final = (await getTicket(s.manager, t.id)).body;
    expect(final).toMatchObject({ ...EXPECTED(), version: 9 });
  });

  it("ten on the same field: exactly one wins, the others get 409 naming the field; the winner's value stays", async () => {
    const t = await openTicket(s.customer);
    const subjects = Array.from({ length: 10 }, (_, i) => `Subject ${i}`);
    const results = await Promise.all(subjects.map((subject) => patchTicket(s.agent, t.id, { subject }, '"1"')));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.conflicting_fields).toEqual(["subject"]);
      expect(r.body.current).toMatchObject({ version: 2, subject: won[0]!.body.subject });
    }
    expect((await rowOf(t.id))!).toMatchObject({ version: 2, subject: won[0]!.body.subject });
  });

  it("ten without If-Match on the same field: all apply in some order, one version each, the last one's value stays", async () => {
    const t = await openTicket(s.customer);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => patchTicket(s.agent, t.id, { subject: `Last ${i}` })));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(200);
    const history = await historyRows(t.id);
    expect(history.map((h) => h.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const last = history.at(-1)!.changes.subject as [string, string];
    expect((await rowOf(t.id))!).toMatchObject({ version: 11, subject: last[1] });
    // Each entry's old value is the previous entry's new value: no write was based on a stale read.
    for (let i = 2; i < history.length; i++) {
      expect((history[i]!.changes.subject as string[])[0]).toBe((history[i - 1]!.changes.subject as string[])[1]);
    }
  });

  it("ten without If-Match straight through the service: none lost", async () => {
    const t = await openTicket(s.customer);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => changeTicket(ctxAt(s.agent, Date.now()), t.id, { subject: `Svc ${i}` }, { type: "updated" })),
    );
    const accepted = results.filter((r) => r.status === "fulfilled").length;
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    expect((await rowOf(t.id))!.version).toBe(1 + accepted);
    expect(accepted).toBe(10);
  });
});

describe("edits racing comments", () => {
  it("a PATCH racing the first staff reply keeps first_response_at (the reply is never overwritten)", async () => {
    for (let round = 0; round < 5; round++) {
      const t = await openTicket(s.customer);
      const [patched, replied] = await Promise.all([
        patchTicket(s.agent, t.id, { priority: "high", tags: [`r${round}`] }),
        api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent2.token, body: { body: "first answer" } }),
      ]);
      expect(patched.status).toBe(200);
      expect(replied.status).toBe(201);
      const row = (await rowOf(t.id))!;
      expect(row.firstResponseAt, `round ${round}`).toBe(replied.body.created_at);
      expect(row.priority).toBe("high");
      // The running clock is the resolution target of the new priority.
      expect(row.slaNextDueAt).toBe(row.resolutionDueAt);
    }
  });

  it("a customer reply racing a status change: the ticket ends in a state one of them explains, and both are in history", async () => {
    for (let round = 0; round < 3; round++) {
      const t = await openTicket(s.customer);
      await patchTicket(s.agent, t.id, { status: "pending" });
      const [reply, patched] = await Promise.all([
        api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.customer.token, body: { body: "back" } }),
        patchTicket(s.agent, t.id, { priority: "low" }),
      ]);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      expect(patched.status).toBe(200);
      const row = (await rowOf(t.id))!;
      expect(row).toMatchObject({ status: "open", priority: "low", version: 4, slaPausedAt: null });
    }
  });
});

describe("service-level races with comments", () => {
  it("changeTicket racing the first staff reply through the services keeps first_response_at", async () => {
    const { addComment } = await import("../../src/features/comments/comments.service");
    for (let round = 0; round < 10; round++) {
      const t = await openTicket(s.customer);
      const [, reply] = await Promise.all([
        changeTicket(ctxAt(s.agent, Date.now()), t.id, { priority: "high" }, { type: "updated" }),
        addComment(ctxAt(s.agent2, Date.now()), t.id, { body: "first answer", internal: false }),
      ]);
      const row = (await rowOf(t.id))!;
      expect(row.firstResponseAt, `round ${round}`).toBe(reply.body.created_at);
      expect(row.slaNextDueAt, `round ${round}`).toBe(row.resolutionDueAt);
    }
  });
});
