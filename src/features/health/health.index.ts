import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { createRouter } from "../../lib/create-router";
import { createDb } from "../../db/client";
import { problemBody } from "../../lib/errors";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["Health"],
  summary: "Liveness: 200 when the database answers, 503 otherwise",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
    503: { description: "The database does not answer" },
  },
});

export const healthRouter = createRouter().openapi(health, async (c) => {
  try {
    await createDb(c.env.DB).run(sql`select 1`);
    return c.json({ status: "ok" as const }, 200);
  } catch (err) {
    console.error("health: database check failed", err);
    const body = { ...problemBody("INTERNAL_ERROR", "The database does not answer"), status: 503 };
    return c.body(JSON.stringify(body), 503, { "Content-Type": "application/problem+json" });
  }
});
