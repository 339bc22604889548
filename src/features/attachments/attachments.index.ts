import { createRouter } from "../../lib/create-router";
import * as handlers from "./attachments.handlers";
import * as routes from "./attachments.routes";

export const attachmentsRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.upload, handlers.upload)
  .openapi(routes.getOne, handlers.getOne);
