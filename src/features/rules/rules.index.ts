import { createRouter } from "../../lib/create-router";
import * as handlers from "./rules.handlers";
import * as routes from "./rules.routes";

export const rulesRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.test, handlers.test)
  .openapi(routes.runs, handlers.runs);
