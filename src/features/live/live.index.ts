import { createRouter } from "../../lib/create-router";
import * as handlers from "./live.handlers";
import * as routes from "./live.routes";

export const liveRouter = createRouter().openapi(routes.ticketLive, handlers.ticketLive).openapi(routes.agentsLive, handlers.agentsLive);
