import { createRouter } from "../../lib/create-router";
import * as handlers from "./tickets.handlers";
import * as routes from "./tickets.routes";

export const ticketsRouter = createRouter()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.assign, handlers.assign)
  .openapi(routes.escalate, handlers.escalate)
  .openapi(routes.listComments, handlers.listComments)
  .openapi(routes.createComment, handlers.createComment)
  .openapi(routes.getComment, handlers.getComment)
  .openapi(routes.history, handlers.history)
  .openapi(routes.merge, handlers.merge)
  .openapi(routes.split, handlers.split);
