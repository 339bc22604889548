import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { batchStatement, type BatchItem } from "../../db/client";
import { attachments, channelThreads, comments, inboundMessages, mailMessageIds, ticketParticipants, users } from "../../db/schema";
import { can } from "../../domain/permissions";
import { checkMerge, checkSplit, closedByMerge, withLink } from "../../domain/ticket-merge";
import { applyEdit } from "../../domain/ticket-update";
import type { FollowUp } from "../../domain/vocabulary";
import { eventActor } from "../../events/ticket-events";
import { AppError, forbidden, validation } from "../../lib/errors";
import { idempotent } from "../../lib/idempotency";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { toComment, type CommentRow } from "../comments/comments.serialize";
import { slaColumnWrites, termsOfTicket } from "../sla/sla.service";
import { isMachineAddress } from "../../email/outbox";
import { mailSettings } from "../../email/settings";
import { retryTicketWrite, type TicketWrite } from "./ticket-write";
import { findVisibleTicket, newTicketWrite, type FoundTicket } from "./tickets.service";
import { ticketFor } from "./ticket-view";
import { restoreTicket } from "../archive/archive.service";
import { type Ticket, type TicketRow } from "./tickets.serialize";

/**
 * Merge and split (API.md "More channels and data"), each ONE batch that changes both tickets
 * (ticket-write.ts writeTickets): the tickets' rows under their own guards, the rows that move
 * between them, the history and audit of both, and the events of both after commit. A merge or
 * split that raced another change of either ticket is planned again from a fresh read; nobody can
 * ever see half of one (comments moved but the source still open, or the reverse).
 */

/** Comments a split moves at once: a split takes a question out of a ticket, not its archive. */
export const MAX_SPLIT_COMMENTS = 100;

export interface MergeInput {
  into: string;
  comment?: { body: string; internal: boolean } | undefined;
  confirm_requesters?: boolean | undefined;
}

/**
 * A participant's follow-up on the ticket their conversation moves to: a chat visitor who followed
 * the chat while away follows the new ticket by mail (they are not in its room: its replies are not
 * something they could have seen live).
 */
const copiedFollowUp = sql.raw(`CASE follow_up WHEN 'offline_replies' THEN 'replies' ELSE follow_up END`);

/** A statement that rolls the batch back unless the UPDATE before it changed exactly `n` rows. */
const abortUnlessChangedExactly = (n: number) => sql.raw(`SELECT abs(CASE WHEN changes() <> ${Math.trunc(n)} THEN -9223372036854775807 - 1 ELSE 0 END)`);

async function findTarget(ctx: ServiceContext, ref: string): Promise<FoundTicket> {
  try {
    return await findVisibleTicket(ctx, ref);
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") throw validation("Invalid target", { into: ["no such ticket"] });
    throw err;
  }
}

/**
 * `POST /tickets/{id}/merge`: the source is closed with `merged_into_id` and never changes again;
 * its description (as the first message it was) and every comment and file move to the target in
 * time order, internal ones staying internal and their search rows following them (the FTS
 * triggers of comments re-scope a moved comment to its new ticket's requester); mail threads move
 * too (its Message-IDs now name the target; its reply address and subject tag lead there, see
 * email/resolve-ticket.ts) and so do a channel's threads; its requester and Cc'd participants become
 * participants of the target, the requester following its staff replies. Different requesters need
 * the agent's confirmation: then each side's requester sees the other's public messages on the target.
 */
export async function mergeTicket(ctx: ServiceContext, ref: string, input: MergeInput): Promise<Ticket> {
  const actor = actorOf(ctx);
  return retryTicketWrite(ctx, async () => {
    const source = await findVisibleTicket(ctx, ref);
    if (!can(actor.role, "ticket.merge")) throw forbidden("Only agents, managers and admins merge tickets");
    const target = await findTarget(ctx, input.into);
    const check = checkMerge(source.row, target.row, input.confirm_requesters === true);
    if (!check.ok) throw new AppError(check.code, check.detail);
    const now = ctx.now.toISOString();
    const s = source.row;
    const t = target.row;

    // The source: closed for good, its clock stopped.
    const sourceAfter: TicketRow = {
      ...s,
      ...closedByMerge(await termsOfTicket(ctx, s), s, now),
      status: "closed",
      // A custom status belongs to the category it leaves (tickets.custom_status).
      customStatus: null,
      closedAt: now,
      mergedIntoId: t.id,
      links: withLink(s.links, { type: "merged_into", ticket_id: t.id }),
      version: s.version + 1,
      updatedAt: now,
    };
    const sourceChanges = { status: [s.status, "closed"], merged_into_id: [null, t.id] };
    const sourceWrite: TicketWrite = {
      kind: "update",
      before: s,
      after: sourceAfter,
      requester: source.requester,
      set: slaColumnWrites(s, sourceAfter),
      history: [{ type: "merged", changes: sourceChanges, bumpsVersion: true }],
      audit: [{ action: "ticket.merged", entityType: "ticket", entityId: s.id, changes: { ...sourceChanges, into: t.number } }],
      events: (ticket) => [{ type: "ticket.updated", ticket, changes: sourceChanges, version: sourceAfter.version, actor: eventActor(actor), internal: false }],
    };

    // The target: its links, and the merge's own comment if there is one (a staff message on it, for its SLA clock).
    const comment = input.comment;
    const terms = await termsOfTicket(ctx, t);
    const applied = applyEdit({ actor, current: t, edit: {}, targetsFor: () => terms.targets, terms, message: comment && !comment.internal ? "staff" : undefined, reopenWindowDays: 0, now: ctx.now, implied: true });
    if (!applied.ok) throw new AppError("INVALID_TRANSITION", applied.detail);
    const links = withLink(t.links, { type: "merged_from", ticket_id: s.id });
    const targetAfter: TicketRow = { ...t, ...applied.next, links, version: t.version + 1, updatedAt: now };
    const targetChanges = { links: [t.links ?? [], links] };
    const note = comment ? mergeComment(ctx, t.id, comment) : null;
    const targetWrite: TicketWrite = {
      kind: "update",
      before: t,
      after: targetAfter,
      requester: target.requester,
      set: slaColumnWrites(t, targetAfter),
      history: [
        { type: "merged", changes: { ...targetChanges, merged_from: s.id }, bumpsVersion: true },
        ...(note ? [{ type: note.row.internal ? "note_added" : "commented", changes: { comment_id: note.row.id }, internal: note.row.internal }] : []),
      ],
      audit: [
        { action: "ticket.merged_into", entityType: "ticket", entityId: t.id, changes: { merged_from: s.number, requesters_confirmed: !check.sameRequester } },
        ...(note ? [{ action: note.row.internal ? "comment.internal_created" : "comment.created", entityType: "comment", entityId: note.row.id, changes: { ticket_id: t.id } }] : []),
      ],
      extra: [...movedIntoTarget(ctx, source, t, await followUpOf(ctx, source, check.sameRequester)), ...(note ? [note.insert] : [])],
      events: (ticket) => [
        { type: "ticket.updated", ticket, changes: targetChanges, version: targetAfter.version, actor: eventActor(actor), internal: false },
        ...(note ? [{ type: "comment.created" as const, ticket, comment: note.comment, actor: eventActor(actor) }] : []),
      ],
    };
    // The target first: its answer is the response; the source closes in the same batch.
    return { write: targetWrite, together: [sourceWrite], done: (ticket) => ticket };
  });
}

function mergeComment(ctx: ServiceContext, ticketId: string, input: { body: string; internal: boolean }) {
  const actor = actorOf(ctx);
  const row: CommentRow = { id: newId(ctx.now.getTime()), ticketId, authorId: actor.id, body: input.body, internal: input.internal, channel: "web", createdAt: ctx.now.toISOString(), mergedFromTicketId: null };
  return { row, insert: ctx.db.insert(comments).values(row), comment: toComment(row, actor) };
}

/**
 * What the source's requester follows of the target: its staff replies, if their address is
 * proven; an account that registered itself and never verified its address gets no mail (issue 9:
 * we would be relaying the target's conversation to an address it may not own), but may still
 * write in by mail, which authenticates itself.
 */
async function followUpOf(ctx: ServiceContext, source: FoundTicket, sameRequester: boolean): Promise<FollowUp | null | undefined> {
  // The same person, or an address no mail comes from or goes to (a chat visitor's account: their own address is a participant already).
  if (sameRequester || isMachineAddress(source.requester.email, mailSettings(ctx.env))) return undefined;
  const [user] = await ctx.db.select({ verifiedAt: users.emailVerifiedAt, passwordHash: users.passwordHash }).from(users).where(eq(users.id, source.requester.id)).limit(1);
  return user && (user.verifiedAt || !user.passwordHash) ? "replies" : null;
}

/** Everything of the source that moves to the target, as statements of the merge's batch; `followUp` of the source's requester (undefined: not a participant). */
function movedIntoTarget(ctx: ServiceContext, source: FoundTicket, t: TicketRow, followUp: FollowUp | null | undefined): BatchItem[] {
  const s = source.row;
  const now = ctx.now.toISOString();
  // The source's first message is its description: on the target it is a public comment of its requester, at its time.
  const description: CommentRow = {
    id: newId(Date.parse(s.createdAt)),
    ticketId: t.id,
    authorId: s.requesterId,
    body: s.description,
    internal: false,
    channel: s.channel,
    createdAt: s.createdAt,
    // Not "from" the source: the source still shows its description as its own field, not twice.
    mergedFromTicketId: null,
  };
  const items: BatchItem[] = [
    ctx.db
      .update(comments)
      .set({ ticketId: t.id, mergedFromTicketId: sql`coalesce(${comments.mergedFromTicketId}, ${s.id})` })
      .where(eq(comments.ticketId, s.id)),
    ctx.db.insert(comments).values(description),
    ctx.db
      .update(attachments)
      .set({ ticketId: t.id, mergedFromTicketId: sql`coalesce(${attachments.mergedFromTicketId}, ${s.id})` })
      .where(eq(attachments.ticketId, s.id)),
    // A reply to any mail of the source's thread now names the target.
    ctx.db.update(mailMessageIds).set({ ticketId: t.id }).where(eq(mailMessageIds.ticketId, s.id)),
    // Likewise a channel's thread (features/channels): its next message continues the target, and the
    // target's staff replies go back to it. Its updated_at stays: a channel answers on its most recently
    // active thread, which is the target's own until the source's thread speaks again.
    ctx.db.update(channelThreads).set({ ticketId: t.id }).where(eq(channelThreads.ticketId, s.id)),
    // Who could write into the source by mail can write into the target.
    batchStatement(ctx.db, sql`
      INSERT INTO ${ticketParticipants} (ticket_id, email, added_at, name, follow_up)
      SELECT ${t.id}, email, ${now}, name, ${copiedFollowUp} FROM ${ticketParticipants} WHERE ticket_id = ${s.id}
      ON CONFLICT DO NOTHING`),
  ];
  // The source's requester stays in the loop: they may write in by mail and (address proven) receive the target's staff replies.
  if (followUp !== undefined) {
    items.push(
      ctx.db
        .insert(ticketParticipants)
        .values({ ticketId: t.id, email: source.requester.email, addedAt: now, name: source.requester.name, followUp })
        .onConflictDoUpdate({ target: [ticketParticipants.ticketId, ticketParticipants.email], set: { followUp, name: source.requester.name } }),
    );
  }
  return items;
}

// ---------------------------------------------------------------- split

export interface SplitInput {
  comment_ids: string[];
  subject?: string | undefined;
}

/**
 * `POST /tickets/{id}/split`: a new ticket of the same requester holding the chosen comments (and
 * their files and mail threads), linked both ways. Its description is the earliest public one of
 * them (the question being split out); internal notes stay internal.
 */
export async function splitTicket(ctx: ServiceContext, ref: string, input: SplitInput, idempotencyKey?: string) {
  const actor = actorOf(ctx);
  const first = await findVisibleTicket(ctx, ref);
  if (!can(actor.role, "ticket.merge")) throw forbidden("Only agents, managers and admins split tickets");
  const ids = [...new Set(input.comment_ids)];
  return idempotent(ctx, idempotencyKey, { method: "POST", path: `/tickets/${first.row.id}/split`, body: { ...input, comment_ids: ids } }, async (record) =>
    retryTicketWrite(ctx, async (attempt) => {
      // An archived ticket's comments are in its document: it comes back first (features/archive).
      if (attempt === 1 && first.row.archivedAt) await restoreTicket(ctx, first.row.id);
      const source = attempt === 1 && !first.row.archivedAt ? first : await findVisibleTicket(ctx, first.row.id);
      const s = source.row;
      const check = checkSplit(s);
      if (!check.ok) throw new AppError("INVALID_TRANSITION", check.detail);
      const chosen = await ctx.db
        .select({ id: comments.id, body: comments.body, internal: comments.internal })
        .from(comments)
        .where(and(eq(comments.ticketId, s.id), inArray(comments.id, ids)))
        .orderBy(asc(comments.createdAt), asc(comments.id));
      const missing = ids.filter((id) => !chosen.some((c) => c.id === id));
      if (missing.length) throw validation("Not comments of this ticket", { comment_ids: [`not comments of ${s.number}: ${missing.slice(0, 10).join(", ")}`] });
      const question = chosen.find((c) => !c.internal);

      const planned = await newTicketWrite(
        ctx,
        {
          subject: input.subject ?? s.subject,
          // Never an internal note's words: the description is what the requester sees first.
          description: question?.body ?? `Split from ${s.number}`,
          priority: s.priority,
          category: s.category ?? undefined,
          channel: s.channel,
          tags: s.tags,
        },
        source.requester,
        // The same order number, product and so on: a split question is about the same thing.
        { links: [{ type: "split_from", ticket_id: s.id }], teamId: s.teamId, customFields: s.customFields, history: [{ type: "split", changes: { split_from: s.id, comment_ids: ids } }] },
      );
      const n = planned.row;
      const links = withLink(s.links, { type: "split_into", ticket_id: n.id });
      const sourceAfter: TicketRow = { ...s, links, version: s.version + 1, updatedAt: ctx.now.toISOString() };
      const sourceChanges = { links: [s.links ?? [], links] };
      const response = (ticket: Ticket) => ({ status: 201 as const, body: ticket, headers: { Location: `/api/v1/tickets/${n.id}`, ETag: `"${n.version}"` } });
      const created: TicketWrite = {
        ...planned.write,
        extra: [...movedIntoSplit(ctx, s.id, n.id, ids), ...record(response(await ticketFor(ctx, n, source.requester)))],
      };
      const sourceWrite: TicketWrite = {
        kind: "update",
        before: s,
        after: sourceAfter,
        requester: source.requester,
        set: slaColumnWrites(s, sourceAfter),
        history: [{ type: "split", changes: { ...sourceChanges, split_into: n.id, comment_ids: ids }, bumpsVersion: true }],
        audit: [{ action: "ticket.split", entityType: "ticket", entityId: s.id, changes: { into: n.number, comment_ids: ids } }],
        events: (ticket) => [{ type: "ticket.updated", ticket, changes: sourceChanges, version: sourceAfter.version, actor: eventActor(actor), internal: false }],
      };
      return { write: created, together: [sourceWrite], done: (ticket: Ticket) => response(ticket) };
    }),
  );
}

/** The chosen comments, their files and the Message-IDs of their mails move to the new ticket. */
function movedIntoSplit(ctx: ServiceContext, sourceId: string, newId: string, ids: string[]): BatchItem[] {
  const replyMailIds = ids.map((id) => `reply-${id}`);
  return [
    ctx.db.update(comments).set({ ticketId: newId }).where(and(eq(comments.ticketId, sourceId), inArray(comments.id, ids))),
    // Moved under our feet (another split, a merge): the batch rolls back and the split is planned again.
    ctx.db.run(abortUnlessChangedExactly(ids.length)),
    ctx.db.update(attachments).set({ ticketId: newId }).where(and(eq(attachments.ticketId, sourceId), inArray(attachments.commentId, ids))),
    ctx.db
      .update(mailMessageIds)
      .set({ ticketId: newId })
      .where(
        and(
          eq(mailMessageIds.ticketId, sourceId),
          sql`(${mailMessageIds.mailId} IN (SELECT ${inboundMessages.id} FROM ${inboundMessages} WHERE ${inArray(inboundMessages.commentId, ids)}) OR ${inArray(mailMessageIds.mailId, replyMailIds)})`,
        ),
      ),
    batchStatement(ctx.db, sql`
      INSERT INTO ${ticketParticipants} (ticket_id, email, added_at, name, follow_up)
      SELECT ${newId}, email, ${ctx.now.toISOString()}, name, ${copiedFollowUp} FROM ${ticketParticipants} WHERE ticket_id = ${sourceId}
      ON CONFLICT DO NOTHING`),
  ];
}

