import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent, PageQuery } from "../../lib/openapi";
import { IdempotencyHeader } from "../tickets/tickets.schemas";
import { CreateRuleBody, PatchRuleBody, RuleListQuery, RulePage, RuleRef, RuleRunPage, RuleSchema, RuleTestBody, RuleTestResultSchema } from "./rules.schemas";

const tags = ["Rules"];
const read = { security: bearerSecurity, middleware: requireCapability("rules.read") };
const write = { security: bearerSecurity, middleware: requireCapability("rules.manage") };

export const list = createRoute({
  method: "get",
  path: "/rules",
  tags,
  summary: "Triggers and automations, in the order they run (managers may read)",
  ...read,
  request: { query: RuleListQuery },
  responses: { 200: jsonContent(RulePage, "A page of rules"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/rules",
  tags,
  summary: "Create a trigger or an automation (admin); a bad condition or action is named in the 400",
  ...write,
  request: { headers: IdempotencyHeader, body: jsonBody(CreateRuleBody) },
  responses: { 201: jsonContent(RuleSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/rules/{id}",
  tags,
  summary: "One rule",
  ...read,
  request: { params: RuleRef },
  responses: { 200: jsonContent(RuleSchema, "The rule"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/rules/{id}",
  tags,
  summary: "Change a rule (admin): name, active, position, conditions, actions",
  ...write,
  request: { params: RuleRef, body: jsonBody(PatchRuleBody) },
  responses: { 200: jsonContent(RuleSchema, "The rule"), ...errorResponses },
});

export const remove = createRoute({
  method: "delete",
  path: "/rules/{id}",
  tags,
  summary: "Delete a rule (admin)",
  ...write,
  request: { params: RuleRef },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export const test = createRoute({
  method: "post",
  path: "/rules/{id}/test",
  tags,
  summary: "What the rule would do to a ticket now, changing nothing",
  ...read,
  request: { params: RuleRef, body: jsonBody(RuleTestBody) },
  responses: { 200: jsonContent(RuleTestResultSchema, "Whether it matches, and what it would do"), ...errorResponses },
});

export const runs = createRoute({
  method: "get",
  path: "/rules/{id}/runs",
  tags,
  summary: "The rule's recent firings, newest first, with their changes or their error",
  ...read,
  request: { params: RuleRef, query: PageQuery },
  responses: { 200: jsonContent(RuleRunPage, "A page of runs"), ...errorResponses },
});
