import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import type { BatchItem } from "../../db/client";
import { comments, ticketHistory, tickets, users, type TicketChannel } from "../../db/schema";
import { can, isStaff, type Actor } from "../../domain/permissions";
import { decodeCursor, encodeCursor, newerThan, keysetPage } from "../../lib/cursor";
import { AppError, forbidden, notFound } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { eventActor, eventWrites, publish, type TicketEvent } from "../../events/ticket-events";
import { auditInsert } from "../audit/audit.service";
import { attachmentsByComment, type AttachmentSummary } from "../attachments/attachments.service";
import { signingSecret } from "../auth/tokens";
import { changeTicket, findVisibleTicket, historyInsert } from "../tickets/tickets.service";
import { toTicket, type Ticket, type TicketRow } from "../tickets/tickets.serialize";
import { messageSlaWrites, settleMessage } from "../sla/sla.service";

type CommentRow = typeof comments.$inferSelect;

export function toComment(row: CommentRow, author: Pick<Actor, "id" | "name" | "role">, files: AttachmentSummary[] = []) {
  return {
    id: row.id,
    ticket_id: row.ticketId,
    author: { id: author.id, name: author.name, role: author.role },
    body: row.body,
    internal: row.internal,
    channel: row.channel,
    created_at: row.createdAt,
    // API.md "Email channel": comments carry `attachments` when they have any.
    ...(files.length ? { attachments: files } : {}),
  };
}
export type Comment = ReturnType<typeof toComment>;

// A reply from the requester puts a ticket waiting on them back in the queue.
const REOPENED_BY_CUSTOMER_REPLY = new Set(["pending", "resolved"]);
const NO_PUBLIC_REPLIES = new Set(["closed", "cancelled"]);

export interface AddCommentInput {
  body: string;
  internal: boolean;
  channel?: TicketChannel;
}

export interface AddCommentOptions {
  /** Further writes of the comment's batch, after the comment row (the mail path: its message row, attachments). */
  extra?: (comment: CommentRow, ticket: TicketRow) => BatchItem[];
}

export async function addComment(ctx: ServiceContext, ref: string, input: AddCommentInput, idempotencyKey?: string, options: AddCommentOptions = {}) {
  const actor = actorOf(ctx);
  const { row: ticket, requester } = await findVisibleTicket(ctx, ref);
  if (input.internal && !can(actor.role, "ticket.comment_internal")) throw forbidden("Customers cannot write internal notes");
  if (!input.internal && NO_PUBLIC_REPLIES.has(ticket.status)) {
    throw new AppError("INVALID_TRANSITION", `The ticket is ${ticket.status}; reopen it before replying`);
  }
  return idempotent(ctx, idempotencyKey, { method: "POST", path: `/tickets/${ticket.id}/comments`, body: input }, async (record) => {
    const now = ctx.now.toISOString();
    const row: CommentRow = {
      id: newId(ctx.now.getTime()),
      ticketId: ticket.id,
      authorId: actor.id,
      body: input.body,
      internal: input.internal,
      channel: input.channel ?? "web",
      createdAt: now,
    };
    const comment = toComment(row, actor);
    const response = { status: 201 as const, body: comment, headers: { Location: `/api/v1/tickets/${ticket.id}/comments/${row.id}` } };
    const writes = (t: TicketRow): BatchItem[] => [
      ctx.db.insert(comments).values(row),
      historyInsert(ctx, {
        ticketId: t.id,
        type: input.internal ? "note_added" : "commented",
        version: t.version,
        bumpsVersion: false,
        changes: { comment_id: row.id },
        internal: input.internal,
      }),
      auditInsert(ctx, { action: input.internal ? "comment.internal_created" : "comment.created", entityType: "comment", entityId: row.id, changes: { ticket_id: t.id } }),
      ...(options.extra?.(row, t) ?? []),
      ...record(response),
    ];

    const created = (t: Ticket): TicketEvent[] => [{ type: "comment.created", ticket: t, comment, actor: eventActor(actor) }];

    if (!input.internal && !isStaff(actor.role) && REOPENED_BY_CUSTOMER_REPLY.has(ticket.status)) {
      await changeTicket(ctx, ticket.id, { status: "open" }, { type: "updated", implied: true, message: "customer", extra: writes, events: created });
      return response;
    }
    const events = created(toTicket(ticket, requester, ctx.now));
    const by = input.internal ? null : isStaff(actor.role) ? "staff" : "customer";
    const touch = await touchTicket(ctx, ticket, by);
    const items = [...writes(ticket), touch.write, ...eventWrites(ctx, events)];
    const results = await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
    const touched = results[items.indexOf(touch.write)] as D1Result | undefined;
    // Someone changed the ticket between our read and this batch: its clock is settled again from a fresh read.
    if (touch.sla && by && !touched?.meta.changes) await settleMessage(ctx, ticket.id, by);
    await publish(ctx, events);
    return response;
  });
}

/**
 * A comment moves `updated_at`; a public message also moves the SLA clock (domain/sla.ts
 * slaOnMessage): staff meet the first or the next response, a customer arms the next response.
 * Neither bumps the version (no user-set field changes). The clock's columns were computed from the
 * row as read, so they are written only if the row is still that one (`sla: true`).
 */
async function touchTicket(ctx: ServiceContext, ticket: TicketRow, by: "staff" | "customer" | null): Promise<{ write: BatchItem; sla: boolean }> {
  const now = ctx.now.toISOString();
  const set = by ? await messageSlaWrites(ctx, ticket, by) : null;
  if (!set) return { write: ctx.db.update(tickets).set({ updatedAt: now }).where(eq(tickets.id, ticket.id)), sla: false };
  return {
    write: ctx.db
      .update(tickets)
      .set({ ...set, updatedAt: now })
      .where(and(eq(tickets.id, ticket.id), eq(tickets.updatedAt, ticket.updatedAt), eq(tickets.version, ticket.version))),
    sla: true,
  };
}

export async function listComments(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row: ticket } = await findVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `comments:${ticket.id}`;
  const where: SQL[] = [eq(comments.ticketId, ticket.id)];
  if (!can(actor.role, "ticket.see_internal")) where.push(eq(comments.internal, false));
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    // A row-value seek: the page starts in the index at the cursor instead of re-reading earlier pages.
    where.push(newerThan(comments.createdAt, comments.id, { key: String(pos.key), id: pos.id }));
  }
  const rows = await ctx.db
    .select({ row: comments, author: { id: users.id, name: users.name, role: users.role } })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(...where))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(page.limit + 1);
  const { items: items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.row.createdAt, id: last.row.id }));
  return {
    data: await withAttachments(ctx, items),
    next_cursor,
  };
}

/** One comment of a ticket the caller may see; internal notes are 404 for customers. */
export async function getComment(ctx: ServiceContext, ref: string, commentId: string) {
  const actor = actorOf(ctx);
  const { row: ticket } = await findVisibleTicket(ctx, ref);
  const where: SQL[] = [eq(comments.id, commentId), eq(comments.ticketId, ticket.id)];
  if (!can(actor.role, "ticket.see_internal")) where.push(eq(comments.internal, false));
  const rows = await ctx.db
    .select({ row: comments, author: { id: users.id, name: users.name, role: users.role } })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(...where))
    .limit(1);
  if (!rows.length) throw notFound("Comment");
  return (await withAttachments(ctx, rows))[0]!;
}

/** The page's attachments in one query; a comment's files are exactly as visible as the comment. */
async function withAttachments(ctx: ServiceContext, items: { row: CommentRow; author: Pick<Actor, "id" | "name" | "role"> }[]) {
  const files = await attachmentsByComment(ctx, items.map((r) => r.row.id));
  return items.map((r) => toComment(r.row, r.author, files.get(r.row.id)));
}

export async function listHistory(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row: ticket } = await findVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `history:${ticket.id}`;
  const where: SQL[] = [eq(ticketHistory.ticketId, ticket.id)];
  if (!can(actor.role, "ticket.see_internal")) where.push(eq(ticketHistory.internal, false));
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    const [version, at] = Array.isArray(pos.key) ? pos.key : [];
    if (typeof version !== "number" || typeof at !== "string") throw new AppError("VALIDATION_ERROR", "Invalid cursor");
    where.push(
      or(
        gt(ticketHistory.version, version),
        and(eq(ticketHistory.version, version), gt(ticketHistory.at, at)),
        and(eq(ticketHistory.version, version), eq(ticketHistory.at, at), gt(ticketHistory.id, pos.id)),
      )!,
    );
  }
  const rows = await ctx.db
    .select({ row: ticketHistory, actor: { id: users.id, name: users.name, role: users.role } })
    .from(ticketHistory)
    .leftJoin(users, eq(users.id, ticketHistory.actorId))
    .where(and(...where))
    .orderBy(asc(ticketHistory.version), asc(ticketHistory.at), asc(ticketHistory.id))
    .limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) =>
    encodeCursor(secret, sort, { key: [last.row.version, last.row.at], id: last.row.id }),
  );
  return {
    data: items.map((r) => ({
      id: r.row.id,
      type: r.row.type,
      actor: r.actor,
      at: r.row.at,
      version: r.row.version,
      changes: r.row.changes,
    })),
    next_cursor,
  };
}
