import { FILTERABLE_FIELD_TYPES, type FieldType } from "./vocabulary";

/**
 * Custom ticket fields (API.md "Custom fields"): what a value of each type may be, who may set it,
 * what must be filled before a ticket is resolved, and what customers see. Pure: the definitions
 * come in as data (features/fields reads them), nothing here reads a clock or the database.
 */

export type FieldValue = string | number | boolean | string[];
/** A ticket's values by field key; a field without a value is absent. */
export type FieldValues = Record<string, FieldValue>;

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldDefinition {
  id: string;
  key: string;
  label: string;
  type: FieldType;
  options: FieldOption[] | null;
  requiredToResolve: boolean;
  customerVisible: boolean;
  customerEditable: boolean;
  active: boolean;
}

/** The definitions that exist (active or not), by key. */
export type FieldCatalog = ReadonlyMap<string, FieldDefinition>;
export const EMPTY_CATALOG: FieldCatalog = new Map();

// A single-line text is a label-sized value; a textarea holds a paragraph or a pasted log excerpt.
export const MAX_TEXT_CHARS = 255;
export const MAX_TEXTAREA_CHARS = 10_000;
/** Dropdown and multiselect option values: short machine words, like tags. */
export const OPTION_VALUE = /^[\p{L}\p{N}_.:-]{1,100}$/u;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isFilterable = (type: FieldType) => (FILTERABLE_FIELD_TYPES as readonly FieldType[]).includes(type);

/** The wire name of a field's value in `errors`, history `changes` and events. */
export const fieldPath = (key: string) => `custom_fields.${key}`;

export type ValueCheck = { ok: true; value: FieldValue | null } | { ok: false; message: string };

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** A value for `def` as sent in a body: the value to store (null clears it), or why it is not one. */
export function checkFieldValue(def: FieldDefinition, raw: unknown): ValueCheck {
  if (raw === null) return { ok: true, value: null };
  const options = new Set((def.options ?? []).map((o) => o.value));
  switch (def.type) {
    case "text":
    case "textarea": {
      if (typeof raw !== "string") return { ok: false, message: "must be a string" };
      const max = def.type === "text" ? MAX_TEXT_CHARS : MAX_TEXTAREA_CHARS;
      const value = def.type === "text" ? raw.trim() : raw;
      if (def.type === "text" && /[\r\n]/.test(value)) return { ok: false, message: "must be a single line" };
      if (value.length > max) return { ok: false, message: `must be at most ${max} characters` };
      return { ok: true, value: value.trim() === "" ? null : value };
    }
    case "integer":
      if (typeof raw !== "number" || !Number.isSafeInteger(raw)) return { ok: false, message: "must be an integer" };
      return { ok: true, value: raw };
    case "decimal":
      if (typeof raw !== "number" || !Number.isFinite(raw)) return { ok: false, message: "must be a number" };
      return { ok: true, value: raw };
    case "checkbox":
      if (typeof raw !== "boolean") return { ok: false, message: "must be true or false" };
      return { ok: true, value: raw };
    case "date":
      if (typeof raw !== "string" || !validDate(raw)) return { ok: false, message: "must be a date (YYYY-MM-DD)" };
      return { ok: true, value: raw };
    case "dropdown":
      if (typeof raw !== "string" || !options.has(raw)) return { ok: false, message: `must be one of: ${[...options].join(", ")}` };
      return { ok: true, value: raw };
    case "multiselect": {
      if (!Array.isArray(raw) || raw.some((v) => typeof v !== "string" || !options.has(v))) {
        return { ok: false, message: `must be a list of: ${[...options].join(", ")}` };
      }
      const values = [...new Set(raw as string[])];
      return { ok: true, value: values.length ? values : null };
    }
  }
}

/** Whether a value counts as filled in (a required checkbox must be ticked, a multiselect hold one). */
export function isFilled(def: FieldDefinition, value: FieldValue | undefined): boolean {
  if (value === undefined) return false;
  if (def.type === "checkbox") return value === true;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Keys of active fields required to resolve that `values` leaves empty. */
export function missingToResolve(catalog: FieldCatalog, values: FieldValues): string[] {
  return [...catalog.values()].filter((d) => d.active && d.requiredToResolve && !isFilled(d, values[d.key])).map((d) => d.key);
}

export type FieldEditFailure = { reason: "validation" | "forbidden"; errors: Record<string, string[]> };
export type FieldEditResult =
  | { ok: true; next: FieldValues; changes: Record<string, [FieldValue | null, FieldValue | null]> }
  | ({ ok: false } & FieldEditFailure);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies `edit` (key -> raw value, null clears) to a ticket's values. Who sets them matters:
 * `customer` may set customer-editable fields only, and a field they may not see does not exist
 * for them (no oracle of its name); staff and the system may set any active field. Every problem
 * is reported at once, by field path.
 */
export function applyFieldEdit(catalog: FieldCatalog, current: FieldValues, edit: Record<string, unknown>, by: "staff" | "customer"): FieldEditResult {
  const errors: Record<string, string[]> = {};
  const forbidden: Record<string, string[]> = {};
  const next: FieldValues = { ...current };
  const changes: Record<string, [FieldValue | null, FieldValue | null]> = {};
  for (const [key, raw] of Object.entries(edit)) {
    const def = catalog.get(key);
    if (!def || (by === "customer" && !def.customerVisible)) {
      errors[fieldPath(key)] = ["no such field"];
      continue;
    }
    const check = checkFieldValue(def, raw);
    if (!check.ok) {
      errors[fieldPath(key)] = [check.message];
      continue;
    }
    const before = current[key] ?? null;
    if (same(before, check.value)) continue;
    if (by === "customer" && !def.customerEditable) {
      forbidden[fieldPath(key)] = ["customers may not change this field"];
      continue;
    }
    if (!def.active && check.value !== null) {
      errors[fieldPath(key)] = ["the field is inactive"];
      continue;
    }
    if (check.value === null) delete next[key];
    else next[key] = check.value;
    changes[key] = [before, check.value];
  }
  if (Object.keys(errors).length) return { ok: false, reason: "validation", errors };
  if (Object.keys(forbidden).length) return { ok: false, reason: "forbidden", errors: forbidden };
  return { ok: true, next, changes };
}

/** The values a customer may see: customer-visible fields only (unknown keys never). */
export function customerValues(catalog: FieldCatalog, values: FieldValues): FieldValues {
  return Object.fromEntries(Object.entries(values).filter(([key]) => catalog.get(key)?.customerVisible === true));
}

/** The values of fields that exist; a deleted field's leftovers are shown to no one. */
export function knownValues(catalog: FieldCatalog, values: FieldValues): FieldValues {
  return Object.fromEntries(Object.entries(values).filter(([key]) => catalog.has(key)));
}

/** The keys of customer-visible fields: what events carry so consumers can project without the catalog. */
export const customerVisibleKeys = (catalog: FieldCatalog) => [...catalog.values()].filter((d) => d.customerVisible).map((d) => d.key);

/**
 * A `changes` map ({field: [old, new]}) as a customer may see it: custom field entries of fields
 * they may not see are dropped (`visible`: keys of customer-visible fields).
 */
export function customerChanges<T>(changes: Record<string, T>, visible: readonly string[]): Record<string, T> {
  const prefix = fieldPath("");
  return Object.fromEntries(Object.entries(changes).filter(([k]) => !k.startsWith(prefix) || visible.includes(k.slice(prefix.length))));
}

/**
 * A wire ticket (or anything with `custom_fields`) as a customer may see it: the visible custom
 * fields only, and no `time_spent_minutes` (logged time is staff bookkeeping).
 */
export function customerTicket<T extends { custom_fields: FieldValues; time_spent_minutes?: number }>(ticket: T, visible: readonly string[]): T {
  const { time_spent_minutes: _staffOnly, ...shown } = ticket;
  return { ...shown, custom_fields: Object.fromEntries(Object.entries(ticket.custom_fields).filter(([k]) => visible.includes(k))) } as T;
}

/**
 * The index rows of a ticket's values (`ticket_field_values`): one per filterable value, a
 * multiselect one per option; text goes to `text`, numbers and checkboxes to `int`.
 */
export function indexEntries(def: FieldDefinition, value: FieldValue): { text: string | null; int: number | null }[] {
  if (!isFilterable(def.type)) return [];
  switch (def.type) {
    case "checkbox":
      return [{ text: null, int: value ? 1 : 0 }];
    case "integer":
      return typeof value === "number" ? [{ text: null, int: value }] : [];
    case "multiselect":
      return Array.isArray(value) ? value.map((v) => ({ text: v, int: null })) : [];
    default:
      return typeof value === "string" ? [{ text: value, int: null }] : [];
  }
}

export type FilterValue = { text: string; int?: undefined } | { int: number; text?: undefined };

/** A `?cf.<key>=` query value for `def`: what its index rows hold, or why it cannot be one. */
export function parseFilterValue(def: FieldDefinition, raw: string): { ok: true; value: FilterValue } | { ok: false; message: string } {
  if (!isFilterable(def.type)) return { ok: false, message: `a ${def.type} field cannot be filtered by` };
  switch (def.type) {
    case "checkbox":
      if (raw !== "true" && raw !== "false") return { ok: false, message: "must be true or false" };
      return { ok: true, value: { int: raw === "true" ? 1 : 0 } };
    case "integer": {
      const n = /^-?\d{1,16}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) return { ok: false, message: "must be an integer" };
      return { ok: true, value: { int: n } };
    }
    case "date":
      if (!validDate(raw)) return { ok: false, message: "must be a date (YYYY-MM-DD)" };
      return { ok: true, value: { text: raw } };
    default: {
      const check = checkFieldValue(def, def.type === "multiselect" ? [raw] : raw);
      if (!check.ok) return { ok: false, message: check.message };
      return { ok: true, value: { text: raw } };
    }
  }
}
