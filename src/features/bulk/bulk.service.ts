import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { teams, tickets, users } from "../../db/schema";
import { storeOfTicketRef } from "../../db/ticket-stores";
import { isStaff } from "../../domain/permissions";
import { planActions, tagsAfter, type ActionPlan, type RuleTicket } from "../../domain/rules";
import { TICKET_NUMBER_PATTERN } from "../../domain/ticket-number";
import { AppError, notFound, nullIfNotFound, validation, type ErrorCode } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { countUse, findVisibleMacro } from "../macros/macros.service";
import { applyActions, ruleTicketOf } from "../rules/run-actions";
import { findVisibleTicket, type FoundTicket } from "../tickets/tickets.service";
import { requesterColumns, type Ticket } from "../tickets/tickets.serialize";
import type { BulkInput } from "./bulk.schemas";

/**
 * Bulk changes (API.md "Bulk"): each ticket changed in its own write with the caller's rights, so
 * one that fails changes nothing of itself and stops nothing else; every ticket answers for itself.
 * An Idempotency-Key is kept per ticket, in that ticket's write: a retry after a cut connection
 * replays the tickets already changed and changes the rest.
 */

type Change = BulkInput["changes"];

interface Result {
  id: string;
  status: number;
  ticket?: Ticket;
  error?: { code: ErrorCode; detail: string };
}

/** The macro's actions first, then the request's own changes over them; the request's comment or the macro's. */
export function bulkPlan(ticket: RuleTicket, base: ActionPlan | null, changes: Change, comment: { body: string; internal: boolean } | undefined): ActionPlan {
  const plan: ActionPlan = base ? { ...base, edit: { ...base.edit } } : { edit: {}, tagActions: [], comment: null, emails: [], notifications: [], webhooks: [] };
  const { add_tags, remove_tags, ...fields } = changes;
  Object.assign(plan.edit, fields);
  if (add_tags || remove_tags) {
    // After the macro's: added, then removed (as tag actions: applied again to a ticket read again).
    plan.tagActions = [...plan.tagActions, ...(add_tags ? [{ type: "add_tags" as const, value: add_tags }] : []), ...(remove_tags ? [{ type: "remove_tags" as const, value: remove_tags }] : [])];
    plan.edit.tags = tagsAfter(plan.tagActions, ticket.tags)!;
  }
  if (comment) plan.comment = comment;
  return plan;
}

/** The named tickets that exist, in one read (by id or number). */
async function loadTickets(ctx: ServiceContext, refs: string[]): Promise<Map<string, FoundTicket>> {
  const numbers = refs.filter((r) => TICKET_NUMBER_PATTERN.test(r));
  const ids = refs.filter((r) => !TICKET_NUMBER_PATTERN.test(r));
  const rows = await ctx.db
    .select({ row: tickets, requester: requesterColumns })
    .from(tickets)
    .innerJoin(users, eq(users.id, tickets.requesterId))
    .where(and(isNull(tickets.deletedAt), or(ids.length ? inArray(tickets.id, ids) : undefined, numbers.length ? inArray(tickets.number, numbers) : undefined)));
  const out = new Map<string, FoundTicket>();
  for (const r of rows) {
    out.set(r.row.id, r);
    out.set(r.row.number, r);
  }
  // A retired ticket (its year's database, db/ticket-stores.ts) is brought back first, as every
  // write of one is (findVisibleTicket, with the caller's visibility): one lookup per such ref.
  for (const ref of refs) {
    if (out.has(ref) || !storeOfTicketRef(ctx.env, ref)) continue;
    const found = await findVisibleTicket(ctx, ref).catch(nullIfNotFound);
    if (found) {
      out.set(found.row.id, found);
      out.set(found.row.number, found);
    }
  }
  return out;
}

/** An assignee or team the change names must exist for the request to make sense at all (400, nothing changed). */
async function checkReferences(ctx: ServiceContext, changes: Change) {
  const errors: Record<string, string[]> = {};
  if (changes.assignee_id) {
    const [u] = await ctx.db.select({ role: users.role, active: users.active }).from(users).where(eq(users.id, changes.assignee_id)).limit(1);
    if (!u || !u.active || !isStaff(u.role)) errors["changes.assignee_id"] = ["must be an active agent, manager or admin"];
  }
  if (changes.team_id) {
    const [t] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, changes.team_id)).limit(1);
    if (!t) errors["changes.team_id"] = ["no such team"];
  }
  if (Object.keys(errors).length) throw validation("Invalid bulk change", errors);
}

export async function bulkChange(ctx: ServiceContext, input: BulkInput, idempotencyKey?: string): Promise<{ results: Result[] }> {
  const actor = actorOf(ctx);
  await checkReferences(ctx, input.changes);
  const macro = input.macro_id ? await findVisibleMacro(ctx, input.macro_id) : null;
  if (macro && input.comment && macro.actions.some((a) => a.type === "add_comment")) {
    throw validation("Invalid bulk change", { comment: ["the macro writes a comment already: one change writes one comment"] });
  }
  const refs = input.ids.map((r) => (typeof r === "string" ? { id: r, version: undefined } : r));
  const found = await loadTickets(ctx, [...new Set(refs.map((r) => r.id))]);
  const results: Result[] = [];
  for (const ref of refs) {
    const ticket = found.get(ref.id);
    if (!ticket) {
      results.push({ id: ref.id, status: 404, error: { code: "NOT_FOUND", detail: notFound("Ticket").detail } });
      continue;
    }
    try {
      // Per ticket, in that ticket's own batch: a replay answers for exactly the tickets that changed.
      const key = idempotencyKey === undefined ? undefined : `bulk\u0000${idempotencyKey}\u0000${ticket.row.id}`;
      const done = await idempotent(ctx, key, { method: "POST", path: "/tickets/bulk", body: input }, async (record) => {
        const current = ruleTicketOf(ticket.row, ticket.requester, ctx.now);
        const plan = bulkPlan(current, macro ? planActions(macro.actions, current) : null, input.changes, input.comment);
        const applied = await applyActions(ctx, ticket, plan, {
          author: actor,
          automated: false,
          currentUser: actor.name,
          note: macro ? { macro: { id: macro.id, name: macro.name } } : { bulk: true },
          baseVersion: ref.version,
          mailId: `action-bulk-${newId(ctx.now.getTime())}`,
          extra: (_t, _summary, wire) => [...(macro ? [countUse(ctx, macro.id)] : []), ...record({ status: 200, body: wire, headers: {} })],
        });
        return { status: 200 as const, body: applied.ticket, headers: {} };
      });
      results.push({ id: ref.id, status: 200, ticket: done.body });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id: ref.id, status: err.status, error: { code: err.code, detail: err.detail } });
    }
  }
  return { results };
}
