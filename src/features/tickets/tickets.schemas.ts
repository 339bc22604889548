import { z } from "@hono/zod-openapi";
import { TICKET_CHANNELS, TICKET_LINK_TYPES, TICKET_PRIORITIES, TICKET_STATUSES } from "../../domain/vocabulary";
import { ROLES } from "../../domain/permissions";
import { SLA_TARGETS } from "../../domain/sla";
import { commaList, IsoDate, PageQuery, pageOf, Id, Tag, Tags } from "../../lib/openapi";

const Subject = z.string().trim().min(1).max(200);
const Description = z.string().min(1).max(50_000);
const Category = z.string().trim().min(1).max(100);
// A body names at most as many fields as may exist (fields.service MAX_FIELDS); each value is checked by its field's type.
const CustomFieldValues = z
  .record(z.string().min(1).max(64), z.unknown())
  .refine((o) => Object.keys(o).length <= 100, "at most 100 fields")
  .openapi({ description: "custom field values by key (null clears one); each is checked by its field's type", example: { order_number: 12345, product: "widget" } });
const CustomStatusKey = z.string().min(1).max(50).openapi({ description: "a custom status key, or a status category's own name" });

export const TicketSchema = z
  .object({
    id: z.string(),
    number: z.string().openapi({ example: "TICK-20261126-0001" }),
    subject: z.string(),
    description: z.string(),
    status: z.enum(TICKET_STATUSES).openapi({ description: "the status category: the workflow, SLA pauses and filters work on it" }),
    custom_status: z.string().openapi({ description: "the custom status shown to people (the category's own name when it has none)" }),
    priority: z.enum(TICKET_PRIORITIES),
    category: z.string().nullable(),
    channel: z.enum(TICKET_CHANNELS),
    tags: z.array(z.string()),
    requester: z.object({ id: z.string(), name: z.string(), email: z.string() }),
    assignee_id: z.string().nullable(),
    team_id: z.string().nullable(),
    version: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
    first_response_at: IsoDate.nullable(),
    resolved_at: IsoDate.nullable(),
    closed_at: IsoDate.nullable(),
    merged_into_id: z.string().nullable().openapi({ description: "set when this ticket was merged into another: closed for good" }),
    links: z
      .array(z.object({ type: z.enum(TICKET_LINK_TYPES), ticket_id: z.string() }))
      .openapi({ description: "merges and splits, both ways: `merged_into`/`merged_from`, `split_into`/`split_from`" }),
    sla: z.object({
      policy: z.string(),
      first_response_due_at: IsoDate.nullable(),
      next_response_due_at: IsoDate.nullable().openapi({ description: "due while a customer message waits for an answer" }),
      resolution_due_at: IsoDate.nullable(),
      breached: z.boolean(),
      breaches: z.array(z.enum(SLA_TARGETS)),
      at_risk: z.boolean().openapi({ description: "80 % of a running target used" }),
      paused: z.boolean(),
    }),
    satisfaction: z
      .object({ score: z.number().int().min(1).max(5), comment: z.string().nullable(), rated_at: IsoDate })
      .nullable()
      .openapi({ description: "the requester's satisfaction answer (visible to staff and the requester)" }),
    time_spent_minutes: z.number().int().optional().openapi({ description: "minutes of the ticket's time entries; staff views only (customers never see logged time)" }),
    custom_fields: z
      .record(z.string(), z.unknown())
      .openapi({ description: "values of custom fields by key (a field without a value is absent; customers see customer_visible fields only)" }),
    external_id: z.string().nullable().openapi({ description: "the ticket's id in the helpdesk it was imported from" }),
  })
  .openapi("Ticket");

export const CreateTicketBody = z
  .object({
    subject: Subject,
    description: Description,
    priority: z.enum(TICKET_PRIORITIES).default("medium"),
    category: Category.optional(),
    channel: z.enum(TICKET_CHANNELS).default("web"),
    tags: Tags.default([]),
    requester_email: z.string().trim().toLowerCase().pipe(z.email().max(254)).optional(),
    requester_name: z.string().trim().min(1).max(200).optional(),
    team_id: Id.optional().openapi({ description: "manager and up: file the ticket into a team" }),
    auto_assign: z.boolean().optional().openapi({ description: "route at once by the team's strategy (needs team_id)" }),
    custom_fields: CustomFieldValues.optional(),
  })
  .refine((b) => !b.auto_assign || b.team_id !== undefined, { path: ["auto_assign"], message: "needs team_id" })
  .openapi("CreateTicket");

export const PatchTicketBody = z
  .object({
    subject: Subject,
    description: Description,
    priority: z.enum(TICKET_PRIORITIES),
    category: Category.nullable(),
    tags: Tags,
    assignee_id: Id.nullable(),
    team_id: Id.nullable(),
    status: z.enum(TICKET_STATUSES),
    custom_status: CustomStatusKey,
    custom_fields: CustomFieldValues,
  })
  .partial()
  .openapi("PatchTicket");

const boolString = z.enum(["true", "false"]).transform((v) => v === "true");

export const TICKET_SORTS = ["created_at", "-created_at", "updated_at", "-updated_at", "priority", "-priority", "sla_due"] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

export const TicketListQuery = PageQuery.extend({
  status: commaList(z.enum(TICKET_STATUSES)).optional(),
  priority: commaList(z.enum(TICKET_PRIORITIES)).optional(),
  assignee_id: Id.optional().openapi({ description: "a user id, `me` or `none`" }),
  requester_id: Id.optional(),
  team_id: Id.optional(),
  category: Category.optional(),
  channel: z.enum(TICKET_CHANNELS).optional(),
  tag: Tag.optional(),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
  breached: boolString.optional(),
  custom_status: commaList(z.string().min(1).max(50)).optional().openapi({ description: "custom status keys or category names (comma list)" }),
  q: z
    .string()
    .max(500)
    .transform((v) => v.trim() || undefined)
    .optional()
    .openapi({ description: "full text: words in the subject or description (the last one as a prefix)" }),
  sort: z.enum(TICKET_SORTS).default("-created_at"),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

export const TicketPage = pageOf(TicketSchema).openapi("TicketPage");
export const TicketRef = z.object({ id: z.string().min(1).max(64).openapi({ description: "ticket id or number" }) });

export const AssignBody = z
  .union([z.object({ assignee_id: Id.nullable() }).strict(), z.object({ strategy: z.literal("auto") }).strict()])
  .openapi("Assign");

export const EscalateBody = z
  .object({ reason: z.string().trim().min(1).max(2000), to_user_id: Id.optional() })
  .openapi("Escalate");

export const IfMatchHeader = z.object({
  "if-match": z.string().max(64).optional().openapi({ description: 'The version the edit is based on: `"3"`' }),
});
export const IdempotencyHeader = z.object({
  "idempotency-key": z.string().min(1).max(255).optional(),
});

export const ActorSchema = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }).nullable();

export const HistoryEntrySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    actor: ActorSchema,
    rule: z.object({ id: z.string(), name: z.string() }).optional().openapi({ description: "staff only: the rule whose change this was (the actor is then null)" }),
    at: IsoDate,
    version: z.number().int(),
    changes: z.record(z.string(), z.unknown()),
  })
  .openapi("HistoryEntry");
export const HistoryPage = pageOf(HistoryEntrySchema).openapi("HistoryPage");

export const ConflictSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.literal(409),
    detail: z.string(),
    code: z.literal("CONFLICT"),
    conflicting_fields: z.array(z.string()),
    current: TicketSchema,
  })
  .openapi("EditConflict");

export const MergeBody = z
  .object({
    into: z.string().min(1).max(64).openapi({ description: "id or number of the ticket this one is merged into" }),
    comment: z
      .object({ body: z.string().trim().min(1).max(50_000), internal: z.boolean().default(false) })
      .optional()
      .openapi({ description: "a comment written on the target with the merge (public unless internal)" }),
    confirm_requesters: z.boolean().optional().openapi({ description: "needed when the two tickets have different requesters (else 409)" }),
  })
  .openapi("MergeTickets");

export const SplitBody = z
  .object({
    comment_ids: z.array(Id).min(1).max(100).openapi({ description: "comments of this ticket that move to the new one" }),
    subject: Subject.optional().openapi({ description: "the new ticket's subject (default: this ticket's)" }),
  })
  .openapi("SplitTicket");
