import type { RouteHandler } from "@hono/zod-openapi";
import { getMultipartBoundary } from "@remix-run/multipart-parser";
import type { AppEnv } from "../../env";
import { AppError } from "../../lib/errors";
import { requestContext } from "../../contexts";
import type * as routes from "./attachments.routes";
import * as service from "./attachments.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listAttachments(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const upload: RouteHandler<typeof routes.upload, AppEnv> = async (c) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send files as multipart/form-data, in parts named `file`");
  }
  const boundary = getMultipartBoundary(type);
  const stream = c.req.raw.body;
  if (!boundary || !stream) throw new AppError("VALIDATION_ERROR", "The multipart body could not be read", { errors: { file: ["malformed multipart/form-data"] } });
  return c.json(await service.uploadAttachments(requestContext(c), c.req.valid("param").id, { stream, boundary }), 201);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => {
  const { row, body } = await service.openAttachment(requestContext(c), c.req.valid("param").id);
  return new Response(body, { status: 200, headers: service.downloadHeaders(row) }) as never;
};
