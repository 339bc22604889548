import { createRouter } from "../../lib/create-router";
import * as handlers from "./sla.handlers";
import * as routes from "./sla.routes";

export const slaRouter = createRouter()
  .openapi(routes.listPolicies, handlers.listPolicies)
  .openapi(routes.getPolicy, handlers.getPolicy)
  .openapi(routes.putPolicy, handlers.putPolicy)
  .openapi(routes.getBusinessHours, handlers.getBusinessHours)
  .openapi(routes.putBusinessHours, handlers.putBusinessHours);
