import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { AppEnv } from "./env";
import { AppError, problemBody, statusOf, type ErrorCode, type ProblemOptions } from "./lib/errors";
import { createRouter } from "./lib/create-router";
import { dbSession } from "./middleware/db-session";
import { limitBody, requireJson } from "./middleware/guards";
import { accountsRouter } from "./features/accounts/accounts.index";
import { attachmentsRouter } from "./features/attachments/attachments.index";
import { auditRouter } from "./features/audit/audit.index";
import { chatCors, chatRouter, widgetRouter } from "./features/chat/chat.index";
import { authRouter } from "./features/auth/auth.index";
import { fieldsRouter } from "./features/fields/fields.index";
import { importsRouter } from "./features/imports/imports.index";
import { privacyRouter } from "./features/privacy/privacy.index";
import { healthRouter } from "./features/health/health.index";
import { liveRouter } from "./features/live/live.index";
import { bulkRouter } from "./features/bulk/bulk.index";
import { macrosRouter } from "./features/macros/macros.index";
import { mailRouter } from "./features/mail/mail.index";
import { notificationsRouter } from "./features/notifications/notifications.index";
import { rulesRouter } from "./features/rules/rules.index";
import { kbRouter } from "./features/kb/kb.index";
import { savedSearchesRouter } from "./features/saved-searches/saved-searches.index";
import { searchRouter } from "./features/search/search.index";
import { reportsRouter } from "./features/reports/reports.index";
import { satisfactionRouter, surveyPageRouter } from "./features/satisfaction/satisfaction.index";
import { timeRouter } from "./features/time/time.index";
import { exportsRouter } from "./features/exports/exports.index";
import { slaRouter } from "./features/sla/sla.index";
import { teamsRouter } from "./features/teams/teams.index";
import { ticketsRouter } from "./features/tickets/tickets.index";
import { usersRouter } from "./features/users/users.index";
import { helpCentreRouter } from "./features/help-centre/help-centre.index";
import { notFoundPage } from "./features/help-centre/help-centre.handlers";
import { securityHeaders } from "./features/web/web.security";
import { staticFile, webRouter } from "./features/web/web.index";
import { webhooksRouter } from "./features/webhooks/webhooks.index";
import { channelsRouter } from "./features/channels/channels.index";

const API = "/api/v1";

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "INVALID_TRANSITION",
  429: "RATE_LIMITED",
};

/** problem+json rendered through the context, so headers middleware already set (X-Request-Id) stay on errors. */
function problem(c: Context<AppEnv>, code: ErrorCode, detail: string, options: ProblemOptions = {}): Response {
  return c.body(JSON.stringify(problemBody(code, detail, options)), statusOf(code), {
    "Content-Type": "application/problem+json",
    ...options.headers,
  });
}

function onError(err: Error, c: Context<AppEnv>): Response {
  // drizzle wraps what a D1 call threw in its own error: the caller's 401 from their first D1 call
  // (db/caller-gate.ts) is still a 401.
  if (!(err instanceof AppError) && err.cause instanceof AppError) err = err.cause;
  if (err instanceof AppError) {
    if (err.status >= 500) console.error(`[${c.var.requestId}]`, err.detail);
    return problem(c, err.code, err.detail, err.options);
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx: malformed JSON, wrong content type for a validator.
    const code = CODE_FOR_STATUS[err.status] ?? "VALIDATION_ERROR";
    return problem(c, code, err.message || "Invalid request");
  }
  console.error(`[${c.var.requestId}] unhandled`, err);
  return problem(c, "INTERNAL_ERROR", `Something went wrong (request ${c.var.requestId})`);
}

/** Turns the app's route table into matchers, so a known path with another method answers 405. */
function methodMatcher(app: OpenAPIHono<AppEnv>) {
  const patterns = app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      re: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\/:[^/]+/g, "/[^/]+").replace(/\*/g, ".*")}/?$`),
    }));
  return (path: string) => [...new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method))];
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestId(), securityHeaders);
  // The session first: even a refused body answers with the bookmark the client holds.
  // File uploads and channel messages (files as base64) carry their own, larger body caps
  // (features/attachments, features/imports, features/channels); every other body has the JSON cap.
  const importUpload = /\/imports\/[^/]+\/upload$/;
  const channelInbound = /^\/api\/v1\/channels\/[^/]+\/inbound$/;
  const isUploadPath = (path: string) => path.endsWith("/attachments") || importUpload.test(path);
  const isUpload = (c: Context<AppEnv>) =>
    (c.req.method === "POST" && (c.req.path.endsWith("/attachments") || channelInbound.test(c.req.path))) || (c.req.method === "PUT" && importUpload.test(c.req.path));
  // Before everything else: a browser's preflight from a page embedding the chat widget is answered here.
  app.use(`${API}/chat/*`, chatCors);
  // The JSON cap as a plain check: hono's `except` combinator cost ~0.03 ms a request (issue 15 item 3).
  app.use(`${API}/*`, dbSession, (c, next) => (isUpload(c) ? next() : limitBody(c, next)), requireJson(isUploadPath));

  app.route("/", healthRouter);
  app.route("/", surveyPageRouter);
  app.route("/", widgetRouter);
  const api = createRouter()
    .route("/", authRouter)
    .route("/", accountsRouter)
    .route("/", usersRouter)
    // Before the tickets router: POST /tickets/bulk is no ticket id.
    .route("/", bulkRouter)
    .route("/", ticketsRouter)
    .route("/", liveRouter)
    .route("/", auditRouter)
    .route("/", searchRouter)
    .route("/", kbRouter)
    .route("/", savedSearchesRouter)
    .route("/", attachmentsRouter)
    .route("/", mailRouter)
    .route("/", slaRouter)
    .route("/", teamsRouter)
    .route("/", reportsRouter)
    .route("/", satisfactionRouter)
    .route("/", timeRouter)
    .route("/", exportsRouter)
    .route("/", rulesRouter)
    .route("/", macrosRouter)
    .route("/", notificationsRouter)
    .route("/", chatRouter)
    .route("/", fieldsRouter)
    .route("/", importsRouter)
    .route("/", privacyRouter)
    .route("/", webhooksRouter)
    .route("/", channelsRouter);
  app.route(API, api);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "visitorToken", {
    type: "http",
    scheme: "bearer",
    description: "A chat's visitor token (`POST /api/v1/chat/sessions`): reaches that chat's routes alone",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "edgedesk API", version: "1.0.0", description: "A customer-support helpdesk on Cloudflare's edge." },
  });
  // The web app (API.md "Web app"): the help centre at /, the portal and console shells, /docs.
  app.route("/", helpCentreRouter);
  app.route("/", webRouter);

  const allowedMethods = methodMatcher(app);
  app.notFound(async (c) => {
    // Outside the API a person is browsing: a static file if there is one, else the web app's own 404 page.
    const browsing = !c.req.path.startsWith("/api/") && (c.req.method === "GET" || c.req.method === "HEAD");
    if (browsing) return (await staticFile(c)) ?? notFoundPage(c);
    const allowed = allowedMethods(c.req.path);
    if (allowed.length) {
      return problem(c, "METHOD_NOT_ALLOWED", `${c.req.method} is not allowed here`, { headers: { Allow: allowed.join(", ") } });
    }
    return problem(c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(onError);
  return app;
}
