import { createRouter } from "../../lib/create-router";
import * as handlers from "./satisfaction.handlers";
import * as routes from "./satisfaction.routes";

/** Under /api/v1. */
export const satisfactionRouter = createRouter().openapi(routes.rate, handlers.rate).openapi(routes.survey, handlers.survey).openapi(routes.list, handlers.list);

/** The survey link's page, at the site root (mail links lead there). */
export const surveyPageRouter = createRouter().openapi(routes.linkPage, handlers.linkPage).openapi(routes.linkAnswer, handlers.linkAnswer);
