import { z } from "@hono/zod-openapi";
import { MAX_TEXT_CHARS, OPTION_VALUE } from "../../domain/custom-fields";
import { STATUS_KEY } from "../../domain/custom-statuses";
import { FIELD_TYPES, STATUS_CATEGORIES } from "../../domain/vocabulary";
import { IsoDate, matching } from "../../lib/openapi";
import { MAX_OPTIONS } from "./fields.service";

const Key = z
  .string()
  .regex(STATUS_KEY, "lowercase letters, digits and _, starting with a letter (at most 50)")
  .openapi({ example: "order_number" });
const Label = z.string().trim().min(1).max(MAX_TEXT_CHARS);
const Position = z.number().int().min(0).max(10_000);

const Option = z.object({
  value: matching(z.string(), OPTION_VALUE, "letters, digits, _ . : - (at most 100)"),
  label: z.string().trim().min(1).max(MAX_TEXT_CHARS),
});

export const FieldSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    label: z.string(),
    type: z.enum(FIELD_TYPES),
    options: z.array(Option).nullable(),
    required_to_resolve: z.boolean(),
    customer_visible: z.boolean(),
    customer_editable: z.boolean(),
    active: z.boolean(),
    position: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("TicketField");
export const FieldList = z.object({ data: z.array(FieldSchema) }).openapi("TicketFieldList");

export const CreateFieldBody = z
  .object({
    key: Key,
    label: Label,
    type: z.enum(FIELD_TYPES),
    options: z.array(Option).max(MAX_OPTIONS).optional().openapi({ description: "dropdown and multiselect only" }),
    required_to_resolve: z.boolean().default(false),
    customer_visible: z.boolean().default(false),
    customer_editable: z.boolean().default(false).openapi({ description: "needs customer_visible" }),
    active: z.boolean().default(true),
    position: Position.default(0),
  })
  .openapi("CreateTicketField");

export const PatchFieldBody = z
  .object({
    key: z.string().max(64).openapi({ description: "fixed: only the current key is accepted" }),
    type: z.enum(FIELD_TYPES).openapi({ description: "fixed: only the current type is accepted" }),
    label: Label,
    options: z.array(Option).max(MAX_OPTIONS),
    required_to_resolve: z.boolean(),
    customer_visible: z.boolean(),
    customer_editable: z.boolean(),
    active: z.boolean(),
    position: Position,
  })
  .partial()
  .openapi("PatchTicketField");

export const StatusSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    label: z.string(),
    category: z.enum(STATUS_CATEGORIES),
    active: z.boolean(),
    position: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("TicketStatus");
export const StatusList = z.object({ data: z.array(StatusSchema) }).openapi("TicketStatusList");

export const CreateStatusBody = z
  .object({ key: Key, label: Label, category: z.enum(STATUS_CATEGORIES), active: z.boolean().default(true), position: Position.default(0) })
  .openapi("CreateTicketStatus");

export const PatchStatusBody = z
  .object({
    key: z.string().max(64).openapi({ description: "fixed: only the current key is accepted" }),
    category: z.enum(STATUS_CATEGORIES).openapi({ description: "fixed: only the current category is accepted" }),
    label: Label,
    active: z.boolean(),
    position: Position,
  })
  .partial()
  .openapi("PatchTicketStatus");

export const IdParam = z.object({ id: z.string().min(1).max(64) });
