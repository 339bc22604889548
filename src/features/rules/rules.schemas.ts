import { z } from "@hono/zod-openapi";
import { ACTION_PLACEHOLDERS, ACTION_TYPES, ActionShape, CONDITION_FIELDS, ConditionsShape, MAX_ACTIONS, OPERATORS } from "../../domain/rules";
import { RULE_EVENT_TYPES, RULE_KINDS } from "../../domain/vocabulary";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";

const placeholders = `Texts take placeholders: ${ACTION_PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}.`;

export const ConditionSchema = z
  .object({
    field: z.string().openapi({ description: `one of: ${CONDITION_FIELDS.join(", ")}`, example: "requester_domain" }),
    operator: z.enum(OPERATORS),
    value: z.unknown().optional().openapi({ description: "a value of the field's kind; a list for in / not_in; none for present, absent, changed", example: "bigcustomer.com" }),
  })
  .openapi("RuleCondition");

export const ActionSchema = z
  .object({
    type: z.enum(ACTION_TYPES),
    value: z.unknown().optional().openapi({
      description: `set_*: the value; assign: a user id, "auto" or null; *_tags: a list of tags; add_comment: {body, internal}; send_email: {to: "requester"|"assignee"|"team_manager"|<address>, subject, body}; notify: {user_ids|roles, title, body}; webhook: {webhook_id}. ${placeholders}`,
      example: { body: "We are on it, {{requester.name}}.", internal: false },
    }),
  })
  .openapi("RuleAction");

const ConditionsSchema = z.object({ all: z.array(ConditionSchema), any: z.array(ConditionSchema) }).openapi("RuleConditions");

export const RuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(RULE_KINDS),
    active: z.boolean(),
    position: z.number().int(),
    conditions: ConditionsSchema,
    actions: z.array(ActionSchema),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("Rule");
export const RulePage = pageOf(RuleSchema).openapi("RulePage");

const Name = z.string().trim().min(1).max(200);
/** Positions are small numbers people type; the bound keeps them so. */
const Position = z.number().int().min(0).max(1_000_000);
const Actions = z.array(ActionShape).max(MAX_ACTIONS);

export const CreateRuleBody = z
  .object({
    name: Name,
    kind: z.enum(RULE_KINDS),
    active: z.boolean().default(true),
    position: Position.optional().openapi({ description: "default: after the last rule of its kind" }),
    conditions: ConditionsShape.default({ all: [], any: [] }),
    actions: Actions,
  })
  .openapi("CreateRule");

export const PatchRuleBody = z
  .object({ name: Name, active: z.boolean(), position: Position, conditions: ConditionsShape, actions: Actions })
  .partial()
  .openapi("PatchRule");

export const RuleListQuery = PageQuery.extend({
  kind: z.enum(RULE_KINDS).optional(),
});

export const RuleRef = z.object({ id: Id });

export const RuleTestBody = z
  .object({
    ticket_id: Id.openapi({ description: "ticket id or number" }),
    event: z.enum(RULE_EVENT_TYPES).default("ticket.updated").openapi({ description: "triggers: the change to pretend happened (no field changed, no comment)" }),
  })
  .openapi("RuleTest");

export const RenderedMailSchema = z.object({ to: z.string(), subject: z.string(), body: z.string() });

export const RuleTestResultSchema = z
  .object({
    matched: z.boolean(),
    changes: z.record(z.string(), z.unknown()),
    comment: z.object({ body: z.string(), internal: z.boolean() }).nullable(),
    emails: z.array(RenderedMailSchema),
    notifications: z.array(z.object({ user_ids: z.array(z.string()), roles: z.array(z.string()), title: z.string(), body: z.string() })),
    webhooks: z.array(z.string()),
    error: z.string().optional().openapi({ description: "why the rule's change would be refused (e.g. a status the ticket cannot move to)" }),
  })
  .openapi("RuleTestResult");

export const RuleRunSchema = z
  .object({ id: z.string(), ticket_id: z.string(), at: IsoDate, changes: z.record(z.string(), z.unknown()), error: z.string().nullable() })
  .openapi("RuleRun");
export const RuleRunPage = pageOf(RuleRunSchema).openapi("RuleRunPage");
