import { createRoute, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import type { RouteHandler } from "@hono/zod-openapi";
import { createRouter } from "../../lib/create-router";
import { bearerSecurity, errorResponses, IsoDate, jsonContent, PageQuery, pageOf } from "../../lib/openapi";
import { requireCapability } from "../../middleware/auth";
import { signingSecret } from "../auth/tokens";
import { listAuditLogs } from "./audit.service";

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: IsoDate,
    actor_id: z.string().nullable(),
    action: z.string(),
    entity_type: z.string(),
    entity_id: z.string(),
    changes: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .openapi("AuditEntry");

const list = createRoute({
  method: "get",
  path: "/audit-logs",
  tags: ["Audit log"],
  summary: "The append-only audit log, newest first (admin)",
  security: bearerSecurity,
  middleware: requireCapability("audit.read"),
  request: {
    query: PageQuery.extend({
      entity_type: z.string().max(50).optional(),
      entity_id: z.string().max(64).optional(),
      actor_id: z.string().max(64).optional(),
    }),
  },
  responses: { 200: jsonContent(pageOf(AuditEntrySchema).openapi("AuditPage"), "A page of audit entries"), ...errorResponses },
});

const listHandler: RouteHandler<typeof list, AppEnv> = async (c) =>
  c.json(await listAuditLogs(c.var.db, signingSecret(c.env), c.req.valid("query")), 200);

export const auditRouter = createRouter().openapi(list, listHandler);
