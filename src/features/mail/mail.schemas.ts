import { z } from "@hono/zod-openapi";
import { INBOUND_STATUSES, OUTBOUND_KINDS, OUTBOUND_STATUSES } from "../../domain/vocabulary";
import { MAX_TEMPLATE_BODY_CHARS, MAX_TEMPLATE_SUBJECT_CHARS } from "../../email/templates";
import { IsoDate, PageQuery, pageOf } from "../../lib/openapi";

export const MailMessageSchema = z
  .object({
    id: z.string(),
    direction: z.enum(["inbound", "outbound"]),
    /** Inbound: what became of it; outbound: its delivery status. */
    status: z.enum([...INBOUND_STATUSES, ...OUTBOUND_STATUSES]),
    kind: z.enum(OUTBOUND_KINDS).nullable(),
    message_id: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    subject: z.string().nullable(),
    comment_id: z.string().nullable(),
    attempts: z.number().int().nullable(),
    /** Why it was quarantined or ignored, or the last delivery error. */
    detail: z.string().nullable(),
    created_at: IsoDate,
    sent_at: IsoDate.nullable(),
  })
  .openapi("MailMessage");
export const MailMessagePage = pageOf(MailMessageSchema).openapi("MailMessagePage");

export const QuarantinedSchema = z
  .object({
    id: z.string(),
    ticket_id: z.string().nullable(),
    from: z.string().nullable(),
    from_name: z.string().nullable(),
    subject: z.string().nullable(),
    text: z.string(),
    reason: z.string().nullable(),
    /** The check that failed, in words: what sender authentication looked at and found, or why storing failed. */
    failed_check: z.string().nullable(),
    /** `quarantined` (waits for a manager) or `failed` (could not be stored; the raw mail is kept). */
    status: z.enum(INBOUND_STATUSES),
    created_at: IsoDate,
  })
  .openapi("QuarantinedMail");
export const QuarantinePage = pageOf(QuarantinedSchema).openapi("QuarantinePage");
export const QuarantineRef = z.object({ id: z.string().min(1).max(64) });
export const ReleaseResult = z
  .object({ id: z.string(), status: z.enum(INBOUND_STATUSES), ticket_id: z.string().nullable(), comment_id: z.string().nullable() })
  .openapi("QuarantineDecision");

export const TemplateKindParam = z.object({ kind: z.enum(OUTBOUND_KINDS) });
export const TemplateSchema = z
  .object({
    kind: z.enum(OUTBOUND_KINDS),
    subject: z.string(),
    body: z.string(),
    /** The `{{name}}` placeholders this kind offers. */
    variables: z.array(z.string()),
    /** False while the built-in default is in use. */
    customised: z.boolean(),
    updated_at: IsoDate.nullable(),
  })
  .openapi("EmailTemplate");
const noControl = (s: string) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);
export const PutTemplateBody = z
  .object({
    subject: z.string().trim().min(1).max(MAX_TEMPLATE_SUBJECT_CHARS).refine((s) => noControl(s) && !/[\r\n]/.test(s), "must be one line of text"),
    body: z.string().min(1).max(MAX_TEMPLATE_BODY_CHARS).refine(noControl, "must not contain control characters"),
  })
  .openapi("PutEmailTemplate");

export { PageQuery };
