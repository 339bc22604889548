import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { AppError } from "../../lib/errors";
import { requestContext } from "../../contexts";
import type * as routes from "./attachments.routes";
import * as service from "./attachments.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listAttachments(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const upload: RouteHandler<typeof routes.upload, AppEnv> = async (c) => {
  if (!/^multipart\/form-data\s*;/i.test(c.req.header("content-type") ?? "")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send files as multipart/form-data, in parts named `file`");
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new AppError("VALIDATION_ERROR", "The multipart body could not be read", { errors: { file: ["malformed multipart/form-data"] } });
  }
  const files = form.getAll("file").filter((v): v is File => typeof v !== "string");
  return c.json(await service.uploadAttachments(requestContext(c), c.req.valid("param").id, files), 201);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => {
  const { row, body } = await service.openAttachment(requestContext(c), c.req.valid("param").id);
  return new Response(body, { status: 200, headers: service.downloadHeaders(row) }) as never;
};
