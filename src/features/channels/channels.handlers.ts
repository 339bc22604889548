import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext, requestMeta } from "../../contexts";
import type { AppEnv } from "../../env";
import { receiveChannelMessage } from "./channels.inbound";
import type * as routes from "./channels.routes";
import * as service from "./channels.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listChannels(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const channel = await service.createChannel(requestContext(c), c.req.valid("json"));
  return c.json(channel, 201, { Location: `/api/v1/channels/${channel.id}`, "Cache-Control": "no-store" });
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getChannel(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchChannel(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteChannel(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const rotateSecret: RouteHandler<typeof routes.rotateSecret, AppEnv> = async (c) =>
  c.json(await service.rotateChannelSecret(requestContext(c), c.req.valid("param").id), 200, { "Cache-Control": "no-store" });

export const deliveries: RouteHandler<typeof routes.deliveries, AppEnv> = async (c) =>
  c.json(await service.listChannelDeliveries(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const delivery: RouteHandler<typeof routes.delivery, AppEnv> = async (c) => {
  const { id, delivery_id } = c.req.valid("param");
  return c.json(await service.getChannelDelivery(requestContext(c), id, delivery_id), 200);
};

export const redeliver: RouteHandler<typeof routes.redeliver, AppEnv> = async (c) => {
  const { id, delivery_id } = c.req.valid("param");
  return c.json(await service.redeliverChannelDelivery(requestContext(c), id, delivery_id), 202);
};

export const inbound: RouteHandler<typeof routes.inbound, AppEnv> = async (c) => {
  const result = await receiveChannelMessage(c.env, c.var.channelId!, c.req.valid("json"), requestMeta(c));
  return c.json(result, result.status === "duplicate" ? 200 : 201);
};
