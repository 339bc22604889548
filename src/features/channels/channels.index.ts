import { createRouter } from "../../lib/create-router";
import * as handlers from "./channels.handlers";
import * as routes from "./channels.routes";

export const channelsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.rotateSecret, handlers.rotateSecret)
  .openapi(routes.deliveries, handlers.deliveries)
  .openapi(routes.delivery, handlers.delivery)
  .openapi(routes.redeliver, handlers.redeliver)
  .openapi(routes.inbound, handlers.inbound);
