import { and, asc, eq, inArray, type SQL } from "drizzle-orm";
import { insertRow, selectIn, type BatchItem } from "../../db/client";
import { comments, ticketHistory, users } from "../../db/schema";
import { mergedRefusal } from "../../domain/ticket-merge";
import { type TicketChannel } from "../../domain/vocabulary";
import { can, isStaff, type Actor } from "../../domain/permissions";
import { afterKey, decodeCursor, encodeCursor, keysetPage, newerThan, type CursorPosition, type KeyColumn } from "../../lib/cursor";
import { AppError, forbidden, notFound } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { eventActor, type EventActor } from "../../events/ticket-events";
import { attachmentsByComment } from "../attachments/attachments.service";
import { archiveHolding, pageInMemory, readArchive, type ArchiveDocument } from "../archive/archive.document";
import { signingSecret } from "../auth/tokens";
import { customerChanges, customerVisibleKeys, fieldPath } from "../../domain/custom-fields";
import { fieldCatalog } from "../fields/fields.service";
import { changeTicket, findForChange, readVisibleTicket, type Attached } from "../tickets/tickets.service";
import type { TicketRow } from "../tickets/tickets.serialize";
import { toComment, type CommentRow } from "./comments.serialize";
import { loggedWith, newEntry } from "../time/time.service";

// A reply from the requester puts a ticket waiting on them back in the queue.
const REOPENED_BY_CUSTOMER_REPLY = new Set(["pending", "resolved"]);
/** A finished ticket takes no public reply until it is reopened. */
export const NO_PUBLIC_REPLIES: ReadonlySet<string> = new Set(["closed", "cancelled"]);

export interface AddCommentInput {
  body: string;
  internal: boolean;
  channel?: TicketChannel;
  /** Staff: minutes of (billable) time logged with the comment, in the same write. */
  time_minutes?: number | undefined;
}

export interface AddCommentOptions {
  /** Further writes of the comment's batch, after the comment row (the mail path: its message row, attachments). */
  extra?: (comment: CommentRow, ticket: TicketRow) => BatchItem[];
}

/** Who a comment is by: a user, or the automation account a rule writes as. */
export type CommentAuthor = Pick<Actor, "id" | "name" | "role">;

/**
 * A new comment as part of its ticket's write: its row, its wire shape, and what it adds to the
 * write (the row, history and audit entries, the `comment.created` event) for changeTicket's `with`.
 */
export function newComment(ctx: ServiceContext, author: CommentAuthor, ticketId: string, input: AddCommentInput, by?: EventActor) {
  const row: CommentRow = {
    id: newId(ctx.now.getTime()),
    ticketId,
    authorId: author.id,
    body: input.body,
    internal: input.internal,
    channel: input.channel ?? "web",
    createdAt: ctx.now.toISOString(),
    mergedFromTicketId: null,
  };
  // Read when attached: a text filled in for the ticket as the change leaves it (a rule's, a macro's) is set on the row first.
  // The author's name as each plan finds it: a plan from a kept row presumes the caller's (db/caller-gate.ts), a re-plan has it read.
  const attach = (t: TicketRow, extra: BatchItem[] = []): Attached => {
    const comment = toComment(row, author);
    const actor = by !== undefined ? by : eventActor(ctx.actor);
    return {
      extra: [insertRow(ctx.db, comments, row), ...extra],
      history: [{ type: input.internal ? "note_added" : "commented", changes: { comment_id: row.id }, internal: input.internal }],
      audit: [{ action: input.internal ? "comment.internal_created" : "comment.created", entityType: "comment", entityId: row.id, changes: { ticket_id: t.id } }],
      events: (after) => [{ type: "comment.created", ticket: after, comment, actor }],
    };
  };
  return { row, attach };
}

/**
 * A comment is a change of its ticket, written by the one ticket write: a public message moves
 * `updated_at` and the SLA clock (staff meet the first or next response, a customer arms the next
 * one) and may reopen the ticket (a customer's reply to a pending or resolved one, the one case a
 * comment bumps the version); an internal note leaves the ticket row as it is.
 */
export async function addComment(ctx: ServiceContext, ref: string, input: AddCommentInput, idempotencyKey?: string, options: AddCommentOptions = {}) {
  const actor = actorOf(ctx);
  // A ticket this isolate holds is not read again (tickets/kept-rows.ts); a refusal is decided on a fresh read.
  const read = await findForChange(ctx, ref, (t) => refusal(actor, t, input));
  const ticket = read.row;
  return idempotent(ctx, idempotencyKey, { method: "POST", path: `/tickets/${ticket.id}/comments`, body: input }, async (record) => {
    const { row, attach } = newComment(ctx, actor, ticket.id, input);
    // Made per plan, like the comment: its author's name is the one the written plan checked or read.
    const response = () => ({ status: 201 as const, body: toComment(row, actor), headers: { Location: `/api/v1/tickets/${ticket.id}/comments/${row.id}` } });
    const entry = input.time_minutes === undefined ? null : newEntry(ctx, ticket.id, { minutes: input.time_minutes }, row.id);
    const by = input.internal ? undefined : isStaff(actor.role) ? "staff" : "customer";
    // Decided on the ticket as each plan finds it: a kept row may be stale (tickets/kept-rows.ts).
    const reopens = (t: TicketRow) => by === "customer" && REOPENED_BY_CUSTOMER_REPLY.has(t.status);
    await changeTicket(ctx, ticket.id, (t) => (reopens(t) ? { status: "open" } : {}), {
      type: "updated",
      implied: true,
      message: by,
      touch: !input.internal,
      read,
      // The ticket as re-read when the write found it changed (closed or merged meanwhile) is refused as above.
      refusal: (t) => refusal(actor, t, input),
      with: (t) => {
        const attached = attach(t, [...(options.extra?.(row, t) ?? []), ...record(response())]);
        if (!entry) return attached;
        // Time logged with the comment: its entry, the ticket's totals, internal history and event, in the same write.
        const time = loggedWith(ctx, t, entry);
        return {
          extra: [...attached.extra, ...time.extra],
          history: [...attached.history, ...time.history],
          audit: [...attached.audit, ...time.audit],
          events: (after) => [...attached.events(after), ...time.events(after)],
          row: time.row,
        };
      },
    });
    return response();
  });
}

/** Why the caller may not add this comment to the ticket as it is: their role, the ticket merged away, or finished (a public reply). */
function refusal(actor: Actor, ticket: TicketRow, input: AddCommentInput): AppError | null {
  if (input.internal && !can(actor.role, "ticket.comment_internal")) return forbidden("Customers cannot write internal notes");
  if (input.time_minutes !== undefined && !can(actor.role, "time.log")) return forbidden("Only staff log time");
  if (ticket.mergedIntoId) return new AppError("INVALID_TRANSITION", mergedRefusal(ticket.number, ticket.mergedIntoId));
  if (!input.internal && NO_PUBLIC_REPLIES.has(ticket.status)) return new AppError("INVALID_TRANSITION", `The ticket is ${ticket.status}; reopen it before replying`);
  return null;
}

/**
 * A ticket's comments; a merged ticket's are those it had when it was merged (now on its target),
 * so its requester keeps their own conversation and sees nothing of the target's.
 */
const ofTicket = (ticket: Pick<TicketRow, "id" | "mergedIntoId">) => (ticket.mergedIntoId ? eq(comments.mergedFromTicketId, ticket.id) : eq(comments.ticketId, ticket.id));
/** {@link ofTicket} over an archive's rows. */
const inArchive = (ticket: Pick<TicketRow, "id" | "mergedIntoId">) => (c: CommentRow) => (ticket.mergedIntoId ? c.mergedFromTicketId === ticket.id : c.ticketId === ticket.id);

type Author = Pick<Actor, "id" | "name" | "role">;
/** Rows of an archived ticket with their authors (users stay in D1: a renamed author shows as now, as live rows do). */
async function withPeople<T>(ctx: ServiceContext, rows: T[], idOf: (row: T) => string | null): Promise<{ row: T; person: Author | null }[]> {
  const ids = [...new Set(rows.flatMap((r) => idOf(r) ?? []))];
  const people = await selectIn(ids, (slice) => ctx.db.select({ id: users.id, name: users.name, role: users.role }).from(users).where(inArray(users.id, slice)));
  const byId = new Map(people.map((p) => [p.id, p]));
  return rows.map((row) => ({ row, person: byId.get(idOf(row) ?? "") ?? null }));
}

/** Archived comments with their authors, as the SQL lists join them (a comment whose author is gone is left out, as the inner join does). */
async function withAuthors(ctx: ServiceContext, rows: CommentRow[]) {
  return (await withPeople(ctx, rows, (c) => c.authorId)).flatMap(({ row, person }) => (person ? [{ row, author: person }] : []));
}

/** The comments an archived ticket's caller may read (the SQL lists' filters over the document). */
function archivedComments(doc: ArchiveDocument, ticket: Pick<TicketRow, "id" | "mergedIntoId">, seesInternal: boolean): CommentRow[] {
  return doc.comments.filter((c) => inArchive(ticket)(c) && (seesInternal || !c.internal));
}

export async function listComments(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row: ticket } = await readVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `comments:${ticket.id}`;
  const pos = page.cursor ? await decodeCursor(secret, sort, page.cursor) : null;
  const doc = await archiveHolding(ctx, ticket);
  const rows = doc ? await archivedCommentPage(ctx, doc, ticket, can(actor.role, "ticket.see_internal"), pos, page.limit) : await commentPage(ctx, ticket, actor, pos, page.limit);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.row.createdAt, id: last.row.id }));
  return {
    data: await withAttachments(ctx, items),
    next_cursor,
  };
}

async function archivedCommentPage(ctx: ServiceContext, doc: ArchiveDocument, ticket: TicketRow, seesInternal: boolean, pos: CursorPosition | null, limit: number) {
  return withAuthors(ctx, pageInMemory(archivedComments(doc, ticket, seesInternal), (c) => [c.createdAt, c.id], pos ? [String(pos.key), pos.id] : null, limit));
}

async function commentPage(ctx: ServiceContext, ticket: TicketRow, actor: Actor, pos: CursorPosition | null, limit: number) {
  const where: SQL[] = [ofTicket(ticket)];
  if (!can(actor.role, "ticket.see_internal")) where.push(eq(comments.internal, false));
  // A row-value seek: the page starts in the index at the cursor instead of re-reading earlier pages.
  if (pos) where.push(newerThan(comments.createdAt, comments.id, { key: String(pos.key), id: pos.id }));
  return ctx.db
    .select({ row: comments, author: { id: users.id, name: users.name, role: users.role } })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(...where))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(limit + 1);
}

/** One comment of a ticket the caller may see; internal notes are 404 for customers. */
export async function getComment(ctx: ServiceContext, ref: string, commentId: string) {
  const actor = actorOf(ctx);
  const { row: ticket } = await readVisibleTicket(ctx, ref);
  const doc = await archiveHolding(ctx, ticket);
  if (doc) {
    const rows = await withAuthors(ctx, archivedComments(doc, ticket, can(actor.role, "ticket.see_internal")).filter((c) => c.id === commentId));
    if (!rows.length) throw notFound("Comment");
    return (await withAttachments(ctx, rows))[0]!;
  }
  const where: SQL[] = [eq(comments.id, commentId), ofTicket(ticket)];
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

/** History in the order its entries happened: by version, then time, then (time-ordered) id. */
const HISTORY_ORDER: KeyColumn[] = [
  { column: ticketHistory.version, dir: "asc" },
  { column: ticketHistory.at, dir: "asc" },
  { column: ticketHistory.id, dir: "asc" },
];

export async function listHistory(ctx: ServiceContext, ref: string, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  const { row: ticket } = await readVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `history:${ticket.id}`;
  const seesInternal = can(actor.role, "ticket.see_internal");
  let after: [number, string, string] | null = null;
  if (page.cursor) {
    const pos = await decodeCursor(secret, sort, page.cursor);
    const [version, at] = Array.isArray(pos.key) ? pos.key : [];
    if (typeof version !== "number" || typeof at !== "string") throw new AppError("VALIDATION_ERROR", "Invalid cursor");
    after = [version, at, pos.id];
  }
  // An archived ticket's history is in its document (a merged ticket keeps its own history in D1 or in its own document).
  const rows = ticket.archivedAt
    ? (
        await withPeople(
          ctx,
          pageInMemory((await readArchive(ctx, ticket)).history.filter((h) => seesInternal || !h.internal), (h) => [h.version, h.at, h.id], after, page.limit),
          (h) => h.actorId,
        )
      ).map(({ row, person }) => ({ row, actor: person }))
    : await historyPage(ctx, ticket.id, seesInternal, after, page.limit);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) =>
    encodeCursor(secret, sort, { key: [last.row.version, last.row.at], id: last.row.id }),
  );
  // Which rule changed a ticket is how staff run their helpdesk; customers see "the system".
  const entries = items.map((r) => ({ id: r.row.id, type: r.row.type, actor: r.actor, at: r.row.at, version: r.row.version, changes: r.row.changes }));
  if (can(actor.role, "ticket.see_internal")) {
    return { data: items.map((r, i) => ({ ...entries[i]!, ...(r.row.ruleId ? { rule: { id: r.row.ruleId, name: r.row.ruleName ?? "" } } : {}) })), next_cursor };
  }
  // Customers: changes of custom fields they may not see are not theirs to read, nor which macro
  // staff applied (named by staff for staff, as a rule is), nor an entry of nothing else.
  const touchesFields = entries.some((e) => Object.keys(e.changes).some((k) => k.startsWith(fieldPath(""))));
  const visible = touchesFields ? customerVisibleKeys(await fieldCatalog(ctx)) : [];
  const data = entries.flatMap((e) => {
    const changes = customerChanges(withoutStaffNotes(e.changes), visible);
    return Object.keys(changes).length || !Object.keys(e.changes).length ? [{ ...e, changes }] : [];
  });
  return { data, next_cursor };
}

/**
 * Members of a history entry that name staff's own tooling beside its changes (tickets.service.ts
 * ChangeOptions `note`): the macro, the bulk mark, and a routing decision (`reason` as an object: the
 * strategy, other agents and their loads, as an assignment records it internal); a reason in words
 * ("manual", an auto-close's) stays.
 */
const STAFF_NOTES: readonly string[] = ["macro", "bulk"];
const withoutStaffNotes = (changes: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(changes).filter(([k, v]) => !STAFF_NOTES.includes(k) && !(k === "reason" && typeof v !== "string")));

async function historyPage(ctx: ServiceContext, ticketId: string, seesInternal: boolean, after: [number, string, string] | null, limit: number) {
  const where: SQL[] = [eq(ticketHistory.ticketId, ticketId)];
  if (!seesInternal) where.push(eq(ticketHistory.internal, false));
  if (after) where.push(afterKey(HISTORY_ORDER, after));
  return ctx.db
    .select({ row: ticketHistory, actor: { id: users.id, name: users.name, role: users.role } })
    .from(ticketHistory)
    .leftJoin(users, eq(users.id, ticketHistory.actorId))
    .where(and(...where))
    .orderBy(asc(ticketHistory.version), asc(ticketHistory.at), asc(ticketHistory.id))
    .limit(limit + 1);
}
