import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { preparedSelect, type BatchItem } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { ticketFields, ticketFieldValues, tickets, ticketStatuses } from "../../db/schema";
import {
  indexEntries,
  isFilterable,
  parseFilterValue,
  type FieldCatalog,
  type FieldDefinition,
  type FieldOption,
  type FieldValues,
  type FilterValue,
} from "../../domain/custom-fields";
import { isBuiltInStatus, resolveStatusEdit, type StatusCatalog, type StatusEdit } from "../../domain/custom-statuses";
import { isStaff } from "../../domain/permissions";
import type { FieldType, StatusCategory, TicketStatus } from "../../domain/vocabulary";
import { AppError, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { catalogHeld, forgetRequestCatalog, keepFieldCatalog, keptForWrite, readsCatalogOnPrimary, requestCatalog, setRequestCatalog, versionOf, versionRead, type VersionedCatalog } from "./kept-catalog";

type FieldRow = typeof ticketFields.$inferSelect;
type StatusRow = typeof ticketStatuses.$inferSelect;

/**
 * Custom field definitions and custom statuses: their admin routes, and the catalogs the ticket
 * services read (validation, the serializer's customer view, list filters). A deployment has a
 * handful of each, so a catalog is read whole, at most once per service context; the field catalog
 * is kept in the isolate for views whose request read its version (kept-catalog.ts), which every
 * write of a field definition sets (migrations/0047's triggers).
 */

/** Definitions that exist at once (deleted ones do not count): a form of 100 fields is already unusable. */
export const MAX_FIELDS = 100;
export const MAX_STATUSES = 100;
/** Options of one dropdown or multiselect: a country list fits; beyond that it wants a lookup, not a field. */
export const MAX_OPTIONS = 300;
// D1 binds at most 100 parameters per statement: index rows have 5 columns.
const INDEX_ROWS_PER_INSERT = 19;
// A deleted field's index rows go in slices, so one request never deletes a million rows at once.
const PURGE_SLICE = 5_000;

const statusCatalogs = new WeakMap<ServiceContext, Promise<StatusCatalog>>();

const definitionOf = (r: FieldRow): FieldDefinition => ({
  id: r.id,
  key: r.key,
  label: r.label,
  type: r.type,
  options: r.options,
  requiredToResolve: r.requiredToResolve,
  customerVisible: r.customerVisible,
  customerEditable: r.customerEditable,
  active: r.active,
});

/**
 * The definitions that exist, as text and read with all(): a create's first D1 call carries it with
 * the caller's row (db/caller-gate.ts), where drizzle's select (raw()) cost the caller a call of its
 * own. A lookup by key: no order needed (and none asked for, so no sort of the table).
 */
const liveFields = preparedSelect({ field: ticketFields }, 'from "ticket_fields" where "ticket_fields"."deleted_at" is null');

/**
 * The field definitions that exist (active or not), once per context: the isolate's kept catalog
 * when the context read its version with its rows and it is that one (kept-catalog.ts), else read
 * with its version in one batch (one call, as before) and kept.
 */
export async function fieldCatalog(ctx: ServiceContext): Promise<FieldCatalog> {
  return (await (requestCatalog(ctx) ?? freshFieldCatalog(ctx))).fields;
}

/** The catalog read now, with its version (one batch): the isolate keeps it and the request uses it from here on. */
function freshFieldCatalog(ctx: ServiceContext): Promise<VersionedCatalog> {
  const catalog = readFieldCatalog(ctx);
  setRequestCatalog(ctx, catalog);
  // A failed read is not the request's catalog: its next use reads again (and no rejection goes unhandled).
  catalog.catch(() => {
    if (requestCatalog(ctx) === catalog) forgetRequestCatalog(ctx);
  });
  return catalog;
}

async function readFieldCatalog(ctx: ServiceContext): Promise<VersionedCatalog> {
  // Without a session the binding reads the primary (kept-catalog.ts readsCatalogOnPrimary).
  const d1 = readsCatalogOnPrimary(ctx) ? ctx.env.DB : ctx.db.$client;
  const read = liveFields.inBatch(d1, []);
  // The catalog first: a create's first call carries the caller's row and then this (db/caller-gate.ts).
  const [rows, version] = await d1.batch([read.statement, versionRead(d1)]);
  const catalog = { version: versionOf(version), fields: new Map(read.rows(rows!).map(({ field }) => [field.key, definitionOf(field)])) as FieldCatalog };
  keepFieldCatalog(catalog.version, catalog.fields);
  return catalog;
}

/**
 * The catalog a ticket write's plan validated against (a create's values, a change's edit), or
 * rendered its values with (events, the field index), carried by the plan into its write
 * (features/tickets/ticket-write.ts TicketWrite `catalog`). `held`: its version and the statement
 * the write's batch carries (kept-catalog.ts catalogHeld: the batch fails unless D1's version is
 * still it, and the write is planned again from a fresh read). Every such write carries it, from the
 * isolate's copy or from the request's own catalog: a bulk's or a sweep's later writes come seconds
 * after its read, and a field hidden or made required meanwhile must not reach them. `copy`: the
 * isolate's copy, which no read of this request has shown current. Each plan holds its own check:
 * nothing of it is left in the context, so writes in flight at once on one context cannot take or
 * drop one another's.
 */
export interface PlannedCatalog {
  fields: FieldCatalog;
  held: { version: string; check: BatchItem };
  copy: boolean;
}

/**
 * The field catalog a ticket write plans from: the request's when it has one, else the isolate's
 * kept one, else read; checked in the write's batch either way (see {@link PlannedCatalog}). A
 * refusal must not rest on the kept copy, nor a plan that writes nothing: see {@link decideOnFreshCatalog}.
 */
export async function plannedFieldCatalog(ctx: ServiceContext): Promise<PlannedCatalog> {
  const own = requestCatalog(ctx);
  // After a failed check, never the isolate's copy: a request served by a lagging replica may have
  // kept the failed version again, and each attempt would fail on it until a 409.
  const copy = own || readsCatalogOnPrimary(ctx) ? null : keptForWrite();
  const { version, fields } = copy ?? (await (own ?? freshFieldCatalog(ctx)));
  return { fields, held: { version, check: catalogHeld(ctx.db, version) }, copy: copy !== null };
}

/**
 * Whether a plan that sends no batch to check its catalog (it refused, or has nothing to write)
 * should plan again: its catalog was the isolate's copy, unchecked (a field just defined or deleted,
 * an option just added, a field no longer required to resolve). The request then reads the catalog,
 * and its next plan decides on that read. One decided on the request's own catalog stands (no read
 * more): it is what the request read.
 */
export function decideOnFreshCatalog(ctx: ServiceContext, planned: PlannedCatalog): boolean {
  if (!planned.copy) return false;
  void freshFieldCatalog(ctx);
  return true;
}

/** The custom statuses (active or not), read once per context. */
export function statusCatalog(ctx: ServiceContext): Promise<StatusCatalog> {
  let catalog = statusCatalogs.get(ctx);
  if (!catalog) {
    catalog = ctx.db
      .select()
      .from(ticketStatuses)
      .then((rows) => new Map(rows.map((r) => [r.key, { id: r.id, key: r.key, label: r.label, category: r.category, active: r.active }])));
    statusCatalogs.set(ctx, catalog);
  }
  return catalog;
}

/** After a definition changes, this context reads the catalogs again. */
function forgetCatalogs(ctx: ServiceContext) {
  // What this context read (or the kept copy at the version it saw) is not the catalog any more.
  forgetRequestCatalog(ctx);
  statusCatalogs.delete(ctx);
}

// ---------------------------------------------------------------- the filter index

/**
 * The index rows of a ticket's custom field values that changed from `before` to `after`
 * (`ticket_field_values`): the changed fields' rows are replaced. The one ticket write calls it, so
 * every path that changes values keeps the index true.
 */
export function fieldIndexWrites(
  ctx: ServiceContext,
  ticket: { id: string; createdAt: string },
  before: FieldValues | null,
  after: FieldValues,
  catalog: FieldCatalog,
): BatchItem[] {
  const changed = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].filter(
    (key) => JSON.stringify(before?.[key]) !== JSON.stringify(after[key]),
  );
  const defs = changed.map((key) => catalog.get(key)).filter((d): d is FieldDefinition => d !== undefined && isFilterable(d.type));
  if (!defs.length) return [];
  const items: BatchItem[] = [];
  if (before && Object.keys(before).length) {
    items.push(ctx.db.delete(ticketFieldValues).where(and(eq(ticketFieldValues.ticketId, ticket.id), inArray(ticketFieldValues.fieldId, defs.map((d) => d.id)))));
  }
  // The ticket's rowid, read in the batch (a new ticket's row is inserted before these).
  const ticketRowid = sql<number>`(SELECT rowid FROM ${tickets} WHERE ${tickets.id} = ${ticket.id})`;
  const rows = defs.flatMap((d) =>
    after[d.key] === undefined
      ? []
      : indexEntries(d, after[d.key]!).map((e) => ({ fieldId: d.id, ticketId: ticket.id, valueText: e.text, valueInt: e.int, ticketCreatedAt: ticket.createdAt, ticketRowid })),
  );
  for (let i = 0; i < rows.length; i += INDEX_ROWS_PER_INSERT) items.push(ctx.db.insert(ticketFieldValues).values(rows.slice(i, i + INDEX_ROWS_PER_INSERT)));
  return items;
}

/** A deleted ticket leaves every filter at once. */
export const dropFieldIndex = (ctx: ServiceContext, ticketId: string): BatchItem => ctx.db.delete(ticketFieldValues).where(eq(ticketFieldValues.ticketId, ticketId));

// ---------------------------------------------------------------- wire shapes

export function toField(r: FieldRow) {
  return {
    id: r.id,
    key: r.key,
    label: r.label,
    type: r.type,
    options: r.options,
    required_to_resolve: r.requiredToResolve,
    customer_visible: r.customerVisible,
    customer_editable: r.customerEditable,
    active: r.active,
    position: r.position,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export function toStatus(r: StatusRow) {
  return { id: r.id, key: r.key, label: r.label, category: r.category, active: r.active, position: r.position, created_at: r.createdAt, updated_at: r.updatedAt };
}

// ---------------------------------------------------------------- field definitions

export interface FieldInput {
  key?: string | undefined;
  label?: string | undefined;
  type?: FieldType | undefined;
  options?: FieldOption[] | null | undefined;
  required_to_resolve?: boolean | undefined;
  customer_visible?: boolean | undefined;
  customer_editable?: boolean | undefined;
  active?: boolean | undefined;
  position?: number | undefined;
}

const hasOptions = (type: FieldType) => type === "dropdown" || type === "multiselect";

/** The rules between a definition's attributes, checked on the definition as it will be. */
function checkDefinition(d: { type: FieldType; options: FieldOption[] | null; customerVisible: boolean; customerEditable: boolean }) {
  if (hasOptions(d.type)) {
    if (!d.options?.length) throw validation("A choice field needs options", { options: [`a ${d.type} needs at least one option`] });
    const values = d.options.map((o) => o.value);
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup) throw validation("Duplicate option", { options: [`value ${dup} appears twice`] });
  } else if (d.options?.length) {
    throw validation("Options only for choices", { options: [`a ${d.type} field has no options`] });
  }
  if (d.customerEditable && !d.customerVisible) {
    throw validation("Editable but hidden", { customer_editable: ["a field customers may edit must be customer_visible"] });
  }
}

async function fieldRow(ctx: ServiceContext, id: string): Promise<FieldRow> {
  const [row] = await ctx.db.select().from(ticketFields).where(and(eq(ticketFields.id, id), isNull(ticketFields.deletedAt))).limit(1);
  if (!row) throw notFound("Ticket field");
  return row;
}

/** Staff see every definition; customers the active ones they may see (what a portal form shows). */
export async function listFields(ctx: ServiceContext) {
  const rows = await ctx.db.select().from(ticketFields).where(isNull(ticketFields.deletedAt)).orderBy(asc(ticketFields.position), asc(ticketFields.createdAt));
  const staff = ctx.actor !== null && isStaff(ctx.actor.role);
  return { data: rows.filter((r) => staff || (r.customerVisible && r.active)).map(toField) };
}

export async function getField(ctx: ServiceContext, id: string) {
  const row = await fieldRow(ctx, id);
  if (ctx.actor && !isStaff(ctx.actor.role) && !(row.customerVisible && row.active)) throw notFound("Ticket field");
  return toField(row);
}

export async function createField(ctx: ServiceContext, input: FieldInput & { key: string; label: string; type: FieldType }) {
  const now = ctx.now.toISOString();
  const row: FieldRow = {
    id: newId(ctx.now.getTime()),
    key: input.key,
    label: input.label,
    type: input.type,
    options: input.options ?? null,
    requiredToResolve: input.required_to_resolve ?? false,
    customerVisible: input.customer_visible ?? false,
    customerEditable: input.customer_editable ?? false,
    active: input.active ?? true,
    position: input.position ?? 0,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  checkDefinition(row);
  const [{ n }] = (await ctx.db.select({ n: sql<number>`count(*)` }).from(ticketFields).where(isNull(ticketFields.deletedAt))) as [{ n: number }];
  if (n >= MAX_FIELDS) throw new AppError("CONFLICT", `At most ${MAX_FIELDS} ticket fields; delete one first`);
  try {
    await ctx.db.batch([
      ctx.db.insert(ticketFields).values(row),
      auditInsert(ctx, { action: "ticket_field.created", entityType: "ticket_field", entityId: row.id, changes: { key: [null, row.key], type: [null, row.type] } }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err, "ticket_fields")) throw new AppError("CONFLICT", `The key ${row.key} is taken (keys of deleted fields stay taken)`);
    throw err;
  }
  forgetCatalogs(ctx);
  return toField(row);
}

export async function patchField(ctx: ServiceContext, id: string, input: FieldInput) {
  const before = await fieldRow(ctx, id);
  // The key names values on every ticket and the type says what they are: both are fixed.
  if (input.key !== undefined && input.key !== before.key) throw validation("The key cannot change", { key: ["fixed once the field exists"] });
  if (input.type !== undefined && input.type !== before.type) throw validation("The type cannot change", { type: ["fixed once the field exists"] });
  const after: FieldRow = {
    ...before,
    label: input.label ?? before.label,
    options: input.options !== undefined ? input.options : before.options,
    requiredToResolve: input.required_to_resolve ?? before.requiredToResolve,
    customerVisible: input.customer_visible ?? before.customerVisible,
    customerEditable: input.customer_editable ?? before.customerEditable,
    active: input.active ?? before.active,
    position: input.position ?? before.position,
    updatedAt: ctx.now.toISOString(),
  };
  checkDefinition(after);
  const changes = diff(toField(before), toField(after));
  if (!Object.keys(changes).length) return toField(before);
  await ctx.db.batch([
    ctx.db.update(ticketFields).set(after).where(eq(ticketFields.id, id)),
    auditInsert(ctx, { action: "ticket_field.updated", entityType: "ticket_field", entityId: id, changes }),
  ]);
  forgetCatalogs(ctx);
  return toField(after);
}

/**
 * A deleted field is shown nowhere from this moment (the serializer shows only fields that exist)
 * and leaves every filter; its values on tickets are dropped by the tickets' next writes. Its key
 * stays taken so those leftovers can never surface under a new field of another type.
 */
export async function deleteField(ctx: ServiceContext, id: string) {
  const row = await fieldRow(ctx, id);
  const now = ctx.now.toISOString();
  await ctx.db.batch([
    ctx.db.update(ticketFields).set({ deletedAt: now, active: false, updatedAt: now }).where(eq(ticketFields.id, id)),
    auditInsert(ctx, { action: "ticket_field.deleted", entityType: "ticket_field", entityId: id, changes: { key: row.key, deleted_at: [null, now] } }),
  ]);
  forgetCatalogs(ctx);
  for (;;) {
    const result = await ctx.db.run(
      sql`DELETE FROM ticket_field_values WHERE rowid IN (SELECT rowid FROM ticket_field_values WHERE field_id = ${id} LIMIT ${PURGE_SLICE})`,
    );
    if ((result.meta.changes ?? 0) < PURGE_SLICE) break;
  }
}

const diff = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Object.fromEntries(
    Object.keys(b)
      .filter((k) => k !== "updated_at" && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      .map((k) => [k, [a[k], b[k]]]),
  );

// ---------------------------------------------------------------- custom statuses

export interface StatusInput {
  key?: string | undefined;
  label?: string | undefined;
  category?: StatusCategory | undefined;
  active?: boolean | undefined;
  position?: number | undefined;
}

async function statusRow(ctx: ServiceContext, id: string): Promise<StatusRow> {
  const [row] = await ctx.db.select().from(ticketStatuses).where(eq(ticketStatuses.id, id)).limit(1);
  if (!row) throw notFound("Ticket status");
  return row;
}

export async function listStatuses(ctx: ServiceContext) {
  const rows = await ctx.db.select().from(ticketStatuses).orderBy(asc(ticketStatuses.position), asc(ticketStatuses.createdAt));
  return { data: rows.map(toStatus) };
}

export async function createStatus(ctx: ServiceContext, input: StatusInput & { key: string; label: string; category: StatusCategory }) {
  if (isBuiltInStatus(input.key)) throw validation("A built-in name", { key: [`${input.key} is a status category's own name`] });
  const now = ctx.now.toISOString();
  const row: StatusRow = {
    id: newId(ctx.now.getTime()),
    key: input.key,
    label: input.label,
    category: input.category,
    active: input.active ?? true,
    position: input.position ?? 0,
    createdAt: now,
    updatedAt: now,
  };
  const [{ n }] = (await ctx.db.select({ n: sql<number>`count(*)` }).from(ticketStatuses)) as [{ n: number }];
  if (n >= MAX_STATUSES) throw new AppError("CONFLICT", `At most ${MAX_STATUSES} custom statuses`);
  try {
    await ctx.db.batch([
      ctx.db.insert(ticketStatuses).values(row),
      auditInsert(ctx, { action: "ticket_status.created", entityType: "ticket_status", entityId: row.id, changes: { key: [null, row.key], category: [null, row.category] } }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err, "ticket_statuses")) throw new AppError("CONFLICT", `The key ${row.key} is taken`);
    throw err;
  }
  forgetCatalogs(ctx);
  return toStatus(row);
}

/** Label, order and whether it can still be chosen; key and category are what tickets hold, so they are fixed. */
export async function patchStatus(ctx: ServiceContext, id: string, input: StatusInput) {
  const before = await statusRow(ctx, id);
  if (input.key !== undefined && input.key !== before.key) throw validation("The key cannot change", { key: ["fixed once the status exists"] });
  if (input.category !== undefined && input.category !== before.category) {
    throw validation("The category cannot change", { category: ["tickets in this status are in its category; create a new status instead"] });
  }
  const after: StatusRow = {
    ...before,
    label: input.label ?? before.label,
    active: input.active ?? before.active,
    position: input.position ?? before.position,
    updatedAt: ctx.now.toISOString(),
  };
  const changes = diff(toStatus(before), toStatus(after));
  if (!Object.keys(changes).length) return toStatus(before);
  await ctx.db.batch([
    ctx.db.update(ticketStatuses).set(after).where(eq(ticketStatuses.id, id)),
    auditInsert(ctx, { action: "ticket_status.updated", entityType: "ticket_status", entityId: id, changes }),
  ]);
  forgetCatalogs(ctx);
  return toStatus(after);
}

// ---------------------------------------------------------------- list filters

/** `?cf.<key>=` filters of one list: each beyond the first is one more index probe per row. */
export const MAX_FIELD_FILTERS = 5;
export const FIELD_FILTER_PREFIX = "cf.";

export interface FieldFilter {
  def: FieldDefinition;
  value: FilterValue;
}

/**
 * The `cf.<key>=<value>` parameters of a query string as filters. Customers filter by fields they
 * may see only: any other key is "no such field" for them, as for a key that does not exist.
 */
export async function parseFieldFilters(ctx: ServiceContext, query: Record<string, string>): Promise<FieldFilter[]> {
  const entries = Object.entries(query).filter(([name]) => name.startsWith(FIELD_FILTER_PREFIX));
  if (!entries.length) return [];
  if (entries.length > MAX_FIELD_FILTERS) throw validation("Too many field filters", { cf: [`at most ${MAX_FIELD_FILTERS} cf.<key> filters`] });
  const catalog = await fieldCatalog(ctx);
  const customer = ctx.actor !== null && !isStaff(ctx.actor.role);
  const errors: Record<string, string[]> = {};
  const filters: FieldFilter[] = [];
  for (const [name, raw] of entries) {
    const def = catalog.get(name.slice(FIELD_FILTER_PREFIX.length));
    if (!def || (customer && !def.customerVisible)) {
      errors[name] = ["no such field"];
      continue;
    }
    const parsed = parseFilterValue(def, raw);
    if (parsed.ok) filters.push({ def, value: parsed.value });
    else errors[name] = [parsed.message];
  }
  if (Object.keys(errors).length) throw validation("Invalid field filter", errors);
  return filters;
}

/** `?custom_status=` keys as the built-in categories (without a custom status) and the custom ones. */
export async function parseCustomStatusFilter(ctx: ServiceContext, keys: string[]) {
  const catalog = await statusCatalog(ctx);
  const unknown = keys.filter((k) => !isBuiltInStatus(k) && !catalog.has(k));
  if (unknown.length) throw validation("Unknown status", { custom_status: [`no such status: ${unknown.join(", ")}`] });
  return { builtIn: keys.filter(isBuiltInStatus), custom: keys.filter((k) => !isBuiltInStatus(k)) };
}

/** The edit of a PATCH's `status` / `custom_status` (either, or both if they agree). */
export async function statusEditOf(ctx: ServiceContext, input: { status?: TicketStatus | undefined; custom_status?: string | undefined }): Promise<StatusEdit> {
  if (input.custom_status === undefined) return input.status === undefined ? {} : { status: input.status };
  const resolved = resolveStatusEdit(await statusCatalog(ctx), { status: input.status, customStatus: input.custom_status });
  if (!resolved.ok) throw validation("Invalid status", resolved.errors);
  return resolved.edit;
}
