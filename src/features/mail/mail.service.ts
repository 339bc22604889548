import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { emailTemplates, inboundMessages, outboundMessages } from "../../db/schema";
import { type OutboundKind } from "../../domain/vocabulary";
import { ingestMail } from "../../email/ingest";
import { DEFAULT_TEMPLATES, missingPlaceholders, TEMPLATE_VARIABLES, unknownPlaceholders } from "../../email/templates";
import { decodeCursor, encodeCursor, keysetPage, newerThan, olderThan } from "../../lib/cursor";
import { AppError, notFound, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { readVisibleTicket } from "../tickets/tickets.service";

type InboundRow = typeof inboundMessages.$inferSelect;
type OutboundRow = typeof outboundMessages.$inferSelect;
type Page = { limit: number; cursor?: string | undefined };

/** Characters of a held message's text in the quarantine list: enough to judge it, not the whole mail. */
const QUARANTINE_PREVIEW_CHARS = 2_000;


// ---------------------------------------------------------------- a ticket's mail

const inboundWire = (r: InboundRow) => ({
  id: r.id,
  direction: "inbound" as const,
  status: r.status,
  kind: null,
  message_id: r.messageId.startsWith("sha256:") ? null : r.messageId,
  from: r.fromAddress,
  to: r.envelopeTo,
  subject: r.subject,
  comment_id: r.commentId,
  attempts: null,
  detail: r.reason,
  created_at: r.createdAt,
  sent_at: null,
});

const outboundWire = (r: OutboundRow) => ({
  id: r.id,
  direction: "outbound" as const,
  status: r.status,
  kind: r.kind,
  message_id: r.messageId,
  from: null,
  to: r.toAddress,
  subject: r.subject,
  comment_id: r.commentId,
  attempts: r.attempts,
  detail: r.lastError,
  created_at: r.createdAt,
  sent_at: r.sentAt,
});

/**
 * Both directions merged in (created_at, id) order; each table is read through its ticket index, a
 * page at a time, in the database holding the ticket: a retired ticket's mail moved into its year
 * database with it (features/archive/archive.retire.ts), and a read leaves it there.
 */
export async function listTicketMessages(ctx: ServiceContext, ref: string, page: Page) {
  const { row: ticket, db } = await readVisibleTicket(ctx, ref);
  const secret = signingSecret(ctx.env);
  const sort = `mail:${ticket.id}`;
  const pos = page.cursor ? await decodeCursor(secret, sort, page.cursor) : null;
  const [inbound, outbound] = await Promise.all([
    db
      .select()
      .from(inboundMessages)
      .where(and(eq(inboundMessages.ticketId, ticket.id), ...(pos ? [newerThan(inboundMessages.createdAt, inboundMessages.id, pos)] : [])))
      .orderBy(asc(inboundMessages.createdAt), asc(inboundMessages.id))
      .limit(page.limit + 1),
    db
      .select()
      .from(outboundMessages)
      .where(and(eq(outboundMessages.ticketId, ticket.id), ...(pos ? [newerThan(outboundMessages.createdAt, outboundMessages.id, pos)] : [])))
      .orderBy(asc(outboundMessages.createdAt), asc(outboundMessages.id))
      .limit(page.limit + 1),
  ]);
  const merged = [...inbound.map(inboundWire), ...outbound.map(outboundWire)].sort((a, b) =>
    a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1,
  );
  const items = merged.slice(0, page.limit);
  const last = items.at(-1);
  return {
    data: items,
    next_cursor: merged.length > page.limit && last ? await encodeCursor(secret, sort, { key: last.created_at, id: last.id }) : null,
  };
}

// ---------------------------------------------------------------- quarantine

/** `sender_not_authenticated:<reason>: <what was seen>` or `failed:<error>` → the words after the code. */
function failedCheck(reason: string | null): string | null {
  if (!reason) return null;
  const m = /^(?:sender_not_authenticated:[a-z_]+|failed):\s*(.*)$/s.exec(reason);
  return m ? m[1]! || reason : reason;
}

const quarantinedWire = (r: InboundRow) => ({
  id: r.id,
  ticket_id: r.ticketId,
  from: r.fromAddress,
  from_name: r.fromName,
  subject: r.subject,
  text: r.text.slice(0, QUARANTINE_PREVIEW_CHARS),
  reason: r.reason,
  failed_check: failedCheck(r.reason),
  status: r.status,
  created_at: r.createdAt,
});

/** Literal predicate: the partial index inbound_messages_held_idx serves only queries that repeat it. */
const QUARANTINED = sql`${inboundMessages.status} IN ('quarantined', 'failed')`;

export async function listQuarantine(ctx: ServiceContext, page: Page) {
  const secret = signingSecret(ctx.env);
  const sort = "mail:quarantine";
  const where: SQL[] = [QUARANTINED];
  if (page.cursor) {
    const c = await decodeCursor(secret, sort, page.cursor);
    // Newest first.
    where.push(olderThan(inboundMessages.createdAt, inboundMessages.id, c));
  }
  const rows = await ctx.db
    .select()
    .from(inboundMessages)
    .where(and(...where))
    .orderBy(desc(inboundMessages.createdAt), desc(inboundMessages.id))
    .limit(page.limit + 1);
  const { items: items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, sort, { key: last.createdAt, id: last.id }));
  return {
    data: items.map(quarantinedWire),
    next_cursor,
  };
}

async function heldMessage(ctx: ServiceContext, id: string): Promise<InboundRow> {
  const [row] = await ctx.db.select().from(inboundMessages).where(and(eq(inboundMessages.id, id), QUARANTINED)).limit(1);
  if (!row) throw notFound("Held message");
  return row;
}

/** A manager vouches for a held message: it is processed as if its (customer) sender had authenticated; ingest refuses a staff sender. */
export async function releaseQuarantined(ctx: ServiceContext, id: string) {
  const held = await heldMessage(ctx, id);
  const object = await ctx.env.ATTACHMENTS.get(held.rawKey);
  if (!object) throw new AppError("INTERNAL_ERROR", `The raw message of ${id} is missing from storage`);
  const raw = new Uint8Array(await object.arrayBuffer());
  const outcome = await ingestMail(ctx.env, raw, { from: null, to: held.envelopeTo }, { now: ctx.now, release: { inboundId: id }, ...(ctx.waitUntil ? { waitUntil: ctx.waitUntil } : {}) });
  if (outcome.status === "refused" || outcome.status === "duplicate") throw new AppError("CONFLICT", "The message is no longer held");
  await runBatch(ctx.db, [auditInsert(ctx, { action: "mail.released", entityType: "inbound_message", entityId: id, changes: { status: [held.status, outcome.status], ticket_id: outcome.ticketId, comment_id: outcome.commentId, reason: held.reason } })]);
  return { id, status: outcome.status, ticket_id: outcome.ticketId, comment_id: outcome.commentId };
}

export async function rejectQuarantined(ctx: ServiceContext, id: string) {
  const held = await heldMessage(ctx, id);
  const now = ctx.now.toISOString();
  const [updated] = await ctx.db
    .update(inboundMessages)
    .set({ status: "rejected", updatedAt: now })
    .where(and(eq(inboundMessages.id, held.id), QUARANTINED))
    .returning({ id: inboundMessages.id });
  if (!updated) throw new AppError("CONFLICT", "The message is no longer held");
  await runBatch(ctx.db, [auditInsert(ctx, { action: "mail.rejected", entityType: "inbound_message", entityId: id, changes: { status: [held.status, "rejected"], ticket_id: held.ticketId } })]);
  return { id, status: "rejected" as const, ticket_id: held.ticketId, comment_id: null };
}

// ---------------------------------------------------------------- templates

export async function getTemplate(ctx: ServiceContext, kind: OutboundKind) {
  const [row] = await ctx.db.select().from(emailTemplates).where(eq(emailTemplates.kind, kind)).limit(1);
  const t = row ?? DEFAULT_TEMPLATES[kind];
  return { kind, subject: t.subject, body: t.body, variables: [...TEMPLATE_VARIABLES[kind]], customised: !!row, updated_at: row?.updatedAt ?? null };
}

export async function putTemplate(ctx: ServiceContext, kind: OutboundKind, input: { subject: string; body: string }) {
  const actor = actorOf(ctx);
  const errors: Record<string, string[]> = {};
  for (const field of ["subject", "body"] as const) {
    const unknown = unknownPlaceholders(kind, input[field]);
    if (unknown.length) errors[field] = [`unknown placeholders: ${unknown.map((n) => `{{${n}}}`).join(", ")}; available: ${TEMPLATE_VARIABLES[kind].join(", ")}`];
  }
  const missing = missingPlaceholders(kind, `${input.subject}\n${input.body}`);
  if (missing.length) (errors.body ??= []).push(`must keep ${missing.map((n) => `{{${n}}}`).join(", ")}`);
  if (Object.keys(errors).length) throw validation("Invalid template", errors);
  const before = await getTemplate(ctx, kind);
  const now = ctx.now.toISOString();
  await runBatch(ctx.db, [
    ctx.db
      .insert(emailTemplates)
      .values({ kind, subject: input.subject, body: input.body, updatedAt: now, updatedById: actor.id })
      .onConflictDoUpdate({ target: emailTemplates.kind, set: { subject: input.subject, body: input.body, updatedAt: now, updatedById: actor.id } }),
    auditInsert(ctx, { action: "email_template.updated", entityType: "email_template", entityId: kind, changes: { subject: [before.subject, input.subject], body: [before.body, input.body] } }),
  ]);
  return getTemplate(ctx, kind);
}
