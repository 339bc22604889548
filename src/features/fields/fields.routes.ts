import { createRoute } from "@hono/zod-openapi";
import { requireAuth, requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { CreateFieldBody, CreateStatusBody, FieldList, FieldSchema, IdParam, PatchFieldBody, PatchStatusBody, StatusList, StatusSchema } from "./fields.schemas";

const fieldTags = ["Custom fields"];
const statusTags = ["Custom statuses"];
const admin = requireCapability("settings.manage");
const security = bearerSecurity;

export const listFields = createRoute({
  method: "get",
  path: "/ticket-fields",
  tags: fieldTags,
  summary: "Custom ticket fields (customers: the active ones they may see)",
  security,
  middleware: requireAuth,
  responses: { 200: jsonContent(FieldList, "Every field, in position order"), ...errorResponses },
});

export const getField = createRoute({
  method: "get",
  path: "/ticket-fields/{id}",
  tags: fieldTags,
  summary: "One custom field",
  security,
  middleware: requireAuth,
  request: { params: IdParam },
  responses: { 200: jsonContent(FieldSchema, "The field"), ...errorResponses },
});

export const createField = createRoute({
  method: "post",
  path: "/ticket-fields",
  tags: fieldTags,
  summary: "Add a custom field (admin)",
  security,
  middleware: admin,
  request: { body: jsonBody(CreateFieldBody) },
  responses: { 201: jsonContent(FieldSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const patchField = createRoute({
  method: "patch",
  path: "/ticket-fields/{id}",
  tags: fieldTags,
  summary: "Change a custom field's label, options, visibility, requirement or activity (admin); key and type are fixed",
  security,
  middleware: admin,
  request: { params: IdParam, body: jsonBody(PatchFieldBody) },
  responses: { 200: jsonContent(FieldSchema, "The field"), ...errorResponses },
});

export const deleteField = createRoute({
  method: "delete",
  path: "/ticket-fields/{id}",
  tags: fieldTags,
  summary: "Delete a custom field (admin): its values are shown nowhere and leave every filter; its key stays taken",
  security,
  middleware: admin,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const listStatuses = createRoute({
  method: "get",
  path: "/ticket-statuses",
  tags: statusTags,
  summary: "Custom statuses, each a kind of a status category",
  security,
  middleware: requireAuth,
  responses: { 200: jsonContent(StatusList, "Every custom status, in position order"), ...errorResponses },
});

export const createStatus = createRoute({
  method: "post",
  path: "/ticket-statuses",
  tags: statusTags,
  summary: "Add a custom status (admin)",
  security,
  middleware: admin,
  request: { body: jsonBody(CreateStatusBody) },
  responses: { 201: jsonContent(StatusSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const patchStatus = createRoute({
  method: "patch",
  path: "/ticket-statuses/{id}",
  tags: statusTags,
  summary: "Rename, reorder, or (de)activate a custom status (admin); key and category are fixed",
  security,
  middleware: admin,
  request: { params: IdParam, body: jsonBody(PatchStatusBody) },
  responses: { 200: jsonContent(StatusSchema, "The status"), ...errorResponses },
});
