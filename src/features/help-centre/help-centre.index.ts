import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { dbSession } from "../../middleware/db-session";
import * as handlers from "./help-centre.handlers";

/**
 * The public help centre (API.md "Web app": `/`), rendered by the Worker. Pages, not API routes, so
 * they are not in /openapi.json; middleware is per route, because this router is mounted at the root.
 */
export const helpCentreRouter = new Hono<AppEnv>()
  .get("/", dbSession, handlers.home)
  .get("/search", dbSession, handlers.search)
  .get("/ask", dbSession, handlers.ask)
  .get("/categories/:id", dbSession, handlers.category)
  .get("/articles/:id", dbSession, handlers.article)
  .get("/articles/:id/:slug", dbSession, handlers.article)
  .post("/articles/:id/feedback", dbSession, handlers.feedback)
  .get("/sitemap.xml", dbSession, handlers.sitemap);
