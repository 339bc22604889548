import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import worker from "../../src/index";
import { createDb } from "../../src/db/client";
import { ticketHistory, tickets } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import type { TicketEdit } from "../../src/domain/ticket-update";
import { addComment } from "../../src/features/comments/comments.service";
import { changeTicket, createTicket, type CreateTicketInput } from "../../src/features/tickets/tickets.service";
import type { ServiceContext } from "../../src/lib/request-context";
import { callerContext, systemContext } from "../../src/contexts";
import { runScheduled } from "../../src/jobs";
import type { TestUser } from "../helpers";

export const bindings = env as unknown as Bindings;
export const db = () => createDb(env.DB);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const iso = (ms: number) => new Date(ms).toISOString();

/** A service context at a chosen instant (null user: the system). */
export function ctxAt(user: TestUser | null, at: number | string): ServiceContext {
  const now = new Date(at);
  return user
    ? callerContext(bindings, { id: user.id, name: user.name, email: user.email, role: user.role }, { ip: null, userAgent: "vitest" }, { now })
    : systemContext(bindings, "vitest", { now });
}

/** A ticket opened by `user` at `at` (the creation time is the SLA's start). */
export async function ticketAt(user: TestUser, at: number, input: Partial<CreateTicketInput> = {}) {
  const res = await createTicket(ctxAt(user, at), { subject: "SLA test", description: "d", priority: "medium", channel: "web", tags: [], ...input });
  return res.body;
}

export const replyAt = (user: TestUser, at: number, ticketId: string, internal = false) =>
  addComment(ctxAt(user, at), ticketId, { body: internal ? "note" : "reply", internal });

export const editAt = (user: TestUser | null, at: number, ticketId: string, edit: TicketEdit) => changeTicket(ctxAt(user, at), ticketId, edit, { type: "updated" });

/** One cron tick through the Worker's own `scheduled` export, with the trigger's clock at `at`. */
export async function tick(at: number, cron = "* * * * *") {
  const execution = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron }), bindings, execution);
  await waitOnExecutionContext(execution);
}

/** The jobs' reports of one tick (the same code path as `scheduled`, returning what it logs). */
export async function tickReports(at: number, cron = "* * * * *") {
  const execution = createExecutionContext();
  const reports = await runScheduled({ scheduledTime: at, cron }, bindings, execution);
  await waitOnExecutionContext(execution);
  return reports as Record<string, any>[];
}

export const rowOf = async (id: string) => (await db().select().from(tickets).where(eq(tickets.id, id)).limit(1))[0]!;

export const historyOf = (id: string) =>
  db().select().from(ticketHistory).where(eq(ticketHistory.ticketId, id)).orderBy(asc(ticketHistory.version), asc(ticketHistory.at), asc(ticketHistory.id));

export async function historyTypes(id: string) {
  return (await historyOf(id)).map((h) => h.type);
}

/** Soft-deletes every live ticket of this test file, so a sweep sees only what a test makes next. */
export async function retireAll() {
  await db().update(tickets).set({ deletedAt: iso(Date.now()), revision: sql`${tickets.revision} + 1` }).where(isNull(tickets.deletedAt));
}

export { and, sql };
