import { and, eq, inArray } from "drizzle-orm";
import { runBatch, type BatchItem } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { comments, externalRefs, users } from "../../db/schema";
import { isStaff, type Role } from "../../domain/permissions";
import { openSla, settleSla, slaOnMessage, slaOnStatus, TARGET_BIT, type SlaState } from "../../domain/sla";
import { PRIORITY_RANK } from "../../domain/vocabulary";
import {
  channelOf,
  organizationTag,
  priorityOf,
  roleOf,
  statusOf,
  tagsOf,
  type ZendeskComment,
  type ZendeskOrganization,
  type ZendeskTicket,
  type ZendeskUser,
} from "../../domain/zendesk";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { statusCatalog } from "../fields/fields.service";
import { termsFor } from "../sla/sla.service";
import { writeTicket } from "../tickets/ticket-write";
import { findVisibleTicket, recordOnTicket, nextTicketNumber } from "../tickets/tickets.service";
import type { TicketRow } from "../tickets/tickets.serialize";

/**
 * Zendesk records into edgedesk rows. Every record is looked up by its Zendesk id in
 * `external_refs` first, and its ref is written in the batch that creates it: a record imported
 * once is never created again, whether the same export runs twice or a queue message is delivered
 * twice. Tickets are written by the one ticket write (a create with its history, audit row,
 * comments and refs in one batch) and emit no events: history does not send mail, run triggers or
 * fire webhooks.
 */

export interface ImportScope {
  /** `zendesk:<account host>` (or `zendesk`): the namespace of the export's ids. */
  source: string;
  /** The domain of placeholder addresses (users without an email). */
  account: string | null;
}

/** A record and where it was read, for error reports. */
export interface Placed<T> {
  value: T;
  part: number;
  line: number;
}

export interface ImportIssue {
  part: number;
  line: number;
  message: string;
}

export interface Outcome {
  organizations: number;
  users: number;
  tickets: number;
  comments: number;
  skipped: number;
  errors: ImportIssue[];
}

export const emptyOutcome = (): Outcome => ({ organizations: 0, users: 0, tickets: 0, comments: 0, skipped: 0, errors: [] });

// D1 binds at most 100 parameters per statement.
const ID_CHUNK = 90;
const ROWS_PER_INSERT = { users: 10, refs: 19, comments: 14 } as const;
/** Comments written with their ticket's create; the rest follow in batches of this many. */
const COMMENTS_PER_BATCH = 100;
/** Ticket text limits of the API (tickets.schemas.ts, comments.schemas.ts). */
const MAX_SUBJECT = 200;
const MAX_TEXT = 50_000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

async function refsOf(ctx: ServiceContext, source: string, kind: "organization" | "user" | "ticket" | "comment", ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks([...new Set(ids)], ID_CHUNK)) {
    const rows = await ctx.db
      .select({ externalId: externalRefs.externalId, localId: externalRefs.localId })
      .from(externalRefs)
      .where(and(eq(externalRefs.source, source), eq(externalRefs.kind, kind), inArray(externalRefs.externalId, part)));
    for (const r of rows) out.set(r.externalId, r.localId);
  }
  return out;
}

function refRows(ctx: ServiceContext, rows: { source: string; kind: "organization" | "user" | "ticket" | "comment"; externalId: string; localId: string }[]): BatchItem[] {
  const createdAt = ctx.now.toISOString();
  return chunks(rows, ROWS_PER_INSERT.refs).map((part) => ctx.db.insert(externalRefs).values(part.map((r) => ({ ...r, createdAt }))));
}

// ---------------------------------------------------------------- organizations

/**
 * We have no organizations: an organization becomes the tag `org:<name>` on its tickets (so lists
 * filter by it), and its ref remembers that tag.
 */
export async function importOrganizations(ctx: ServiceContext, scope: ImportScope, items: Placed<ZendeskOrganization>[]): Promise<Outcome> {
  const out = emptyOutcome();
  const known = await refsOf(ctx, scope.source, "organization", items.map((i) => i.value.id));
  const fresh = new Map<string, string>();
  for (const { value } of items) {
    if (known.has(value.id) || fresh.has(value.id)) out.skipped++;
    else fresh.set(value.id, organizationTag(value.name));
  }
  await runBatch(ctx.db, refRows(ctx, [...fresh].map(([externalId, localId]) => ({ source: scope.source, kind: "organization" as const, externalId, localId }))));
  out.organizations = fresh.size;
  return out;
}

// ---------------------------------------------------------------- users

/** An address for a user Zendesk knows without one (a caller): `.invalid` never receives mail (RFC 2606). */
const placeholderEmail = (scope: ImportScope, id: string) => `zendesk-user-${id}@${(scope.account ?? "zendesk").replace(/[^a-z0-9.-]/g, "-")}.invalid`;

/**
 * Users by email: an address that already has an account here is linked to it (its name, role and
 * verification stay as they are: an import never changes who may do what); others become accounts
 * without a password. Zendesk agents and admins become agents, end-users customers. An address
 * counts as proven (issue 9: it may then own mail and its tickets) when Zendesk says the user
 * verified it there, and for staff (an admin brought them in, as with staff-created users); an
 * end-user Zendesk never verified proves it here first (a verification or reset mail). A
 * placeholder address is never proven.
 */
export async function importUsers(ctx: ServiceContext, scope: ImportScope, items: Placed<ZendeskUser>[]): Promise<Outcome> {
  const out = emptyOutcome();
  const known = await refsOf(ctx, scope.source, "user", items.map((i) => i.value.id));
  const todo = new Map<string, Placed<ZendeskUser>>();
  for (const item of items) {
    if (known.has(item.value.id) || todo.has(item.value.id)) out.skipped++;
    else todo.set(item.value.id, item);
  }
  const emailOf = (u: ZendeskUser) => (u.email && EMAIL.test(u.email) && u.email.length <= 254 ? u.email : placeholderEmail(scope, u.id));
  const existing = new Map<string, string>();
  for (const part of chunks([...new Set([...todo.values()].map((i) => emailOf(i.value)))], ID_CHUNK)) {
    for (const u of await ctx.db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, part))) existing.set(u.email, u.id);
  }
  const now = ctx.now.toISOString();
  const created: (typeof users.$inferInsert)[] = [];
  const refs: { source: string; kind: "user"; externalId: string; localId: string }[] = [];
  for (const { value: u, part, line } of todo.values()) {
    const email = emailOf(u);
    if (u.email && email !== u.email) out.errors.push({ part, line, message: `user ${u.id}: "${u.email}" is not an email address; imported as ${email}` });
    let localId = existing.get(email);
    if (!localId) {
      localId = newId(ctx.now.getTime());
      existing.set(email, localId);
      created.push({
        id: localId,
        name: cut(u.name || email.split("@")[0]!, MAX_SUBJECT),
        email,
        role: roleOf(u.role),
        emailVerifiedAt: email === u.email && (u.verified || roleOf(u.role) !== "customer") ? now : null,
        active: true,
        passwordHash: null,
        tokenVersion: 0,
        createdAt: u.createdAt ?? now,
        updatedAt: now,
      });
    }
    refs.push({ source: scope.source, kind: "user", externalId: u.id, localId });
  }
  await runBatch(ctx.db, [
    ...chunks(created, ROWS_PER_INSERT.users).map((part) => ctx.db.insert(users).values(part)),
    ...refRows(ctx, refs),
    ...created.map((u) => auditInsert(ctx, { action: "user.created", entityType: "user", entityId: u.id!, changes: { email: [null, u.email], role: [null, u.role], source: scope.source } })),
  ]);
  out.users = refs.length;
  return out;
}

// ---------------------------------------------------------------- tickets and comments

interface LocalUser {
  id: string;
  name: string;
  email: string;
  role: Role;
}

/** Our users behind Zendesk user ids. */
async function usersOf(ctx: ServiceContext, scope: ImportScope, ids: (string | null)[]): Promise<Map<string, LocalUser>> {
  const refs = await refsOf(ctx, scope.source, "user", ids.filter((i): i is string => i !== null));
  const byLocal = new Map<string, LocalUser>();
  for (const part of chunks([...new Set(refs.values())], ID_CHUNK)) {
    for (const u of await ctx.db.select({ id: users.id, name: users.name, email: users.email, role: users.role }).from(users).where(inArray(users.id, part))) byLocal.set(u.id, u);
  }
  const out = new Map<string, LocalUser>();
  for (const [zid, localId] of refs) {
    const u = byLocal.get(localId);
    if (u) out.set(zid, u);
  }
  return out;
}

const byTime = (a: ZendeskComment, b: ZendeskComment) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.id.localeCompare(b.id);

/** Whether a comment is the ticket's description (Zendesk's description is its first comment). */
const isDescription = (c: ZendeskComment, t: { createdAt: string; description: string }) => c.createdAt === t.createdAt || c.body.trim() === t.description.trim();

function commentRow(ticket: Pick<TicketRow, "id" | "channel" | "createdAt">, c: ZendeskComment, author: LocalUser) {
  const at = c.createdAt ?? ticket.createdAt;
  return { id: newId(Date.parse(at)), ticketId: ticket.id, authorId: author.id, body: cut(c.body, MAX_TEXT), internal: !c.public, channel: ticket.channel, createdAt: at };
}

/**
 * The SLA clock of a ticket with a past: its messages and final status replayed through the engine
 * (domain/sla.ts) at the times they happened, then settled at import time. Breaches that already
 * happened are flagged and counted as announced, so the SLA sweep does not announce or escalate
 * history; targets still running are timed and announced as usual.
 */
function replaySla(
  terms: Awaited<ReturnType<typeof termsFor>>,
  createdAt: string,
  messages: { at: string; by: "staff" | "customer" }[],
  status: TicketRow["status"],
  statusAt: string,
  now: string,
): SlaState {
  let s = openSla(terms, createdAt);
  for (const m of messages) s = slaOnMessage(terms, s, m.by, m.at);
  if (status === "pending") s = slaOnStatus(terms, s, "pending", statusAt);
  if (status === "resolved" || status === "closed") s = slaOnStatus(terms, s, "resolved", statusAt);
  if (status === "closed") s = slaOnStatus(terms, s, "closed", statusAt);
  s = settleSla(terms, s, now);
  const announced = (s.firstResponseBreached ? TARGET_BIT.first_response : 0) | (s.nextResponseBreached ? TARGET_BIT.next_response : 0) | (s.resolutionBreached ? TARGET_BIT.resolution : 0);
  const warned = announced | (s.slaAtRiskAt <= now ? 7 : 0);
  return settleSla(terms, { ...s, slaAnnounced: announced, slaWarned: warned, slaEscalated: true }, now);
}

/**
 * Tickets with their comments. A ticket imported before is not created again; comments of it that
 * are missing (a run cut short between batches) are added. A ticket whose requester is not among
 * the imported users is reported and left out, as is a comment whose author is not.
 */
export async function importTickets(ctx: ServiceContext, scope: ImportScope, items: Placed<ZendeskTicket>[]): Promise<Outcome> {
  const out = emptyOutcome();
  const known = await refsOf(ctx, scope.source, "ticket", items.map((i) => i.value.id));
  const people = await usersOf(
    ctx,
    scope,
    items.flatMap(({ value: t }) => [t.requesterId, t.assigneeId, ...t.comments.map((c) => c.authorId)]),
  );
  const orgs = await refsOf(ctx, scope.source, "organization", items.map((i) => i.value.organizationId).filter((o): o is string => o !== null));
  const customStatuses = await statusCatalog(ctx);
  const terms = new Map<string, Awaited<ReturnType<typeof termsFor>>>();
  const seen = new Set<string>();
  for (const item of items) {
    const { value: t, part, line } = item;
    const issue = (message: string) => out.errors.push({ part, line, message: `ticket ${t.id}: ${message}` });
    if (seen.has(t.id)) {
      out.skipped++;
      continue;
    }
    seen.add(t.id);
    const localId = known.get(t.id);
    if (localId) {
      out.skipped++;
      const added = await importComments(ctx, scope, t.comments.map((c) => ({ value: { ...c, ticketId: t.id }, part, line })), { [t.id]: localId });
      out.comments += added.comments;
      out.errors.push(...added.errors);
      continue;
    }
    const mapped = statusOf(t.status);
    if (!mapped) {
      // Deleted tickets (the incremental export lists them) are not history to keep.
      out.skipped++;
      continue;
    }
    const requester = t.requesterId ? people.get(t.requesterId) : undefined;
    if (!requester) {
      issue(`its requester ${t.requesterId ?? "(none)"} is not among the imported users; left out`);
      continue;
    }
    let assignee = t.assigneeId ? people.get(t.assigneeId) : undefined;
    if (t.assigneeId && (!assignee || !isStaff(assignee.role))) {
      issue(`its assignee ${t.assigneeId} is not staff here; left unassigned`);
      assignee = undefined;
    }
    try {
      const written = await writeImportedTicket(ctx, scope, t, { requester, assignee: assignee ?? null, people, orgTag: t.organizationId ? (orgs.get(t.organizationId) ?? null) : null, mapped, customStatuses, terms }, issue);
      out.tickets++;
      out.comments += written.comments;
    } catch (err) {
      // A concurrent run of the same chunk (a redelivered message) wrote it first.
      if (isUniqueViolation(err, "external_refs")) out.skipped++;
      else throw err;
    }
  }
  return out;
}

async function writeImportedTicket(
  ctx: ServiceContext,
  scope: ImportScope,
  t: ZendeskTicket,
  with_: {
    requester: LocalUser;
    assignee: LocalUser | null;
    people: Map<string, LocalUser>;
    orgTag: string | null;
    mapped: { status: TicketRow["status"]; customStatus: string | null };
    customStatuses: Awaited<ReturnType<typeof statusCatalog>>;
    terms: Map<string, Awaited<ReturnType<typeof termsFor>>>;
  },
  issue: (message: string) => void,
): Promise<{ comments: number }> {
  const now = ctx.now.toISOString();
  const createdAt = t.createdAt ?? now;
  const updatedAt = t.updatedAt && t.updatedAt >= createdAt ? t.updatedAt : createdAt;
  const sorted = [...t.comments].sort(byTime);
  const first = sorted[0];
  const opening = first && isDescription(first, { createdAt, description: t.description }) ? first : null;
  // Zendesk's description is its first comment even when that is private (an agent opened the ticket
  // with an internal note): then the note stays an internal comment and its words, which the requester
  // never saw, are not the description they read.
  const description = opening?.public ? opening : null;
  const privateText = (opening && !opening.public) || sorted.some((c) => !c.public && c.body.trim() === t.description.trim());
  const rest = sorted.filter((c) => c !== description);
  const priority = priorityOf(t.priority);
  const channel = channelOf(t.channel);
  const key = `${priority}|${channel}`;
  let terms = with_.terms.get(key);
  if (!terms) with_.terms.set(key, (terms = await termsFor(ctx, { priority, category: null, channel })));

  const authored = rest.flatMap((c) => {
    const author = c.authorId ? with_.people.get(c.authorId) : undefined;
    if (!author) {
      issue(`comment ${c.id}: its author ${c.authorId ?? "(none)"} is not among the imported users; left out`);
      return [];
    }
    if (c.attachments) issue(`comment ${c.id}: ${c.attachments} attachment(s) not imported (Zendesk serves them only to signed-in clients)`);
    return [{ c, author }];
  });
  const { status, customStatus: wantedCustom } = with_.mapped;
  // `hold` is a kind of pending: it keeps that name where a custom status `on_hold` exists.
  const customStatus = wantedCustom && with_.customStatuses.get(wantedCustom)?.category === status ? wantedCustom : null;
  const sla = replaySla(
    terms,
    createdAt,
    authored.filter((a) => a.c.public).map((a) => ({ at: a.c.createdAt ?? createdAt, by: isStaff(a.author.role) ? ("staff" as const) : ("customer" as const) })),
    status,
    updatedAt,
    now,
  );
  const { status: _s, createdAt: _c, ...clock } = sla;
  const row: TicketRow = {
    ...clock,
    id: newId(Date.parse(createdAt)),
    number: await nextTicketNumber(ctx, new Date(createdAt)),
    subject: cut(t.subject.trim() || "(no subject)", MAX_SUBJECT),
    description: cut((description?.body ?? (privateText ? "" : t.description)).trim() || t.subject.trim() || "(no description)", MAX_TEXT),
    status,
    priority,
    priorityRank: PRIORITY_RANK[priority],
    category: null,
    channel,
    tags: tagsOf(t.tags, with_.orgTag ? [with_.orgTag] : []),
    requesterId: with_.requester.id,
    assigneeId: with_.assignee?.id ?? null,
    teamId: null,
    createdById: ctx.actor?.id ?? with_.requester.id,
    version: 1,
    createdAt,
    updatedAt,
    closedAt: status === "closed" ? updatedAt : null,
    deletedAt: null,
    slaPolicy: terms.targets.name,
    slaTargets: terms.targets,
    slaCalendarId: terms.calendarId,
    customStatus,
    customFields: {},
    externalId: t.id,
    archivedAt: null,
    mergedIntoId: null,
    links: null,
    // Automations count hours from these: Zendesk tells no status change time, so its last update stands in;
    // the requester's and the assignee's last words are their last comments (the request counts for the requester).
    statusChangedAt: updatedAt,
    requesterUpdatedAt: lastBy(authored, with_.requester.id) ?? createdAt,
    assigneeUpdatedAt: with_.assignee ? lastBy(authored, with_.assignee.id) : null,
    // Reports (issue 12): Zendesk tells no assignment time, so the assignee counts from the creation;
    // reopenings, satisfaction and logged time are not carried over.
    revision: 0,
    returned: 0,
    assignedAt: with_.assignee ? createdAt : null,
    reopens: [],
    satisfactionScore: null,
    satisfactionComment: null,
    satisfactionRatedAt: null,
    timeSpentMinutes: 0,
    timeLog: [],
  };
  const commentRows = authored.map((a) => commentRow(row, a.c, a.author));
  const refs = [
    { source: scope.source, kind: "ticket" as const, externalId: t.id, localId: row.id },
    ...(description ? [{ source: scope.source, kind: "comment" as const, externalId: description.id, localId: row.id }] : []),
    ...authored.map((a, i) => ({ source: scope.source, kind: "comment" as const, externalId: a.c.id, localId: commentRows[i]!.id })),
  ];
  const [firstRows, ...laterRows] = chunks(commentRows, COMMENTS_PER_BATCH);
  const firstRefs = refs.slice(0, refs.length - commentRows.length + (firstRows?.length ?? 0));
  const requester = { id: with_.requester.id, name: with_.requester.name, email: with_.requester.email };
  const outcome = await writeTicket(ctx, {
    kind: "create",
    row,
    requester,
    history: [{ type: "imported", changes: { source: scope.source, external_id: t.id, created_at: createdAt, status: [null, status] }, bumpsVersion: true }],
    audit: [{ action: "ticket.imported", entityType: "ticket", entityId: row.id, changes: { number: row.number, source: scope.source, external_id: t.id } }],
    events: () => [],
    extra: [...chunks(firstRows ?? [], ROWS_PER_INSERT.comments).map((p) => ctx.db.insert(comments).values(p)), ...refRows(ctx, firstRefs)],
  });
  if (!outcome.ok) throw new Error("a create cannot be stale");
  // A ticket with more comments than one batch should carry: the rest follow, each batch with its refs.
  let offset = firstRows?.length ?? 0;
  for (const batch of laterRows) {
    const batchRefs = refs.slice(refs.length - commentRows.length + offset, refs.length - commentRows.length + offset + batch.length);
    await recordOnTicket(ctx, { row, requester }, { history: [], audit: [], events: () => [], extra: [...chunks(batch, ROWS_PER_INSERT.comments).map((p) => ctx.db.insert(comments).values(p)), ...refRows(ctx, batchRefs)] });
    offset += batch.length;
  }
  return { comments: commentRows.length };
}

/**
 * Comments of imported tickets (from audits, ticket events, or comment records with a ticket_id):
 * each ticket's missing ones are added to it by the one write without changing the ticket row
 * (history as it was; no events). `ticketIds` may name tickets the caller already resolved.
 */
export async function importComments(ctx: ServiceContext, scope: ImportScope, items: Placed<ZendeskComment>[], ticketIds: Record<string, string> = {}): Promise<Outcome> {
  const out = emptyOutcome();
  const known = await refsOf(ctx, scope.source, "comment", items.map((i) => i.value.id));
  const todo = items.filter((i) => !known.has(i.value.id));
  out.skipped += items.length - todo.length;
  if (!todo.length) return out;
  const missingTickets = todo.map((i) => i.value.ticketId).filter((id): id is string => id !== null && !(id in ticketIds));
  const ticketRefs = new Map([...Object.entries(ticketIds), ...(await refsOf(ctx, scope.source, "ticket", missingTickets))]);
  const people = await usersOf(ctx, scope, todo.map((i) => i.value.authorId));
  const byTicket = new Map<string, Placed<ZendeskComment>[]>();
  for (const item of todo) {
    const local = item.value.ticketId ? ticketRefs.get(item.value.ticketId) : undefined;
    if (!local) {
      out.errors.push({ part: item.part, line: item.line, message: `comment ${item.value.id}: its ticket ${item.value.ticketId ?? "(none)"} was not imported; left out` });
      continue;
    }
    byTicket.set(local, [...(byTicket.get(local) ?? []), item]);
  }
  for (const [ticketId, list] of byTicket) {
    const found = await findVisibleTicket(ctx, ticketId).catch(() => null);
    if (!found) continue;
    const seen = new Set<string>();
    const rows: ReturnType<typeof commentRow>[] = [];
    const refs: { source: string; kind: "comment"; externalId: string; localId: string }[] = [];
    for (const { value: c, part, line } of [...list].sort((a, b) => byTime(a.value, b.value))) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      if (isDescription(c, found.row)) {
        refs.push({ source: scope.source, kind: "comment", externalId: c.id, localId: ticketId });
        continue;
      }
      const author = c.authorId ? people.get(c.authorId) : undefined;
      if (!author) {
        out.errors.push({ part, line, message: `comment ${c.id}: its author ${c.authorId ?? "(none)"} is not among the imported users; left out` });
        continue;
      }
      const row = commentRow(found.row, c, author);
      rows.push(row);
      refs.push({ source: scope.source, kind: "comment", externalId: c.id, localId: row.id });
    }
    for (const batch of chunks(refs, COMMENTS_PER_BATCH)) {
      const ids = new Set(batch.map((r) => r.localId));
      const batchRows = rows.filter((r) => ids.has(r.id));
      try {
        await recordOnTicket(ctx, found, { history: [], audit: [], events: () => [], extra: [...chunks(batchRows, ROWS_PER_INSERT.comments).map((p) => ctx.db.insert(comments).values(p)), ...refRows(ctx, batch)] });
        out.comments += batchRows.length;
      } catch (err) {
        if (isUniqueViolation(err, "external_refs")) out.skipped += batch.length;
        else throw err;
      }
    }
  }
  return out;
}

/** When a user last commented, among a ticket's imported comments. */
function lastBy(authored: { c: { createdAt?: string | null }; author: { id: string } }[], userId: string): string | null {
  const times = authored.filter((a) => a.author.id === userId && a.c.createdAt).map((a) => a.c.createdAt!);
  return times.length ? times.sort().at(-1)! : null;
}
