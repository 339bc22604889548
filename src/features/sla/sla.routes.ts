import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { BusinessHoursSchema, PolicyList, PolicyName, PolicySchema, PutBusinessHoursBody, PutPolicyBody } from "./sla.schemas";

const tags = ["SLA"];

export const listPolicies = createRoute({
  method: "get",
  path: "/sla-policies",
  tags,
  summary: "SLA policies (staff)",
  security: bearerSecurity,
  middleware: requireCapability("settings.read"),
  responses: { 200: jsonContent(PolicyList, "Every policy, by priority"), ...errorResponses },
});

export const getPolicy = createRoute({
  method: "get",
  path: "/sla-policies/{name}",
  tags,
  summary: "One SLA policy (staff)",
  security: bearerSecurity,
  middleware: requireCapability("settings.read"),
  request: { params: PolicyName },
  responses: { 200: jsonContent(PolicySchema, "The policy"), ...errorResponses },
});

export const putPolicy = createRoute({
  method: "put",
  path: "/sla-policies/{name}",
  tags,
  summary: "Create or replace an SLA policy (admin); applies to tickets created or re-prioritised afterwards",
  security: bearerSecurity,
  middleware: requireCapability("settings.manage"),
  request: { params: PolicyName, body: jsonBody(PutPolicyBody) },
  responses: { 200: jsonContent(PolicySchema, "Replaced"), 201: jsonContent(PolicySchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getBusinessHours = createRoute({
  method: "get",
  path: "/business-hours",
  tags,
  summary: "Business hours (staff); no intervals means 24/7",
  security: bearerSecurity,
  middleware: requireCapability("settings.read"),
  responses: { 200: jsonContent(BusinessHoursSchema, "The current calendar"), ...errorResponses },
});

export const putBusinessHours = createRoute({
  method: "put",
  path: "/business-hours",
  tags,
  summary: "Replace the business hours (admin); applies to tickets created or re-prioritised afterwards",
  security: bearerSecurity,
  middleware: requireCapability("settings.manage"),
  request: { body: jsonBody(PutBusinessHoursBody) },
  responses: { 200: jsonContent(BusinessHoursSchema, "The new calendar"), ...errorResponses },
});
