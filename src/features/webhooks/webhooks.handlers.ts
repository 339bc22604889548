import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext } from "../../contexts";
import type { AppEnv } from "../../env";
import type * as routes from "./webhooks.routes";
import * as service from "./webhooks.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listWebhooks(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const webhook = await service.createWebhook(requestContext(c), c.req.valid("json"));
  return c.json(webhook, 201, { Location: `/api/v1/webhooks/${webhook.id}`, "Cache-Control": "no-store" });
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getWebhook(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchWebhook(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteWebhook(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const rotateSecret: RouteHandler<typeof routes.rotateSecret, AppEnv> = async (c) =>
  c.json(await service.rotateWebhookSecret(requestContext(c), c.req.valid("param").id), 200, { "Cache-Control": "no-store" });

export const test: RouteHandler<typeof routes.test, AppEnv> = async (c) => c.json(await service.testWebhook(requestContext(c), c.req.valid("param").id), 200);

export const deliveries: RouteHandler<typeof routes.deliveries, AppEnv> = async (c) =>
  c.json(await service.listWebhookDeliveries(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const delivery: RouteHandler<typeof routes.delivery, AppEnv> = async (c) => {
  const { id, delivery_id } = c.req.valid("param");
  return c.json(await service.getWebhookDelivery(requestContext(c), id, delivery_id), 200);
};

export const redeliver: RouteHandler<typeof routes.redeliver, AppEnv> = async (c) => {
  const { id, delivery_id } = c.req.valid("param");
  return c.json(await service.redeliverWebhookDelivery(requestContext(c), id, delivery_id), 202);
};
