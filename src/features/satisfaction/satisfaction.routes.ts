import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requireAuth } from "../../middleware/auth";
import { AppError } from "../../lib/errors";
import { bearerSecurity, errorResponses, jsonBody, jsonContent, transitionResponse } from "../../lib/openapi";
import { TicketRef } from "../tickets/tickets.schemas";
import { LinkForm, LinkQuery, RateBody, RatingPage, RatingsQuery, SatisfactionSchema, SurveySchema, SurveyToken } from "./satisfaction.schemas";

const tags = ["Satisfaction"];
const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
/** A survey form is a score and a comment: anything bigger is not one. */
export const MAX_SURVEY_FORM_BYTES = 16 * 1024;

export const rate = createRoute({
  method: "post",
  path: "/tickets/{id}/satisfaction",
  tags,
  summary: "Answer the satisfaction survey (the requester, until 14 days after resolution; a second answer replaces the first)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: TicketRef, body: jsonBody(RateBody) },
  responses: { 200: jsonContent(SatisfactionSchema, "The answer the ticket now carries"), ...errorResponses, ...transitionResponse },
});

export const survey = createRoute({
  method: "get",
  path: "/tickets/{id}/satisfaction",
  tags,
  summary: "The ticket's satisfaction survey: its answer, until when it is open, whether the caller may answer",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { params: TicketRef },
  responses: { 200: jsonContent(SurveySchema, "The survey"), ...errorResponses },
});

export const list = createRoute({
  method: "get",
  path: "/satisfaction-ratings",
  tags,
  summary: "Satisfaction answers, oldest first (manager and up)",
  security: bearerSecurity,
  middleware: requireAuth,
  request: { query: RatingsQuery },
  responses: { 200: jsonContent(RatingPage, "A page of answers"), ...errorResponses },
});

const pageResponses = {
  200: html("The survey's page"),
  400: html("Not a score from 1 to 5"),
  404: html("The link is not valid"),
  410: html("The survey has closed"),
  413: html("Too large for a survey answer"),
};

export const linkPage = createRoute({
  method: "get",
  path: "/csat/{token}",
  tags,
  summary: "The survey link of the resolution mail: with ?score=N records that score (no sign-in), then offers a comment",
  request: { params: SurveyToken, query: LinkQuery },
  responses: pageResponses,
});

export const linkAnswer = createRoute({
  method: "post",
  path: "/csat/{token}",
  tags,
  summary: "The survey page's form: score and comment",
  middleware: bodyLimit({
    maxSize: MAX_SURVEY_FORM_BYTES,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `A survey answer is at most ${MAX_SURVEY_FORM_BYTES} bytes`);
    },
  }),
  request: { params: SurveyToken, body: { required: true, content: { "application/x-www-form-urlencoded": { schema: LinkForm } } } },
  responses: pageResponses,
});
