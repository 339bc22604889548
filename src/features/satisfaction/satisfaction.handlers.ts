import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./satisfaction.routes";
import * as service from "./satisfaction.service";
import { badScorePage, closedPage, invalidPage, pageHeaders, surveyPage } from "./satisfaction.page";

export const rate: RouteHandler<typeof routes.rate, AppEnv> = async (c) =>
  c.json(await service.rateTicket(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const survey: RouteHandler<typeof routes.survey, AppEnv> = async (c) => c.json(await service.surveyOf(requestContext(c), c.req.valid("param").id), 200);

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listRatings(requestContext(c), c.req.valid("query")), 200);

const SCORE = /^[1-5]$/;

async function page(c: Context<AppEnv>, token: string, answer: service.RatingInput | undefined | "bad") {
  const headers = await pageHeaders();
  if (answer === "bad") return c.body(badScorePage(), 400, headers);
  const outcome = await service.answerByLink(c.env, token, new Date(), answer);
  switch (outcome.kind) {
    case "invalid":
      return c.body(invalidPage(), 404, headers);
    case "closed":
      return c.body(closedPage(), 410, headers);
    case "ask":
      return c.body(surveyPage(outcome.ticket, outcome.satisfaction, false), 200, headers);
    case "rated":
      return c.body(surveyPage(outcome.ticket, outcome.satisfaction, true), 200, headers);
  }
}

export const linkPage: RouteHandler<typeof routes.linkPage, AppEnv> = async (c) => {
  const { score } = c.req.valid("query");
  const answer = score === undefined ? undefined : SCORE.test(score) ? { score: Number(score) } : "bad";
  return page(c, c.req.valid("param").token, answer) as never;
};

export const linkAnswer: RouteHandler<typeof routes.linkAnswer, AppEnv> = async (c) => {
  const form = c.req.valid("form");
  if (!form.score || !SCORE.test(form.score) || (form.comment?.length ?? 0) > service.MAX_SATISFACTION_COMMENT_CHARS) return page(c, c.req.valid("param").token, "bad") as never;
  return page(c, c.req.valid("param").token, { score: Number(form.score), comment: form.comment ?? null }) as never;
};
