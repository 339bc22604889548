import { createRouter } from "../../lib/create-router";
import * as handlers from "./imports.handlers";
import * as routes from "./imports.routes";

export const importsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.upload, handlers.upload)
  .openapi(routes.start, handlers.start);
