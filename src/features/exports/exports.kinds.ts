/**
 * What can be exported (API.md "Exports"): each kind names who may ask for it, validates its
 * parameters, lists its columns, and reads its rows a page at a time after a cursor it defines,
 * through an index in a fixed order (so a chunk retried from the same cursor reads the same rows
 * again, and none twice or never). The job machinery (exports.jobs.ts) does the rest: formats,
 * parts, progress, retries, expiry, downloads. The privacy export of one person's data (`user`) is
 * one more entry in {@link EXPORT_KINDS}: one JSON document, asked for by `GET /users/{id}/export` only.
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, lte, type SQL } from "drizzle-orm";
import { selectIn } from "../../db/client";
import { teams, tickets, timeEntries, users } from "../../db/schema";
import type { Capability } from "../../domain/permissions";
import type { Cell } from "../../lib/csv";
import { newerThan } from "../../lib/cursor";
import { AppError } from "../../lib/errors";
import { Id } from "../../lib/openapi";
import type { ServiceContext } from "../../lib/request-context";
import type { ColumnType } from "../../lib/xlsx";
import { personData } from "../privacy/privacy.export";
import { fieldCatalog } from "../fields/fields.service";
import { fieldPath, type FieldDefinition } from "../../domain/custom-fields";
import { agents } from "../reports/reports.service";
import { countTickets, parseTicketFilters, ticketPageAcross, type StorePosition, type TicketFilters, type TicketListKey } from "../tickets/tickets.list";

export type ExportFormat = "csv" | "xlsx" | "json";

export interface ExportColumn<Row> {
  name: string;
  type: ColumnType;
  value: (row: Row) => Cell;
}

export interface ExportPage<Row> {
  rows: Row[];
  /** Where the next page starts; null when there is none. */
  cursor: unknown;
}

export interface ExportKind<Params = any, Row = any> {
  /** Who may ask for this export (domain/permissions.ts); checked again when each chunk runs and at every download. */
  capability: Capability;
  /** The formats it is built in (default csv and xlsx; `json`: each row is a JSON document). */
  formats?: readonly ExportFormat[];
  /** Made by its own route only, never by `POST /exports` (the privacy export). */
  internal?: true;
  /**
   * The request's `filters`, validated (a 400 names the field) as the caller, when the job is made
   * and again at each chunk; `asOf` bounds what a snapshot holds.
   */
  params: (ctx: ServiceContext, filters: Record<string, unknown>, asOf: string) => Params | Promise<Params>;
  columns: readonly ExportColumn<Row>[];
  /**
   * Columns the helpdesk defines itself (the tickets' custom fields, `cf.<key>`): after `columns`,
   * in every default, resolved when the job is made and again at each chunk.
   */
  definedColumns?: (ctx: ServiceContext) => Promise<ExportColumn<Row>[]>;
  /** The columns a request without `columns` gets (default: all). */
  defaultColumns?: readonly string[];
  sheetName: string;
  /** Rows after `cursor` (null: from the start), at most `limit`. */
  page: (ctx: ServiceContext, params: Params, cursor: unknown, limit: number) => Promise<ExportPage<Row>>;
  /** How many rows to expect (progress), counted once when the job starts. */
  estimate?: (ctx: ServiceContext, params: Params) => Promise<number | null>;
}

/** A 400 from a zod error, its fields prefixed (`filters.status`). */
export class ExportParamsError extends Error {
  constructor(readonly errors: Record<string, string[]>) {
    super("Invalid filters");
  }
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) (errors[`filters.${issue.path.join(".") || "_"}`] ??= []).push(issue.message);
  throw new ExportParamsError(errors);
}

/** The list's query-string syntax from JSON values: arrays become comma lists, booleans and numbers strings. */
const asQueryValues = (filters: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : typeof v === "boolean" || typeof v === "number" ? String(v) : v]));

// ---------------------------------------------------------------- tickets

type TicketExportParams = TicketFilters & { asOf: string };

type TicketExportRow = { row: typeof tickets.$inferSelect; requester: { name: string; email: string }; assigneeName: string | null; teamName: string | null };

const ticketColumns: ExportColumn<TicketExportRow>[] = [
  { name: "id", type: "text", value: (r) => r.row.id },
  { name: "number", type: "text", value: (r) => r.row.number },
  { name: "subject", type: "text", value: (r) => r.row.subject },
  { name: "status", type: "text", value: (r) => r.row.status },
  { name: "priority", type: "text", value: (r) => r.row.priority },
  { name: "category", type: "text", value: (r) => r.row.category },
  { name: "channel", type: "text", value: (r) => r.row.channel },
  { name: "tags", type: "text", value: (r) => r.row.tags.join(" ") },
  { name: "requester_name", type: "text", value: (r) => r.requester.name },
  { name: "requester_email", type: "text", value: (r) => r.requester.email },
  { name: "assignee_id", type: "text", value: (r) => r.row.assigneeId },
  { name: "assignee_name", type: "text", value: (r) => r.assigneeName },
  { name: "team_id", type: "text", value: (r) => r.row.teamId },
  { name: "team_name", type: "text", value: (r) => r.teamName },
  { name: "created_at", type: "datetime", value: (r) => r.row.createdAt },
  { name: "updated_at", type: "datetime", value: (r) => r.row.updatedAt },
  { name: "first_response_at", type: "datetime", value: (r) => r.row.firstResponseAt },
  { name: "resolved_at", type: "datetime", value: (r) => r.row.resolvedAt },
  { name: "closed_at", type: "datetime", value: (r) => r.row.closedAt },
  { name: "sla_policy", type: "text", value: (r) => r.row.slaPolicy },
  { name: "sla_breached", type: "boolean", value: (r) => r.row.slaBreached },
  { name: "first_response_minutes", type: "number", value: (r) => r.row.firstResponseMinutes },
  { name: "resolution_minutes", type: "number", value: (r) => r.row.resolutionMinutes },
  { name: "satisfaction_score", type: "number", value: (r) => r.row.satisfactionScore },
  { name: "satisfaction_comment", type: "text", value: (r) => r.row.satisfactionComment },
  { name: "time_spent_minutes", type: "number", value: (r) => r.row.timeSpentMinutes },
  { name: "description", type: "text", value: (r) => r.row.description },
];

/** A custom field's cell: its value as staff see it; a multiselect's options joined as tags are. */
function fieldColumn(def: FieldDefinition): ExportColumn<TicketExportRow> {
  const type: ColumnType = def.type === "integer" || def.type === "decimal" ? "number" : def.type === "checkbox" ? "boolean" : "text";
  return {
    name: fieldPath(def.key),
    type,
    value: (r) => {
      const value = r.row.customFields[def.key];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** A snapshot: tickets created after the export was asked for are not in it (`created_before` is exclusive). */
function snapshot({ asOf, ...filters }: TicketExportParams): TicketFilters {
  const until = Math.min(Date.parse(asOf) + 1, filters.created_before ? Date.parse(filters.created_before) : Infinity);
  return { ...filters, created_before: new Date(until).toISOString() };
}

const ticketsKind: ExportKind<TicketExportParams, TicketExportRow> = {
  capability: "reports.all",
  // Every field staff see (an export is managers'), in the catalog's order; text cells are neutralised like any other.
  definedColumns: async (ctx) => [...(await fieldCatalog(ctx)).values()].map(fieldColumn),
  sheetName: "Tickets",
  // Exactly the list's filters, `cf.<key>` too, through the list's own parser.
  params: async (ctx, filters, asOf) => {
    try {
      return { ...(await parseTicketFilters(ctx, asQueryValues(filters))), asOf };
    } catch (err) {
      if (err instanceof AppError && err.code === "VALIDATION_ERROR") {
        throw new ExportParamsError(Object.fromEntries(Object.entries(err.options.errors ?? { _: [err.detail] }).map(([k, v]) => [`filters.${k}`, v])));
      }
      throw err;
    }
  },
  columns: ticketColumns,
  // Descriptions can be 50,000 characters each: asked for by name.
  defaultColumns: ticketColumns.filter((c) => c.name !== "description").map((c) => c.name),
  // The list's own paging (tickets.list.ts), across the year databases too: the same index walks,
  // in bigger pages. A cursor of before year databases is a bare key in main.
  async page(ctx, params, cursor, limit) {
    const from = cursor === null || cursor === undefined ? null : Array.isArray(cursor) ? { key: cursor as TicketListKey, year: null } : (cursor as StorePosition);
    const { rows, next } = await ticketPageAcross(ctx, snapshot(params), from, limit);
    return { rows: await withNames(ctx, rows), cursor: next };
  },
  // Counted once, through the same walks: O(matching) index entries.
  estimate: (ctx, params) => countTickets(ctx, snapshot(params)),
};

/** The page's requester, assignee and team names: one query per 90 people or teams. */
async function withNames(ctx: ServiceContext, rows: (typeof tickets.$inferSelect)[]): Promise<TicketExportRow[]> {
  const people = [...new Set(rows.flatMap((r) => (r.assigneeId ? [r.requesterId, r.assigneeId] : [r.requesterId])))];
  const teamIds = [...new Set(rows.flatMap((r) => (r.teamId ? [r.teamId] : [])))];
  const named = new Map(
    (await selectIn(people, (slice) => ctx.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, slice)))).map((u) => [u.id, u]),
  );
  const teamNames = new Map((await selectIn(teamIds, (slice) => ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, slice)))).map((t) => [t.id, t.name]));
  return rows.map((row) => {
    const requester = named.get(row.requesterId);
    return {
      row,
      requester: { name: requester?.name ?? "", email: requester?.email ?? "" },
      assigneeName: row.assigneeId ? (named.get(row.assigneeId)?.name ?? null) : null,
      teamName: row.teamId ? (teamNames.get(row.teamId) ?? null) : null,
    };
  });
}

// ---------------------------------------------------------------- time entries

const Period = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const TimeFilters = z.object({ ...Period, agent_id: Id.optional(), ticket_id: Id.optional() }).strict();
type TimeParams = z.infer<typeof TimeFilters> & { asOf: string };
type TimeRow = { entry: typeof timeEntries.$inferSelect; ticket: { number: string; subject: string }; author: string };

function timeWhere(p: TimeParams): SQL[] {
  const where: SQL[] = [lte(timeEntries.createdAt, p.asOf)];
  if (p.from) where.push(gte(timeEntries.startedAt, new Date(p.from).toISOString()));
  if (p.to) where.push(lt(timeEntries.startedAt, new Date(p.to).toISOString()));
  if (p.agent_id) where.push(eq(timeEntries.authorId, p.agent_id));
  if (p.ticket_id) where.push(eq(timeEntries.ticketId, p.ticket_id));
  return where;
}

const timeKind: ExportKind<TimeParams, TimeRow> = {
  capability: "reports.all",
  sheetName: "Time entries",
  params: (_, filters, asOf) => ({ ...parseWith(TimeFilters, filters), asOf }),
  columns: [
    { name: "id", type: "text", value: (r) => r.entry.id },
    { name: "ticket_id", type: "text", value: (r) => r.entry.ticketId },
    { name: "ticket_number", type: "text", value: (r) => r.ticket.number },
    { name: "ticket_subject", type: "text", value: (r) => r.ticket.subject },
    { name: "author_id", type: "text", value: (r) => r.entry.authorId },
    { name: "author_name", type: "text", value: (r) => r.author },
    { name: "minutes", type: "number", value: (r) => r.entry.minutes },
    { name: "billable", type: "boolean", value: (r) => r.entry.billable },
    { name: "note", type: "text", value: (r) => r.entry.note },
    { name: "started_at", type: "datetime", value: (r) => r.entry.startedAt },
    { name: "created_at", type: "datetime", value: (r) => r.entry.createdAt },
  ],
  async page(ctx, params, cursor, limit) {
    const where = timeWhere(params);
    if (cursor) where.push(newerThan(timeEntries.startedAt, timeEntries.id, cursor as { key: string; id: string }));
    const rows = await ctx.db
      .select({ entry: timeEntries, ticket: { number: tickets.number, subject: tickets.subject }, author: users.name })
      .from(timeEntries)
      .innerJoin(tickets, and(eq(tickets.id, timeEntries.ticketId), isNull(tickets.deletedAt)))
      .innerJoin(users, eq(users.id, timeEntries.authorId))
      .where(and(...where))
      .orderBy(asc(timeEntries.startedAt), asc(timeEntries.id))
      .limit(limit);
    const last = rows.at(-1);
    return { rows, cursor: rows.length === limit && last ? { key: last.entry.startedAt, id: last.entry.id } : null };
  },
};

// ---------------------------------------------------------------- satisfaction answers

const SatisfactionFilters = z.object({ ...Period, agent_id: Id.optional(), score: z.coerce.number().int().min(1).max(5).optional() }).strict();
type SatisfactionParams = z.infer<typeof SatisfactionFilters> & { asOf: string };
type SatisfactionRow = { row: typeof tickets.$inferSelect; requester: { name: string; email: string } };

const satisfactionKind: ExportKind<SatisfactionParams, SatisfactionRow> = {
  capability: "reports.all",
  sheetName: "Satisfaction",
  params: (_, filters, asOf) => ({ ...parseWith(SatisfactionFilters, filters), asOf }),
  columns: [
    { name: "ticket_id", type: "text", value: (r) => r.row.id },
    { name: "ticket_number", type: "text", value: (r) => r.row.number },
    { name: "subject", type: "text", value: (r) => r.row.subject },
    { name: "requester_name", type: "text", value: (r) => r.requester.name },
    { name: "requester_email", type: "text", value: (r) => r.requester.email },
    { name: "agent_id", type: "text", value: (r) => r.row.assigneeId },
    { name: "team_id", type: "text", value: (r) => r.row.teamId },
    { name: "score", type: "number", value: (r) => r.row.satisfactionScore },
    { name: "comment", type: "text", value: (r) => r.row.satisfactionComment },
    { name: "rated_at", type: "datetime", value: (r) => r.row.satisfactionRatedAt },
  ],
  async page(ctx, p, cursor, limit) {
    const where: SQL[] = [isNull(tickets.deletedAt), isNotNull(tickets.satisfactionRatedAt), lte(tickets.satisfactionRatedAt, p.asOf)];
    if (p.from) where.push(gte(tickets.satisfactionRatedAt, new Date(p.from).toISOString()));
    if (p.to) where.push(lt(tickets.satisfactionRatedAt, new Date(p.to).toISOString()));
    if (p.agent_id) where.push(eq(tickets.assigneeId, p.agent_id));
    if (p.score !== undefined) where.push(eq(tickets.satisfactionScore, p.score));
    if (cursor) where.push(newerThan(tickets.satisfactionRatedAt, tickets.id, cursor as { key: string; id: string }));
    const rows = await ctx.db
      .select({ row: tickets, requester: { name: users.name, email: users.email } })
      .from(tickets)
      .innerJoin(users, eq(users.id, tickets.requesterId))
      .where(and(...where))
      .orderBy(asc(tickets.satisfactionRatedAt), asc(tickets.id))
      .limit(limit);
    const last = rows.at(-1);
    return { rows, cursor: rows.length === limit && last ? { key: last.row.satisfactionRatedAt, id: last.row.id } : null };
  },
};

// ---------------------------------------------------------------- the agents report

const AgentsFilters = z
  .object({
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    tz: z.string().min(1).max(64).default("UTC"),
    team_id: Id.optional(),
  })
  .strict();
type AgentsParams = z.infer<typeof AgentsFilters>;
type AgentRow = Awaited<ReturnType<typeof agents>>["data"][number];

const agentsReportKind: ExportKind<AgentsParams, AgentRow> = {
  capability: "reports.all",
  sheetName: "Agents",
  params: (_, filters) => parseWith(AgentsFilters, filters),
  columns: [
    { name: "agent_id", type: "text", value: (r) => r.agent.id },
    { name: "agent_name", type: "text", value: (r) => r.agent.name },
    { name: "assigned", type: "number", value: (r) => r.assigned },
    { name: "solved", type: "number", value: (r) => r.solved },
    { name: "open_now", type: "number", value: (r) => r.open_now },
    { name: "first_response_median_minutes", type: "number", value: (r) => r.first_response_median_minutes },
    { name: "resolution_median_minutes", type: "number", value: (r) => r.resolution_median_minutes },
    { name: "sla_compliance_pct", type: "number", value: (r) => r.sla_compliance_pct },
    { name: "satisfaction_pct", type: "number", value: (r) => r.satisfaction_pct },
    { name: "time_spent_minutes", type: "number", value: (r) => r.time_spent_minutes },
  ],
  // One report, one page: it reads rollups only.
  async page(ctx, p) {
    const to = p.to ?? ctx.now.toISOString().slice(0, 10);
    const from = p.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    return { rows: (await agents(ctx, { from, to, tz: p.tz, team_id: p.team_id })).data, cursor: null };
  },
};

// ---------------------------------------------------------------- a person's data (privacy)

const UserFilters = z.object({ user_id: Id }).strict();
type UserParams = z.infer<typeof UserFilters>;

const userKind: ExportKind<UserParams, Awaited<ReturnType<typeof personData>>> = {
  // Everything held about someone, internal notes included: admins only (API.md "Privacy").
  capability: "users.manage",
  formats: ["json"],
  internal: true,
  sheetName: "",
  params: (_, filters) => parseWith(UserFilters, filters),
  columns: [],
  async page(ctx, p) {
    return { rows: [await personData(ctx, p.user_id)], cursor: null };
  },
  estimate: async () => 1,
};

export const EXPORT_KINDS: Record<string, ExportKind> = {
  tickets: ticketsKind,
  time_entries: timeKind,
  satisfaction: satisfactionKind,
  agents_report: agentsReportKind,
  user: userKind,
};

/** The kinds `POST /exports` makes. */
export const PUBLIC_EXPORT_KINDS = Object.keys(EXPORT_KINDS).filter((k) => !EXPORT_KINDS[k]!.internal) as [string, ...string[]];

export const formatsOf = (kind: ExportKind): readonly ExportFormat[] => kind.formats ?? ["csv", "xlsx"];

/** Every column the kind has now: its own, then those the helpdesk defines. */
export async function columnsOf(ctx: ServiceContext, kind: ExportKind): Promise<ExportColumn<unknown>[]> {
  return [...kind.columns, ...((await kind.definedColumns?.(ctx)) ?? [])];
}

/** The columns a request without `columns` gets. */
export async function defaultColumns(ctx: ServiceContext, kind: ExportKind): Promise<string[]> {
  const defined = ((await kind.definedColumns?.(ctx)) ?? []).map((c) => c.name);
  return [...(kind.defaultColumns ?? kind.columns.map((c) => c.name)), ...defined];
}
