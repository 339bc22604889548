import { createRouter } from "../../lib/create-router";
import * as handlers from "./exports.handlers";
import * as routes from "./exports.routes";

export const exportsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.download, handlers.download)
  .openapi(routes.incremental, handlers.incremental);
