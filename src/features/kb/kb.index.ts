import { createRouter } from "../../lib/create-router";
import * as handlers from "./kb.handlers";
import * as routes from "./kb.routes";

export const kbRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.versions, handlers.versions)
  .openapi(routes.feedback, handlers.feedback)
  .openapi(routes.suggest, handlers.suggest)
  .openapi(routes.suggestedForTicket, handlers.suggestedForTicket)
  .openapi(routes.listCategories, handlers.listCategories)
  .openapi(routes.createCategory, handlers.createCategory)
  .openapi(routes.getCategory, handlers.getCategory)
  .openapi(routes.patchCategory, handlers.patchCategory)
  .openapi(routes.removeCategory, handlers.removeCategory);
