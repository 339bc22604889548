import { checkFieldValue, type FieldDefinition } from "../../../src/domain/custom-fields";
import type { components } from "../api/schema";

/**
 * Custom fields and custom statuses in forms (console properties, portal form): a value as a form
 * control holds it (a draft), a draft back into the value the API takes, checked by the same domain
 * rule the Worker applies, and values as people read them. Pure, so it is unit-tested.
 */

export type TicketField = components["schemas"]["TicketField"];
export type TicketStatusDef = components["schemas"]["TicketStatus"];

/** What a form control holds: text for text-like inputs and selects, a tick, or the chosen options. */
export type FieldDraft = string | boolean | string[];

export function toDraft(def: TicketField, value: unknown): FieldDraft {
  if (def.type === "checkbox") return value === true;
  if (def.type === "multiselect") return Array.isArray(value) ? value.map(String) : [];
  return value === undefined || value === null ? "" : String(value);
}

const sameDraft = (a: FieldDraft, b: FieldDraft) => JSON.stringify(a) === JSON.stringify(b);

const definition = (def: TicketField): FieldDefinition => ({
  id: def.id,
  key: def.key,
  label: def.label,
  type: def.type,
  options: def.options,
  requiredToResolve: def.required_to_resolve,
  customerVisible: def.customer_visible,
  customerEditable: def.customer_editable,
  active: def.active,
});

/** A draft as the API's value (null clears it), or why it is not one, in the Worker's own words. */
export function fromDraft(def: TicketField, draft: FieldDraft): { ok: true; value: unknown } | { ok: false; message: string } {
  let raw: unknown = draft;
  if (typeof draft === "string") {
    const text = def.type === "textarea" ? draft : draft.trim();
    if (text.trim() === "") raw = null;
    else if (def.type === "integer") raw = /^[-+]?\d+$/.test(text) ? Number(text) : text;
    else if (def.type === "decimal") raw = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
    else raw = text;
  }
  const check = checkFieldValue(definition(def), raw);
  return check.ok ? { ok: true, value: check.value } : { ok: false, message: check.message };
}

/**
 * The `custom_fields` of a PATCH or create: the drafts that differ from the ticket's values, as API
 * values; `errors` by field key for drafts that are no value of their field.
 */
export function fieldEdits(
  defs: readonly TicketField[],
  values: Record<string, unknown>,
  drafts: Record<string, FieldDraft>,
): { edits: Record<string, unknown>; errors: Record<string, string> } {
  const edits: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const def of defs) {
    const draft = drafts[def.key];
    if (draft === undefined || sameDraft(draft, toDraft(def, values[def.key]))) continue;
    const parsed = fromDraft(def, draft);
    if (parsed.ok) edits[def.key] = parsed.value;
    else errors[def.key] = parsed.message;
  }
  return { edits, errors };
}

const DATE_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** A value as people read it: option labels, Yes/No, a calendar date in the user's locale. */
export function formatFieldValue(def: TicketField, value: unknown): string {
  if (value === undefined || value === null) return "—";
  const label = (v: unknown) => def.options?.find((o) => o.value === v)?.label ?? String(v);
  switch (def.type) {
    case "checkbox":
      return value === true ? "Yes" : "No";
    case "dropdown":
      return label(value);
    case "multiselect":
      return Array.isArray(value) ? value.map(label).join(", ") : String(value);
    case "date": {
      // A calendar date, not an instant: formatted at UTC midnight so no time zone moves it a day.
      const d = new Date(`${String(value)}T00:00:00Z`);
      return Number.isNaN(d.getTime()) ? String(value) : DATE_FORMAT.format(d);
    }
    default:
      return String(value);
  }
}

export interface StatusChoice {
  /** What PATCH takes as `custom_status`: a custom status key or a category's own name. */
  value: string;
  label: string;
  category: string;
}

/**
 * The statuses a ticket may move to: each allowed category, followed by its active custom statuses
 * (the ticket's own custom status stays listed even when it was deactivated since).
 */
export function statusChoices(
  categories: readonly string[],
  statuses: readonly TicketStatusDef[],
  current: string,
  categoryLabel: (c: string) => string,
): StatusChoice[] {
  const out: StatusChoice[] = [];
  for (const category of categories) {
    out.push({ value: category, label: categoryLabel(category), category });
    for (const s of statuses) if (s.category === category && (s.active || s.key === current)) out.push({ value: s.key, label: s.label, category });
  }
  return out;
}

/** The name people see for a ticket's status: its custom status's label, or the category's own name. */
export function customStatusLabel(ticket: { status: string; custom_status?: string }, statuses: readonly TicketStatusDef[] | undefined, categoryLabel: (c: string) => string) {
  const key = ticket.custom_status ?? ticket.status;
  if (key === ticket.status) return categoryLabel(ticket.status);
  return statuses?.find((s) => s.key === key)?.label ?? key.replace(/_/g, " ");
}

/** How the filter bar offers a field the list API filters by (`cf.<key>=`): a choice, a whole number, a day. */
export type BarFilterControl = "select" | "integer" | "date";

/** The filter bar's control for a field, or null for types the list API does not filter by (text, decimal). */
export function barFilterControl(def: TicketField): BarFilterControl | null {
  if (!def.active) return null;
  switch (def.type) {
    case "dropdown":
    case "multiselect":
    case "checkbox":
      return "select";
    case "integer":
      return "integer";
    case "date":
      return "date";
    default:
      return null;
  }
}

/**
 * A typed filter value as the list API takes it, or null when it is no value of that control (an
 * empty box, "1.5" for a whole number, a day that does not exist): the bar then drops the filter.
 */
export function barFilterValue(control: "integer" | "date", text: string): string | null {
  const value = text.trim();
  if (control === "integer") return /^-?\d{1,15}$/.test(value) ? String(Number(value)) : null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value) ? value : null;
}

/** A field's options as admins write them: one a line, `value = Label`, or a label alone (its value made from it). */
export function parseOptions(text: string): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    const label = (at >= 0 ? line.slice(at + 1) : line).trim();
    const value =
      at >= 0
        ? line.slice(0, at).trim()
        : label
            .toLowerCase()
            .normalize("NFKD")
            .replace(/[\u0300-\u036f]/g, "")
            .replace(/[^\p{L}\p{N}_.:-]+/gu, "_")
            .replace(/^_+|_+$/g, "")
            .slice(0, 100);
    if (!out.some((o) => o.value === value)) out.push({ value, label: label || value });
  }
  return out;
}

export const formatOptions = (options: readonly { value: string; label: string }[] | null) => (options ?? []).map((o) => `${o.value} = ${o.label}`).join("\n");
