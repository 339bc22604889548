import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, or, sql, type SQL, type AnyColumn } from "drizzle-orm";
import { runBatch, type BatchItem } from "../../db/client";
import { ticketCounters, ticketHistory, tickets, ticketTags, teams, users, type TicketPriority } from "../../db/schema";
import { can, canSeeTicket, isStaff } from "../../domain/permissions";
import { openSla } from "../../domain/sla";
import { formatTicketNumber, ticketDay, TICKET_NUMBER_PATTERN } from "../../domain/ticket-number";
import {
  applyEdit,
  effectiveChanges,
  PRIORITY_RANK,
  toWire,
  type EditableField,
  type TicketEdit,
  type TicketState,
} from "../../domain/ticket-update";
import { decodeCursor, encodeCursor, type CursorKey, keysetPage } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { idempotent, type RecordResponse, type StoredResponse } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { eventActor, eventWrites, publish, type TicketEvent } from "../../events/ticket-events";
import { searchWords } from "../../domain/search-query";
import { ticketTextCondition } from "../search/search.fts";
import { auditInsert } from "../audit/audit.service";
import { isUniqueViolation } from "../auth/auth.service";
import { signingSecret } from "../auth/tokens";
import type { TicketListQuery, TicketSort } from "./tickets.schemas";
import { toTicket, type Requester, type Ticket, type TicketRow } from "./tickets.serialize";
import { slaColumnWrites, termsFor, termsOfTicket } from "../sla/sla.service";
import { autoAssign, routeOnCreate } from "../teams/routing.service";
import type { RoutingReason } from "../../domain/routing";

const requesterColumns = { id: users.id, name: users.name, email: users.email };
// A lost race means another writer committed, so each round of retries lets at least one through:
// N writers racing on one ticket all land within N attempts. 10 covers the bursts one ticket sees on
// paths the ticket room does not serialise (mail, cron, rules); beyond that the caller gets a 409.
const MAX_WRITE_ATTEMPTS = 10;

// ---------------------------------------------------------------- reading

/** A ticket by id or number, with its requester, unless deleted. */
async function loadTicket(ctx: ServiceContext, ref: string): Promise<{ row: TicketRow; requester: Requester } | null> {
  const byNumber = TICKET_NUMBER_PATTERN.test(ref);
  const [found] = await ctx.db
    .select({ row: tickets, requester: requesterColumns })
    .from(tickets)
    .innerJoin(users, eq(users.id, tickets.requesterId))
    .where(and(byNumber ? eq(tickets.number, ref) : eq(tickets.id, ref), isNull(tickets.deletedAt)))
    .limit(1);
  return found ?? null;
}

/** The ticket if the caller may see it; 404 otherwise (no existence oracle). */
export async function findVisibleTicket(ctx: ServiceContext, ref: string) {
  const found = await loadTicket(ctx, ref);
  // mailParticipantOf: a Cc'd participant's mail reply, already checked by src/email/resolve-ticket.ts.
  // The system (cron jobs, SLA escalation) works on every ticket; any other caller needs an actor.
  const visible = ctx.system && !ctx.actor ? true : canSeeTicket(actorOf(ctx), found?.row ?? { requesterId: "" }) || ctx.mailParticipantOf === found?.row.id;
  if (!found || !visible) throw notFound("Ticket");
  return found;
}

export async function getTicket(ctx: ServiceContext, ref: string): Promise<Ticket> {
  const { row, requester } = await findVisibleTicket(ctx, ref);
  return toTicket(row, requester, ctx.now);
}

interface SortSpec {
  columns: { column: AnyColumn; dir: "asc" | "desc"; key: (r: TicketRow) => string | number }[];
}

const SORTS: Record<TicketSort, SortSpec> = {
  "-created_at": { columns: [{ column: tickets.createdAt, dir: "desc", key: (r) => r.createdAt }, { column: tickets.id, dir: "desc", key: (r) => r.id }] },
  created_at: { columns: [{ column: tickets.createdAt, dir: "asc", key: (r) => r.createdAt }, { column: tickets.id, dir: "asc", key: (r) => r.id }] },
  "-updated_at": { columns: [{ column: tickets.updatedAt, dir: "desc", key: (r) => r.updatedAt }, { column: tickets.id, dir: "desc", key: (r) => r.id }] },
  updated_at: { columns: [{ column: tickets.updatedAt, dir: "asc", key: (r) => r.updatedAt }, { column: tickets.id, dir: "asc", key: (r) => r.id }] },
  // Most urgent first; within a priority the oldest waits least long.
  priority: {
    columns: [
      { column: tickets.priorityRank, dir: "desc", key: (r) => r.priorityRank },
      { column: tickets.createdAt, dir: "asc", key: (r) => r.createdAt },
      { column: tickets.id, dir: "asc", key: (r) => r.id },
    ],
  },
  "-priority": {
    columns: [
      { column: tickets.priorityRank, dir: "asc", key: (r) => r.priorityRank },
      { column: tickets.createdAt, dir: "desc", key: (r) => r.createdAt },
      { column: tickets.id, dir: "desc", key: (r) => r.id },
    ],
  },
  // Tickets with no running clock carry NO_DUE and so come last.
  sla_due: { columns: [{ column: tickets.slaNextDueAt, dir: "asc", key: (r) => r.slaNextDueAt }, { column: tickets.id, dir: "asc", key: (r) => r.id }] },
};

/** `(c1, c2, …) > (k1, k2, …)` in the sort's directions: the rows after the cursor. */
function after(spec: SortSpec, key: CursorKey): SQL {
  const values = Array.isArray(key) ? key : [key];
  if (values.length !== spec.columns.length) throw validation("Invalid cursor", { cursor: ["The cursor does not fit this sort"] });
  const clauses: SQL[] = [];
  for (let i = 0; i < spec.columns.length; i++) {
    const eqs = spec.columns.slice(0, i).map((c, j) => eq(c.column, values[j]));
    const col = spec.columns[i]!;
    const cmp = col.dir === "asc" ? gt(col.column, values[i]) : lt(col.column, values[i]);
    clauses.push(and(...eqs, cmp)!);
  }
  // The redundant bound on the first column lets SQLite seek into the index at the cursor; with the
  // OR alone it walks the index from the top and re-reads every earlier page (bench: page 2 read 128 rows).
  const first = spec.columns[0]!;
  return and(first.dir === "asc" ? gte(first.column, values[0]) : lte(first.column, values[0]), or(...clauses))!;
}

export async function listTickets(ctx: ServiceContext, q: TicketListQuery) {
  const actor = actorOf(ctx);
  const where: SQL[] = [isNull(tickets.deletedAt)];
  if (!isStaff(actor.role)) {
    if (q.requester_id && q.requester_id !== actor.id) return { data: [], next_cursor: null };
    where.push(eq(tickets.requesterId, actor.id));
  } else if (q.requester_id) where.push(eq(tickets.requesterId, q.requester_id));
  if (q.q !== undefined) {
    // Full text (search.fts.ts): visibility is inside the match too; a query of no words finds nothing.
    const text = await ticketTextCondition(ctx, actor, searchWords(q.q));
    if (!text) return { data: [], next_cursor: null };
    where.push(text);
  }
  if (q.status) where.push(q.status.length === 1 ? eq(tickets.status, q.status[0]!) : inArray(tickets.status, q.status));
  if (q.priority) {
    const ranks = q.priority.map((p) => PRIORITY_RANK[p]);
    // priority_rank is the indexed column (it shares the status index).
    where.push(ranks.length === 1 ? eq(tickets.priorityRank, ranks[0]!) : inArray(tickets.priorityRank, ranks));
  }
  if (q.assignee_id === "none") where.push(isNull(tickets.assigneeId));
  else if (q.assignee_id) where.push(eq(tickets.assigneeId, q.assignee_id === "me" ? actor.id : q.assignee_id));
  if (q.team_id) where.push(eq(tickets.teamId, q.team_id));
  if (q.category) where.push(eq(tickets.category, q.category));
  if (q.channel) where.push(eq(tickets.channel, q.channel));
  if (q.tag) where.push(inArray(tickets.id, ctx.db.select({ id: ticketTags.ticketId }).from(ticketTags).where(eq(ticketTags.tag, q.tag))));
  if (q.created_after) where.push(gte(tickets.createdAt, new Date(q.created_after).toISOString()));
  if (q.created_before) where.push(lt(tickets.createdAt, new Date(q.created_before).toISOString()));
  if (q.breached !== undefined) {
    const now = ctx.now.toISOString();
    where.push(
      q.breached
        ? or(eq(tickets.slaBreached, true), lt(tickets.slaNextDueAt, now))!
        : and(eq(tickets.slaBreached, false), gte(tickets.slaNextDueAt, now))!,
    );
  }
  const spec = SORTS[q.sort];
  const secret = signingSecret(ctx.env);
  const cursorSort = `tickets:${q.sort}`;
  if (q.cursor) {
    const pos = await decodeCursor(secret, cursorSort, q.cursor);
    where.push(after(spec, pos.key));
  }
  const rows = await ctx.db
    .select({ row: tickets, requester: requesterColumns })
    .from(tickets)
    .innerJoin(users, eq(users.id, tickets.requesterId))
    .where(and(...where))
    .orderBy(...spec.columns.map((c) => (c.dir === "asc" ? asc(c.column) : desc(c.column))))
    .limit(q.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, q.limit, (last) =>
    encodeCursor(secret, cursorSort, { key: spec.columns.map((c) => c.key(last.row)), id: last.row.id }),
  );
  return { data: items.map((r) => toTicket(r.row, r.requester, ctx.now)), next_cursor };
}

// ---------------------------------------------------------------- writing

export function historyInsert(
  ctx: ServiceContext,
  entry: { ticketId: string; type: string; version: number; changes: Record<string, unknown>; bumpsVersion: boolean; internal?: boolean },
) {
  return ctx.db.insert(ticketHistory).values({
    id: newId(ctx.now.getTime()),
    ticketId: entry.ticketId,
    type: entry.type,
    actorId: ctx.actor?.id ?? null,
    at: ctx.now.toISOString(),
    version: entry.version,
    changes: entry.changes,
    bumpsVersion: entry.bumpsVersion,
    internal: entry.internal ?? false,
  });
}

function tagWrites(ctx: ServiceContext, ticketId: string, tags: string[], replace: boolean): BatchItem[] {
  const items: BatchItem[] = replace ? [ctx.db.delete(ticketTags).where(eq(ticketTags.ticketId, ticketId))] : [];
  if (tags.length) items.push(ctx.db.insert(ticketTags).values(tags.map((tag) => ({ tag, ticketId }))));
  return items;
}

export interface CreateTicketInput {
  subject: string;
  description: string;
  priority: TicketPriority;
  category?: string | undefined;
  channel: TicketRow["channel"];
  tags: string[];
  requester_email?: string | undefined;
  requester_name?: string | undefined;
  /** Staff who may move tickets between teams (manager+) file it into a team. */
  team_id?: string | undefined;
  /** Route it at once by the team's strategy (the team's `auto_assign_on_create` does so too). */
  auto_assign?: boolean | undefined;
}

/** The requester of a new ticket: the caller, or (staff only) someone named by email, created as a customer if unknown. */
async function resolveRequester(ctx: ServiceContext, input: CreateTicketInput): Promise<{ requester: Requester; insert: BatchItem[] }> {
  const actor = actorOf(ctx);
  if (!input.requester_email || input.requester_email === actor.email) {
    return { requester: { id: actor.id, name: actor.name, email: actor.email }, insert: [] };
  }
  if (!can(actor.role, "ticket.create_for_requester")) throw forbidden("Customers cannot open tickets for someone else");
  const [existing] = await ctx.db.select(requesterColumns).from(users).where(eq(users.email, input.requester_email)).limit(1);
  if (existing) return { requester: existing, insert: [] };
  const now = ctx.now.toISOString();
  const requester = { id: newId(ctx.now.getTime()), name: input.requester_name ?? input.requester_email.split("@")[0]!, email: input.requester_email };
  return {
    requester,
    insert: [
      ctx.db.insert(users).values({ ...requester, role: "customer", active: true, passwordHash: null, tokenVersion: 0, createdAt: now, updatedAt: now }),
      auditInsert(ctx, { action: "user.created", entityType: "user", entityId: requester.id, changes: { email: [null, requester.email], role: [null, "customer"] } }),
    ],
  };
}

/** Hands out the next number of the day; one atomic upsert, so concurrent creates never share one. */
async function nextTicketNumber(ctx: ServiceContext): Promise<string> {
  const day = ticketDay(ctx.now);
  const [row] = await ctx.db
    .insert(ticketCounters)
    .values({ day, seq: 1 })
    .onConflictDoUpdate({ target: ticketCounters.day, set: { seq: sql`${ticketCounters.seq} + 1` } })
    .returning({ seq: ticketCounters.seq });
  return formatTicketNumber(day, row!.seq);
}

export interface CreateTicketOptions {
  /** Further writes of the same batch (the mail path: its inbound message row and attachments). */
  extra?: (ticket: TicketRow) => BatchItem[];
}

export async function createTicket(
  ctx: ServiceContext,
  input: CreateTicketInput,
  idempotencyKey?: string,
  options: CreateTicketOptions = {},
): Promise<StoredResponse<Ticket> & { replayed?: boolean }> {
  // Before any replay: a key must not hand back a ticket for someone else to a caller who may no longer open one (a demoted agent).
  const caller = actorOf(ctx);
  if (input.requester_email && input.requester_email !== caller.email && !can(caller.role, "ticket.create_for_requester")) {
    throw forbidden("Customers cannot open tickets for someone else");
  }
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/tickets", body: input }, async (record: RecordResponse): Promise<StoredResponse<Ticket>> => {
    const actor = actorOf(ctx);
    const { requester, insert: requesterInsert } = await resolveRequester(ctx, input);
    const routed = await routeOnCreate(ctx, input);
    const terms = await termsFor(ctx, { priority: input.priority, category: input.category ?? null, channel: input.channel });
    const number = await nextTicketNumber(ctx);
    const now = ctx.now.toISOString();
    const { status: _s, createdAt: _c, firstResponseAt: _f, resolvedAt: _r, ...sla } = openSla(terms, now);
    const row: TicketRow = {
      id: newId(ctx.now.getTime()),
      number,
      subject: input.subject,
      description: input.description,
      status: "open",
      priority: input.priority,
      priorityRank: PRIORITY_RANK[input.priority],
      category: input.category ?? null,
      channel: input.channel,
      tags: input.tags,
      requesterId: requester.id,
      assigneeId: routed?.assigneeId ?? null,
      teamId: routed?.teamId ?? null,
      createdById: actor.id,
      version: 1,
      createdAt: now,
      updatedAt: now,
      firstResponseAt: null,
      resolvedAt: null,
      closedAt: null,
      deletedAt: null,
      ...sla,
      slaPolicy: terms.targets.name,
      slaTargets: terms.targets,
      slaCalendarId: terms.calendarId,
    };
    const ticket = toTicket(row, requester, ctx.now);
    const response = { status: 201 as const, body: ticket, headers: { Location: `/api/v1/tickets/${row.id}`, ETag: `"${row.version}"` } };
    const events: TicketEvent[] = [{ type: "ticket.created", ticket, actor: eventActor(actor) }];
    if (row.assigneeId) events.push({ type: "ticket.assigned", ticket, assignee_id: row.assigneeId, actor: null, internal: true });
    const created = {
      subject: row.subject,
      status: row.status,
      priority: row.priority,
      category: row.category,
      channel: row.channel,
      tags: row.tags,
      requester_id: requester.id,
      ...(row.teamId ? { team_id: row.teamId } : {}),
    };
    const batch = runBatch(ctx.db, [
      ...requesterInsert,
      ctx.db.insert(tickets).values(row),
      ...tagWrites(ctx, row.id, row.tags, false),
      historyInsert(ctx, {
        ticketId: row.id,
        type: "created",
        version: 1,
        bumpsVersion: true,
        changes: Object.fromEntries(Object.entries(created).map(([k, v]) => [k, [null, v]])),
      }),
      ...(routed?.reason ? routedHistory(ctx, row.id, routed.assigneeId, routed.reason) : []),
      auditInsert(ctx, { action: "ticket.created", entityType: "ticket", entityId: row.id, changes: { number: [null, number], ...Object.fromEntries(Object.entries(created).map(([k, v]) => [k, [null, v]])) } }),
      ...eventWrites(ctx, events),
      ...(options.extra?.(row) ?? []),
      ...record(response),
    ]);
    try {
      await batch;
    } catch (err) {
      // A concurrent create just made this new requester: start over, filing the ticket under them
      // (the second pass finds the user, so it never comes back here).
      if (requesterInsert.length && isUniqueViolation(err) && /users\.email/.test(String((err as { cause?: unknown }).cause ?? "") + String((err as Error).message))) {
        return createTicket(ctx, input, idempotencyKey, options);
      }
      throw err;
    }
    await publish(ctx, events);
    return response;
  });
}

/**
 * The routing decision of a new ticket, recorded like any assignment (who, or the team queue, and
 * why) in an internal entry: the reason names other agents and their loads. History sorts by
 * (version, at, id) and ids are time-ordered, so an id one millisecond on puts it after `created`.
 */
function routedHistory(ctx: ServiceContext, ticketId: string, assigneeId: string | null, reason: RoutingReason): BatchItem[] {
  return [
    ctx.db.insert(ticketHistory).values({
      id: newId(ctx.now.getTime() + 1),
      ticketId,
      type: "assigned",
      actorId: null,
      at: ctx.now.toISOString(),
      version: 1,
      changes: { assignee_id: [null, assigneeId], reason },
      bumpsVersion: false,
      internal: true,
    }),
  ];
}

const stateOf = (row: TicketRow): TicketState => ({
  subject: row.subject,
  description: row.description,
  status: row.status,
  priority: row.priority,
  category: row.category,
  tags: row.tags,
  assigneeId: row.assigneeId,
  teamId: row.teamId,
  requesterId: row.requesterId,
  createdAt: row.createdAt,
  firstResponseAt: row.firstResponseAt,
  resolvedAt: row.resolvedAt,
  closedAt: row.closedAt,
  slaPolicy: row.slaPolicy,
  firstResponseDueAt: row.firstResponseDueAt,
  resolutionDueAt: row.resolutionDueAt,
  slaPausedAt: row.slaPausedAt,
  slaPausedMs: row.slaPausedMs,
  slaBreached: row.slaBreached,
  slaNextDueAt: row.slaNextDueAt,
  nextResponseDueAt: row.nextResponseDueAt,
  nextResponseStartedMs: row.nextResponseStartedMs,
  firstResponseBreached: row.firstResponseBreached,
  nextResponseBreached: row.nextResponseBreached,
  resolutionBreached: row.resolutionBreached,
  slaAnnounced: row.slaAnnounced,
  slaWarned: row.slaWarned,
  slaEscalated: row.slaEscalated,
  slaAtRiskAt: row.slaAtRiskAt,
  slaCheckAt: row.slaCheckAt,
  firstResponseMinutes: row.firstResponseMinutes,
  resolutionMinutes: row.resolutionMinutes,
  slaTargets: row.slaTargets,
  slaCalendarId: row.slaCalendarId,
});

/** Checks that a new assignee is active staff and a new team exists. */
async function checkReferences(ctx: ServiceContext, edit: TicketEdit) {
  if (edit.assigneeId) {
    const [user] = await ctx.db.select({ role: users.role, active: users.active }).from(users).where(eq(users.id, edit.assigneeId)).limit(1);
    if (!user || !user.active || !isStaff(user.role)) {
      throw validation("Invalid assignee", { assignee_id: ["must be an active agent, manager or admin"] });
    }
  }
  if (edit.teamId) {
    const [team] = await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.id, edit.teamId)).limit(1);
    if (!team) throw validation("Invalid team", { team_id: ["no such team"] });
  }
}

/** `"3"`, `W/"3"` or `3` → 3; `*` (any version, RFC 9110) → no precondition. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const m = header.trim().match(/^(?:W\/)?(?:"(\d{1,9})"|(\d{1,9}))$/);
  if (!m) throw validation("Invalid If-Match", { "if-match": ['expected a ticket version such as "3"'] });
  return Number(m[1] ?? m[2]);
}

/** The fields changed since `version` (from the history entries after it). */
async function changedSince(ctx: ServiceContext, ticketId: string, version: number): Promise<Set<string>> {
  const rows = await ctx.db
    .select({ changes: ticketHistory.changes })
    .from(ticketHistory)
    .where(and(eq(ticketHistory.ticketId, ticketId), gt(ticketHistory.version, version), eq(ticketHistory.bumpsVersion, true)));
  return new Set(rows.flatMap((r) => Object.keys(r.changes)));
}

export interface ChangeOptions {
  /** History entry type of the change. */
  type: string;
  /** Extra members of the history entry's `changes` (e.g. an assignment's `reason`). */
  note?: Record<string, unknown>;
  internal?: boolean;
  /** The version the caller based the edit on (If-Match). */
  baseVersion?: number | undefined;
  implied?: boolean;
  /** A public message that comes with the change, for the SLA clock (a customer's reply reopening the ticket). */
  message?: "staff" | "customer";
  /** Further writes that belong to the same change (a comment); `bumped`: the change bumps the version. */
  extra?: (ticket: TicketRow, bumped: boolean) => BatchItem[];
  /** Further events of the same change (a comment's `comment.created`). */
  events?: (ticket: Ticket) => TicketEvent[];
}

/**
 * The one way a ticket's fields change: permission and workflow rules (domain/ticket-update), the
 * field-level merge against `baseVersion`, and one batch holding the update, its history entry and
 * its audit row. Concurrent writers that read the same version collide on the history entry's
 * unique (ticket, version); the loser re-reads and merges again.
 */
export async function changeTicket(ctx: ServiceContext, ref: string, edit: TicketEdit, options: ChangeOptions) {
  // Null: the system (auto-close, SLA escalation): any change the workflow allows, no role rules.
  const actor = ctx.actor;
  for (let attempt = 1; ; attempt++) {
    const { row, requester } = await findVisibleTicket(ctx, ref);
    const current = stateOf(row);
    if (options.baseVersion !== undefined && options.baseVersion !== row.version) {
      await refuseConflicts(ctx, row, requester, current, edit, options.baseVersion);
    }
    const fields = effectiveChanges(current, edit);
    const terms = await termsOfTicket(ctx, row);
    // Re-prioritised or re-categorised: the policy that fits now, with today's business hours.
    const retarget =
      fields.includes("priority") || fields.includes("category")
        ? await termsFor(ctx, { priority: edit.priority ?? current.priority, category: edit.category !== undefined ? edit.category : current.category, channel: row.channel })
        : undefined;
    const result = applyEdit({
      actor,
      current,
      edit,
      targetsFor: () => retarget?.targets ?? terms.targets,
      terms,
      retarget,
      message: options.message,
      reopenWindowDays: Number(ctx.env.REOPEN_WINDOW_DAYS) || 7,
      now: ctx.now,
      implied: options.implied ?? false,
    });
    if (!result.ok) throw result.reason === "forbidden" ? forbidden(result.detail) : new AppError("INVALID_TRANSITION", result.detail);
    // Only after visibility and permission: a caller who may not see or assign learns nothing about users.
    await checkReferences(ctx, { assigneeId: result.changes.assigneeId ? edit.assigneeId : undefined, teamId: result.changes.teamId ? edit.teamId : undefined });
    const changed = Object.keys(result.changes) as EditableField[];
    if (!changed.length && !options.extra) return { ticket: toTicket(row, requester, ctx.now), changes: {} };
    const bumps = changed.length > 0;
    const next: TicketRow = {
      ...row,
      ...result.next,
      priorityRank: PRIORITY_RANK[result.next.priority],
      version: bumps ? row.version + 1 : row.version,
      updatedAt: ctx.now.toISOString(),
    };
    const changes: Record<string, unknown> = {};
    for (const f of changed) changes[toWire(f)] = result.changes[f];
    const set = slaColumnWrites(row, next);
    const ticket = toTicket(next, requester, ctx.now);
    const events: TicketEvent[] = [];
    if (bumps) {
      events.push({ type: "ticket.updated", ticket, changes, version: next.version, actor: eventActor(actor), internal: options.internal ?? false });
      if ("assignee_id" in changes) {
        events.push({ type: "ticket.assigned", ticket, assignee_id: next.assigneeId, actor: eventActor(actor), internal: options.internal ?? false });
      }
    }
    events.push(...(options.events?.(ticket) ?? []));
    try {
      await runBatch(ctx.db, [
        ...(bumps
          ? [
              historyInsert(ctx, { ticketId: row.id, type: options.type, version: next.version, bumpsVersion: true, changes: { ...changes, ...options.note }, internal: options.internal ?? false }),
              auditInsert(ctx, { action: `ticket.${options.type}`, entityType: "ticket", entityId: row.id, changes: { ...changes, ...options.note } }),
            ]
          : []),
        // Also unchanged since the read: a comment's SLA stamp moves updated_at without a version.
        ctx.db.update(tickets).set(set).where(and(eq(tickets.id, row.id), eq(tickets.version, row.version), eq(tickets.updatedAt, row.updatedAt))),
        abortUnlessChanged(ctx),
        ...(changed.includes("tags") ? tagWrites(ctx, row.id, next.tags, true) : []),
        ...(options.extra?.(next, bumps) ?? []),
        ...eventWrites(ctx, events),
      ]);
    } catch (err) {
      const lostRace = (isUniqueViolation(err) && /ticket_history/.test(String((err as { cause?: unknown }).cause ?? "") + String((err as Error).message))) || isStaleAbort(err);
      if (lostRace && attempt < MAX_WRITE_ATTEMPTS) continue;
      if (lostRace || isUniqueViolation(err)) throw new AppError("CONFLICT", "The ticket changed while this edit was applied; retry");
      throw err;
    }
    await publish(ctx, events);
    return { ticket, changes };
  }
}

/**
 * A batch statement that fails when the statement before it changed no row, so the whole batch
 * rolls back: D1 has no other way to make a batch conditional on an UPDATE's WHERE. abs() of the
 * smallest integer is SQLite's one "integer overflow" error; changes() is not constant, so it is
 * evaluated per run, after the UPDATE.
 */
function abortUnlessChanged(ctx: ServiceContext): BatchItem {
  return ctx.db.run(sql.raw("SELECT abs(CASE WHEN changes() = 0 THEN -9223372036854775807 - 1 ELSE 0 END)"));
}
const isStaleAbort = (err: unknown) => /integer overflow/i.test(String((err as { cause?: unknown }).cause ?? "") + String((err as Error)?.message));

async function refuseConflicts(ctx: ServiceContext, row: TicketRow, requester: Requester, current: TicketState, edit: TicketEdit, base: number) {
  if (base > row.version) {
    throw new AppError("CONFLICT", `Version ${base} is newer than the ticket's version ${row.version}`, {
      extra: { conflicting_fields: [], current: toTicket(row, requester, ctx.now) },
    });
  }
  const since = await changedSince(ctx, row.id, base);
  const conflicting = effectiveChanges(current, edit).map(toWire).filter((f) => since.has(f));
  if (conflicting.length) {
    throw new AppError("CONFLICT", `Changed by someone else since version ${base}: ${conflicting.join(", ")}`, {
      extra: { conflicting_fields: conflicting, current: toTicket(row, requester, ctx.now) },
    });
  }
}

// ---------------------------------------------------------------- actions

export async function assignTicket(ctx: ServiceContext, ref: string, assigneeId: string | null) {
  return changeTicket(ctx, ref, { assigneeId }, { type: "assigned", note: { reason: "manual" } });
}

/**
 * `{strategy: "auto"}`: the team's strategy picks the assignee (features/teams/routing.service).
 * It assigns to others, so it is manager+ like any such assignment.
 */
export async function autoAssignTicket(ctx: ServiceContext, ref: string) {
  const { row } = await findVisibleTicket(ctx, ref);
  if (!can(actorOf(ctx).role, "ticket.assign_any")) throw forbidden("Only managers and admins auto-assign tickets");
  return autoAssign(ctx, row.id);
}

export async function escalateTicket(ctx: ServiceContext, ref: string, input: { reason: string; to_user_id?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row } = await findVisibleTicket(ctx, ref);
  if (!can(actor.role, "ticket.escalate")) throw forbidden("Only managers and admins escalate tickets");
  if (row.status === "closed" || row.status === "cancelled" || row.status === "resolved") {
    throw new AppError("INVALID_TRANSITION", `A ${row.status} ticket cannot be escalated`);
  }
  const order: TicketPriority[] = ["low", "medium", "high", "critical"];
  const raised = order[Math.min(order.length - 1, order.indexOf(row.priority) + 1)]!;
  const edit: TicketEdit = { priority: raised };
  if (input.to_user_id) edit.assigneeId = input.to_user_id;
  // An escalation is recorded even when nothing else changes (already critical, same assignee).
  return changeTicket(ctx, ref, edit, {
    type: "escalated",
    note: { reason: input.reason },
    internal: true,
    extra: (t) =>
      t.version === row.version
        ? [
            historyInsert(ctx, { ticketId: row.id, type: "escalated", version: row.version, bumpsVersion: false, changes: { reason: input.reason }, internal: true }),
            auditInsert(ctx, { action: "ticket.escalated", entityType: "ticket", entityId: row.id, changes: { reason: input.reason } }),
          ]
        : [],
  });
}

export async function deleteTicket(ctx: ServiceContext, ref: string) {
  const actor = actorOf(ctx);
  for (let attempt = 1; ; attempt++) {
    const { row } = await findVisibleTicket(ctx, ref);
    if (!can(actor.role, "ticket.delete")) throw forbidden("Only admins delete tickets");
    const now = ctx.now.toISOString();
    try {
      await runBatch(ctx.db, [
        historyInsert(ctx, { ticketId: row.id, type: "deleted", version: row.version + 1, bumpsVersion: true, changes: { deleted_at: [null, now] }, internal: true }),
        ctx.db.update(tickets).set({ deletedAt: now, updatedAt: now, version: row.version + 1 }).where(and(eq(tickets.id, row.id), isNull(tickets.deletedAt))),
        auditInsert(ctx, { action: "ticket.deleted", entityType: "ticket", entityId: row.id, changes: { number: row.number, subject: row.subject, deleted_at: [null, now] } }),
      ]);
    } catch (err) {
      // Someone else wrote this version first (a concurrent delete or edit): look again; a deleted ticket is then 404.
      if (isUniqueViolation(err) && attempt < MAX_WRITE_ATTEMPTS) continue;
      if (isUniqueViolation(err)) throw new AppError("CONFLICT", "The ticket changed while it was being deleted; retry");
      throw err;
    }
    await publish(ctx, [{ type: "ticket.deleted", ticket_id: row.id, actor: eventActor(actor) }]);
    return;
  }
}
