import { createRouter } from "../../lib/create-router";
import * as handlers from "./macros.handlers";
import * as routes from "./macros.routes";

export const macrosRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.apply, handlers.apply);
