import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../env";
import { AppError } from "./errors";

/** Zod issues -> `{field: [messages]}` of a problem document. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.join(".") : "_";
    (out[field] ??= []).push(issue.message);
  }
  return out;
}

/** Every feature router: the same validation hook, so every bad input is the same problem+json 400. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("VALIDATION_ERROR", `Invalid ${result.target}`, { errors: fieldErrors(result.error) });
      }
    },
  });
}
