import { and, asc, eq, sql } from "drizzle-orm";
import { importContext } from "../../contexts";
import { runBatch } from "../../db/client";
import { importErrors, importParts, imports, users } from "../../db/schema";
import { IMPORT_PHASES, type ImportPhase } from "../../domain/vocabulary";
import { accountOf, linesOf, recordsOf, type ZendeskComment, type ZendeskOrganization, type ZendeskRecord, type ZendeskTicket, type ZendeskUser } from "../../domain/zendesk";
import type { Bindings } from "../../env";
import type { ServiceContext } from "../../lib/request-context";
import { MAX_STORED_ERRORS, type ImportRow } from "./imports.service";
import { emptyOutcome, importComments, importOrganizations, importTickets, importUsers, type ImportIssue, type ImportScope, type Outcome, type Placed } from "./zendesk.importer";

/**
 * The Queue consumer of imports. One message = one step of one import: a chunk of one part in one
 * phase (vocabulary.ts IMPORT_PHASES), then the cursor moves on and the message of the next step is
 * sent. Messages name their step, and the cursor moves by a conditional update on the step it was
 * taken from: a message delivered twice at once does its (idempotent) work twice but moves the
 * import once, and a late duplicate is dropped.
 */

export const IMPORTS_QUEUE = "edgedesk-imports";
/** Bytes of NDJSON one step reads: a few hundred records, well inside one invocation's CPU and memory. */
export const CHUNK_BYTES = 1024 * 1024;
/** The longest line read (a ticket with thousands of comments); longer lines are reported and skipped. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** A part that is one JSON document (not NDJSON) is parsed whole once, so it is bounded. */
export const MAX_JSON_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Records of a phase one step writes: tickets are one D1 batch each, users and refs go in bulk. */
const BUDGET: Record<"organizations" | "users" | "tickets" | "comments", number> = { organizations: 500, users: 300, tickets: 40, comments: 200 };
/** Delivery attempts of one step before the import is marked failed (wrangler.toml max_retries agrees). */
export const MAX_STEP_ATTEMPTS = 5;

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

type RecordPhase = keyof typeof BUDGET;
const KIND_OF_PHASE: Record<RecordPhase, ZendeskRecord["kind"]> = { organizations: "organization", users: "user", tickets: "ticket", comments: "comment" };

export async function runImportBatch(batch: MessageBatch<{ id: string; step: number }>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    try {
      await step(env, message.body.id, message.body.step);
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ event: "import_step_failed", import_id: message.body.id, attempt: message.attempts, error: String(err) }));
      if (message.attempts >= MAX_STEP_ATTEMPTS) {
        await fail(env, message.body.id, String(err));
        message.ack();
      } else {
        message.retry({ delaySeconds: 2 ** message.attempts });
      }
    }
  }
}

async function fail(env: Bindings, id: string, error: string) {
  const ctx = await contextFor(env, id);
  if (!ctx) return;
  const now = ctx.ctx.now.toISOString();
  await runBatch(ctx.ctx.db, [
    ctx.ctx.db.update(imports).set({ status: "failed", updatedAt: now, finishedAt: now, errorCount: sql`${imports.errorCount} + 1` }).where(eq(imports.id, id)),
    ctx.ctx.db
      .insert(importErrors)
      .values({ importId: id, seq: ctx.row.errorCount, part: ctx.row.part, line: ctx.row.line, message: `the import stopped: ${error.slice(0, 500)}`, createdAt: now })
      .onConflictDoNothing(),
  ]);
}

async function contextFor(env: Bindings, id: string): Promise<{ ctx: ServiceContext; row: ImportRow } | null> {
  const probe = importContext(env, null, id, { now: new Date() });
  const [row] = await probe.db.select().from(imports).where(eq(imports.id, id)).limit(1);
  if (!row) return null;
  // The import acts as the admin who started it: their id is on every audit row it writes.
  const [admin] = await probe.db.select({ id: users.id, name: users.name, email: users.email, role: users.role }).from(users).where(eq(users.id, row.createdById)).limit(1);
  return { ctx: importContext(env, admin ?? null, id, { now: new Date() }), row };
}

const nextPhase = (phase: ImportPhase): ImportPhase => IMPORT_PHASES[IMPORT_PHASES.indexOf(phase) + 1] ?? "done";

interface Cursor {
  phase: ImportPhase;
  part: number;
  offset: number;
  line: number;
}

/** One step of an import; a message for a step already taken (a duplicate) does nothing. */
export async function step(env: Bindings, id: string, stepNo: number): Promise<void> {
  const found = await contextFor(env, id);
  if (!found) return;
  const { ctx, row } = found;
  if (row.status !== "queued" && row.status !== "running") return;
  if (row.step !== stepNo) return;
  const parts = await ctx.db.select().from(importParts).where(eq(importParts.importId, id)).orderBy(asc(importParts.n));
  const at: Cursor = { phase: row.phase, part: row.part, offset: row.offset, line: row.line };
  if (at.phase === "done") return finish(ctx, row);
  const part = parts[at.part];
  if (!part) return advance(ctx, row, at, { phase: nextPhase(at.phase), part: 0, offset: 0, line: 0 }, emptyOutcome());
  // A part left empty (a JSON document that could not be read) has nothing for any phase.
  if (part.size === 0 || at.offset >= part.size) return advance(ctx, row, at, { phase: at.phase, part: at.part + 1, offset: 0, line: 0 }, emptyOutcome());
  if (at.phase === "prepare") {
    const prepared = await preparePart(ctx, row, part);
    return advance(ctx, row, at, { phase: "prepare", part: at.part + 1, offset: 0, line: 0 }, prepared.outcome, prepared.account);
  }
  const { lines, end, endLine, issues } = await readLines(ctx.env.ATTACHMENTS, part.key, part.size, at.offset, at.line);
  const phase = at.phase as RecordPhase;
  const kind = KIND_OF_PHASE[phase];
  const placed: Placed<ZendeskRecord["value"]>[] = [];
  // Malformed lines are reported once, in the first pass over the records.
  const reportsParsing = phase === "organizations";
  const outcome = emptyOutcome();
  if (reportsParsing) outcome.errors.push(...issues.map((i) => ({ ...i, part: part.n })));
  let stopAt = end;
  let stopLine = endLine;
  for (const l of lines) {
    let value: unknown;
    try {
      value = JSON.parse(l.text);
    } catch {
      if (reportsParsing) outcome.errors.push({ part: part.n, line: l.line, message: "not valid JSON; line skipped" });
      continue;
    }
    const parsed = recordsOf(value);
    if (reportsParsing) outcome.errors.push(...parsed.errors.map((message) => ({ part: part.n, line: l.line, message })));
    for (const r of parsed.records) if (r.kind === kind) placed.push({ value: r.value, part: part.n, line: l.line });
    if (placed.length >= BUDGET[phase]) {
      stopAt = l.end;
      stopLine = l.line;
      break;
    }
  }
  const scope: ImportScope = { source: row.account ? `zendesk:${row.account}` : "zendesk", account: row.account };
  const done = await importRecords(ctx, scope, phase, placed);
  done.errors.unshift(...outcome.errors);
  const next: Cursor = stopAt >= part.size ? { phase, part: at.part + 1, offset: 0, line: 0 } : { phase, part: at.part, offset: stopAt, line: stopLine };
  return advance(ctx, row, at, next, done);
}

function importRecords(ctx: ServiceContext, scope: ImportScope, phase: RecordPhase, placed: Placed<ZendeskRecord["value"]>[]): Promise<Outcome> {
  switch (phase) {
    case "organizations":
      return importOrganizations(ctx, scope, placed as Placed<ZendeskOrganization>[]);
    case "users":
      return importUsers(ctx, scope, placed as Placed<ZendeskUser>[]);
    case "tickets":
      return importTickets(ctx, scope, placed as Placed<ZendeskTicket>[]);
    case "comments":
      return importComments(ctx, scope, placed as Placed<ZendeskComment>[]);
  }
}

interface Line {
  text: string;
  /** 1-based line number in the part. */
  line: number;
  /** Byte offset just after the line's newline. */
  end: number;
}

/**
 * The complete lines of a part from `offset`: CHUNK_BYTES at a time, more when one line is longer
 * (up to MAX_LINE_BYTES); a line cut by the chunk's end is left for the next step. UTF-8 is split
 * at newline bytes only, which never fall inside a character.
 */
async function readLines(bucket: R2Bucket, key: string, size: number, offset: number, lineNo: number) {
  const issues: ImportIssue[] = [];
  let length = Math.min(CHUNK_BYTES, size - offset);
  for (;;) {
    const object = await bucket.get(key, { range: { offset, length } });
    if (!object) throw new Error(`import part ${key} is missing from storage`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    const atEnd = offset + bytes.length >= size;
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0 && !atEnd) {
      if (length < MAX_LINE_BYTES && offset + length < size) {
        length = Math.min(length * 4, MAX_LINE_BYTES, size - offset);
        continue;
      }
      // One line longer than MAX_LINE_BYTES: reported, and skipped up to its end.
      issues.push({ part: 0, line: lineNo + 1, message: `a line longer than ${MAX_LINE_BYTES} bytes; skipped` });
      const rest = await skipToNewline(bucket, key, size, offset + bytes.length);
      return { lines: [] as Line[], end: rest, endLine: lineNo + 1, issues };
    }
    const usable = atEnd ? bytes.length : lastNewline + 1;
    const lines: Line[] = [];
    let start = 0;
    let n = lineNo;
    while (start < usable) {
      let stop = bytes.indexOf(NEWLINE, start);
      if (stop < 0 || stop >= usable) stop = usable;
      n++;
      const text = decoder.decode(bytes.subarray(start, stop)).trim();
      if (text) lines.push({ text, line: n, end: offset + Math.min(stop + 1, usable) });
      start = stop + 1;
    }
    return { lines, end: offset + usable, endLine: n, issues };
  }
}

async function skipToNewline(bucket: R2Bucket, key: string, size: number, from: number): Promise<number> {
  for (let at = from; at < size; at += CHUNK_BYTES) {
    const object = await bucket.get(key, { range: { offset: at, length: Math.min(CHUNK_BYTES, size - at) } });
    const bytes = new Uint8Array(await object!.arrayBuffer());
    const i = bytes.indexOf(NEWLINE);
    if (i >= 0) return at + i + 1;
  }
  return size;
}

/**
 * Tells NDJSON from one JSON document by its first line: a line that parses alone is NDJSON (read
 * as it is); anything else is one document, parsed whole (bounded) and rewritten as NDJSON beside
 * the upload, so every later pass reads parts the same way. Also finds the Zendesk account.
 */
async function preparePart(ctx: ServiceContext, row: ImportRow, part: typeof importParts.$inferSelect): Promise<{ outcome: Outcome; account: string | null }> {
  const outcome = emptyOutcome();
  const head = await readLines(ctx.env.ATTACHMENTS, part.key, part.size, 0, 0);
  const first = head.lines[0];
  let firstValue: unknown;
  try {
    firstValue = first ? JSON.parse(first.text) : undefined;
  } catch {
    firstValue = undefined;
  }
  if (firstValue !== undefined) return { outcome, account: row.account ? null : accountOf(firstValue) };
  const drop = async (message: string) => {
    outcome.errors.push({ part: part.n, line: 0, message });
    await ctx.db.update(importParts).set({ size: 0 }).where(and(eq(importParts.importId, part.importId), eq(importParts.n, part.n)));
    return { outcome, account: null };
  };
  if (part.size > MAX_JSON_DOCUMENT_BYTES) return drop(`file ${part.n} is one JSON document of more than ${MAX_JSON_DOCUMENT_BYTES} bytes; upload it as NDJSON (one record per line)`);
  const object = await ctx.env.ATTACHMENTS.get(part.key);
  let value: unknown;
  try {
    value = JSON.parse(await object!.text());
  } catch {
    return drop(`file ${part.n} is neither NDJSON nor one JSON document; skipped`);
  }
  const text = linesOf(value)
    .map((v) => JSON.stringify(v))
    .join("\n");
  const key = `${part.key}.ndjson`;
  const stored = await ctx.env.ATTACHMENTS.put(key, text);
  if (!stored) throw new Error(`R2 refused ${key}`);
  await ctx.db.update(importParts).set({ key, size: stored.size }).where(and(eq(importParts.importId, part.importId), eq(importParts.n, part.n)));
  return { outcome, account: row.account ? null : accountOf(value) };
}

/** Moves the cursor (only from where this step found it), adds the step's counts and errors, and sends the next step. */
async function advance(ctx: ServiceContext, row: ImportRow, from: Cursor, to: Cursor, outcome: Outcome, account: string | null = null): Promise<void> {
  const now = ctx.now.toISOString();
  const stored = outcome.errors.slice(0, Math.max(0, MAX_STORED_ERRORS - row.errorCount));
  const [moved] = await ctx.db
    .update(imports)
    .set({
      ...to,
      step: row.step + 1,
      status: "running",
      ...(account ? { account } : {}),
      organizations: sql`${imports.organizations} + ${outcome.organizations}`,
      users: sql`${imports.users} + ${outcome.users}`,
      tickets: sql`${imports.tickets} + ${outcome.tickets}`,
      comments: sql`${imports.comments} + ${outcome.comments}`,
      skipped: sql`${imports.skipped} + ${outcome.skipped}`,
      errorCount: sql`${imports.errorCount} + ${outcome.errors.length}`,
      updatedAt: now,
    })
    .where(and(eq(imports.id, row.id), eq(imports.step, row.step), eq(imports.phase, from.phase), eq(imports.part, from.part), eq(imports.offset, from.offset)))
    .returning({ errorCount: imports.errorCount });
  // Another delivery of this step moved the import already: its counts and its next message stand.
  if (!moved) return;
  if (stored.length) {
    await runBatch(
      ctx.db,
      stored.map((e, i) => ctx.db.insert(importErrors).values({ importId: row.id, seq: row.errorCount + i, part: e.part, line: e.line, message: e.message.slice(0, 1000), createdAt: now }).onConflictDoNothing()),
    );
  }
  await ctx.env.IMPORTS.send({ id: row.id, step: row.step + 1 });
}

async function finish(ctx: ServiceContext, row: ImportRow) {
  const now = ctx.now.toISOString();
  await ctx.db.update(imports).set({ status: "done", finishedAt: now, updatedAt: now }).where(and(eq(imports.id, row.id), eq(imports.phase, "done")));
}
