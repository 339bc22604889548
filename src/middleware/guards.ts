import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";

/** Largest JSON body we read: descriptions are capped at 50,000 chars, far below this. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: () => {
    throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_JSON_BODY_BYTES} bytes`);
  },
});

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A write with a body must say it is JSON (uploads have their own routes, listed here). */
export const requireJson = (exempt: (path: string) => boolean = () => false) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (WRITE_METHODS.has(c.req.method) && !exempt(c.req.path)) {
      const hasBody = c.req.header("content-length") !== undefined ? c.req.header("content-length") !== "0" : c.req.raw.body !== null;
      const type = c.req.header("content-type") ?? "";
      if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
        throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json");
      }
    }
    await next();
  });
