import { and, desc, eq, getTableColumns, inArray, isNotNull, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { batchStatement, returnedRows, runBatch, type BatchItem } from "../../db/client";
import { insertSelect } from "../../db/insert-select";
import { notificationCounters, notificationPreferences, notifications, outboundMessages, tickets, users } from "../../db/schema";
import { CUSTOMER_NOTIFICATIONS, DEFAULT_CHANNELS, excerpt, notificationTypesFor, parseMentions, STAFF_NOTIFICATIONS, type Channels } from "../../domain/notifications";
import { isStaff } from "../../domain/permissions";
import type { StaffRole } from "../../domain/rules";
import { SELF_SERVICE_CHANNELS, type NotificationType } from "../../domain/vocabulary";
import type { TicketEvent, TicketEventConsumer } from "../../events/ticket-events";
import { mailSettings } from "../../email/settings";
import { ticketUrl } from "../../lib/app-url";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { agentsFeed } from "../live/live.service";

/**
 * In-app notifications (API.md "Notifications"): rows and the per-user unread counter written in
 * the batch of the change that causes them, the recipients' preferences applied inside those very
 * statements (no read before the write), mail through the outbox, and a push to the recipient's
 * sockets on the agents' feed after commit.
 */

type NotificationRow = typeof notifications.$inferSelect;
/** What a new notification's INSERT returns: the whole row, for the feed's push. */
const NOTIFICATION_COLUMNS = getTableColumns(notifications);

export function toNotification(row: NotificationRow) {
  return { id: row.id, type: row.type, ticket_id: row.ticketId, title: row.title, body: row.body, read_at: row.readAt, created_at: row.createdAt };
}

/** One notification to write, for whoever the recipients turn out to be. */
export interface NotificationPlan {
  type: NotificationType;
  ticket: { id: string; number: string; subject: string } | null;
  title: string;
  body: string;
  to: { userIds?: string[]; roles?: StaffRole[]; mentions?: { emails: string[]; handles: string[] } };
  /** Who caused it: never told of their own doing. */
  except: string | null;
}

const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);
const STAFF = sql`${users.role} IN ('agent', 'manager', 'admin')`;
// mentionHandle (domain/notifications.ts) in SQL: separators dropped, ASCII lowercased.
const HANDLE = sql`lower(replace(replace(replace(replace(${users.name}, ' ', ''), '.', ''), '_', ''), '-', ''))`;

/** Each way the plan names people, as a predicate on `users` (each one walks an index of its own). */
function recipientSets(plan: NotificationPlan): SQL[] {
  const sets: SQL[] = [];
  if (plan.to.userIds?.length) sets.push(sql`${users.id} IN (${list(plan.to.userIds)})`);
  if (plan.to.roles?.length) sets.push(sql`${users.role} IN (${list(plan.to.roles)})`);
  if (plan.to.mentions?.emails.length) sets.push(sql`${users.email} IN (${list(plan.to.mentions.emails)}) AND ${STAFF}`);
  if (plan.to.mentions?.handles.length) sets.push(sql`${STAFF} AND ${HANDLE} IN (${list(plan.to.mentions.handles)})`);
  return sets;
}

/**
 * The recipient may see the ticket (domain/permissions.ts canSeeTicket, in SQL): an account that has
 * not proven its address sees only the tickets it opened itself through the API (issue 9), so it is
 * told nothing of the others filed under that address (the real owner's mail, staff's tickets for it).
 */
const seesTicket = (ticketId: string) =>
  sql`(${users.role} <> 'customer' OR ${users.emailVerifiedAt} IS NOT NULL OR EXISTS (SELECT 1 FROM ${tickets} WHERE ${tickets.id} = ${ticketId} AND ${tickets.createdById} = ${users.id} AND ${tickets.channel} IN (${list(SELF_SERVICE_CHANNELS)})))`;

/** The recipient's choice for this channel and type, else the type's default. */
const wants = (channel: "in_app" | "email", type: NotificationType) =>
  sql`coalesce((SELECT p.${sql.raw(channel)} FROM notification_preferences p WHERE p.user_id = ${users.id} AND p.type = ${type}), ${DEFAULT_CHANNELS[type][channel] ? 1 : 0}) = 1`;

/** Ids of one plan's rows: `<base>.<user id>`, so one range of the primary key holds them. */
const range = (base: string) => ({ from: `${base}.`, to: `${base}/` });
const inRange = (column: SQLiteColumn, base: string, prefix = "") => sql`${column} > ${prefix + range(base).from} AND ${column} < ${prefix + range(base).to}`;

/**
 * The writes of one notification in its change's batch; `base` names its rows. Staff-only types
 * reach staff only; the customer types name the requester alone. Recipients who are inactive, who
 * caused it, or who switched the channel off get nothing on it. Each is an INSERT … SELECT from
 * users, so the preferences apply inside the batch, with no read before it.
 */
export function notificationWrites(ctx: ServiceContext, plan: NotificationPlan): NotificationWrites {
  const base = newId(ctx.now.getTime());
  const now = ctx.now.toISOString();
  const audience = CUSTOMER_NOTIFICATIONS.includes(plan.type) ? "customer" : "staff";
  const mail = {
    notification: { title: plan.title, body: plan.body },
    ticket: plan.ticket ? { number: plan.ticket.number, subject: plan.ticket.subject, url: ticketUrl(mailSettings(ctx.env).publicUrl, plan.ticket.id, audience) } : {},
  };
  const items: BatchItem[] = [];
  const inApp: BatchItem[] = [];
  const mails: BatchItem[] = [];
  for (const who of recipientSets(plan)) {
    const where = and(who, eq(users.active, true), STAFF_NOTIFICATIONS.includes(plan.type) ? STAFF : undefined, plan.except ? ne(users.id, plan.except) : undefined, plan.ticket ? seesTicket(plan.ticket.id) : undefined);
    const id = (prefix = "") => sql`${prefix + base} || '.' || ${users.id}`;
    inApp.push(
      insertSelect(
        ctx.db,
        notifications,
        { id: id(), userId: sql`${users.id}`, type: plan.type, ticketId: plan.ticket?.id ?? null, title: plan.title, body: plan.body, createdAt: now },
        sql`FROM ${users} WHERE ${and(where, wants("in_app", plan.type))}`,
        // The rows come back with the batch: the after-commit push needs no read of its own.
        NOTIFICATION_COLUMNS,
      ),
    );
    // Mail needs a ticket to be about (its outbox row names one).
    if (plan.ticket) {
      mails.push(
        insertSelect(
          ctx.db,
          outboundMessages,
          {
            id: id("notify-"),
            ticketId: plan.ticket.id,
            userId: sql`${users.id}`,
            kind: "notification",
            automatic: 1,
            toAddress: sql`${users.email}`,
            toName: sql`${users.name}`,
            data: JSON.stringify(mail),
            status: "pending",
            attempts: 0,
            createdAt: now,
            updatedAt: now,
          },
          // No mail to an address its account has not proven (issue 9).
          sql`FROM ${users} WHERE ${and(where, isNotNull(users.emailVerifiedAt), wants("email", plan.type))}`,
          { id: outboundMessages.id },
        ),
      );
    }
    items.push(inApp.at(-1)!, ...(plan.ticket ? [mails.at(-1)!] : []));
  }
  if (!items.length) return { base, items, inApp, mails };
  // The counters move by exactly the rows this batch inserted (a recipient named twice counts once).
  items.push(
    batchStatement(
      ctx.db,
      sql`INSERT INTO ${notificationCounters} ("user_id", "unread") SELECT ${notifications.userId}, count(*) FROM ${notifications} WHERE ${inRange(notifications.id, base)} GROUP BY ${notifications.userId} ON CONFLICT ("user_id") DO UPDATE SET "unread" = ${notificationCounters.unread} + excluded.unread`,
    ),
  );
  return { base, items, inApp, mails };
}

/** One notification's writes: `base` names its rows; `inApp` and `mails` are the statements that insert them. */
export interface NotificationWrites {
  base: string;
  items: BatchItem[];
  inApp: BatchItem[];
  mails: BatchItem[];
}

/** The rows these statements of a committed batch returned (`RETURNING`); undefined when not known. */
function returned<T>(statements: BatchItem[]): T[] | undefined {
  const results = statements.map((st) => returnedRows<T>(st));
  return results.every(Array.isArray) ? results.flat() : undefined;
}

/**
 * After commit: each recipient's new notifications to their feed sockets, their mails to the outbox
 * queue. Given the writes themselves (not only their base), the rows their statements returned in
 * the batch; given only a base (or a batch not run through runBatch), they are read by it.
 */
export async function deliverNotifications(ctx: ServiceContext, deliveries: readonly (string | NotificationWrites)[]): Promise<void> {
  for (const d of deliveries) {
    const base = typeof d === "string" ? d : d.base;
    const rows = (typeof d !== "string" && returned<NotificationRow>(d.inApp)) || (await ctx.db.select().from(notifications).where(inRange(notifications.id, base)));
    const mails =
      (typeof d !== "string" && returned<{ id: string }>(d.mails)) || (await ctx.db.select({ id: outboundMessages.id }).from(outboundMessages).where(inRange(outboundMessages.id, base, "notify-")));
    await Promise.all([
      rows.length ? agentsFeed(ctx.env).notify(rows.map((r) => ({ user_id: r.userId, notification: toNotification(r) }))) : null,
      mails.length ? ctx.env.OUTBOX.sendBatch(mails.map((m) => ({ body: { id: m.id } }))) : null,
    ]);
  }
}

// ---------------------------------------------------------------- what events notify

/** The notifications a ticket event causes. */
export function notificationsOf(event: TicketEvent): NotificationPlan[] {
  if (event.type === "ticket.deleted") return [];
  const t = event.ticket;
  const ticket = { id: t.id, number: t.number, subject: t.subject };
  const except = event.actor?.id ?? null;
  switch (event.type) {
    case "ticket.assigned":
      if (!event.assignee_id || event.assignee_id === except) return [];
      return [{ type: "assigned", ticket, title: `${t.number} was assigned to you`, body: t.subject, to: { userIds: [event.assignee_id] }, except }];
    case "comment.created": {
      const c = event.comment;
      if (c.internal) {
        const mentions = parseMentions(c.body);
        if (!mentions.emails.length && !mentions.handles.length) return [];
        return [{ type: "mentioned", ticket, title: `${c.author.name} mentioned you on ${t.number}`, body: excerpt(c.body), to: { mentions }, except: c.author.id }];
      }
      if (c.author.id === t.requester.id) {
        if (!t.assignee_id || t.assignee_id === c.author.id) return [];
        return [{ type: "requester_replied", ticket, title: `${t.requester.name} replied on ${t.number}`, body: excerpt(c.body), to: { userIds: [t.assignee_id] }, except: c.author.id }];
      }
      if (!isStaff(c.author.role)) return [];
      return [{ type: "agent_replied", ticket, title: `New reply on ${t.number}`, body: excerpt(c.body), to: { userIds: [t.requester.id] }, except: c.author.id }];
    }
    case "ticket.updated": {
      const status = event.changes.status as [string, string] | undefined;
      if (event.internal || status?.[1] !== "resolved") return [];
      return [{ type: "ticket_resolved", ticket, title: `${t.number} was resolved`, body: t.subject, to: { userIds: [t.requester.id] }, except }];
    }
    case "sla.at_risk":
    case "sla.breached": {
      if (!t.assignee_id) return [];
      const target = event.target.replace("_", " ");
      const [type, title] = event.type === "sla.breached" ? (["sla_breached", `${t.number} breached its ${target} target`] as const) : (["sla_at_risk", `${t.number} is at risk of missing its ${target} target`] as const);
      return [{ type, ticket, title, body: t.subject, to: { userIds: [t.assignee_id] }, except: null }];
    }
    case "ticket.created":
    // A satisfaction answer shows in reports; logged time is staff bookkeeping: neither notifies anyone.
    case "satisfaction.rated":
    case "time_entry.created":
    case "time_entry.updated":
    case "time_entry.deleted":
      return [];
  }
}

// The rows of an event, remembered from the batch for its after-commit push (the write hands both the same event).
const planned = new WeakMap<TicketEvent, NotificationWrites[]>();

/**
 * A deleted ticket is 404 for everyone: the notifications that quote it go in the same batch, and
 * their recipients' unread counters drop by the unread ones among them.
 */
function forgetTicket(ctx: ServiceContext, ticketId: string): BatchItem[] {
  const unreadOf = sql`SELECT count(*) FROM notifications n WHERE n.ticket_id = ${ticketId} AND n.user_id = ${notificationCounters.userId} AND n.read_at IS NULL`;
  return [
    ctx.db
      .update(notificationCounters)
      .set({ unread: sql`max(0, ${notificationCounters.unread} - (${unreadOf}))` })
      .where(inArray(notificationCounters.userId, ctx.db.select({ id: notifications.userId }).from(notifications).where(and(eq(notifications.ticketId, ticketId), isNull(notifications.readAt))))),
    ctx.db.delete(notifications).where(eq(notifications.ticketId, ticketId)),
  ];
}

/** The notifications consumer of ticket events (src/events/consumers.ts). */
export const notificationsConsumer: TicketEventConsumer<ServiceContext> = {
  name: "notifications",
  inBatch: (ctx, event) => {
    if (event.type === "ticket.deleted") return forgetTicket(ctx, event.ticket_id);
    const writes = notificationsOf(event).map((plan) => notificationWrites(ctx, plan)).filter((w) => w.items.length);
    if (writes.length) planned.set(event, writes);
    return writes.flatMap((w) => w.items);
  },
  afterCommit: async (ctx, event) => {
    const writes = planned.get(event);
    if (writes) await deliverNotifications(ctx, writes);
  },
};

// ---------------------------------------------------------------- the routes' side

export async function listNotifications(ctx: ServiceContext, query: { unread?: boolean | undefined; limit: number; cursor?: string | undefined }) {
  const userId = actorOf(ctx).id;
  const secret = signingSecret(ctx.env);
  const sort = `notifications:${userId}:${query.unread ? "unread" : "all"}`;
  const where: SQL[] = [eq(notifications.userId, userId)];
  if (query.unread) where.push(isNull(notifications.readAt));
  if (query.cursor) {
    const pos = await decodeCursor(secret, sort, query.cursor);
    if (typeof pos.key !== "string") throw validation("Invalid cursor", { cursor: ["The cursor is malformed"] });
    where.push(olderThan(notifications.createdAt, notifications.id, pos));
  }
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(and(...where))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(query.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, query.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return { data: items.map(toNotification), next_cursor };
}

export async function unreadCount(ctx: ServiceContext) {
  const [row] = await ctx.db.select({ unread: notificationCounters.unread }).from(notificationCounters).where(eq(notificationCounters.userId, actorOf(ctx).id)).limit(1);
  return { count: row?.unread ?? 0 };
}

/** Marks the caller's notifications read (ids of anyone else's are ignored); the counter moves in the same batch. */
export async function markRead(ctx: ServiceContext, input: { ids: string[] } | { all: true }) {
  const userId = actorOf(ctx).id;
  const now = ctx.now.toISOString();
  if ("all" in input) {
    await runBatch(ctx.db, [
      ctx.db.update(notifications).set({ readAt: now }).where(and(eq(notifications.userId, userId), isNull(notifications.readAt))),
      ctx.db.update(notificationCounters).set({ unread: 0 }).where(eq(notificationCounters.userId, userId)),
    ]);
    return;
  }
  await runBatch(ctx.db, [
    ctx.db.update(notifications).set({ readAt: now }).where(and(eq(notifications.userId, userId), inArray(notifications.id, input.ids), isNull(notifications.readAt))),
    // changes(): the rows the statement before actually marked, so a repeated or foreign id moves nothing.
    ctx.db.update(notificationCounters).set({ unread: sql`max(0, ${notificationCounters.unread} - changes())` }).where(eq(notificationCounters.userId, userId)),
  ]);
}

export type Preferences = Record<string, Channels>;

export async function getPreferences(ctx: ServiceContext): Promise<Preferences> {
  const actor = actorOf(ctx);
  const saved = await ctx.db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, actor.id));
  const byType = new Map(saved.map((p) => [p.type, { in_app: p.inApp, email: p.email }]));
  return Object.fromEntries(notificationTypesFor(actor.role).map((type) => [type, byType.get(type) ?? DEFAULT_CHANNELS[type]]));
}

/** Sets the channels of the types given (the others stay); a type the caller's role never gets is refused. */
export async function putPreferences(ctx: ServiceContext, input: Record<string, Channels>): Promise<Preferences> {
  const actor = actorOf(ctx);
  const allowed = notificationTypesFor(actor.role);
  const wrong = Object.keys(input).filter((type) => !allowed.includes(type as NotificationType));
  if (wrong.length) throw validation("Unknown notification type", Object.fromEntries(wrong.map((t) => [t.slice(0, 100), [`not a notification type for a ${actor.role}: ${allowed.join(", ")}`]])));
  await runBatch(
    ctx.db,
    Object.entries(input).map(([type, c]) =>
      ctx.db
        .insert(notificationPreferences)
        .values({ userId: actor.id, type: type as NotificationType, inApp: c.in_app, email: c.email })
        .onConflictDoUpdate({ target: [notificationPreferences.userId, notificationPreferences.type], set: { inApp: c.in_app, email: c.email } }),
    ),
  );
  return getPreferences(ctx);
}
