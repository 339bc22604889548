import { createRouter } from "../../lib/create-router";
import * as handlers from "./fields.handlers";
import * as routes from "./fields.routes";

export const fieldsRouter = createRouter()
  .openapi(routes.listFields, handlers.listFields)
  .openapi(routes.getField, handlers.getField)
  .openapi(routes.createField, handlers.createField)
  .openapi(routes.patchField, handlers.patchField)
  .openapi(routes.deleteField, handlers.deleteField)
  .openapi(routes.listStatuses, handlers.listStatuses)
  .openapi(routes.createStatus, handlers.createStatus)
  .openapi(routes.patchStatus, handlers.patchStatus);
