import { and, eq } from "drizzle-orm";
import { createDb, type BatchItem } from "../../db/client";
import { chatSessions, ticketParticipants, users } from "../../db/schema";
import type { Actor } from "../../domain/permissions";
import { CHAT_SESSION_FOLLOW_UP } from "../../domain/vocabulary";
import type { Bindings } from "../../env";
import { actingAs } from "../../contexts";
import { sha256Hex, timingSafeEqual, toBase64Url } from "../../lib/crypto";
import { AppError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { clientBucket, rateLimitHeaders, takeAttempt, type Limit, type LimitState } from "../auth/rate-limit";
import { addComment, listComments } from "../comments/comments.service";
import { retryTicketWrite } from "../tickets/ticket-write";
import { findVisibleTicket, getTicket, newTicketWrite } from "../tickets/tickets.service";
import type { Ticket } from "../tickets/tickets.serialize";
import type { LiveIdentity } from "../../ticket-room/protocol";

/**
 * Live chat (API.md "More channels and data"). A chat is a ticket (`channel: "chat"`) whose
 * requester is an anonymous visitor: a customer account of its own, created with the chat, with an
 * address under `.invalid` that no mail reaches and no one can sign in with. The visitor token is a
 * random secret stored as a hash beside the ticket; it is no access token, so every other route
 * refuses it (401), and the chat routes accept it for its own ticket alone (404 for any other).
 *
 * Mail follow-up: the address a visitor types is their claim, not a proof. It never becomes an
 * account's address and is never matched to one; it becomes a participant of this one ticket, so
 * staff replies the visitor did not see live are mailed there (email/outbox.ts: follow_up
 * `offline_replies`, dropped when the visitor is back in the chat), and a mail answer from it
 * threads back into this ticket only if it passes sender authentication like any other mail. What
 * such a mail carries is this chat's own staff replies: nothing of any other ticket or account.
 */

/** Visitor accounts' addresses: RFC 2606 reserves `.invalid`, so none of them is ever a real mailbox. */
export const VISITOR_DOMAIN = "visitors.invalid";
/** Prefix of visitor tokens: a reader of a log or a leaked header can tell one from an access token. */
const TOKEN_PREFIX = "vt_";
/** 256 bits of randomness: unguessable, like a refresh token. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^vt_[A-Za-z0-9_-]{43}$/;

/**
 * Chats one client (an IPv4 address or an IPv6 /64, as login counts them) may open per hour
 * (`CHAT_SESSIONS_PER_IP_PER_HOUR`): each is an account and a ticket, so an unbounded anonymous
 * route would fill the queue; an office behind one address still gets a few dozen.
 */
export const DEFAULT_CHAT_SESSIONS_PER_HOUR = 20;
const SESSION_WINDOW_SECONDS = 3_600;
/** Messages per chat per minute: more than anyone types, few enough that a script cannot flood the agents. */
export const CHAT_MESSAGES_PER_MINUTE = 30;

export interface OpenChatInput {
  name?: string | undefined;
  email?: string | undefined;
  message?: string | undefined;
}

function rateLimited(state: LimitState): AppError {
  return new AppError("RATE_LIMITED", "Too many chats from this address; try again later", {
    headers: { "Retry-After": String(Math.max(1, state.reset)), ...rateLimitHeaders(state) },
  });
}

async function limit(ctx: ServiceContext, limits: Limit[]) {
  const attempt = await takeAttempt(ctx.db, limits, ctx.now);
  if (attempt.blocked) throw rateLimited(attempt.state);
  return rateLimitHeaders(attempt.state);
}

const sessionLimit = (ctx: ServiceContext): Limit => ({
  key: `chat:ip:${ctx.meta.ip ? clientBucket(ctx.meta.ip) : "unknown"}`,
  max: Number(ctx.env.CHAT_SESSIONS_PER_IP_PER_HOUR) || DEFAULT_CHAT_SESSIONS_PER_HOUR,
  windowSeconds: SESSION_WINDOW_SECONDS,
});

/** The session's own participant row (its mode marks it): another's row of the same address is never the visitor's to rename, re-mode or remove. */
const ownRow = eq(ticketParticipants.followUp, CHAT_SESSION_FOLLOW_UP);

/** The visitor's own address as a participant of their chat: staff replies they miss go there (someone else's row of it is left alone). */
const followUpRow = (ctx: ServiceContext, ticketId: string, email: string, name: string) =>
  ctx.db
    .insert(ticketParticipants)
    .values({ ticketId, email, addedAt: ctx.now.toISOString(), name, followUp: CHAT_SESSION_FOLLOW_UP })
    .onConflictDoUpdate({ target: [ticketParticipants.ticketId, ticketParticipants.email], set: { name }, setWhere: ownRow });

/** `POST /chat/sessions` (anonymous): the visitor, the ticket and the session in one batch. */
export async function openChat(ctx: ServiceContext, input: OpenChatInput) {
  const headers = await limit(ctx, [sessionLimit(ctx)]);
  const now = ctx.now.toISOString();
  const id = newId(ctx.now.getTime());
  const visitor: Actor = { id, name: input.name ?? "Visitor", email: `${id}@${VISITOR_DOMAIN}`, role: "customer" };
  const token = TOKEN_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  const as = actingAs(ctx, visitor);
  // Stale only when the isolate's copy of the SLA policies was (tickets.service.ts newTicketWrite): planned again.
  return retryTicketWrite(as, async () => {
    const { row, write } = await newTicketWrite(
      as,
      {
        subject: `Chat with ${input.name ?? "a visitor"}`,
        description: input.message ?? "(The visitor opened a chat.)",
        priority: "medium",
        channel: "chat",
        tags: [],
      },
      visitor,
      {
        prerequisites: [
          ctx.db.insert(users).values({ ...visitor, active: true, passwordHash: null, tokenVersion: 0, createdAt: now, updatedAt: now }),
          auditInsert(as, { action: "user.created", entityType: "user", entityId: id, changes: { role: [null, "customer"], source: "chat" } }),
        ],
      },
    );
    const extra: BatchItem[] = [
      ctx.db.insert(chatSessions).values({ ticketId: row.id, visitorId: id, tokenHash: await sha256Hex(token), email: input.email ?? null, createdAt: now, updatedAt: now }),
      ...(input.email ? [followUpRow(ctx, row.id, input.email, visitor.name)] : []),
    ];
    return { write: { ...write, extra }, done: (ticket: Ticket) => ({ body: { ticket, visitor_token: token }, headers: { ...headers, Location: `/api/v1/chat/sessions/${row.id}` } }) };
  });
}

/**
 * The visitor a token names for a chat, or null: no such chat, another chat's token, a deleted
 * ticket's or a blocked visitor's. Read from the primary (a permission check). A string that is
 * not shaped like a visitor token is `malformed` (401, like any bad credential), so a JWT or a
 * garbage header is told apart from a well-formed token for the wrong chat (404: no oracle).
 */
export async function visitorOf(env: Bindings, ticketId: string, token: string): Promise<Actor | "malformed" | null> {
  if (!TOKEN_SHAPE.test(token)) return "malformed";
  const [found] = await createDb(env.DB)
    .select({ tokenHash: chatSessions.tokenHash, id: users.id, name: users.name, email: users.email, active: users.active })
    .from(chatSessions)
    .innerJoin(users, eq(users.id, chatSessions.visitorId))
    .where(eq(chatSessions.ticketId, ticketId))
    .limit(1);
  const presented = new TextEncoder().encode(await sha256Hex(token));
  // Compared even when there is no session, so the answer takes as long either way.
  const stored = new TextEncoder().encode(found?.tokenHash ?? "0".repeat(64));
  if (!timingSafeEqual(presented, stored) || !found?.active) return null;
  return { id: found.id, name: found.name, email: found.email, role: "customer" };
}

async function sessionRow(ctx: ServiceContext, ticketId: string) {
  const [session] = await ctx.db.select().from(chatSessions).where(eq(chatSessions.ticketId, ticketId)).limit(1);
  if (!session) throw notFound("Chat");
  return session;
}

/** `GET /chat/sessions/{ticket_id}`: the chat's ticket (as its requester sees it) and what the visitor told us. */
export async function chatState(ctx: ServiceContext, ticketId: string) {
  const visitor = actorOf(ctx);
  const ticket = await getTicket(ctx, ticketId);
  const session = await sessionRow(ctx, ticket.id);
  return { ticket, visitor: { id: visitor.id, name: visitor.name, email: session.email } };
}

/**
 * `PATCH /chat/sessions/{ticket_id}`: the visitor's name, or the address for follow-up (null:
 * none). A new address replaces the old one as the chat's follow-up participant; an address that
 * already follows the ticket through someone else is recorded as the visitor's but keeps that row.
 */
export async function updateChat(ctx: ServiceContext, ticketId: string, input: { name?: string | undefined; email?: string | null | undefined }) {
  const visitor = actorOf(ctx);
  const session = await sessionRow(ctx, ticketId);
  const now = ctx.now.toISOString();
  const name = input.name ?? visitor.name;
  const email = input.email === undefined ? session.email : input.email;
  const items: BatchItem[] = [
    ctx.db.update(users).set({ name, updatedAt: now }).where(eq(users.id, visitor.id)),
    ctx.db.update(chatSessions).set({ email, updatedAt: now }).where(eq(chatSessions.ticketId, ticketId)),
    ...(session.email && session.email !== email
      ? [ctx.db.delete(ticketParticipants).where(and(eq(ticketParticipants.ticketId, ticketId), eq(ticketParticipants.email, session.email), ownRow))]
      : []),
    ...(email ? [followUpRow(ctx, ticketId, email, name)] : []),
    auditInsert(ctx, { action: "chat.updated", entityType: "ticket", entityId: ticketId, changes: { name: [visitor.name, name], follow_up_email_set: [session.email !== null, email !== null] } }),
  ];
  await ctx.db.batch(items as [BatchItem, ...BatchItem[]]);
  return chatState(actingAs(ctx, { ...visitor, name }), ticketId);
}

/**
 * The visitor's identity in the ticket's room: the room filters by role, and the visitor is the
 * ticket's requester, a customer like any other. Its token version ends the socket when the
 * visitor account is blocked (deactivated).
 */
export async function joinChat(ctx: ServiceContext, ticketId: string): Promise<{ ticketId: string; identity: LiveIdentity }> {
  const visitor = actorOf(ctx);
  const { row } = await findVisibleTicket(ctx, ticketId);
  const [account] = await ctx.db.select({ tokenVersion: users.tokenVersion }).from(users).where(eq(users.id, visitor.id)).limit(1);
  if (!account) throw notFound("Chat");
  return { ticketId: row.id, identity: { id: visitor.id, name: visitor.name, role: "customer", token_version: account.tokenVersion } };
}

/** `GET /chat/sessions/{ticket_id}/messages`: the transcript as the visitor may see it (public messages only). */
export const chatMessages = (ctx: ServiceContext, ticketId: string, page: { limit: number; cursor?: string | undefined }) => listComments(ctx, ticketId, page);

/** `POST /chat/sessions/{ticket_id}/messages`: the visitor's message, a public comment through the one ticket write. */
export async function postMessage(ctx: ServiceContext, ticketId: string, body: string, idempotencyKey?: string) {
  const headers = await limit(ctx, [{ key: `chat:messages:${ticketId}`, max: CHAT_MESSAGES_PER_MINUTE, windowSeconds: 60 }]);
  const result = await addComment(ctx, ticketId, { body, internal: false, channel: "chat" }, idempotencyKey);
  return { ...result, headers: { ...result.headers, ...headers } };
}
