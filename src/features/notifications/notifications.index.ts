import { createRouter } from "../../lib/create-router";
import * as handlers from "./notifications.handlers";
import * as routes from "./notifications.routes";

export const notificationsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.unreadCount, handlers.unreadCount)
  .openapi(routes.markRead, handlers.markRead)
  .openapi(routes.getPreferences, handlers.getPreferences)
  .openapi(routes.putPreferences, handlers.putPreferences);
