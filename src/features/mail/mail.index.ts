import { createRouter } from "../../lib/create-router";
import * as handlers from "./mail.handlers";
import * as routes from "./mail.routes";

export const mailRouter = createRouter()
  .openapi(routes.ticketMessages, handlers.ticketMessages)
  .openapi(routes.quarantine, handlers.quarantine)
  .openapi(routes.release, handlers.release)
  .openapi(routes.reject, handlers.reject)
  .openapi(routes.getTemplate, handlers.getTemplate)
  .openapi(routes.putTemplate, handlers.putTemplate);
