import { eq, inArray } from "drizzle-orm";
import type { BatchItem } from "../../db/client";
import { outboundMessages, teams, users } from "../../db/schema";
import { fieldChanges, tagsAfter, type ActionPlan, type RuleTicket } from "../../domain/rules";
import { flattenVars, renderText } from "../../domain/templates";
import type { TicketEdit } from "../../domain/ticket-update";
import { isMachineAddress } from "../../email/outbox";
import { mailSettings } from "../../email/settings";
import { ticketUrl } from "../../lib/app-url";
import { AppError, validation } from "../../lib/errors";
import type { ServiceContext } from "../../lib/request-context";
import { NO_PUBLIC_REPLIES, newComment, type CommentAuthor } from "../comments/comments.service";
import { deliverNotifications, notificationWrites } from "../notifications/notifications.service";
import { routeInTeam } from "../teams/routing.service";
import { changeTicket, type Attached, type FoundTicket } from "../tickets/tickets.service";
import { toTicket, type Requester, type Ticket, type TicketRow, type TicketView } from "../tickets/tickets.serialize";
import { statusCatalog } from "../fields/fields.service";
import { resolveStatusEdit } from "../../domain/custom-statuses";
import { enqueueEventDeliveries, sameWebhookEvent, webhookDeliveryRows } from "../webhooks/webhooks.outbox";
import { ERASED_TEXT, erasureReplacements, isErased, replacedJson } from "../../domain/redaction";
import { customerVisibleKeys, EMPTY_CATALOG } from "../../domain/custom-fields";
import type { Satisfaction, TicketEvent } from "../../events/ticket-events";

/**
 * Carrying out a list of actions (domain/rules.ts planActions) on one ticket: triggers,
 * automations, macros and bulk changes all end here, and from here in changeTicket, the one
 * planner of the one ticket write. Field changes, the comment, the mails (outbox rows) and the
 * notifications of one application are one write: one version bump, one history entry, all or
 * nothing. Texts are filled by the one template renderer for the ticket as the change leaves it.
 */

/**
 * The account a rule's comments are written as. Inactive and without a password: nobody signs in
 * as it, assigns to it or mentions it. Made with the first comment that needs it.
 */
export const AUTOMATION_USER = { id: "automation", name: "Automation", email: "automation@edgedesk.invalid", role: "agent" } as const satisfies CommentAuthor & { email: string };

function automationUserRow(ctx: ServiceContext): BatchItem {
  const now = ctx.now.toISOString();
  return ctx.db
    .insert(users)
    .values({ ...AUTOMATION_USER, active: false, passwordHash: null, tokenVersion: 0, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
}

/** The ticket as rules read it, from its row (with the activity columns automations count from). */
export function ruleTicketOf(row: TicketRow, requester: Requester, now: Date): RuleTicket {
  return {
    // Every value the row holds: a rule judges as staff (a field deleted since never matches a condition's key).
    ...ruleTicketOfWire(toTicket(row, requester, now, { audience: "staff", fields: EMPTY_CATALOG })),
    custom_fields: row.customFields,
    status_changed_at: row.statusChangedAt ?? row.updatedAt,
    requester_updated_at: row.requesterUpdatedAt ?? row.createdAt,
    assignee_updated_at: row.assigneeUpdatedAt,
  };
}

/** The ticket as rules read it, from the wire shape an event carries (triggers use no time fields). */
export function ruleTicketOfWire(t: Ticket): RuleTicket {
  return {
    status: t.status,
    custom_status: t.custom_status,
    priority: t.priority,
    category: t.category,
    channel: t.channel,
    tags: t.tags,
    assignee_id: t.assignee_id,
    team_id: t.team_id,
    requester_email: t.requester.email,
    subject: t.subject,
    description: t.description,
    sla: { breached: t.sla.breached, at_risk: t.sla.at_risk },
    custom_fields: ((t as { custom_fields?: Record<string, unknown> }).custom_fields ?? {}) as Record<string, unknown>,
    created_at: t.created_at,
    updated_at: t.updated_at,
    status_changed_at: t.updated_at,
    requester_updated_at: null,
    assignee_updated_at: null,
  };
}

/** How one application of actions is made. */
export interface Applier {
  /** Whom a comment is by: the caller (macros, bulk) or the automation account (rules). */
  author: CommentAuthor;
  /** A rule: its public comment is no person's response for the SLA clock. */
  automated: boolean;
  /** `{{current_user.name}}`. */
  currentUser: string;
  /** The comment of the change a trigger answers (`{{comment.body}}`; an internal one only in texts for staff). */
  comment?: { body: string; internal: boolean; authorId?: string } | null;
  /**
   * The event a trigger answered: its `webhook` actions send it. Without one (automations) they
   * send the `ticket.updated` of the rule's own change.
   */
  webhookEvent?: TicketEvent;
  /** Extra members of the history entry (`macro: {id, name}`). */
  note?: Record<string, unknown>;
  baseVersion?: number | undefined;
  precondition?: (row: TicketRow, requester: Requester) => boolean;
  dryRun?: boolean;
  /** Ids of this application's mails start with it (`action-<run id>`). */
  mailId: string;
  /**
   * Rows that come with the change: a rule's run record and claim, an idempotency key (with `wire`,
   * the ticket as the answer shows it), a macro's usage count.
   */
  extra?: (ticket: TicketRow, summary: Record<string, unknown>, wire: Ticket) => BatchItem[];
}

export interface RenderedMail {
  to: string;
  subject: string;
  body: string;
}

export interface Applied {
  ticket: Ticket;
  /** `{field: [old, new]}`. */
  changes: Record<string, unknown>;
  comment: { id: string; author: CommentAuthor; body: string; internal: boolean } | null;
  emails: RenderedMail[];
  notifications: { user_ids: string[]; roles: string[]; title: string; body: string }[];
  webhooks: string[];
  /** Whether the change committed (changeTicket's `written`): false for a dry run, or a precondition that no longer held on a re-read. */
  written: boolean;
}

interface Person {
  id: string;
  name: string;
  email: string;
}

/** Placeholder values for one audience: texts customers may read never carry an internal note's words. */
function varsFor(ctx: ServiceContext, t: Ticket, assignee: Person | null, applier: Applier, audience: "public" | "staff"): Record<string, string> {
  // The requester's own comment, the requester erased since (the plan's read says so): their words are
  // gone everywhere else (privacy.erase.ts), so no text made now quotes them.
  const erased = applier.comment?.authorId === t.requester.id && isErased(t.requester.id, t.requester.email);
  const comment = applier.comment && (audience === "staff" || !applier.comment.internal) ? (erased ? ERASED_TEXT : applier.comment.body) : "";
  return flattenVars({
    ticket: {
      id: t.id,
      number: t.number,
      subject: t.subject,
      description: t.description,
      status: t.status,
      priority: t.priority,
      category: t.category ?? "",
      channel: t.channel,
      tags: t.tags,
      url: ticketUrl(mailSettings(ctx.env).publicUrl, t.id, audience === "staff" ? "staff" : "customer"),
    },
    requester: { name: t.requester.name, email: t.requester.email },
    assignee: { name: assignee?.name ?? "", email: assignee?.email ?? "" },
    current_user: { name: applier.currentUser },
    support: { name: mailSettings(ctx.env).fromName },
    comment: { body: comment },
  });
}

async function peopleById(ctx: ServiceContext, ids: (string | null | undefined)[]): Promise<Map<string, Person>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  if (!wanted.length) return new Map();
  const rows = await ctx.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r]));
}

/** The ticket edit of a plan, but for `assign auto` ({@link onRowOf}: decided on the row each plan reads). */
async function editOf(ctx: ServiceContext, plan: ActionPlan): Promise<TicketEdit> {
  const e = plan.edit;
  const edit: TicketEdit = {};
  if (e.status !== undefined) edit.status = e.status;
  if (e.priority !== undefined) edit.priority = e.priority;
  if (e.category !== undefined) edit.category = e.category;
  if (e.team_id !== undefined) edit.teamId = e.team_id;
  if (e.tags !== undefined) edit.tags = e.tags;
  // Checked by the one write like a PATCH's: types, active fields, required_to_resolve.
  if (e.custom_fields !== undefined) edit.customFields = e.custom_fields;
  if (e.custom_status !== undefined) {
    // A custom status key: its category and the key, as PATCH's custom_status (deactivated since the rule was saved: refused).
    const resolved = resolveStatusEdit(await statusCatalog(ctx), { customStatus: e.custom_status });
    if (!resolved.ok) throw validation("Invalid status", resolved.errors);
    Object.assign(edit, resolved.edit);
  }
  if (e.assignee_id !== undefined && e.assignee_id !== "auto") edit.assigneeId = e.assignee_id;
  return edit;
}

/**
 * What a plan takes from the ticket row it is planned on besides the row itself: whom `assign auto`
 * picks (the team's strategy, by that row's team, category and assignee), and the people its texts
 * and mails name: the assignee and the team's manager after the change. A write planned again on a
 * fresh read (another writer came first: reassigned, moved to another team) looks them up again.
 */
interface OnRow {
  edit: TicketEdit;
  routing: unknown;
  people: Map<string, Person>;
  managerId: string | null;
}

async function onRowOf(ctx: ServiceContext, row: TicketRow, plan: ActionPlan, planned: TicketEdit): Promise<OnRow> {
  const edit = { ...planned };
  let routing: unknown = null;
  if (plan.edit.assignee_id === "auto") {
    const decision = await routeInTeam(ctx, row, edit.teamId !== undefined ? edit.teamId : row.teamId);
    edit.assigneeId = decision.assigneeId;
    routing = decision.reason;
  }
  const teamAfter = edit.teamId !== undefined ? edit.teamId : row.teamId;
  const [team] = plan.emails.some((m) => m.to === "team_manager") && teamAfter ? await ctx.db.select({ managerId: teams.managerId }).from(teams).where(eq(teams.id, teamAfter)).limit(1) : [];
  const managerId = team?.managerId ?? null;
  const people = await peopleById(ctx, [edit.assigneeId !== undefined ? edit.assigneeId : row.assigneeId, managerId]);
  return { edit, routing, people, managerId };
}

/** No plan looked anyone up (skipped on its read before): nobody to name. */
const NOBODY: OnRow = { edit: {}, routing: null, people: new Map(), managerId: null };

/**
 * The event an automation's `webhook` action sends: the `ticket.updated` of its own change (with
 * what it changed, possibly nothing but the webhook), by the rule, as the one write would emit it.
 */
function ownEvent(ctx: ServiceContext, t: TicketRow, wire: Ticket, changes: Record<string, unknown>, view: TicketView): TicketEvent {
  return { type: "ticket.updated", ticket: wire, changes, version: t.version, actor: null, internal: false, customer_fields: customerVisibleKeys(view.fields), ...(ctx.rule ? { rule: ctx.rule } : {}) };
}

/**
 * The event a trigger answered as its `webhook` action sends it from a plan whose read found the
 * requester `now`: the event itself while they are as it shows them (the usual case). Erased since,
 * their own words (the ticket's description, before and after a change of it; a comment or a
 * satisfaction remark of theirs) become ERASED_TEXT, they are named as erased wherever they stand
 * (requester, actor, author: a name too short to replace inside texts would stay), and their address
 * and name are replaced inside the other free texts (subject, custom fields, others' comments) as
 * the erasure replaced them in the events stored then (privacy.erase.ts erasureWrite); ids, types and
 * roles are left alone (a lowercase name is inside ids and roles: "tom" in "customer"). Renamed or
 * re-addressed, it names them as they are. The same webhook event either way (one id).
 */
function answeredFor(event: TicketEvent, now: Requester): TicketEvent {
  if (!("ticket" in event)) return event;
  const was = event.ticket.requester;
  if (was.id !== now.id || (was.name === now.name && was.email === now.email)) return event;
  const requester = { ...was, name: now.name, email: now.email };
  if (!isErased(now.id, now.email)) return sameWebhookEvent({ ...event, ticket: { ...event.ticket, requester } }, event);
  const replacements = erasureReplacements(was, []);
  const texts = <T>(v: T): T => replacedJson(v, replacements);
  const named = <P extends { id: string; name: string } | null>(p: P): P => (p && p.id === was.id ? { ...p, name: now.name } : p);
  const remark = (r: Satisfaction | null) => (r?.comment ? { ...r, comment: ERASED_TEXT } : r);
  const ticket = { ...event.ticket, requester, description: ERASED_TEXT, subject: texts(event.ticket.subject), custom_fields: texts(event.ticket.custom_fields), satisfaction: remark(event.ticket.satisfaction) };
  const erased = { ...event, ticket, actor: named(event.actor) } as TicketEvent & { ticket: Ticket };
  if (erased.type === "ticket.updated") {
    const changed = ([k, v]: [string, unknown]) => [k, k === "description" ? [ERASED_TEXT, ERASED_TEXT] : k === "subject" || k.startsWith("custom_fields.") ? texts(v) : v];
    erased.changes = Object.fromEntries(Object.entries(erased.changes).map(changed));
  }
  if (erased.type === "comment.created") {
    const theirs = erased.comment.author.id === was.id;
    erased.comment = { ...erased.comment, body: theirs ? ERASED_TEXT : texts(erased.comment.body), author: named(erased.comment.author) };
  }
  if (erased.type === "satisfaction.rated") {
    erased.satisfaction = remark(erased.satisfaction)!;
    erased.previous = remark(erased.previous);
  }
  return sameWebhookEvent(erased, event);
}

/** Whether carrying out the plan would do anything at all (a trigger that would not is not run). */
export function planDoesSomething(plan: ActionPlan, ticket: RuleTicket): boolean {
  return plan.comment !== null || plan.emails.length > 0 || plan.notifications.length > 0 || plan.webhooks.length > 0 || plan.edit.assignee_id === "auto" || Object.keys(fieldChanges(plan.edit, ticket)).length > 0;
}

/** Carries out a plan on a ticket as one change (or, with `dryRun`, says what it would be). */
export async function applyActions(ctx: ServiceContext, found: FoundTicket, plan: ActionPlan, applier: Applier): Promise<Applied> {
  const { row } = found;
  const edit = await editOf(ctx, plan);
  const publicComment = plan.comment !== null && !plan.comment.internal;
  const comment = plan.comment ? newComment(ctx, applier.author, row.id, { body: plan.comment.body, internal: plan.comment.internal }) : null;
  // What the plan being made looked up on its row (onRowOf), and that row.
  let onRow: OnRow | null = null;
  let onRowFor: TicketRow | null = null;

  /** Everything the actions make, for the ticket as it will be. */
  const render = (t: Ticket, { people, managerId }: OnRow) => {
    const assignee = t.assignee_id ? (people.get(t.assignee_id) ?? null) : null;
    const staffVars = varsFor(ctx, t, assignee, applier, "staff");
    const publicVars = varsFor(ctx, t, assignee, applier, "public");
    const commentBody = plan.comment ? renderText(plan.comment.body, plan.comment.internal ? staffVars : publicVars) : null;
    // `staffId`: the staff member it goes to (the row's user_id: mail to staff is staff talk, domain/vocabulary isStaffTalkMail).
    const emails: (RenderedMail & { name: string; staffId: string | null })[] = [];
    const manager = managerId ? (people.get(managerId) ?? null) : null;
    for (const m of plan.emails) {
      // Staff recipients may read internal words; the requester and any other address may not.
      const to = m.to === "requester" ? { ...t.requester, staff: false } : m.to === "assignee" ? assignee && { ...assignee, staff: true } : m.to === "team_manager" ? manager && { ...manager, staff: true } : { id: null, name: m.to, email: m.to, staff: false };
      // Nobody to write to (no assignee, no manager), or a robot: that mail is not sent.
      if (!to || isMachineAddress(to.email, mailSettings(ctx.env))) continue;
      const vars = to.staff ? staffVars : publicVars;
      emails.push({ to: to.email, name: to.name, staffId: to.staff ? to.id : null, subject: renderText(m.subject, vars), body: renderText(m.body, vars) });
    }
    const notifications = plan.notifications.map((n) => ({ user_ids: n.user_ids, roles: n.roles, title: renderText(n.title, staffVars), body: renderText(n.body, staffVars) }));
    return { commentBody, emails, notifications };
  };

  const summaryOf = (changes: Record<string, unknown>, made: ReturnType<typeof render>, routing: unknown) => ({
    ...changes,
    ...(comment ? { comment_id: comment.row.id } : {}),
    ...(made.emails.length ? { emails: made.emails.map((m) => m.to) } : {}),
    ...(made.notifications.length ? { notifications: made.notifications.length } : {}),
    ...(routing ? { routing } : {}),
  });

  let made: ReturnType<typeof render> | null = null;
  let notificationBases: string[] = [];
  let hookEvent: TicketEvent | null = null;
  // Each plan starts clean: what a plan made whose batch failed (a catalog check, a collision) is
  // not sent after another plan commits, or skips (its precondition no longer holds).
  const fresh = async (current: TicketRow): Promise<TicketEdit> => {
    made = null;
    notificationBases = [];
    hookEvent = null;
    // The people and routing of the row this plan is made on: looked up once per row read (a plan
    // made again on the same row, for a fresh field catalog, keeps them).
    if (current !== onRowFor) {
      onRow = await onRowOf(ctx, current, plan, edit);
      onRowFor = current;
    }
    // Tags as this plan found them: a ticket read again after another writer keeps what they added.
    const tags = current === row ? null : tagsAfter(plan.tagActions, current.tags);
    return tags ? { ...onRow!.edit, tags } : onRow!.edit;
  };
  /** The history entry's extra members, for the plan being made (its routing reason). */
  const note = () => ({ ...applier.note, ...(onRow?.routing ? { reason: onRow.routing } : {}), ...(publicComment && comment ? { comment_id: comment.row.id } : {}) });
  const result = await changeTicket(ctx, row.id, fresh, {
    type: "updated",
    note,
    read: found,
    baseVersion: applier.baseVersion,
    precondition: applier.precondition,
    // As for a reply: a finished ticket takes no public comment, unless this very change reopens it (checked on every read).
    refusal: (current) =>
      publicComment && NO_PUBLIC_REPLIES.has(current.status) && NO_PUBLIC_REPLIES.has(edit.status ?? current.status)
        ? new AppError("INVALID_TRANSITION", `The ticket is ${current.status}; reopen it before replying`)
        : null,
    // Its texts and mails name the requester as read: its batch checks them (a bulk writes its tickets over seconds).
    decidedOnRow: true,
    dryRun: applier.dryRun,
    message: publicComment && !applier.automated ? "staff" : undefined,
    touch: publicComment,
    with: (t, changes, fields, requester) => {
      // Rules, macros and bulk act as staff or the system: they see every custom field, by the catalog
      // the change's plan took (its batch checks it is still the catalog; planned again otherwise).
      const view: TicketView = { audience: "staff", fields };
      const wire = toTicket(t, requester, ctx.now, view);
      made = render(wire, onRow!);
      const extra: BatchItem[] = [];
      let attached: Attached | null = null;
      if (comment && made.commentBody !== null) {
        comment.row.body = made.commentBody;
        attached = comment.attach(t);
        // A public comment is part of the one entry of a field change; an internal note keeps its own internal entry.
        if (publicComment && Object.keys(changes).length) attached.history = [];
        if (applier.automated) attached.extra.unshift(automationUserRow(ctx));
      }
      const now = ctx.now.toISOString();
      made.emails.forEach((m, i) =>
        extra.push(
          ctx.db.insert(outboundMessages).values({
            id: `${applier.mailId}-${i}`,
            ticketId: t.id,
            commentId: null,
            kind: "action",
            automatic: true,
            userId: m.staffId,
            toAddress: m.to,
            toName: m.name,
            data: { mail: { subject: m.subject, body: m.body }, ticket: { number: wire.number, subject: wire.subject, status: wire.status }, requester: { name: requester.name } },
            status: "pending",
            attempts: 0,
            createdAt: now,
            updatedAt: now,
          }),
        ),
      );
      const writes = made.notifications.map((n) =>
        notificationWrites(ctx, { type: "rule", ticket: { id: t.id, number: t.number, subject: t.subject }, title: n.title, body: n.body, to: { userIds: n.user_ids, roles: n.roles }, except: null }),
      );
      notificationBases = writes.filter((w) => w.items.length).map((w) => w.base);
      if (plan.webhooks.length) {
        hookEvent = applier.webhookEvent ? answeredFor(applier.webhookEvent, requester) : ownEvent(ctx, t, wire, changes, view);
        extra.push(...[...new Set(plan.webhooks)].flatMap((id) => webhookDeliveryRows(ctx, hookEvent!, id)));
      }
      extra.push(...writes.flatMap((w) => w.items), ...(applier.extra?.(t, summaryOf(changes, made, onRow!.routing), wire) ?? []));
      return {
        extra: [...(attached?.extra ?? []), ...extra],
        history: attached?.history ?? [],
        audit: attached?.audit ?? [],
        events: attached?.events ?? (() => []),
      };
    },
  });
  // What the committed plan made: a plan whose batch failed and whose next read skipped (fresh never
  // ran again) made nothing that was written, so nothing of it is sent (a dry run makes nothing).
  const committed = result.written ? made : null;
  const output = committed ?? render(result.ticket, onRow ?? NOBODY);
  if (committed) {
    // After commit: the mails and webhook deliveries to their queues, the notifications to their feeds.
    // A lost send does not fail the change already made (answered 500, a client's retry would make
    // it twice): the crons re-queue pending mails and deliveries.
    const ids = output.emails.map((_, i) => ({ body: { id: `${applier.mailId}-${i}` } }));
    const sent = await Promise.allSettled([
      ids.length ? ctx.env.OUTBOX.sendBatch(ids) : null,
      deliverNotifications(ctx, notificationBases),
      hookEvent ? enqueueEventDeliveries(ctx, hookEvent) : null,
    ]);
    for (const s of sent) if (s.status === "rejected") console.error("rule actions: a send after commit failed; the crons re-queue it", s.reason);
  }
  return {
    ticket: result.ticket,
    changes: result.changes,
    comment: comment && output.commentBody !== null ? { id: comment.row.id, author: applier.author, body: output.commentBody, internal: comment.row.internal } : null,
    emails: output.emails.map(({ to, subject, body }) => ({ to, subject, body })),
    notifications: output.notifications,
    webhooks: plan.webhooks,
    written: result.written,
  };
}
