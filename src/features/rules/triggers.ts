import { and, asc, eq } from "drizzle-orm";
import { batchResult, textStatement, type BatchItem } from "../../db/client";
import { rules } from "../../db/schema";
import { holds, matches, nextInChain, planActions, type ChainStep, type EvaluableRule, type RuleEvent, type RuleRef, type RuleTicket } from "../../domain/rules";
import type { RuleEventType } from "../../domain/vocabulary";
import type { TicketEvent, TicketEventConsumer } from "../../events/ticket-events";
import { AppError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { ruleContext, type ServiceContext } from "../../lib/request-context";
import { findVisibleTicket, recordOnTicket } from "../tickets/tickets.service";
import type { Ticket } from "../tickets/tickets.serialize";
import { RULES_VERSION_KEY, recordRunFailure, runInsert } from "./rules.service";
import { applyActions, AUTOMATION_USER, planDoesSomething, ruleTicketOf, ruleTicketOfWire } from "./run-actions";

/**
 * Triggers (API.md "Automation"): after each committed change, by whatever path it came (REST,
 * mail, cron, chat, another rule's change), the active triggers run in position order against the
 * ticket as changed. A trigger's change goes through the one ticket write as the rule (history and
 * events carry `rule: {id, name}`), and is one the triggers after it see; no trigger fires twice for
 * one original change and a chain stops after 10 steps, saying so in the ticket's history
 * (domain/rules.ts nextInChain). A trigger that fails is on record in its runs; the change that set
 * it off stays as it is.
 */

export type LoadedRule = EvaluableRule & RuleRef;

// The active triggers, per isolate, keyed by the rule set's version (one small read per change).
let cache: { version: string; triggers: LoadedRule[] } | null = null;

const VERSION_TEXT = 'select "value" from "rule_state" where "rule_state"."key" = ? limit 1';

/** `version`: the rule set's version as already read (in the change's batch); read now otherwise. */
export async function activeTriggers(ctx: ServiceContext, version?: string): Promise<LoadedRule[]> {
  if (version === undefined) {
    const state = await ctx.db.$client.prepare(VERSION_TEXT).bind(RULES_VERSION_KEY).first<{ value: string }>();
    version = state?.value ?? "none";
  }
  if (cache?.version === version) return cache.triggers;
  const rows = await ctx.db
    .select({ id: rules.id, name: rules.name, conditions: rules.conditions, actions: rules.actions })
    .from(rules)
    .where(and(eq(rules.kind, "trigger"), eq(rules.active, true)))
    .orderBy(asc(rules.position), asc(rules.id));
  cache = { version, triggers: rows };
  return rows;
}

/** The events triggers answer; an assignment is part of the update that made it. */
const TRIGGER_EVENTS = new Set<string>(["ticket.created", "ticket.updated", "comment.created", "sla.breached", "sla.at_risk"]);
/** Fields a `ticket.updated` event reports, by their RuleTicket names (the same wire names). */
const CHANGEABLE = ["status", "custom_status", "priority", "category", "tags", "assignee_id", "team_id", "subject", "description"] as const;

/** `t` with each field a change reports (`{field: [old, new]}`) as it was (0) or became (1). */
function withChanges(t: RuleTicket, changes: Record<string, unknown>, side: 0 | 1): RuleTicket {
  const out = { ...t, custom_fields: { ...t.custom_fields } };
  for (const f of CHANGEABLE) if (f in changes) (out as unknown as Record<string, unknown>)[f] = (changes[f] as [unknown, unknown])[side];
  for (const [name, change] of Object.entries(changes)) {
    if (!name.startsWith("custom_fields.")) continue;
    const key = name.slice("custom_fields.".length);
    const value = (change as [unknown, unknown])[side];
    if (value === null) delete out.custom_fields[key];
    else out.custom_fields[key] = value;
  }
  return out;
}

/** One write's events as the change triggers judge: the ticket before and after, the event types, the comment. */
export function changeOf(events: readonly TicketEvent[]): { ticket: Ticket; before: RuleTicket | null; after: RuleTicket; event: RuleEvent; events: TicketEvent[] } | null {
  const relevant = events.filter((e) => TRIGGER_EVENTS.has(e.type)) as Exclude<TicketEvent, { type: "ticket.deleted" }>[];
  const first = relevant[0];
  if (!first) return null;
  const ticket = first.ticket;
  const after = ruleTicketOfWire(ticket);
  const types = [...new Set(relevant.map((e) => e.type as RuleEventType))];
  let before: RuleTicket | null = { ...after, sla: { ...after.sla } };
  for (const e of relevant) {
    if (e.type === "ticket.created") before = null;
    if (before && e.type === "ticket.updated") before = withChanges(before, e.changes, 0);
    if (before && e.type === "sla.breached") before.sla.breached = false;
    if (before && e.type === "sla.at_risk") before.sla.at_risk = false;
  }
  const commented = relevant.find((e) => e.type === "comment.created");
  const comment = commented?.type === "comment.created" ? { body: commented.comment.body, internal: commented.comment.internal, author_role: commented.comment.author.role } : null;
  return { ticket, before, after, event: { types, comment }, events: relevant };
}

/**
 * The event a trigger answered, as its `webhook` action sends it: the first of the write's events
 * its `event` conditions accept (a reply that also resolves is comment.created and ticket.updated).
 * The same event object the webhook subscriptions saw, so a webhook subscribed to it as well gets
 * it once (features/webhooks webhookEventId).
 */
export function answeredEvent(rule: LoadedRule, change: NonNullable<ReturnType<typeof changeOf>>): TicketEvent {
  const conditions = rule.conditions.all.filter((c) => c.field === "event");
  const accepts = (e: TicketEvent) =>
    conditions.every((c) => holds(c, { before: change.before, after: change.after, event: { types: [e.type as RuleEventType], comment: null }, now: "", calendar: null }));
  return change.events.find(accepts) ?? change.events[0]!;
}

/** The comment of the change, as a trigger's texts quote it (`{{comment.body}}`), with its author. */
function commentOf(change: NonNullable<ReturnType<typeof changeOf>>) {
  const commented = change.events.find((e) => e.type === "comment.created");
  return change.event.comment && commented?.type === "comment.created" ? { ...change.event.comment, authorId: commented.comment.author.id } : change.event.comment;
}

/** The trigger consumer of ticket events (src/events/consumers.ts). */
export const ruleTriggers: TicketEventConsumer<ServiceContext> = { name: "triggers", inBatch: versionRead, afterWrite: runTriggers };

// The rule set's version, read in the batch of the change that may set triggers off rather than in a
// D1 round trip of its own after commit.
const versionReads = new WeakMap<TicketEvent, BatchItem>();

function versionRead(ctx: ServiceContext, event: TicketEvent): BatchItem[] {
  if (ctx.inTriggerChain || !TRIGGER_EVENTS.has(event.type)) return [];
  // As text: it rides in every ticket write's batch, where drizzle's building of it cost more than the read.
  const read = textStatement(ctx.db, VERSION_TEXT, [RULES_VERSION_KEY]);
  versionReads.set(event, read);
  return [read];
}

/** The version the change's batch read, if it committed with one. */
function versionReadWith(events: readonly TicketEvent[]): string | undefined {
  for (const event of events) {
    const read = versionReads.get(event);
    const rows = read && batchResult<{ results: { value: string }[] }>(read)?.results;
    if (rows) return rows[0]?.value ?? "none";
  }
  return undefined;
}

async function runTriggers(ctx: ServiceContext, events: TicketEvent[]): Promise<void> {
  // A trigger's own change: the chain that made it carries on from it.
  if (ctx.inTriggerChain) return;
  const change = changeOf(events);
  if (!change) return;
  const triggers = await activeTriggers(ctx, versionReadWith(events));
  if (!triggers.length) return;
  const fired = new Set<string>();
  const spent = new Set<string>();
  // `current`: the ticket as the last firing's write left it (other writers' changes included);
  // `changed`: as the change and the chain's own firings made it, what change conditions answer.
  let current = change.after;
  let changed = change.after;
  for (;;) {
    const steps = fired.size + spent.size;
    const step = nextInChain(triggers, { fired, spent, steps }, { before: change.before, after: current, changed, event: change.event, now: ctx.now.toISOString(), calendar: null });
    if (step.kind === "done") return;
    if (step.kind === "stop") return recordStop(ctx, change.ticket.id, step, steps, fired, triggers);
    const outcome = await fire(ctx, step.rule, change, changed, steps + 1);
    if (outcome === "gone") return;
    if (outcome === "nothing") spent.add(step.rule.id);
    else {
      fired.add(step.rule.id);
      current = outcome.ticket;
      changed = withChanges(changed, outcome.changes, 1);
    }
  }
}

/**
 * One trigger's change, planned against the ticket as it is now (`judgedOn`: the ticket as the
 * chain matched the trigger on, whose changes its conditions answer). The ticket as it then is,
 * with the trigger's own changes;
 * "nothing" when the trigger did nothing (it would change nothing, its conditions no longer held on
 * the ticket its write read, or it failed: its run says why);
 * "gone" when the ticket no longer exists.
 */
async function fire(parent: ServiceContext, rule: LoadedRule, change: NonNullable<ReturnType<typeof changeOf>>, judgedOn: RuleTicket, step: number): Promise<{ ticket: RuleTicket; changes: Record<string, unknown> } | "nothing" | "gone"> {
  const ticketId = change.ticket.id;
  // A millisecond per step after the change: what a trigger writes (a reply) comes after what set it off, in every list.
  const ctx = ruleContext(parent, rule, { inTriggerChain: true, now: new Date(parent.now.getTime() + step) });
  const run = { id: newId(ctx.now.getTime()), ruleId: rule.id, ticketId };
  try {
    const found = await findVisibleTicket(ctx, ticketId);
    const ticket = ruleTicketOf(found.row, found.requester, ctx.now);
    const plan = planActions(rule.actions, ticket);
    if (!planDoesSomething(plan, ticket)) return "nothing";
    const applied = await applyActions(ctx, found, plan, {
      author: AUTOMATION_USER,
      automated: true,
      currentUser: "",
      comment: commentOf(change),
      webhookEvent: answeredEvent(rule, change),
      mailId: `action-${run.id}`,
      // Judged again on the row each plan reads (as automations are): another writer may have moved
      // the ticket out of the trigger's conditions (the priority, status or tag it tested) meanwhile.
      // What changed stays as the chain judged it (`judgedOn`: the change, and the triggers before
      // this one): "priority changed to high" still answers the raise.
      precondition: (row, requester) => matches(rule.conditions, { before: change.before, after: ruleTicketOf(row, requester, ctx.now), changed: judgedOn, event: change.event, now: ctx.now.toISOString(), calendar: null }),
      extra: (_t, summary) => [runInsert(ctx, { ...run, changes: summary })],
    });
    // Skipped, not failed: nothing written, no run on record (as a trigger that would do nothing).
    if (!applied.written) {
      console.log(JSON.stringify({ event: "rule_skipped", rule_id: rule.id, ticket_id: ticketId, reason: "conditions no longer hold" }));
      return "nothing";
    }
    return { ticket: ruleTicketOfWire(applied.ticket), changes: applied.changes };
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") return "gone";
    await recordRunFailure(ctx, run, err).catch((e: unknown) => console.error("rule run not recorded", String(e)));
    return "nothing";
  }
}

/** The chain stopped: said in the ticket's history (internal), in the name of the trigger that would have gone on. */
async function recordStop(parent: ServiceContext, ticketId: string, step: Extract<ChainStep<LoadedRule>, { kind: "stop" }>, steps: number, fired: ReadonlySet<string>, triggers: readonly LoadedRule[]) {
  const ctx = ruleContext(parent, step.rule, { inTriggerChain: true, now: new Date(parent.now.getTime() + steps + 1) });
  const found = await findVisibleTicket(ctx, ticketId).catch(() => null);
  if (!found) return;
  const reason =
    step.reason === "loop"
      ? `${step.rule.name} fired already for this change and would change the ticket again: rules undoing each other were stopped`
      : `the chain of triggers stopped after ${steps} steps`;
  const changes = { reason: step.reason, detail: reason, fired: triggers.filter((t) => fired.has(t.id)).map((t) => ({ id: t.id, name: t.name })) };
  await recordOnTicket(ctx, found, {
    history: [{ type: "rules.stopped", internal: true, changes }],
    audit: [{ action: "ticket.rules_stopped", entityType: "ticket", entityId: ticketId, changes }],
  });
}
