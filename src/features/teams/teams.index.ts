import { createRouter } from "../../lib/create-router";
import * as handlers from "./teams.handlers";
import * as routes from "./teams.routes";

export const teamsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.getRouting, handlers.getRouting)
  .openapi(routes.putSkills, handlers.putSkills)
  .openapi(routes.putAvailability, handlers.putAvailability)
  .openapi(routes.putCapacity, handlers.putCapacity);
