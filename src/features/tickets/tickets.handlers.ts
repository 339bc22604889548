import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import { mayOpenOnChannel } from "../../domain/permissions";
import { forbidden } from "../../lib/errors";
import { actorOf } from "../../lib/request-context";
import * as comments from "../comments/comments.service";
import { parseFieldFilters, statusEditOf } from "../fields/fields.service";
import { editThroughRoom } from "../live/live.service";
import type * as routes from "./tickets.routes";
import { listTickets } from "./tickets.list";
import * as service from "./tickets.service";
import * as merging from "./tickets.merge";

const etag = (version: number) => ({ ETag: `"${version}"` });

// create and createComment run behind requireAuthInFirstCall: the caller is verified in their first
// D1 call, and nothing before it acts. create's first call: the idempotency key's lookup when one is
// sent, else the custom field catalog when fields are sent, else the team (staff filing into one) or
// the named requester, else the policies when the isolate has no copy of them, else the caller's row
// when the isolate does not know their profile, else the write's one batch, which takes the day's
// number and checks both copies (tickets.service.ts newTicketWrite, db/ticket-numbering.ts).
// createComment's: the ticket with its requester (findVisibleTicket), or, for a ticket this isolate
// kept (kept-rows.ts), the comment's write itself (unless an Idempotency-Key's lookup comes first).
export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  // Like `requester_email`: a customer asking for what only staff may record is refused, not quietly changed.
  if (!mayOpenOnChannel(c.var.actor.role, input.channel)) {
    throw forbidden(`channel: customers open tickets on the "web" or "api" channel; "${input.channel}" is recorded by staff`);
  }
  const result = await service.createTicket(requestContext(c), input, c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => {
  const ctx = requestContext(c);
  // `cf.<key>=` names are the deployment's own, so they are read from the raw query string.
  const fields = await parseFieldFilters(ctx, c.req.query());
  return c.json(await listTickets(ctx, { ...c.req.valid("query"), fields }), 200);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => {
  const ticket = await service.getTicket(requestContext(c), c.req.valid("param").id);
  return c.json(ticket, 200, etag(ticket.version));
};

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const ctx = requestContext(c);
  const baseVersion = service.parseIfMatch(c.req.valid("header")["if-match"]);
  // Unknown or invisible tickets are 404 here, before a room wakes for them.
  const { row } = await service.findVisibleTicket(ctx, c.req.valid("param").id);
  const statusEdit = await statusEditOf(ctx, body);
  // The ticket's room applies its PATCHes one at a time, so concurrent edits merge or conflict deterministically.
  const { ticket, bookmark } = await editThroughRoom(c.env, {
    ticketId: row.id,
    actor: actorOf(ctx),
    edit: {
      subject: body.subject,
      description: body.description,
      priority: body.priority,
      category: body.category,
      tags: body.tags,
      assigneeId: body.assignee_id,
      teamId: body.team_id,
      ...statusEdit,
      customFields: body.custom_fields,
    },
    baseVersion,
    meta: ctx.meta,
  });
  // The room wrote through its own D1 session: the client's next read must not predate it.
  if (bookmark) c.set("writeBookmark", bookmark);
  return c.json(ticket, 200, etag(ticket.version));
};

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteTicket(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const assign: RouteHandler<typeof routes.assign, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const { ticket } =
    "strategy" in body
      ? await service.autoAssignTicket(requestContext(c), c.req.valid("param").id)
      : await service.assignTicket(requestContext(c), c.req.valid("param").id, body.assignee_id);
  return c.json(ticket, 200, etag(ticket.version));
};

export const escalate: RouteHandler<typeof routes.escalate, AppEnv> = async (c) => {
  const { ticket } = await service.escalateTicket(requestContext(c), c.req.valid("param").id, c.req.valid("json"));
  return c.json(ticket, 200, etag(ticket.version));
};

export const listComments: RouteHandler<typeof routes.listComments, AppEnv> = async (c) =>
  c.json(await comments.listComments(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const createComment: RouteHandler<typeof routes.createComment, AppEnv> = async (c) => {
  const result = await comments.addComment(requestContext(c), c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getComment: RouteHandler<typeof routes.getComment, AppEnv> = async (c) => {
  const { id, comment_id } = c.req.valid("param");
  return c.json(await comments.getComment(requestContext(c), id, comment_id), 200);
};

export const history: RouteHandler<typeof routes.history, AppEnv> = async (c) =>
  c.json(await comments.listHistory(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const merge: RouteHandler<typeof routes.merge, AppEnv> = async (c) => {
  const ticket = await merging.mergeTicket(requestContext(c), c.req.valid("param").id, c.req.valid("json"));
  return c.json(ticket, 200, etag(ticket.version));
};

export const split: RouteHandler<typeof routes.split, AppEnv> = async (c) => {
  const result = await merging.splitTicket(requestContext(c), c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};
