import { z } from "@hono/zod-openapi";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";
import { MAX_SATISFACTION_COMMENT_CHARS } from "./satisfaction.service";

export const Score = z.number().int().min(1).max(5);

export const SatisfactionSchema = z
  .object({ score: Score, comment: z.string().nullable(), rated_at: IsoDate })
  .openapi("Satisfaction", { description: "The requester's answer: score 1..5 (4 and 5 count as satisfied), optional comment" });

export const RateBody = z
  .object({ score: Score, comment: z.string().max(MAX_SATISFACTION_COMMENT_CHARS).nullable().optional() })
  .strict()
  .openapi("RateTicket");

export const SurveySchema = z
  .object({
    satisfaction: SatisfactionSchema.nullable(),
    open_until: IsoDate.nullable().openapi({ description: "14 days after the resolution; null while the ticket is not resolved" }),
    can_rate: z.boolean().openapi({ description: "the caller is the requester and the survey is open" }),
  })
  .openapi("SatisfactionSurvey");

export const RatingsQuery = PageQuery.extend({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "rated at or after" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "rated before" }),
  agent_id: Id.optional().openapi({ description: "the ticket's assignee" }),
  score: z.coerce.number().int().min(1).max(5).optional(),
});

export const RatingSchema = z
  .object({
    ticket: z.object({ id: z.string(), number: z.string(), subject: z.string() }),
    requester: z.object({ id: z.string(), name: z.string(), email: z.string() }),
    agent_id: z.string().nullable(),
    team_id: z.string().nullable(),
    score: Score,
    comment: z.string().nullable(),
    rated_at: IsoDate,
  })
  .openapi("SatisfactionRating");
export const RatingPage = pageOf(RatingSchema).openapi("SatisfactionRatingPage");

export const SurveyToken = z.object({ token: z.string().min(1).max(200) });
/** Checked by the handler, so a wrong score answers with a page, not JSON. */
export const LinkQuery = z.object({ score: z.string().max(10).optional() });
export const LinkForm = z.object({ score: z.string().max(10).optional(), comment: z.string().max(4 * MAX_SATISFACTION_COMMENT_CHARS).optional() });
