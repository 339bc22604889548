import { createRoute } from "@hono/zod-openapi";
import { requireAuth, requireCapability } from "../../middleware/auth";
import { bearerSecurity, errorResponses, jsonContent, ProblemSchema } from "../../lib/openapi";
import { AgentsQuery, AgentsReportSchema, BacklogSchema, OverviewQuery, OverviewSchema, PeriodQuery, RebuildSchema, SlaReportSchema, TeamQuery, TimeQuery, TimeReportSchema } from "./reports.schemas";

const tags = ["Reports"];
const common = { tags, security: bearerSecurity, middleware: requireAuth };
const rebuilding = { 503: { description: "The rollups are being rebuilt (Retry-After)", content: { "application/problem+json": { schema: ProblemSchema } } } };

export const overview = createRoute({
  method: "get",
  path: "/reports/overview",
  summary: "Created, solved, backlog, response and resolution times, SLA, satisfaction and time for a period, with a series",
  ...common,
  request: { query: OverviewQuery },
  responses: { 200: jsonContent(OverviewSchema, "The overview"), ...errorResponses, ...rebuilding },
});

export const agents = createRoute({
  method: "get",
  path: "/reports/agents",
  summary: "Per agent (agents: their own row only)",
  ...common,
  request: { query: AgentsQuery },
  responses: { 200: jsonContent(AgentsReportSchema, "One row per agent"), ...errorResponses, ...rebuilding },
});

export const backlog = createRoute({
  method: "get",
  path: "/reports/backlog",
  summary: "Open tickets now: by status and priority, team, assignee; oldest; at risk and breached",
  ...common,
  request: { query: TeamQuery },
  responses: { 200: jsonContent(BacklogSchema, "The backlog now"), ...errorResponses, ...rebuilding },
});

export const sla = createRoute({
  method: "get",
  path: "/reports/sla",
  summary: "SLA targets measured, met and breached per policy and target",
  ...common,
  request: { query: PeriodQuery },
  responses: { 200: jsonContent(SlaReportSchema, "Per policy and target"), ...errorResponses, ...rebuilding },
});

export const time = createRoute({
  method: "get",
  path: "/reports/time",
  summary: "Billable and non-billable minutes logged, per agent, ticket, category or team",
  ...common,
  request: { query: TimeQuery },
  responses: { 200: jsonContent(TimeReportSchema, "Minutes per group"), ...errorResponses, ...rebuilding },
});

export const rebuildStatus = createRoute({
  method: "get",
  path: "/reports/rebuild",
  summary: "Whether the report rollups are live or being rebuilt (admin)",
  tags,
  security: bearerSecurity,
  middleware: requireCapability("settings.manage"),
  responses: { 200: jsonContent(RebuildSchema, "The rebuild's state"), ...errorResponses },
});

export const rebuild = createRoute({
  method: "post",
  path: "/reports/rebuild",
  summary: "Rebuild the report rollups from the tickets, in chunks through a queue (admin); reports answer 503 meanwhile",
  tags,
  security: bearerSecurity,
  middleware: requireCapability("settings.manage"),
  responses: { 202: jsonContent(RebuildSchema, "Started"), ...errorResponses },
});
