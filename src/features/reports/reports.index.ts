import { createRouter } from "../../lib/create-router";
import * as handlers from "./reports.handlers";
import * as routes from "./reports.routes";

export const reportsRouter = createRouter()
  .openapi(routes.overview, handlers.overview)
  .openapi(routes.agents, handlers.agents)
  .openapi(routes.backlog, handlers.backlog)
  .openapi(routes.sla, handlers.sla)
  .openapi(routes.time, handlers.time)
  .openapi(routes.rebuildStatus, handlers.rebuildStatus)
  .openapi(routes.rebuild, handlers.rebuild);
