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

// With the u flag a class of surrogates matches only unpaired ones: a pair is one code point.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The path (`a.0.b`) of the first string holding a lone surrogate, if any. JSON may spell one
 * (`"\ud800"`) though no UTF-8 text holds it: D1 would store mangled bytes while the response
 * echoed the original. Only what validation kept is walked: that is all a service ever stores.
 */
export function loneSurrogateAt(value: unknown, path: (string | number)[] = []): string | null {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? path.join(".") || "_" : null;
  if (value === null || typeof value !== "object") return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = LONE_SURROGATE.test(key) ? [...path, key].join(".") : loneSurrogateAt(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** Every feature router: the same validation hook, so every bad input is the same problem+json 400. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("VALIDATION_ERROR", `Invalid ${result.target}`, { errors: fieldErrors(result.error) });
      }
      const field = result.target === "json" ? loneSurrogateAt(result.data) : null;
      if (field) {
        throw new AppError("VALIDATION_ERROR", "Invalid json", { errors: { [field]: ["must be Unicode text: an unpaired \\uD800-\\uDFFF escape is not"] } });
      }
    },
  });
}
