import { and, asc, eq, gte, isNotNull, isNull, lt, type SQL } from "drizzle-orm";
import { tickets, users } from "../../db/schema";
import { can } from "../../domain/permissions";
import { eventActor, type Satisfaction } from "../../events/ticket-events";
import { callerContext, systemContext } from "../../contexts";
import type { Bindings } from "../../env";
import { decodeCursor, encodeCursor, keysetPage, newerThan } from "../../lib/cursor";
import { AppError, forbidden, nullIfNotFound } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { retryTicketWrite } from "../tickets/ticket-write";
import { findVisibleTicket, readVisibleTicket } from "../tickets/tickets.service";
import { requesterColumns, type TicketRow } from "../tickets/tickets.serialize";
import { checkSurveyToken, surveyToken } from "./survey-token";

/** API.md: the requester may answer (and change the answer) until 14 days after resolution. */
export const SURVEY_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;
/** A comment is a few sentences: bounded so a rating row stays small. */
export const MAX_SATISFACTION_COMMENT_CHARS = 2_000;

export const satisfactionOf = (row: Pick<TicketRow, "satisfactionScore" | "satisfactionComment" | "satisfactionRatedAt">): Satisfaction | null =>
  row.satisfactionScore !== null && row.satisfactionRatedAt ? { score: row.satisfactionScore, comment: row.satisfactionComment, rated_at: row.satisfactionRatedAt } : null;

/** When the survey of a ticket closes: 14 days after its (latest) resolution; null while it is not resolved. */
export function surveyClosesAt(row: Pick<TicketRow, "status" | "resolvedAt">): Date | null {
  if ((row.status !== "resolved" && row.status !== "closed") || !row.resolvedAt) return null;
  return new Date(Date.parse(row.resolvedAt) + SURVEY_WINDOW_DAYS * DAY_MS);
}

export interface RatingInput {
  score: number;
  /** Absent: a score alone (a mail link): the comment given before stays. Null or text: replaces it. */
  comment?: string | null | undefined;
}

/**
 * The requester's answer, through the one ticket write: the ticket carries it (`satisfaction`),
 * history records it (public: the requester did it), the rollups count it, `satisfaction.rated`
 * goes to webhooks and rules. Only the requester, only while the ticket is resolved or closed and
 * its survey is open; a second answer replaces the first.
 */
export async function rateTicket(ctx: ServiceContext, ref: string, input: RatingInput) {
  const actor = actorOf(ctx);
  return retryTicketWrite(ctx, async () => {
    const { row, requester } = await findVisibleTicket(ctx, ref);
    if (row.requesterId !== actor.id) throw forbidden("Only the ticket's requester answers its satisfaction survey");
    const closes = surveyClosesAt(row);
    if (!closes) throw new AppError("INVALID_TRANSITION", "The ticket is not resolved: its satisfaction survey opens when it is");
    if (ctx.now.getTime() > closes.getTime()) throw new AppError("INVALID_TRANSITION", `The satisfaction survey closed ${SURVEY_WINDOW_DAYS} days after the ticket was resolved`);
    const previous = satisfactionOf(row);
    const comment = input.comment === undefined ? (previous?.comment ?? null) : input.comment?.trim() || null;
    const now = ctx.now.toISOString();
    const satisfaction: Satisfaction = { score: input.score, comment, rated_at: now };
    const after: TicketRow = { ...row, satisfactionScore: input.score, satisfactionComment: comment, satisfactionRatedAt: now, updatedAt: now };
    const changes = { satisfaction: [previous, satisfaction] };
    return {
      write: {
        kind: "update",
        before: row,
        after,
        requester,
        set: { satisfactionScore: input.score, satisfactionComment: comment, satisfactionRatedAt: now, updatedAt: now },
        history: [{ type: "satisfaction.rated", changes }],
        audit: [{ action: "ticket.satisfaction_rated", entityType: "ticket", entityId: row.id, changes: { score: [previous?.score ?? null, input.score] } }],
        events: (ticket) => [{ type: "satisfaction.rated", ticket, satisfaction, previous, actor: eventActor(actor) }],
      },
      done: () => satisfaction,
    };
  });
}

/** What the API shows of a ticket's survey (the requester and staff). */
export async function surveyOf(ctx: ServiceContext, ref: string) {
  const { row } = await readVisibleTicket(ctx, ref);
  const closes = surveyClosesAt(row);
  return {
    satisfaction: satisfactionOf(row),
    open_until: closes?.toISOString() ?? null,
    can_rate: !!closes && ctx.now.getTime() <= closes.getTime() && row.requesterId === actorOf(ctx).id,
  };
}

// ---------------------------------------------------------------- the mail link

/** The link of the resolution mail for a score (or without one: the page asks). */
export async function surveyLinks(env: Bindings, ticketId: string, resolvedAt: string) {
  const token = await surveyToken(env, ticketId, new Date(Date.parse(resolvedAt) + SURVEY_WINDOW_DAYS * DAY_MS));
  const base = `${(env.PUBLIC_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "")}/csat/${token}`;
  return { link: base, one: `${base}?score=1`, two: `${base}?score=2`, three: `${base}?score=3`, four: `${base}?score=4`, five: `${base}?score=5` };
}

export type LinkOutcome =
  | { kind: "invalid" }
  | { kind: "closed" }
  | { kind: "ask"; ticket: { number: string; subject: string }; satisfaction: Satisfaction | null }
  | { kind: "rated"; ticket: { number: string; subject: string }; satisfaction: Satisfaction };

/**
 * A survey link opened (`score` absent: the question) or answered: the token stands for the
 * ticket's requester, who must still be an active account; the same rules as the API apply.
 */
export async function answerByLink(env: Bindings, token: string, now: Date, answer?: RatingInput): Promise<LinkOutcome> {
  const check = await checkSurveyToken(env, token, now);
  if (!check.ok) return { kind: check.reason === "expired" ? "closed" : "invalid" };
  // Read where the ticket lives (a retired one in its year's database: db/ticket-stores.ts); an
  // answer is a write, which brings it back into main (rateTicket). The token names the ticket, so
  // the system reads it; the answer acts as its requester.
  const system = systemContext(env, "survey link", { now });
  const read = await readVisibleTicket(system, check.ticketId).catch(nullIfNotFound);
  const [account] = read ? await system.db.select({ role: users.role, active: users.active }).from(users).where(eq(users.id, read.row.requesterId)).limit(1) : [];
  if (!read || !account?.active) return { kind: "invalid" };
  const found = { row: read.row, requester: { ...read.requester, ...account } };
  const closes = surveyClosesAt(found.row);
  if (!closes || now.getTime() > closes.getTime()) return { kind: "closed" };
  const ticket = { number: found.row.number, subject: found.row.subject };
  if (!answer) return { kind: "ask", ticket, satisfaction: satisfactionOf(found.row) };
  const { id, name, email, role } = found.requester;
  const ctx = callerContext(env, { id, name, email, role }, { ip: null, userAgent: "survey link" }, { now });
  return { kind: "rated", ticket, satisfaction: await rateTicket(ctx, found.row.id, answer) };
}

// ---------------------------------------------------------------- the list (managers)

export interface RatingsQuery {
  from?: string | undefined;
  to?: string | undefined;
  agent_id?: string | undefined;
  score?: number | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * Answers, oldest first, through a partial index of rated tickets: by period, by the ticket's
 * agent (tickets_assignee_rated_idx) or by score (tickets_score_rated_idx).
 */
export async function listRatings(ctx: ServiceContext, q: RatingsQuery) {
  if (!can(actorOf(ctx).role, "reports.all")) throw forbidden("Satisfaction answers are for managers and admins");
  const where: SQL[] = [isNull(tickets.deletedAt), isNotNull(tickets.satisfactionRatedAt)];
  if (q.from) where.push(gte(tickets.satisfactionRatedAt, new Date(q.from).toISOString()));
  if (q.to) where.push(lt(tickets.satisfactionRatedAt, new Date(q.to).toISOString()));
  if (q.agent_id) where.push(eq(tickets.assigneeId, q.agent_id));
  if (q.score !== undefined) where.push(eq(tickets.satisfactionScore, q.score));
  const secret = signingSecret(ctx.env);
  const sort = "satisfaction-ratings";
  if (q.cursor) {
    const pos = await decodeCursor(secret, sort, q.cursor);
    where.push(newerThan(tickets.satisfactionRatedAt, tickets.id, pos));
  }
  const rows = await ctx.db
    .select({ id: tickets.id, number: tickets.number, subject: tickets.subject, assigneeId: tickets.assigneeId, teamId: tickets.teamId, score: tickets.satisfactionScore, comment: tickets.satisfactionComment, ratedAt: tickets.satisfactionRatedAt, requester: requesterColumns })
    .from(tickets)
    .innerJoin(users, eq(users.id, tickets.requesterId))
    .where(and(...where))
    .orderBy(asc(tickets.satisfactionRatedAt), asc(tickets.id))
    .limit(q.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, sort, { key: last.ratedAt, id: last.id }));
  return {
    data: items.map((r) => ({
      ticket: { id: r.id, number: r.number, subject: r.subject },
      requester: r.requester,
      agent_id: r.assigneeId,
      team_id: r.teamId,
      score: r.score!,
      comment: r.comment,
      rated_at: r.ratedAt!,
    })),
    next_cursor,
  };
}
