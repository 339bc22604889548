import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The closed set of public error codes (API.md "Conventions"). */
export const ERROR_CODES = [
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "INVALID_TRANSITION",
  "RATE_LIMITED",
  "INTERNAL_ERROR",
  /** Temporarily unable (report rollups being rebuilt); `Retry-After` says when to come back. */
  "SERVICE_UNAVAILABLE",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case "VALIDATION_ERROR":
      return 400;
    case "UNAUTHORIZED":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "METHOD_NOT_ALLOWED":
      return 405;
    case "CONFLICT":
      return 409;
    case "PAYLOAD_TOO_LARGE":
      return 413;
    case "UNSUPPORTED_MEDIA_TYPE":
      return 415;
    case "INVALID_TRANSITION":
      return 422;
    case "RATE_LIMITED":
      return 429;
    case "INTERNAL_ERROR":
      return 500;
    case "SERVICE_UNAVAILABLE":
      return 503;
  }
}

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: "Invalid request",
  UNAUTHORIZED: "Authentication required",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  CONFLICT: "Conflict",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  INVALID_TRANSITION: "Invalid transition",
  RATE_LIMITED: "Too many requests",
  INTERNAL_ERROR: "Internal error",
  SERVICE_UNAVAILABLE: "Service unavailable",
};

export interface ProblemOptions {
  /** Field -> messages, for validation errors. */
  errors?: Record<string, string[]>;
  /** Extra members of the problem document (e.g. `conflicting_fields`). */
  extra?: Record<string, unknown>;
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/** The one error type routes and services throw; `onError` renders it as problem+json. */
export class AppError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly options: ProblemOptions = {},
  ) {
    super(detail);
    this.status = statusOf(code);
  }
}

export const notFound = (what = "Resource") => new AppError("NOT_FOUND", `${what} not found`);
/** For `.catch`: a lookup that found nothing (404) becomes null; any other error goes on. */
export const nullIfNotFound = (err: unknown): null => {
  if (err instanceof AppError && err.code === "NOT_FOUND") return null;
  throw err;
};
export const forbidden = (detail = "You may not do this") => new AppError("FORBIDDEN", detail);
export const unauthorized = (detail = "Missing or invalid access token") => new AppError("UNAUTHORIZED", detail);
export const validation = (detail: string, errors?: Record<string, string[]>) =>
  new AppError("VALIDATION_ERROR", detail, errors ? { errors } : {});

export function problemBody(code: ErrorCode, detail: string, options: ProblemOptions = {}) {
  return {
    type: `https://edgedesk.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[code],
    status: statusOf(code),
    detail,
    code,
    ...(options.errors ? { errors: options.errors } : {}),
    ...options.extra,
  };
}

export function problemResponse(code: ErrorCode, detail: string, options: ProblemOptions = {}): Response {
  return new Response(JSON.stringify(problemBody(code, detail, options)), {
    status: statusOf(code),
    headers: { "Content-Type": "application/problem+json", ...options.headers },
  });
}
