import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { runBatch, type BatchItem } from "../../db/client";
import { ruleFires, ruleRuns, rules, ruleState, teams, users, webhooks } from "../../db/schema";
import { isStaff } from "../../domain/permissions";
import {
  checkCustomFields,
  checkCustomStatuses,
  matches,
  parseRule,
  planActions,
  type ActionInput,
  type ActionOwner,
  type Conditions,
  type ConditionsInput,
  type RuleAction,
  type RuleIssue,
  type RuleLanguageOptions,
} from "../../domain/rules";
import type { RuleEventType, RuleKind } from "../../domain/vocabulary";
import { afterKey, decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { AppError, notFound, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, ruleContext, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { fieldCatalog, statusCatalog } from "../fields/fields.service";
import { isBuiltInStatus } from "../../domain/custom-statuses";
import { currentCalendar } from "../sla/sla.service";
import { findVisibleTicket } from "../tickets/tickets.service";
import { applyActions, AUTOMATION_USER, ruleTicketOf } from "./run-actions";

/**
 * Rules (API.md "Automation"): triggers run after each committed change (triggers.ts), automations
 * on the cron (src/jobs/automations.ts). Admins write them, managers read them.
 */

/**
 * What the rule language offers on this deployment: custom fields (features/fields) and webhook
 * delivery (features/webhooks) are both here. Kept as options so a part the deployment lacks is
 * refused (400) rather than accepted and silently doing nothing.
 */
export const RULE_LANGUAGE: RuleLanguageOptions = { customFields: true, webhooks: true };

/** Rules per kind: each trigger is evaluated on every change, so the set stays one people can read. */
export const MAX_RULES_PER_KIND = 500;

/** The rule set's version: every rule write sets it anew, so per-isolate caches know when to reload. */
export const RULES_VERSION_KEY = "rules_version";

type RuleRow = typeof rules.$inferSelect;

export function toRule(row: RuleRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    active: row.active,
    position: row.position,
    conditions: row.conditions,
    actions: row.actions,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export const bumpRulesVersion = (ctx: ServiceContext): BatchItem =>
  ctx.db
    .insert(ruleState)
    .values({ key: RULES_VERSION_KEY, value: newId(ctx.now.getTime()) })
    .onConflictDoUpdate({ target: ruleState.key, set: { value: sql`excluded.value` } });

const refuse = (issues: RuleIssue[]) => validation("Invalid rule", Object.fromEntries(issues.map((i) => [i.path, [i.message]])));

/**
 * What a rule or macro names must exist when it is saved: users (active staff), teams, webhooks
 * (not deleted) and custom fields (the key, the operator for its type, values it could hold).
 */
export async function checkActionReferences(
  ctx: ServiceContext,
  actions: readonly RuleAction[],
  owner: ActionOwner,
  conditions?: Conditions,
): Promise<RuleIssue[]> {
  const base = "actions";
  const teamIds = new Map<string, string>();
  const userIds = new Map<string, string>();
  const webhookIds = new Map<string, string>();
  actions.forEach((a, i) => {
    if (a.type === "set_team" && a.value) teamIds.set(a.value, `${base}.${i}.value`);
    if (a.type === "assign" && a.value && a.value !== "auto") userIds.set(a.value, `${base}.${i}.value`);
    if (a.type === "notify") a.value.user_ids.forEach((id, j) => userIds.set(id, `${base}.${i}.value.user_ids.${j}`));
    if (a.type === "webhook") webhookIds.set(a.value.webhook_id, `${base}.${i}.value.webhook_id`);
  });
  const issues: RuleIssue[] = [];
  const namesFields = actions.some((a) => a.type === "set_custom_field") || [...(conditions?.all ?? []), ...(conditions?.any ?? [])].some((c) => c.field.startsWith("custom_fields."));
  if (namesFields) issues.push(...checkCustomFields({ conditions, actions }, await fieldCatalog(ctx), owner));
  const namesStatuses =
    actions.some((a) => a.type === "set_status" && !isBuiltInStatus(a.value)) || [...(conditions?.all ?? []), ...(conditions?.any ?? [])].some((c) => c.field === "custom_status");
  if (namesStatuses) issues.push(...checkCustomStatuses({ conditions, actions }, await statusCatalog(ctx)));
  if (webhookIds.size) {
    const found = new Set((await ctx.db.select({ id: webhooks.id }).from(webhooks).where(and(inArray(webhooks.id, [...webhookIds.keys()]), isNull(webhooks.deletedAt)))).map((w) => w.id));
    for (const [id, path] of webhookIds) if (!found.has(id)) issues.push({ path, message: "no such webhook" });
  }
  if (teamIds.size) {
    const found = new Set((await ctx.db.select({ id: teams.id }).from(teams).where(inArray(teams.id, [...teamIds.keys()]))).map((t) => t.id));
    for (const [id, path] of teamIds) if (!found.has(id)) issues.push({ path, message: "no such team" });
  }
  if (userIds.size) {
    const rows = await ctx.db.select({ id: users.id, role: users.role, active: users.active }).from(users).where(inArray(users.id, [...userIds.keys()]));
    const ok = new Set(rows.filter((u) => u.active && isStaff(u.role)).map((u) => u.id));
    for (const [id, path] of userIds) if (!ok.has(id)) issues.push({ path, message: "must be an active agent, manager or admin" });
  }
  return issues;
}

async function parsed(ctx: ServiceContext, kind: RuleKind, input: { conditions: ConditionsInput; actions: ActionInput[] }) {
  const result = parseRule(kind, input, RULE_LANGUAGE);
  if (!result.ok) throw refuse(result.issues);
  const missing = await checkActionReferences(ctx, result.value.actions, kind, result.value.conditions);
  if (missing.length) throw refuse(missing);
  return result.value;
}

async function findRule(ctx: ServiceContext, id: string): Promise<RuleRow> {
  const [row] = await ctx.db.select().from(rules).where(eq(rules.id, id)).limit(1);
  if (!row) throw notFound("Rule");
  return row;
}

export async function getRule(ctx: ServiceContext, id: string) {
  return toRule(await findRule(ctx, id));
}

const RULE_ORDER = [
  { column: rules.kind, dir: "asc" as const },
  { column: rules.position, dir: "asc" as const },
  { column: rules.id, dir: "asc" as const },
];

/** Rules in the order they run: by kind, position, id. */
export async function listRules(ctx: ServiceContext, query: { kind?: RuleKind | undefined; limit: number; cursor?: string | undefined }) {
  const secret = signingSecret(ctx.env);
  const sort = `rules:${query.kind ?? "all"}`;
  const where: SQL[] = query.kind ? [eq(rules.kind, query.kind)] : [];
  if (query.cursor) {
    const pos = await decodeCursor(secret, sort, query.cursor);
    const [kind, position] = Array.isArray(pos.key) ? pos.key : [];
    if (typeof kind !== "string" || typeof position !== "number") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(afterKey(RULE_ORDER, [kind, position, pos.id]));
  }
  const rows = await ctx.db
    .select()
    .from(rules)
    .where(and(...where))
    .orderBy(asc(rules.kind), asc(rules.position), asc(rules.id))
    .limit(query.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, query.limit, (last) => encodeCursor(secret, sort, { key: [last.kind, last.position], id: last.id }));
  return { data: items.map(toRule), next_cursor };
}

export interface CreateRuleInput {
  name: string;
  kind: RuleKind;
  active: boolean;
  position?: number | undefined;
  conditions: ConditionsInput;
  actions: ActionInput[];
}

export async function createRule(ctx: ServiceContext, input: CreateRuleInput, idempotencyKey?: string) {
  const actor = actorOf(ctx);
  const rule = await parsed(ctx, input.kind, input);
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/rules", body: input }, async (record) => {
    const [stats] = await ctx.db
      .select({ n: sql<number>`count(*)`, last: sql<number | null>`max(${rules.position})` })
      .from(rules)
      .where(eq(rules.kind, input.kind));
    if ((stats?.n ?? 0) >= MAX_RULES_PER_KIND) throw new AppError("CONFLICT", `There are ${MAX_RULES_PER_KIND} ${input.kind}s already; delete one first`);
    const now = ctx.now.toISOString();
    const row: RuleRow = {
      id: newId(ctx.now.getTime()),
      name: input.name,
      kind: input.kind,
      active: input.active,
      position: input.position ?? (stats?.last ?? -1) + 1,
      conditions: rule.conditions,
      actions: rule.actions,
      sweep: {},
      createdById: actor.id,
      createdAt: now,
      updatedAt: now,
    };
    const response = { status: 201 as const, body: toRule(row), headers: { Location: `/api/v1/rules/${row.id}` } };
    await runBatch(ctx.db, [
      ctx.db.insert(rules).values(row),
      bumpRulesVersion(ctx),
      ...record(response),
      auditInsert(ctx, { action: "rule.created", entityType: "rule", entityId: row.id, changes: { name: [null, row.name], kind: [null, row.kind], active: [null, row.active] } }),
    ]);
    return response;
  });
}

export async function patchRule(ctx: ServiceContext, id: string, patch: { name?: string | undefined; active?: boolean | undefined; position?: number | undefined; conditions?: ConditionsInput | undefined; actions?: ActionInput[] | undefined }) {
  const row = await findRule(ctx, id);
  const rule =
    patch.conditions || patch.actions
      ? await parsed(ctx, row.kind, { conditions: patch.conditions ?? (row.conditions as Conditions), actions: (patch.actions ?? row.actions) as ActionInput[] })
      : { conditions: row.conditions, actions: row.actions };
  const next: RuleRow = {
    ...row,
    name: patch.name ?? row.name,
    active: patch.active ?? row.active,
    position: patch.position ?? row.position,
    conditions: rule.conditions,
    actions: rule.actions,
  };
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of ["name", "active", "position", "conditions", "actions"] as const) {
    if (JSON.stringify(row[key]) !== JSON.stringify(next[key])) changes[key] = [row[key], next[key]];
  }
  if (!Object.keys(changes).length) return toRule(row);
  next.updatedAt = ctx.now.toISOString();
  // New conditions are a new question: an automation reads its windows from the start again.
  if (changes.conditions) next.sweep = {};
  await runBatch(ctx.db, [
    ctx.db
      .update(rules)
      .set({ name: next.name, active: next.active, position: next.position, conditions: next.conditions, actions: next.actions, sweep: next.sweep, updatedAt: next.updatedAt })
      .where(eq(rules.id, row.id)),
    bumpRulesVersion(ctx),
    auditInsert(ctx, { action: "rule.updated", entityType: "rule", entityId: row.id, changes }),
  ]);
  return toRule(next);
}

/** Deletes a rule and what the cron knew of it; its past runs stay until housekeeping drops them. */
export async function deleteRule(ctx: ServiceContext, id: string) {
  const row = await findRule(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.delete(rules).where(eq(rules.id, row.id)),
    ctx.db.delete(ruleFires).where(eq(ruleFires.ruleId, row.id)),
    bumpRulesVersion(ctx),
    auditInsert(ctx, { action: "rule.deleted", entityType: "rule", entityId: row.id, changes: { name: [row.name, null], kind: row.kind } }),
  ]);
}

/**
 * What a rule would do to a ticket now, changing nothing (API.md `POST /rules/{id}/test`). A trigger
 * is judged as if `event` had just happened to the ticket as it is (no field changed, no comment);
 * an automation as the cron would judge it now.
 */
export async function testRule(ctx: ServiceContext, id: string, input: { ticket_id: string; event: RuleEventType }) {
  const rule = await findRule(ctx, id);
  const found = await findVisibleTicket(ctx, input.ticket_id);
  const ticket = ruleTicketOf(found.row, found.requester, ctx.now);
  const trigger = rule.kind === "trigger";
  const situation = {
    before: trigger && input.event === "ticket.created" ? null : ticket,
    after: ticket,
    event: trigger ? { types: [input.event], comment: null } : null,
    now: ctx.now.toISOString(),
    calendar: trigger ? null : await currentCalendar(ctx),
  };
  const nothing = { changes: {}, comment: null, emails: [], notifications: [], webhooks: [] };
  if (!matches(rule.conditions, situation)) return { matched: false, ...nothing };
  try {
    const applied = await applyActions(ruleContext(ctx, rule), found, planActions(rule.actions, ticket), {
      author: AUTOMATION_USER,
      automated: true,
      currentUser: "",
      dryRun: true,
      mailId: "test",
    });
    return {
      matched: true,
      changes: applied.changes,
      comment: applied.comment && { body: applied.comment.body, internal: applied.comment.internal },
      emails: applied.emails,
      notifications: applied.notifications,
      webhooks: applied.webhooks,
    };
  } catch (err) {
    // The change the rule would make is refused (a status the ticket cannot move to, an unknown assignee): say so.
    if (err instanceof AppError && err.status < 500) return { matched: true, ...nothing, error: err.detail };
    throw err;
  }
}

export async function listRuns(ctx: ServiceContext, id: string, page: { limit: number; cursor?: string | undefined }) {
  const rule = await findRule(ctx, id);
  const secret = signingSecret(ctx.env);
  const sort = `rule-runs:${rule.id}`;
  const where: SQL[] = [eq(ruleRuns.ruleId, rule.id)];
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(ruleRuns.at, ruleRuns.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(ruleRuns)
    .where(and(...where))
    .orderBy(desc(ruleRuns.at), desc(ruleRuns.id))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.at, id: last.id }));
  return { data: items.map((r) => ({ id: r.id, ticket_id: r.ticketId, at: r.at, changes: r.changes, error: r.error })), next_cursor };
}

// ---------------------------------------------------------------- runs

/** Characters of an error kept on a run: enough to see what went wrong. */
const MAX_RUN_ERROR_CHARS = 500;

export const runInsert = (ctx: ServiceContext, run: { id: string; ruleId: string; ticketId: string; changes: Record<string, unknown> }): BatchItem =>
  ctx.db.insert(ruleRuns).values({ ...run, at: ctx.now.toISOString(), error: null });

/** A rule that failed on a ticket: on record in its runs (never undoing what set it off), and in the log. */
export async function recordRunFailure(ctx: ServiceContext, run: { id: string; ruleId: string; ticketId: string }, err: unknown) {
  const message = err instanceof AppError ? `${err.code}: ${err.detail}` : "internal error (see the Worker's log)";
  const expected = err instanceof AppError && err.status < 500;
  console.error(JSON.stringify({ event: "rule_failed", rule_id: run.ruleId, ticket_id: run.ticketId, error: String(err), ...(expected ? {} : { stack: (err as Error)?.stack }) }));
  await ctx.db.insert(ruleRuns).values({ ...run, at: ctx.now.toISOString(), changes: {}, error: message.slice(0, MAX_RUN_ERROR_CHARS) });
}
