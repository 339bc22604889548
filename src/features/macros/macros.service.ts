import { and, asc, eq, or, sql, type SQL } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { macros } from "../../db/schema";
import { can } from "../../domain/permissions";
import { parseActions, planActions, type ActionInput, type RuleAction } from "../../domain/rules";
import type { MacroScope } from "../../domain/vocabulary";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { checkActionReferences, RULE_LANGUAGE } from "../rules/rules.service";
import { applyActions, ruleTicketOf } from "../rules/run-actions";
import { findVisibleTicket } from "../tickets/tickets.service";

/**
 * Macros (API.md "Macro"): canned replies that may change fields too, applied by an agent with the
 * agent's own rights, as one change. Shared macros are everyone's and managers keep them; personal
 * ones exist for their owner alone (anyone else gets 404, as for anything they may not see).
 */

/** Personal macros per agent, shared ones per deployment: lists people pick from, not a store. */
export const MAX_PERSONAL_MACROS = 100;
export const MAX_SHARED_MACROS = 500;

type MacroRow = typeof macros.$inferSelect;

export function toMacro(row: MacroRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scope: row.scope,
    owner_id: row.ownerId,
    actions: row.actions,
    usage_count: row.usageCount,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Shared ones and the caller's own: the only macros the caller can know exist. */
const visibleTo = (userId: string) => or(eq(macros.scope, "shared"), eq(macros.ownerId, userId));

export async function findVisibleMacro(ctx: ServiceContext, id: string): Promise<MacroRow> {
  const [row] = await ctx.db.select().from(macros).where(and(eq(macros.id, id), visibleTo(actorOf(ctx).id))).limit(1);
  if (!row) throw notFound("Macro");
  return row;
}

/** A macro the caller may change: their own personal one, or (managers and admins) a shared one. */
async function findManageable(ctx: ServiceContext, id: string): Promise<MacroRow> {
  const row = await findVisibleMacro(ctx, id);
  if (row.scope === "shared" && !can(actorOf(ctx).role, "macros.manage_shared")) throw forbidden("Only managers and admins change shared macros");
  return row;
}

async function parsed(ctx: ServiceContext, actions: ActionInput[]): Promise<RuleAction[]> {
  const result = parseActions("macro", actions, RULE_LANGUAGE);
  const issues = result.ok ? await checkActionReferences(ctx, result.value, "macro") : result.issues;
  if (issues.length || !result.ok) throw validation("Invalid macro", Object.fromEntries(issues.map((i) => [i.path, [i.message]])));
  return result.value;
}

export async function getMacro(ctx: ServiceContext, id: string) {
  return toMacro(await findVisibleMacro(ctx, id));
}

/**
 * The caller's macros by name: the shared ones and their own personal ones, each walked in its own
 * index (macros_shared_name_idx, macros_owner_name_idx) and merged, so a page reads its own rows.
 */
export async function listMacros(ctx: ServiceContext, query: { scope?: MacroScope | undefined; limit: number; cursor?: string | undefined }) {
  const userId = actorOf(ctx).id;
  const secret = signingSecret(ctx.env);
  const sort = `macros:${userId}:${query.scope ?? "all"}`;
  const after: SQL[] = [];
  if (query.cursor) {
    const pos = await decodeCursor(secret, sort, query.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    after.push(newerThan(macros.name, macros.id, pos));
  }
  const page = (scope: SQL) =>
    ctx.db
      .select()
      .from(macros)
      .where(and(scope, ...after))
      .orderBy(asc(macros.name), asc(macros.id))
      .limit(query.limit + 1);
  const [shared, own] = await Promise.all([
    query.scope === "personal" ? [] : page(eq(macros.scope, "shared")),
    query.scope === "shared" ? [] : page(eq(macros.ownerId, userId)),
  ]);
  const merged = [...shared, ...own].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1)).slice(0, query.limit + 1);
  const { items, next_cursor } = await keysetPage(merged, query.limit, (last) => encodeCursor(secret, sort, { key: last.name, id: last.id }));
  return { data: items.map(toMacro), next_cursor };
}

export interface MacroInput {
  name: string;
  description: string;
  scope: MacroScope;
  actions: ActionInput[];
}

export async function createMacro(ctx: ServiceContext, input: MacroInput, idempotencyKey?: string) {
  const actor = actorOf(ctx);
  if (input.scope === "shared" && !can(actor.role, "macros.manage_shared")) throw forbidden("Only managers and admins create shared macros; make it personal");
  const actions = await parsed(ctx, input.actions);
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/macros", body: input }, async (record) => {
    const [count] = await ctx.db
      .select({ n: sql<number>`count(*)` })
      .from(macros)
      .where(input.scope === "shared" ? eq(macros.scope, "shared") : eq(macros.ownerId, actor.id));
    const max = input.scope === "shared" ? MAX_SHARED_MACROS : MAX_PERSONAL_MACROS;
    if ((count?.n ?? 0) >= max) throw new AppError("CONFLICT", `There are ${max} ${input.scope} macros already; delete one first`);
    const now = ctx.now.toISOString();
    const row: MacroRow = {
      id: newId(ctx.now.getTime()),
      name: input.name,
      description: input.description,
      scope: input.scope,
      ownerId: input.scope === "personal" ? actor.id : null,
      actions,
      usageCount: 0,
      createdAt: now,
      updatedAt: now,
    };
    const response = { status: 201 as const, body: toMacro(row), headers: { Location: `/api/v1/macros/${row.id}` } };
    await runBatch(ctx.db, [
      ctx.db.insert(macros).values(row),
      ...record(response),
      auditInsert(ctx, { action: "macro.created", entityType: "macro", entityId: row.id, changes: { name: [null, row.name], scope: [null, row.scope] } }),
    ]);
    return response;
  });
}

export async function patchMacro(ctx: ServiceContext, id: string, patch: { name?: string | undefined; description?: string | undefined; actions?: ActionInput[] | undefined }) {
  const row = await findManageable(ctx, id);
  const next: MacroRow = {
    ...row,
    name: patch.name ?? row.name,
    description: patch.description ?? row.description,
    actions: patch.actions ? await parsed(ctx, patch.actions) : row.actions,
  };
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of ["name", "description", "actions"] as const) if (JSON.stringify(row[key]) !== JSON.stringify(next[key])) changes[key] = [row[key], next[key]];
  if (!Object.keys(changes).length) return toMacro(row);
  next.updatedAt = ctx.now.toISOString();
  await runBatch(ctx.db, [
    ctx.db.update(macros).set({ name: next.name, description: next.description, actions: next.actions, updatedAt: next.updatedAt }).where(eq(macros.id, row.id)),
    auditInsert(ctx, { action: "macro.updated", entityType: "macro", entityId: row.id, changes }),
  ]);
  return toMacro(next);
}

export async function deleteMacro(ctx: ServiceContext, id: string) {
  const row = await findManageable(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.delete(macros).where(eq(macros.id, row.id)),
    auditInsert(ctx, { action: "macro.deleted", entityType: "macro", entityId: row.id, changes: { name: [row.name, null] } }),
  ]);
}

/** One more use of a macro, counted in the batch of the change it made. */
export const countUse = (ctx: ServiceContext, macroId: string) => ctx.db.update(macros).set({ usageCount: sql`${macros.usageCount} + 1` }).where(eq(macros.id, macroId));

/**
 * A macro applied to a ticket by the caller, with the caller's rights (an agent's macro that
 * assigns someone else is refused, 403): one change, one version bump, the comment in the same
 * write. `dryRun`: the ticket and the comment as they would be, nothing written.
 */
export async function applyMacro(ctx: ServiceContext, ticketRef: string, macroId: string, options: { dryRun: boolean }, idempotencyKey?: string) {
  const actor = actorOf(ctx);
  const found = await findVisibleTicket(ctx, ticketRef);
  const macro = await findVisibleMacro(ctx, macroId);
  const plan = planActions(macro.actions, ruleTicketOf(found.row, found.requester, ctx.now));
  const applier = { author: actor, automated: false, currentUser: actor.name, note: { macro: { id: macro.id, name: macro.name } } };
  if (options.dryRun) {
    const preview = await applyActions(ctx, found, plan, { ...applier, dryRun: true, mailId: "dry-run" });
    return { status: 200 as const, body: { ticket: preview.ticket, comment: preview.comment && { author: { id: actor.id, name: actor.name, role: actor.role }, body: preview.comment.body, internal: preview.comment.internal } } };
  }
  return idempotent(ctx, idempotencyKey, { method: "POST", path: `/tickets/${found.row.id}/macros/${macro.id}/apply`, body: {} }, async (record) => {
    const mailId = `action-macro-${newId(ctx.now.getTime())}`;
    const applied = await applyActions(ctx, found, plan, {
      ...applier,
      mailId,
      extra: (t, _summary, wire) => [countUse(ctx, macro.id), ...record({ status: 200, body: wire, headers: { ETag: `"${t.version}"` } })],
    });
    return { status: 200 as const, body: applied.ticket, headers: { ETag: `"${applied.ticket.version}"` } };
  });
}
