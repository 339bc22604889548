import { z } from "@hono/zod-openapi";
import { ActionShape, MAX_ACTIONS } from "../../domain/rules";
import { MACRO_SCOPES } from "../../domain/vocabulary";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";
import { ActionSchema } from "../rules/rules.schemas";
import { TicketSchema } from "../tickets/tickets.schemas";

export const MacroSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    scope: z.enum(MACRO_SCOPES),
    owner_id: z.string().nullable(),
    actions: z.array(ActionSchema).openapi({ description: "the actions of rules but webhook and notify; add_comment's text is the canned reply" }),
    usage_count: z.number().int(),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("Macro");
export const MacroPage = pageOf(MacroSchema).openapi("MacroPage");

const Name = z.string().trim().min(1).max(200);
const Description = z.string().trim().max(2_000);
const Actions = z.array(ActionShape).min(1).max(MAX_ACTIONS);

export const CreateMacroBody = z
  .object({ name: Name, description: Description.default(""), scope: z.enum(MACRO_SCOPES).default("personal"), actions: Actions })
  .openapi("CreateMacro");
export const PatchMacroBody = z.object({ name: Name, description: Description, actions: Actions }).partial().openapi("PatchMacro");

export const MacroListQuery = PageQuery.extend({ scope: z.enum(MACRO_SCOPES).optional() });
export const MacroRef = z.object({ id: Id });
export const ApplyMacroParams = z.object({ id: Id.openapi({ description: "ticket id or number" }), macro_id: Id });
export const ApplyMacroQuery = z.object({
  dry_run: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .default(false)
    .openapi({ description: "true: answer with the ticket and comment as they would be, changing nothing" }),
});

export const PreviewSchema = z
  .object({
    ticket: TicketSchema,
    comment: z.object({ author: z.object({ id: z.string(), name: z.string(), role: z.string() }), body: z.string(), internal: z.boolean() }).nullable(),
  })
  .openapi("MacroPreview");
