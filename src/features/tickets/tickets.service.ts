import { and, eq, gt, isNull } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { preparedSelect, type BatchItem, type Database } from "../../db/client";
import { callerKnown, callerReady, presumeCaller } from "../../db/caller-gate";
import { NUMBER_TAKEN, pendingNumber } from "../../db/ticket-numbering";
import { slaPolicies, ticketHistory, tickets, teams, users } from "../../db/schema";
import { can, canSeeTicket, isStaff } from "../../domain/permissions";
import { ESCALATABLE, openSla } from "../../domain/sla";
import { mergedRefusal } from "../../domain/ticket-merge";
import { formatTicketNumber, ticketDay, TICKET_NUMBER_PATTERN } from "../../domain/ticket-number";
import { applyFieldEdit, EMPTY_CATALOG, fieldPath, knownValues, type FieldCatalog, type FieldValues } from "../../domain/custom-fields";
import { applyEdit, effectiveChanges, toWire, type EditableField, type TicketEdit, type TicketState } from "../../domain/ticket-update";
import { PRIORITY_RANK, raisedPriority, type TicketPriority } from "../../domain/vocabulary";
import { eventActor, type TicketEvent } from "../../events/ticket-events";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { idempotent, type RecordResponse, type StoredResponse } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import type { AuditEntry } from "../audit/audit.service";
import { assumedPolicies, slaColumnWrites, termsFor, termsOfTicket, type PolicyRow } from "../sla/sla.service";
import { newCustomer } from "../users/users.service";
import { routeInTeam, routeOnCreate } from "../teams/routing.service";
import type { RoutingDecision } from "../../domain/routing";
import { decideOnFreshCatalog, dropFieldIndex, plannedFieldCatalog, type PlannedCatalog } from "../fields/fields.service";
import { sawCatalogVersion, versionOf, versionRead } from "../fields/kept-catalog";
import { readArchive } from "../archive/archive.document";
import { returnRetired } from "../archive/archive.retire";
import { storeOfTicketRef } from "../../db/ticket-stores";
import { retryTicketWrite, type Effects, type HistoryEntry, type Planned, type TicketWrite } from "./ticket-write";
import { ticketFor } from "./ticket-view";
import { keepTicket, keptTicket } from "./kept-rows";
import { requesterColumns, type Requester, type Ticket, type TicketRow } from "./tickets.serialize";

// ---------------------------------------------------------------- reading

export interface FoundTicket {
  row: TicketRow;
  requester: Requester;
  /**
   * A ticket from before the SLA engine (no copied terms): its policy by name, read in the same
   * statement as the ticket for a change (null: none by that name, or a ticket with terms);
   * undefined: not read (termsOfTicket reads it).
   */
  oldPolicy?: PolicyRow | null;
  /**
   * Not read: the row this isolate kept (kept-rows.ts). A write planned from it names it (TicketWrite
   * `kept`): its check rides in the row's update, or in kept-rows.ts stillHolds when no row is updated;
   * the gate checks the caller's presumed profile (db/caller-gate.ts presumeCaller).
   */
  kept?: true;
}

/**
 * A ticket by id or number in main, with its requester, deleted ones too: while main holds a row,
 * a year database's copy is a retire's leftover (archive.retire.ts), never the ticket.
 */
async function loadFromMain(ctx: ServiceContext, ref: string): Promise<FoundTicket | null> {
  const [found] = await (TICKET_NUMBER_PATTERN.test(ref) ? ticketByNumber : ticketById)(ctx.db.$client, [ref]);
  return found ?? null;
}
/**
 * {@link loadFromMain} for showing the ticket: the field catalog's version rides in the same call
 * (one batch), so its view may use the isolate's kept catalog (features/fields/kept-catalog.ts)
 * instead of reading every definition.
 */
async function loadForView(ctx: ServiceContext, ref: string): Promise<FoundTicket | null> {
  const d1 = ctx.db.$client;
  const read = (TICKET_NUMBER_PATTERN.test(ref) ? ticketByNumber : ticketById).inBatch(d1, [ref]);
  const [rows, version] = await d1.batch([read.statement, versionRead(d1)]);
  sawCatalogVersion(ctx, versionOf(version));
  return read.rows(rows!)[0] ?? null;
}
/** {@link loadFromMain} for a change: an old ticket's policy comes with it (one D1 call fewer for its write's terms). */
async function loadForChange(ctx: ServiceContext, ref: string): Promise<FoundTicket | null> {
  const [found] = await (TICKET_NUMBER_PATTERN.test(ref) ? changeByNumber : changeById)(ctx.db.$client, [ref]);
  return found ? { row: found.row, requester: found.requester, oldPolicy: found.oldPolicy.name === null ? null : found.oldPolicy } : null;
}
// Prepared text: every write and read of one ticket starts here (drizzle's building and mapping of this join were ~0.3 ms).
const withRequester = 'from "tickets" inner join "users" on "users"."id" = "tickets"."requester_id"';
const ticketById = preparedSelect({ row: tickets, requester: requesterColumns }, `${withRequester} where "tickets"."id" = ? limit 1`);
const ticketByNumber = preparedSelect({ row: tickets, requester: requesterColumns }, `${withRequester} where "tickets"."number" = ? limit 1`);
// The policy joins only a ticket without copied terms (its primary key: one probe), else it is all nulls.
const withOldPolicy = `${withRequester} left join "sla_policies" on "tickets"."sla_targets" is null and "sla_policies"."name" = "tickets"."sla_policy"`;
const changeById = preparedSelect({ row: tickets, requester: requesterColumns, oldPolicy: slaPolicies }, `${withOldPolicy} where "tickets"."id" = ? limit 1`);
const changeByNumber = preparedSelect({ row: tickets, requester: requesterColumns, oldPolicy: slaPolicies }, `${withOldPolicy} where "tickets"."number" = ? limit 1`);

const undeleted = (found: FoundTicket | null) => (found && !found.row.deletedAt ? found : null);

/**
 * A retired ticket (db/ticket-stores.ts): the year database its id or number names, its requester
 * from main (users stay there). Only after main missed, so a live ticket costs nothing more.
 */
async function loadRetired(ctx: ServiceContext, ref: string): Promise<FoundTicket | null> {
  const store = storeOfTicketRef(ctx.env, ref);
  if (!store) return null;
  const [row] = await store.db
    .select()
    .from(tickets)
    .where(and(TICKET_NUMBER_PATTERN.test(ref) ? eq(tickets.number, ref) : eq(tickets.id, ref), isNull(tickets.deletedAt)))
    .limit(1);
  if (!row) return null;
  const [requester] = await ctx.db.select(requesterColumns).from(users).where(eq(users.id, row.requesterId)).limit(1);
  return requester ? { row, requester } : null;
}

function visibleOr404(ctx: ServiceContext, found: FoundTicket | null): FoundTicket {
  // mailParticipantOf: a Cc'd participant's mail reply, already checked by src/email/resolve-ticket.ts.
  // The system (cron jobs, SLA escalation) works on every ticket; any other caller needs an actor.
  if (!found || !isVisible(ctx, found.row)) throw notFound("Ticket");
  return found;
}

const isVisible = (ctx: ServiceContext, row: TicketRow) => (ctx.system && !ctx.actor ? true : canSeeTicket(actorOf(ctx), row) || ctx.mailParticipantOf === row.id);

/**
 * The ticket if the caller may see it; 404 otherwise (no existence oracle). For a change: a
 * retired ticket the caller may see is brought back into main first (features/archive/archive.retire.ts),
 * so every write, through the one ticket write, finds it there.
 */
export async function findVisibleTicket(ctx: ServiceContext, ref: string): Promise<FoundTicket> {
  const inMain = await loadForChange(ctx, ref);
  if (inMain) return keptFrom(visibleOr404(ctx, undeleted(inMain)));
  const retired = visibleOr404(ctx, await loadRetired(ctx, ref));
  await returnRetired(ctx, retired.row.id);
  return keptFrom(visibleOr404(ctx, undeleted(await loadForChange(ctx, retired.row.id))));
}

/**
 * Something recorded on a ticket that leaves the ticket itself as it is (files added, a bounced
 * mail, an automation's note): the same write without a row update. It can still be stale: a copy
 * its batch checks (the caller's profile: db/caller-gate.ts), or an archived row's restore that
 * another request made first (ticket-write.ts unarchived). So it goes through the one retry policy,
 * and each attempt after the first plans from the ticket read again.
 */
export function recordOnTicket(ctx: ServiceContext, found: FoundTicket, effects: Omit<Effects, "requester">): Promise<Ticket> {
  return retryTicketWrite(ctx, async (attempt): Promise<Planned<Ticket>> => {
    const { row, requester } = attempt === 1 ? found : await findVisibleTicket(ctx, found.row.id);
    return { write: { kind: "update", before: row, after: row, set: {}, requester, ...effects }, done: (ticket) => ticket };
  });
}

/** A ticket just read for a change is kept (kept-rows.ts): the next change may plan from it. */
function keptFrom(found: FoundTicket): FoundTicket {
  keepTicket(found.row, found.requester);
  return found;
}

/**
 * For a change: the ticket as this isolate kept it (kept-rows.ts), when the caller may see it, the
 * caller's profile is known (db/caller-gate.ts presumeCaller) and `refusal` (the caller's own, as
 * changeTicket's option) does not hold on it; else {@link findVisibleTicket}, and `refusal` on what
 * it read is thrown: a refusal is decided on a fresh read only (the kept row may be stale). A write
 * planned from a kept row must carry its check (TicketWrite `kept`) and plan again from a fresh read when
 * stale (changeTicket does).
 */
export async function findForChange(ctx: ServiceContext, ref: string, refusal?: (row: TicketRow) => AppError | null): Promise<FoundTicket> {
  const held = keptTicket(ref);
  const caller = held && ctx.actor ? presumeCaller(ctx.actor) : null;
  // Not visible by the kept row: a fresh read decides (the ticket may have moved to this requester).
  if (held && caller !== undefined && isVisible(ctx, held.row) && !refusal?.(held.row)) return { ...held, kept: true };
  const found = await findVisibleTicket(ctx, ref);
  const refused = refusal?.(found.row);
  if (refused) throw refused;
  return found;
}

/**
 * The ticket if the caller may see it, for reading only: a retired one is read where it is (its
 * year database). `db`: the database holding it, where the rows that moved with it (its mail) are.
 */
export async function readVisibleTicket(ctx: ServiceContext, ref: string, options: { view?: true } = {}): Promise<FoundTicket & { db: Database }> {
  const inMain = await (options.view ? loadForView : loadFromMain)(ctx, ref);
  if (inMain) return { ...visibleOr404(ctx, undeleted(inMain)), db: ctx.db };
  const store = storeOfTicketRef(ctx.env, ref);
  return { ...visibleOr404(ctx, await loadRetired(ctx, ref)), db: store!.db };
}

export async function getTicket(ctx: ServiceContext, ref: string): Promise<Ticket> {
  const { row, requester } = await readVisibleTicket(ctx, ref, { view: true });
  return ticketFor(ctx, row, requester);
}

// ---------------------------------------------------------------- creating

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
  /** Custom field values by key (customers: customer-editable fields only). */
  custom_fields?: Record<string, unknown> | undefined;
}

/**
 * A new ticket's custom field values, checked as an edit of no values by the caller, and the catalog
 * they were checked against (its write carries it: fields.service.ts PlannedCatalog); none without values.
 */
async function initialFieldValues(ctx: ServiceContext, raw: Record<string, unknown> | undefined): Promise<{ values: FieldValues; catalog?: PlannedCatalog }> {
  if (!raw || !Object.keys(raw).length) return { values: {} };
  const by = ctx.actor && !isStaff(ctx.actor.role) ? "customer" : "staff";
  let catalog = await plannedFieldCatalog(ctx);
  let applied = applyFieldEdit(catalog.fields, {}, raw, by);
  // Refused by the isolate's copy of the catalog: decided again on a fresh read (a field defined meanwhile).
  if (!applied.ok && decideOnFreshCatalog(ctx, catalog)) {
    catalog = await plannedFieldCatalog(ctx);
    applied = applyFieldEdit(catalog.fields, {}, raw, by);
  }
  if (applied.ok) return { values: applied.next, catalog };
  const names = Object.keys(applied.errors).join(", ");
  throw applied.reason === "forbidden"
    ? new AppError("FORBIDDEN", `You may not set ${names}`, { errors: applied.errors })
    : validation(`Invalid custom fields: ${names}`, applied.errors);
}

/**
 * The requester of a new ticket: the caller, or (staff only) someone named by email, made a
 * customer if unknown, in the ticket's own batch. A staff member typed the address: nobody has
 * shown it is theirs, so the customer is not proven (features/accounts).
 */
async function resolveRequester(ctx: ServiceContext, input: CreateTicketInput): Promise<{ requester: Requester; insert: BatchItem[] }> {
  const actor = actorOf(ctx);
  // The caller's name and email are read when the ticket is shown, after its first D1 call verified
  // them (db/caller-gate.ts): read here they might not be known yet.
  const self = {
    requester: {
      id: actor.id,
      get name() {
        return actor.name;
      },
      get email() {
        return actor.email;
      },
    },
    insert: [],
  };
  if (!input.requester_email) return self;
  await callerReady(actor);
  if (input.requester_email === actor.email) return self;
  if (!can(actor.role, "ticket.create_for_requester")) throw forbidden("Customers cannot open tickets for someone else");
  const [existing] = await ctx.db.select(requesterColumns).from(users).where(eq(users.email, input.requester_email)).limit(1);
  if (existing) return { requester: existing, insert: [] };
  const made = newCustomer(ctx, { email: input.requester_email, name: input.requester_name ?? "", proven: false, source: "requester_email" });
  return { requester: { id: made.row.id, name: made.row.name, email: made.row.email }, insert: [made.insert, made.audit] };
}

/**
 * Hands out the next number of the day of `at` (an imported ticket is numbered by the day it was
 * created); one atomic upsert, so concurrent creates never share one. A create takes its number in
 * its own batch instead (db/ticket-numbering.ts).
 */
export async function nextTicketNumber(ctx: ServiceContext, at: Date): Promise<string> {
  const row = await ctx.db.$client.prepare(NUMBER_TAKEN).bind(ticketDay(at)).first<{ seq: number }>();
  return formatTicketNumber(ticketDay(at), row!.seq);
}

export interface CreateTicketOptions {
  /** Further writes of the same batch (the mail path: its inbound message row and attachments). */
  extra?: (ticket: TicketRow) => BatchItem[];
}

const asCreated = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [null, v]]));

export async function createTicket(
  ctx: ServiceContext,
  input: CreateTicketInput,
  idempotencyKey?: string,
  options: CreateTicketOptions = {},
): Promise<StoredResponse<Ticket> & { replayed?: boolean }> {
  // Before any replay: a key must not hand back a ticket for someone else to a caller who may no longer open one (a demoted agent).
  const caller = actorOf(ctx);
  if (input.requester_email && !can(caller.role, "ticket.create_for_requester")) {
    // Their own address is allowed: the caller's row is needed first (db/caller-gate.ts).
    await callerReady(caller);
    if (input.requester_email !== caller.email) throw forbidden("Customers cannot open tickets for someone else");
  }
  // The one retry policy: a new requester made meanwhile by a concurrent create makes this write stale; the next plan finds them.
  return idempotent(ctx, idempotencyKey, { method: "POST", path: "/tickets", body: input }, (record) => retryTicketWrite(ctx, () => planCreate(ctx, input, record, options)));
}

async function planCreate(ctx: ServiceContext, input: CreateTicketInput, record: RecordResponse, options: CreateTicketOptions): Promise<Planned<StoredResponse<Ticket>>> {
  const { values: customFields, catalog } = await initialFieldValues(ctx, input.custom_fields);
  const { requester, insert: requesterInsert } = await resolveRequester(ctx, input);
  const planned = await newTicketWrite(ctx, input, requester, { prerequisites: requesterInsert, customFields });
  const { row } = planned;
  const response = (ticket: Ticket) => ({ status: 201 as const, body: ticket, headers: { Location: `/api/v1/tickets/${row.id}`, ETag: `"${row.version}"` } });
  const extra = [...(options.extra?.(row) ?? []), ...record(response(await ticketFor(ctx, row, requester, catalog?.fields)))];
  return { write: { ...planned.write, extra, ...(catalog ? { catalog } : {}) }, done: response };
}

/** What comes with a new ticket besides its fields (a split's links, history and moved rows). */
export interface NewTicketExtras {
  prerequisites?: BatchItem[];
  links?: TicketRow["links"];
  history?: HistoryEntry[];
  /** The team it belongs to without being routed (a split stays in its ticket's team). */
  teamId?: string | null;
  /** Its custom field values, validated (a create's input, a split's copy of its ticket's). */
  customFields?: TicketRow["customFields"];
}

/**
 * A new ticket of `requester`, opened by the context's actor, as a write not yet made: routed,
 * numbered (its batch takes the number: db/ticket-numbering.ts), its SLA clock started, its
 * `created` history, audit and events. createTicket writes it alone; a split writes it together
 * with the ticket it comes from. Written through retryTicketWrite: the write is stale when the
 * isolate's copy of the policies (or of the caller's profile) was, and the next plan reads them.
 */
export async function newTicketWrite(ctx: ServiceContext, input: CreateTicketInput, requester: Requester, extras: NewTicketExtras = {}) {
  const actor = actorOf(ctx);
  const customFields = extras.customFields ?? {};
  const routed = await routeOnCreate(ctx, input);
  // The priority's SLA policies as this isolate knows them, checked in the write's batch; the day's
  // next number taken in that batch (db/ticket-numbering.ts): the usual create makes one D1 call.
  const { policies, check: policiesHeld } = await assumedPolicies(ctx, input.priority);
  const terms = await termsFor(ctx, { priority: input.priority, category: input.category ?? null, channel: input.channel }, policies);
  const number = pendingNumber();
  // The write holds the caller's name and address (events, a stored response): known or read now.
  await callerKnown(actor);
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
    teamId: routed?.teamId ?? extras.teamId ?? null,
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
    statusChangedAt: now,
    requesterUpdatedAt: now,
    assigneeUpdatedAt: null,
    revision: 0,
    returned: 0,
    assignedAt: routed?.assigneeId ? now : null,
    reopens: [],
    satisfactionScore: null,
    satisfactionComment: null,
    satisfactionRatedAt: null,
    timeSpentMinutes: 0,
    timeLog: [],
    customStatus: null,
    customFields,
    mergedIntoId: null,
    links: extras.links ?? null,
    externalId: null,
    archivedAt: null,
  };
  const created = asCreated({
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    category: row.category,
    channel: row.channel,
    tags: row.tags,
    requester_id: requester.id,
    ...(row.teamId ? { team_id: row.teamId } : {}),
    ...Object.fromEntries(Object.entries(customFields).map(([k, v]) => [fieldPath(k), v])),
    ...(row.links ? { links: row.links } : {}),
  });
  const history: HistoryEntry[] = [{ type: "created", changes: created, bumpsVersion: true }, ...(extras.history ?? [])];
  // The routing decision, recorded like any assignment (who, or the team queue, and why), internal:
  // the reason names other agents and their loads.
  if (routed?.reason) history.push({ type: "assigned", changes: { assignee_id: [null, routed.assigneeId], reason: routed.reason }, internal: true });
  const write: TicketWrite & { kind: "create" } = {
    kind: "create",
    row,
    requester,
    prerequisites: extras.prerequisites ?? [],
    held: [policiesHeld],
    history,
    audit: [{ action: "ticket.created", entityType: "ticket", entityId: row.id, changes: { number: [null, number], ...created } }],
    events: (ticket) => [
      { type: "ticket.created", ticket, actor: eventActor(actor) },
      ...(row.assigneeId ? [{ type: "ticket.assigned" as const, ticket, assignee_id: row.assigneeId, actor: null, internal: true }] : []),
    ],
  };
  return { row, write };
}

// ---------------------------------------------------------------- changing

const stateOf = (row: TicketRow): TicketState => row;

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
async function changedSince(ctx: ServiceContext, ticket: TicketRow, version: number): Promise<Set<string>> {
  // An archived ticket's history is in its document (features/archive).
  const rows = ticket.archivedAt
    ? (await readArchive(ctx, ticket)).history.filter((h) => h.version > version && h.bumpsVersion)
    : await ctx.db
        .select({ changes: ticketHistory.changes })
        .from(ticketHistory)
        .where(and(eq(ticketHistory.ticketId, ticket.id), gt(ticketHistory.version, version), eq(ticketHistory.bumpsVersion, true)));
  return new Set(rows.flatMap((r) => Object.keys(r.changes)));
}

/** Wire names of what `edit` would change: its fields, and its custom fields as `custom_fields.<key>`. */
function editedNames(row: TicketRow, edit: TicketEdit): string[] {
  const fields = Object.entries(edit.customFields ?? {})
    .filter(([key, value]) => JSON.stringify(row.customFields[key] ?? null) !== JSON.stringify(value))
    .map(([key]) => fieldPath(key));
  return [...effectiveChanges(stateOf(row), edit).map(toWire), ...fields];
}

async function refuseConflicts(ctx: ServiceContext, { row, requester }: FoundTicket, edit: TicketEdit, base: number) {
  if (base > row.version) {
    throw new AppError("CONFLICT", `Version ${base} is newer than the ticket's version ${row.version}`, {
      extra: { conflicting_fields: [], current: await ticketFor(ctx, row, requester) },
    });
  }
  const since = await changedSince(ctx, row, base);
  const conflicting = editedNames(row, edit).filter((f) => since.has(f));
  if (conflicting.length) {
    throw new AppError("CONFLICT", `Changed by someone else since version ${base}: ${conflicting.join(", ")}`, {
      extra: { conflicting_fields: conflicting, current: await ticketFor(ctx, row, requester) },
    });
  }
}

/** What comes with a change besides its field edits. */
export interface ChangeOptions {
  /** History entry type of the change. */
  type: string;
  /** Extra members of the history entry's `changes` (e.g. an assignment's `reason`); a function: each plan's own (a rule's routing, decided on the row it reads). */
  note?: Record<string, unknown> | (() => Record<string, unknown>);
  internal?: boolean;
  /** The version the caller based the edit on (If-Match). */
  baseVersion?: number | undefined;
  /** A consequence of something the actor may do (a customer's reply reopening the ticket): the workflow applies, the role rules do not. */
  implied?: boolean;
  /** A public message that comes with the change, for the SLA clock (staff meet a response target, a customer arms the next one). */
  message?: "staff" | "customer";
  /** The history entry is written even when no field changes (an escalation is on record regardless). */
  recordUnchanged?: boolean;
  /**
   * Whether the row is written when no field changes: a public message moves `updated_at` and the
   * SLA clock; an internal note must not move what customers see (`updated_at`), so it does not.
   */
  touch?: boolean;
  /** The ticket as the caller just read it: the first attempt starts from it instead of reading again. */
  read?: FoundTicket;
  /**
   * Something that comes with the change and is recorded with it (a comment): its rows, entries and
   * events. `fields`: the catalog the plan took (its batch checks it), for what it shows of the ticket.
   */
  with?: (ticket: TicketRow, changes: Record<string, unknown>, fields: FieldCatalog, requester: Requester) => Attached;
  /** Plan the change and answer with the ticket as it would be, writing nothing (a macro's dry run). */
  dryRun?: boolean;
  /**
   * Checked on every (re)read, with the requester as read with it: false leaves the ticket alone
   * (an automation whose conditions stopped holding meanwhile).
   */
  precondition?: (row: TicketRow, requester: Requester) => boolean;
  /**
   * Planned on the ticket as read and rendered with its requester (rules, macros, bulk: run-actions.ts
   * applyActions mails them, by name and address): its batch checks the ticket's revision and the
   * requester as read, even when no row is updated (TicketWrite `decidedOnRow`), so a requester erased
   * or re-addressed meanwhile (a `users` change moves no ticket) is planned again on a fresh read.
   * A `precondition` implies it.
   */
  decidedOnRow?: true;
  /** Checked on every (re)read: the caller's own refusal of the ticket as it is (a reply to a closed one). */
  refusal?: (row: TicketRow) => AppError | null;
}

/** Rows, history and audit entries and events that come with a change. */
export interface Attached {
  extra: BatchItem[];
  history: HistoryEntry[];
  audit: AuditEntry[];
  events: (ticket: Ticket) => TicketEvent[];
  /** Columns of the ticket it moves besides the edit (time logged with a comment). */
  row?: Partial<TicketRow>;
}

/**
 * The activity columns automations count from (`hours_since_…`): the status's last change, and the
 * last time the requester or the assignee acted on the ticket.
 */
function stampActivity(next: TicketRow, actorId: string | null, acted: boolean, statusChanged: boolean, now: string): TicketRow {
  const stamped = { ...next };
  if (statusChanged) stamped.statusChangedAt = now;
  if (actorId && acted && actorId === next.requesterId) stamped.requesterUpdatedAt = now;
  if (actorId && acted && actorId === next.assigneeId) stamped.assigneeUpdatedAt = now;
  return stamped;
}

export interface ChangeResult {
  ticket: Ticket;
  changes: Record<string, unknown>;
  /** Whether the change committed; false: nothing was written (a dry run, a precondition that no longer held, nothing to write). */
  written: boolean;
}

/**
 * A change of a ticket's fields by the context's actor (null: the system, any change the workflow
 * allows): permission and workflow rules (domain/ticket-update), the field-level merge against
 * `baseVersion`, the SLA clock, and the one write. Concurrent writers that read the same version
 * collide on the guard or the history's unique (ticket, version); the loser re-reads and merges again.
 */
/**
 * `change`: the edit, or the edit for the ticket as each plan finds it (a customer's reply reopens a
 * ticket only if it is pending or solved then; a rule's `assign auto` routes by the row it plans from),
 * made after the refusal and the precondition hold on that row.
 */
export async function changeTicket(ctx: ServiceContext, ref: string, change: TicketEdit | ((row: TicketRow) => TicketEdit | Promise<TicketEdit>), options: ChangeOptions): Promise<ChangeResult> {
  const actor = ctx.actor;
  return retryTicketWrite(ctx, async (attempt): Promise<Planned<ChangeResult>> => {
    const read = attempt === 1 ? options.read : undefined;
    if (!read?.kept) return plan(read ?? (await findVisibleTicket(ctx, ref)));
    // From a row this isolate kept (kept-rows.ts): its write checks the row still holds. A refusal,
    // or nothing to write, is decided on a fresh read instead: the ticket may have changed since.
    const fromKept = await plan(read).catch((err: unknown) => (err instanceof AppError ? null : Promise.reject(err)));
    return fromKept && !("skip" in fromKept) ? fromKept : plan(await findVisibleTicket(ctx, ref));
  });

  async function plan(found: FoundTicket): Promise<Planned<ChangeResult>> {
    const { row, requester } = found;
    // A ticket out of an automation's reach is skipped before any refusal: merged, closed or cancelled
    // meanwhile, the rule's write is not a failed run.
    if (options.precondition && !options.precondition(row, requester)) return { skip: { ticket: await ticketFor(ctx, row, requester), changes: {}, written: false } };
    if (row.mergedIntoId) throw new AppError("INVALID_TRANSITION", mergedRefusal(row.number, row.mergedIntoId));
    const refused = options.refusal?.(row);
    if (refused) throw refused;
    const edit = typeof change === "function" ? await change(row) : change;
    const current = stateOf(row);
    if (options.baseVersion !== undefined && options.baseVersion !== row.version) await refuseConflicts(ctx, found, edit, options.baseVersion);
    const fields = effectiveChanges(current, edit);
    const terms = await termsOfTicket(ctx, row, found.oldPolicy);
    // Re-prioritised or re-categorised: the policy that fits now, with today's business hours.
    const retarget =
      fields.includes("priority") || fields.includes("category")
        ? await termsFor(ctx, { priority: edit.priority ?? current.priority, category: edit.category !== undefined ? edit.category : current.category, channel: row.channel })
        : undefined;
    // Values are checked against the definitions, resolving needs the required ones filled, and a
    // ticket that holds values drops those of deleted fields when it is written.
    const fieldsNeeded = edit.customFields !== undefined || edit.status === "resolved" || Object.keys(row.customFields).length > 0;
    // The request's catalog, else the isolate's copy: the write's batch checks it either way (features/fields/kept-catalog.ts).
    const plannedCatalog = fieldsNeeded ? await plannedFieldCatalog(ctx) : null;
    const catalog = plannedCatalog?.fields ?? EMPTY_CATALOG;
    const result = applyEdit({
      actor,
      current,
      edit,
      fields: catalog,
      targetsFor: () => retarget?.targets ?? terms.targets,
      terms,
      retarget,
      message: options.message,
      reopenWindowDays: Number(ctx.env.REOPEN_WINDOW_DAYS) || 7,
      now: ctx.now,
      implied: options.implied ?? false,
    });
    if (!result.ok) {
      // A refusal is decided on a fresh catalog, never on the isolate's unchecked copy. Only one the
      // catalog can decide: the edit names custom fields (checked before the status), or the refusal
      // does (required to resolve); the caller's role or the status alone refuse on any catalog.
      const byCatalog = edit.customFields !== undefined || Object.keys(result.errors ?? {}).some((path) => path.startsWith(fieldPath("")));
      if (plannedCatalog && byCatalog && decideOnFreshCatalog(ctx, plannedCatalog)) return plan(found);
      const options = result.errors ? { errors: result.errors } : {};
      const code = result.reason === "forbidden" ? "FORBIDDEN" : result.reason === "invalid_fields" ? "VALIDATION_ERROR" : "INVALID_TRANSITION";
      throw new AppError(code, result.detail, options);
    }
    const changed = Object.keys(result.changes) as EditableField[];
    const bumps = changed.length > 0 || Object.keys(result.fieldChanges).length > 0;
    const nothingToWrite = !bumps && !options.with && !options.recordUnchanged;
    // No batch will check the isolate's copy of the catalog: what it decided (nothing to change, a
    // dry run's outcome) is decided again on a fresh read (a field deleted meanwhile is unknown there).
    if ((options.dryRun || nothingToWrite) && plannedCatalog && decideOnFreshCatalog(ctx, plannedCatalog)) return plan(found);
    // Only after visibility and permission: a caller who may not see or assign learns nothing about users.
    await checkReferences(ctx, { assigneeId: result.changes.assigneeId ? edit.assigneeId : undefined, teamId: result.changes.teamId ? edit.teamId : undefined });
    if (nothingToWrite) return { skip: { ticket: await ticketFor(ctx, row, requester), changes: {}, written: false } };
    const touch = bumps || (options.touch ?? true);
    const now = ctx.now.toISOString();
    const moved: TicketRow = touch
      ? {
          ...row,
          ...result.next,
          customFields: knownValues(catalog, result.next.customFields ?? {}),
          priorityRank: PRIORITY_RANK[result.next.priority],
          version: bumps ? row.version + 1 : row.version,
          updatedAt: now,
        }
      : row;
    const next = stampActivity(moved, actor?.id ?? null, bumps || Boolean(options.with), "status" in result.changes || "customStatus" in result.changes, now);
    const changes: Record<string, unknown> = {};
    for (const f of changed) changes[toWire(f)] = result.changes[f];
    for (const [key, change] of Object.entries(result.fieldChanges)) changes[fieldPath(key)] = change;
    const recorded = { ...changes, ...(typeof options.note === "function" ? options.note() : options.note) };
    const internal = options.internal ?? false;
    if (options.dryRun) return { skip: { ticket: await ticketFor(ctx, next, requester), changes, written: false } };
    // The requester of this plan's read: a retry after a stale batch may find them renamed or erased.
    const attached = options.with?.(next, changes, catalog, requester);
    const written: TicketRow = attached?.row ? { ...next, ...attached.row } : next;
    return {
      write: {
        kind: "update",
        before: row,
        after: written,
        requester,
        // An untouched row (an internal note) writes only what moved (who acted, time logged with it),
        // guarded by the revision alone: it changes nothing a user sees.
        set: touch ? slaColumnWrites(row, written) : changedColumns(row, written),
        ...(touch ? {} : { guard: [] }),
        ...(found.kept ? { kept: { row: found.row, requester: found.requester } } : {}),
        // Decided on the row as read: a ticket or requester changed meanwhile is planned again (and judged again).
        ...(options.precondition || options.decidedOnRow ? { decidedOnRow: true as const } : {}),
        // The catalog the edit was checked against, and the check its batch carries.
        ...(plannedCatalog ? { catalog: plannedCatalog } : {}),
        history: [...(bumps || options.recordUnchanged ? [{ type: options.type, changes: recorded, bumpsVersion: bumps, internal }] : []), ...(attached?.history ?? [])],
        audit: [...(bumps || options.recordUnchanged ? [{ action: `ticket.${options.type}`, entityType: "ticket", entityId: row.id, changes: recorded }] : []), ...(attached?.audit ?? [])],
        extra: attached?.extra ?? [],
        events: (ticket) => [
          ...(bumps ? [{ type: "ticket.updated" as const, ticket, changes, version: next.version, actor: eventActor(actor), internal }] : []),
          ...("assignee_id" in changes ? [{ type: "ticket.assigned" as const, ticket, assignee_id: next.assigneeId, actor: eventActor(actor), internal }] : []),
          ...(attached?.events(ticket) ?? []),
        ],
      },
      done: (ticket) => ({ ticket, changes, written: true }),
    };
  }
}

/** The columns of `after` that differ from `before` (a write that leaves `updated_at` alone). */
function changedColumns(before: TicketRow, after: TicketRow): SQLiteUpdateSetSource<typeof tickets> {
  const set: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof TicketRow)[]) if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) set[key] = after[key];
  return set as SQLiteUpdateSetSource<typeof tickets>;
}

// ---------------------------------------------------------------- actions

export async function assignTicket(ctx: ServiceContext, ref: string, assigneeId: string | null) {
  return changeTicket(ctx, ref, { assigneeId }, { type: "assigned", note: { reason: "manual" } });
}

/**
 * `{strategy: "auto"}` (and the system): the team's strategy picks (features/teams/routing.service);
 * with nobody eligible the ticket goes back to the team's queue. It assigns to others, so it is
 * manager+ like any such assignment. The history entry carries the reason, internal: it names other
 * agents and their loads, which is no customer's business.
 */
export async function autoAssignTicket(ctx: ServiceContext, ref: string) {
  const found = await findVisibleTicket(ctx, ref);
  if (ctx.actor && !can(ctx.actor.role, "ticket.assign_any")) throw forbidden("Only managers and admins auto-assign tickets");
  // Routed on the row each plan reads (once per row): a ticket moved to another team, or recategorised,
  // between the read and the write is planned again and routed as it then is.
  let routed: { row: TicketRow; decision: RoutingDecision } | null = null;
  const routeOn = async (row: TicketRow): Promise<TicketEdit> => {
    if (routed?.row !== row) routed = { row, decision: await routeInTeam(ctx, row, row.teamId) };
    return { assigneeId: routed.decision.assigneeId };
  };
  return changeTicket(ctx, found.row.id, routeOn, { type: "assigned", note: () => ({ reason: routed?.decision.reason }), internal: true, read: found });
}

/** An escalation asks for work on a ticket still being worked (domain/sla.ts ESCALATABLE). */
const escalationRefusal = (row: TicketRow) => (ESCALATABLE.has(row.status) ? null : new AppError("INVALID_TRANSITION", `A ${row.status} ticket cannot be escalated`));

export async function escalateTicket(ctx: ServiceContext, ref: string, input: { reason: string; to_user_id?: string | undefined }) {
  const found = await findVisibleTicket(ctx, ref);
  if (!can(actorOf(ctx).role, "ticket.escalate")) throw forbidden("Only managers and admins escalate tickets");
  const refused = escalationRefusal(found.row);
  if (refused) throw refused;
  // One step up from the priority of the row each plan reads: a priority changed between the read
  // and the write is raised from where it then is, not overwritten by a step up from the stale one.
  const raise = (row: TicketRow): TicketEdit => ({ priority: raisedPriority(row.priority), ...(input.to_user_id ? { assigneeId: input.to_user_id } : {}) });
  // An escalation is recorded even when nothing else changes (already critical, same assignee).
  return changeTicket(ctx, found.row.id, raise, { type: "escalated", note: { reason: input.reason }, internal: true, recordUnchanged: true, read: found, refusal: escalationRefusal });
}

export async function deleteTicket(ctx: ServiceContext, ref: string) {
  const actor = actorOf(ctx);
  await retryTicketWrite(ctx, async () => {
    const { row, requester } = await findVisibleTicket(ctx, ref);
    if (!can(actor.role, "ticket.delete")) throw forbidden("Only admins delete tickets");
    const now = ctx.now.toISOString();
    const after: TicketRow = { ...row, deletedAt: now, updatedAt: now, version: row.version + 1 };
    return {
      write: {
        kind: "update",
        before: row,
        after,
        requester,
        set: { deletedAt: now, updatedAt: now, version: after.version },
        history: [{ type: "deleted", changes: { deleted_at: [null, now] }, bumpsVersion: true, internal: true }],
        audit: [{ action: "ticket.deleted", entityType: "ticket", entityId: row.id, changes: { number: row.number, subject: row.subject, deleted_at: [null, now] } }],
        // It leaves the custom field filters with the lists.
        extra: [dropFieldIndex(ctx, row.id)],
        events: () => [{ type: "ticket.deleted", ticket_id: row.id, actor: eventActor(actor) }],
      },
      done: () => undefined,
    };
  });
}
