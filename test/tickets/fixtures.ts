import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import { auditLogs, comments, ticketHistory, tickets } from "../../src/db/schema";
import type { ServiceContext } from "../../src/lib/request-context";
import { callerContext } from "../../src/contexts";
import { NO_DUE, PRIORITY_RANK, type TicketPriority, type TicketStatus } from "../../src/domain/vocabulary";
import { api, type ApiResponse, type TestUser } from "../helpers";

/** Opens a ticket through the API and returns it (fails the test on anything but 201). */
export async function openTicket(user: TestUser, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await api("POST", "/api/v1/tickets", {
    token: user.token,
    body: { subject: `Ticket ${crypto.randomUUID().slice(0, 8)}`, description: "Something is broken", ...body },
    headers,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as TicketBody;
}

export const patchTicket = (user: TestUser, ref: string, body: unknown, ifMatch?: string) =>
  api("PATCH", `/api/v1/tickets/${ref}`, { token: user.token, body, headers: ifMatch === undefined ? {} : { "if-match": ifMatch } });

export const getTicket = (user: TestUser, ref: string) => api("GET", `/api/v1/tickets/${ref}`, { token: user.token });

export async function ok<T = any>(res: Promise<ApiResponse<T>> | ApiResponse<T>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** The ticket as the database holds it (deleted or not), for checks the API cannot make. */
export async function rowOf(id: string) {
  const [row] = await createDb(env.DB).select().from(tickets).where(eq(tickets.id, id));
  return row;
}

export async function historyRows(ticketId: string) {
  return createDb(env.DB).select().from(ticketHistory).where(eq(ticketHistory.ticketId, ticketId)).orderBy(ticketHistory.version, ticketHistory.at, ticketHistory.id);
}

export async function auditRows(entityId: string) {
  return createDb(env.DB).select().from(auditLogs).where(eq(auditLogs.entityId, entityId)).orderBy(auditLogs.at, auditLogs.id);
}

export async function commentRows(ticketId: string) {
  return createDb(env.DB).select().from(comments).where(eq(comments.ticketId, ticketId));
}

export async function countRows(table: "tickets" | "ticket_history" | "audit_logs" | "comments" | "users" | "idempotency_keys") {
  const r = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return r!.n;
}

/**
 * Moves a ticket's clock: sets columns straight in D1 (time travel for SLA and window checks). As
 * every writer does, it moves the revision: an isolate's kept row (tickets/kept-rows.ts) is stale.
 */
export async function setTicketColumns(id: string, set: Partial<typeof tickets.$inferInsert>) {
  await createDb(env.DB).update(tickets).set({ revision: sql`${tickets.revision} + 1`, ...set }).where(eq(tickets.id, id));
}

/** A service context for `user` at a chosen instant: the way to control `now`. */
export function ctxAt(user: TestUser, now: Date | string | number): ServiceContext {
  return callerContext(env as unknown as ServiceContext["env"], { id: user.id, name: user.name, email: user.email, role: user.role }, { ip: "203.0.113.7", userAgent: "vitest" }, { now: new Date(now) });
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export { sql };

/** A ticket as a seed inserts it straight into D1 (no history, no events): what lists read of it. */
export interface SeedTicket {
  id: string;
  number: string;
  subject: string;
  status?: TicketStatus;
  priority?: TicketPriority;
  requesterId: string;
  createdById: string;
  createdAt: string;
  updatedAt: string;
}

/** Inserts `rows` into tickets, 100 a batch, with no SLA clock running (NO_DUE). */
export async function seedTickets(rows: readonly SeedTicket[]) {
  const insert = env.DB.prepare(
    `INSERT INTO tickets (id, number, subject, description, status, priority, priority_rank, channel, tags, requester_id, created_by_id, version,
       created_at, updated_at, sla_policy, sla_next_due_at, sla_breached, sla_check_at)
     VALUES (?, ?, ?, 'd', ?, ?, ?, 'web', '[]', ?, ?, 1, ?, ?, 'medium', ?, 0, ?)`,
  );
  const bound = rows.map(({ priority = "medium", ...t }) =>
    insert.bind(t.id, t.number, t.subject, t.status ?? "open", priority, PRIORITY_RANK[priority], t.requesterId, t.createdById, t.createdAt, t.updatedAt, NO_DUE, NO_DUE),
  );
  for (let i = 0; i < bound.length; i += 100) await env.DB.batch(bound.slice(i, i + 100));
}

/**
 * One open ticket for each requester, written straight into D1 (no SLA clock, one day apart, the
 * first newest), as `${prefix}-<i>`: a list page with as many requesters as tickets. Returns the
 * requester id → ticket id.
 */
export async function ticketEach(requesters: readonly TestUser[], createdBy: TestUser, prefix: string): Promise<Map<string, string>> {
  const now = Date.now();
  await seedTickets(
    requesters.map((r, i) => {
      const at = new Date(now - (i + 1) * DAY).toISOString();
      return { id: `${prefix}-${i}`, number: `${prefix.toUpperCase()}-${i}`, subject: `Ticket ${i}`, requesterId: r.id, createdById: createdBy.id, createdAt: at, updatedAt: at };
    }),
  );
  return new Map(requesters.map((r, i) => [r.id, `${prefix}-${i}`]));
}

export interface TicketBody {
  id: string;
  number: string;
  subject: string;
  description: string;
  status: string;
  priority: string;
  category: string | null;
  channel: string;
  tags: string[];
  requester: { id: string; name: string; email: string };
  assignee_id: string | null;
  team_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  sla: { policy: string; first_response_due_at: string | null; resolution_due_at: string | null; breached: boolean; paused: boolean };
  custom_status: string;
  custom_fields: Record<string, unknown>;
}
