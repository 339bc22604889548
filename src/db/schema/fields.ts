import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { FieldOption } from "../../domain/custom-fields";
import { FIELD_TYPES, STATUS_CATEGORIES } from "../../domain/vocabulary";
import { tickets } from "./tickets";

/** Custom ticket field definitions (API.md "Custom fields"); a handful per deployment, read whole. */
export const ticketFields = sqliteTable(
  "ticket_fields",
  {
    id: text("id").primaryKey(),
    /** The name in `custom_fields` and `?cf.<key>=`; fixed once created, and never reused after a delete. */
    key: text("key").notNull(),
    label: text("label").notNull(),
    type: text("type", { enum: FIELD_TYPES }).notNull(),
    /** Dropdown and multiselect choices (JSON `[{value, label}]`); null for other types. */
    options: text("options", { mode: "json" }).$type<FieldOption[]>(),
    requiredToResolve: integer("required_to_resolve", { mode: "boolean" }).notNull().default(false),
    customerVisible: integer("customer_visible", { mode: "boolean" }).notNull().default(false),
    customerEditable: integer("customer_editable", { mode: "boolean" }).notNull().default(false),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    position: integer("position").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Deleted: shown nowhere, its key stays taken so old values on tickets can never surface under a new field. */
    deletedAt: text("deleted_at"),
  },
  (t) => [uniqueIndex("ticket_fields_key_uq").on(t.key)],
);

/**
 * The filter index of custom field values (an EAV table with typed columns): one row per
 * filterable value of a ticket (dropdown, multiselect option, checkbox, integer, date), with the
 * ticket's creation time and rowid, so `?cf.<key>=<value>` walks (field, value, created_at, rowid)
 * in the list's default order (ties by rowid, as every list) and stops after a page, unsorted. The
 * values themselves are read from `tickets.custom_fields`.
 */
export const ticketFieldValues = sqliteTable(
  "ticket_field_values",
  {
    fieldId: text("field_id").notNull().references(() => ticketFields.id),
    ticketId: text("ticket_id").notNull().references(() => tickets.id),
    /** Dropdown and multiselect option values, dates (YYYY-MM-DD). */
    valueText: text("value_text"),
    /** Integers; checkboxes as 0/1. */
    valueInt: integer("value_int"),
    /** The ticket's `created_at` (never changes): the list's default order inside one value. */
    ticketCreatedAt: text("ticket_created_at").notNull(),
    /** The ticket's rowid (never changes): the list's tie-break, and the join back to the ticket. */
    ticketRowid: integer("ticket_rowid").notNull(),
  },
  (t) => [
    index("ticket_field_values_text_idx").on(t.fieldId, t.valueText, t.ticketCreatedAt, t.ticketRowid).where(sql`value_text IS NOT NULL`),
    index("ticket_field_values_int_idx").on(t.fieldId, t.valueInt, t.ticketCreatedAt, t.ticketRowid).where(sql`value_int IS NOT NULL`),
    // Replacing a ticket's values of one field; a customer's own list (and a second filter) checks a
    // value per ticket: with the values in it, that probe reads one index entry and no table row.
    index("ticket_field_values_ticket_idx").on(t.ticketId, t.fieldId, t.valueText, t.valueInt),
  ],
);

/** Custom statuses (API.md "Custom statuses"): each a kind of one status category. */
export const ticketStatuses = sqliteTable(
  "ticket_statuses",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    label: text("label").notNull(),
    category: text("category", { enum: STATUS_CATEGORIES }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    position: integer("position").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("ticket_statuses_key_uq").on(t.key)],
);
