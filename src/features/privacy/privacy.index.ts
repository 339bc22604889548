import { createRouter } from "../../lib/create-router";
import * as handlers from "./privacy.handlers";
import * as routes from "./privacy.routes";

export const privacyRouter = createRouter()
  .openapi(routes.redact, handlers.redact)
  .openapi(routes.erase, handlers.erase)
  .openapi(routes.exportUser, handlers.exportUser);
