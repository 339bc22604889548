import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import { parseIfMatch } from "../tickets/tickets.service";
import * as categories from "./kb-categories.service";
import type * as routes from "./kb.routes";
import * as service from "./kb.service";

const etag = (version: number) => ({ ETag: `"${version}"` });

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listArticles(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const result = await service.createArticle(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => {
  const article = await service.getArticle(requestContext(c), c.req.valid("param").id);
  return c.json(article, 200, etag(article.version));
};

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) => {
  const article = await service.patchArticle(
    requestContext(c),
    c.req.valid("param").id,
    c.req.valid("json"),
    parseIfMatch(c.req.valid("header")["if-match"]),
  );
  return c.json(article, 200, etag(article.version));
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteArticle(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const versions: RouteHandler<typeof routes.versions, AppEnv> = async (c) =>
  c.json(await service.listVersions(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const feedback: RouteHandler<typeof routes.feedback, AppEnv> = async (c) =>
  c.json(await service.giveFeedback(requestContext(c), c.req.valid("param").id, c.req.valid("json").helpful), 200);

export const suggest: RouteHandler<typeof routes.suggest, AppEnv> = async (c) =>
  c.json(await service.suggestArticles(requestContext(c), c.req.valid("query")), 200);

export const suggestedForTicket: RouteHandler<typeof routes.suggestedForTicket, AppEnv> = async (c) =>
  c.json(await service.suggestForTicket(requestContext(c), c.req.valid("param").id, c.req.valid("query").limit), 200);

export const listCategories: RouteHandler<typeof routes.listCategories, AppEnv> = async (c) =>
  c.json(await categories.listCategories(requestContext(c)), 200);

export const createCategory: RouteHandler<typeof routes.createCategory, AppEnv> = async (c) => {
  const result = await categories.createCategory(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getCategory: RouteHandler<typeof routes.getCategory, AppEnv> = async (c) =>
  c.json(await categories.getCategory(requestContext(c), c.req.valid("param").id), 200);

export const patchCategory: RouteHandler<typeof routes.patchCategory, AppEnv> = async (c) =>
  c.json(await categories.patchCategory(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const removeCategory: RouteHandler<typeof routes.removeCategory, AppEnv> = async (c) => {
  await categories.deleteCategory(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
