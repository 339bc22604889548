import { createRouter } from "../../lib/create-router";
import * as handlers from "./time.handlers";
import * as routes from "./time.routes";

export const timeRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);
