/**
 * Export jobs: a file built in chunks by the JOBS queue consumer into R2 (EXPORTS) with a multipart
 * upload, so an export of a million rows never holds them in memory or outlasts one invocation.
 * Reusable for any kind of export (exports.kinds.ts: the privacy export is one more kind).
 *
 * One queue message = one step of one job. A step claims the job (a lease: a duplicate delivery
 * meanwhile waits), reads up to a few pages of rows after the job's cursor (a few thousand rows),
 * formats them (CSV, XLSX pieces: lib/xlsx.ts, or a JSON document), and cuts what it has, with the bytes carried
 * from the step before, into parts of exactly `partBytes` (R2 wants every part but the last of one
 * size, at least 5 MiB); what is left over is carried to the next step in a small R2 object. Only
 * then is the step recorded in D1 (cursor, parts with their ETags, carried object, rows done) and
 * the next step's message sent. A step that fails midway is retried from the last recorded state:
 * it reads the same rows after the same cursor and uploads the same part numbers again (R2 keeps
 * the last upload of a part number), so no row is missing or written twice. The last step
 * completes the upload with exactly the recorded parts.
 *
 * The cron re-sends the step of a job whose chain of messages broke, and deletes files (and failed
 * jobs' leftovers) EXPORT_TTL_DAYS after they were finished.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { callerContext } from "../../contexts";
import { createDb, type Database } from "../../db/client";
import { exports, users } from "../../db/schema";
import { can } from "../../domain/permissions";
import type { Bindings } from "../../env";
import type { ExportMessage } from "../../jobs/job-messages";
import { CSV_BOM, csvRecord, type Cell } from "../../lib/csv";
import { xlsxEnd, xlsxRows, xlsxStart, type XlsxState } from "../../lib/xlsx";
import { columnsOf, defaultColumns, EXPORT_KINDS, ExportParamsError, type ExportFormat, type ExportKind } from "./exports.kinds";

/** R2's minimum part size (every part but the last must be at least this, and all of one size). */
export const DEFAULT_PART_BYTES = 5 * 1024 * 1024;
/** Rows per query: "a few thousand rows per message" in a few queries. */
export const DEFAULT_CHUNK_ROWS = 2_000;
export const CHUNKS_PER_STEP = 5;
/** A step holds its job this long; a crashed consumer's lease runs out and a retry takes over. */
export const LEASE_MS = 10 * 60_000;
/** A job whose state has not moved for this long lost its message: the cron sends it again. */
export const STALL_MS = 15 * 60_000;
/** API.md: files expire after 7 days. */
export const EXPORT_TTL_DAYS = 7;
/** Attempts of one step before the job is given up as failed (wrangler.toml max_retries is 10). */
export const MAX_STEP_ATTEMPTS = 8;
/** Jobs expired or re-sent per cron run. */
const CRON_BATCH = 50;

export type { ExportFormat };
type JobRow = typeof exports.$inferSelect;

/** What a job carries from step to step (`state`, JSON). */
export interface JobState {
  columns: string[];
  /** The kind's cursor after the rows written so far (null: from the start). */
  cursor: unknown;
  /** All rows are read. */
  read: boolean;
  uploadId: string | null;
  parts: { partNumber: number; etag: string }[];
  /** Bytes made but not uploaded yet (fewer than a part), kept in R2 between steps. */
  carry: { key: string; bytes: number } | null;
  xlsx: XlsxState | null;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  json: "application/json; charset=utf-8",
};

/** The file's R2 key: fixed when the job is made (a job written without one gets the same key every time). */
export const fileKeyOf = (job: Pick<JobRow, "id" | "kind" | "format" | "fileKey">) => job.fileKey ?? `exports/${job.id}/${job.kind.replaceAll("_", "-")}.${job.format}`;

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
};
export const partBytes = (env: Bindings) => positive(env.EXPORT_PART_BYTES, DEFAULT_PART_BYTES);
export const chunkRows = (env: Bindings) => positive(env.EXPORT_CHUNK_ROWS, DEFAULT_CHUNK_ROWS);

export const initialState = (columns: string[]): JobState => ({ columns, cursor: null, read: false, uploadId: null, parts: [], carry: null, xlsx: null });

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const encoder = new TextEncoder();

async function fail(db: Database, job: JobRow, error: string, now: Date) {
  await db
    .update(exports)
    .set({ status: "failed", error: error.slice(0, 500), leaseUntil: null, updatedAt: now.toISOString(), finishedAt: now.toISOString(), expiresAt: expiry(now) })
    .where(eq(exports.id, job.id));
}

const expiry = (now: Date) => new Date(now.getTime() + EXPORT_TTL_DAYS * 86_400_000).toISOString();

export type StepOutcome = "next" | "done" | "skip" | "busy" | "failed";

/** One step of an export job (a JOBS message). */
export async function runExportStep(env: Bindings, message: ExportMessage, now = new Date()): Promise<StepOutcome> {
  const db = createDb(env.DB);
  const [job] = await db
    .update(exports)
    .set({ status: "running", leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(), updatedAt: now.toISOString() })
    .where(
      and(
        eq(exports.id, message.id),
        eq(exports.step, message.step),
        inArray(exports.status, ["queued", "running"]),
        or(isNull(exports.leaseUntil), lt(exports.leaseUntil, now.toISOString())),
      ),
    )
    .returning();
  if (!job) {
    const [current] = await db.select({ step: exports.step, status: exports.status }).from(exports).where(eq(exports.id, message.id)).limit(1);
    // Held by another delivery of this very step: come back later. Anything else is a stale message.
    return current && current.step === message.step && (current.status === "queued" || current.status === "running") ? "busy" : "skip";
  }
  const kind = EXPORT_KINDS[job.kind];
  const [requester] = await db.select({ id: users.id, name: users.name, email: users.email, role: users.role, active: users.active }).from(users).where(eq(users.id, job.createdById)).limit(1);
  if (!kind) {
    await fail(db, job, `unknown export kind ${job.kind}`, now);
    return "failed";
  }
  // Rights are checked as each chunk runs: a requester deactivated or demoted meanwhile gets nothing more.
  if (!requester || !requester.active || !can(requester.role, kind.capability)) {
    await fail(db, job, "the requester may no longer run this export", now);
    await removeFiles(env, job);
    return "failed";
  }
  const ctx = callerContext(env, requester, { ip: null, userAgent: "export" }, { now, db });
  // A job made without a state (none of ours) starts from the kind's usual columns.
  const state: JobState = { ...initialState(await defaultColumns(ctx, kind)), ...(job.state as Partial<JobState>) };
  const key = fileKeyOf(job);
  let params: unknown;
  try {
    params = await kind.params(ctx, job.params, job.createdAt);
  } catch (err) {
    // Valid when the job was made: a custom field it filters by was deleted since.
    if (!(err instanceof ExportParamsError)) throw err;
    await fail(db, job, `its filters are no longer valid: ${Object.entries(err.errors).map(([k, v]) => `${k} ${v.join(", ")}`).join("; ")}`, now);
    await removeFiles(env, job);
    return "failed";
  }
  // A custom field deleted since the job was made keeps its column, empty (the header is already written).
  const available = await columnsOf(ctx, kind);
  const columns = state.columns.map((name) => available.find((c) => c.name === name) ?? { name, type: "text" as const, value: () => null });
  const types = columns.map((c) => c.type);
  const format = job.format;
  const made: Uint8Array[] = [];
  let rowsEstimated = job.rowsEstimated;

  if (job.step === 0) {
    if (format === "csv") made.push(encoder.encode(CSV_BOM + csvRecord(state.columns)));
    else if (format === "xlsx") {
      const start = xlsxStart(kind.sheetName, state.columns);
      made.push(start.bytes);
      state.xlsx = start.state;
    }
    rowsEstimated = (await kind.estimate?.(ctx, params)) ?? 0;
  }

  const size = partBytes(env);
  const limit = chunkRows(env);
  const carried = state.carry?.bytes ?? 0;
  let rows = 0;
  let madeBytes = made.reduce((n, b) => n + b.length, 0);
  for (let i = 0; i < CHUNKS_PER_STEP && !state.read && carried + madeBytes < size; i++) {
    const page = await kind.page(ctx, params, state.cursor, limit);
    const cells: Cell[][] = page.rows.map((row) => columns.map((c) => c.value(row)));
    const bytes =
      format === "csv"
        ? encoder.encode(cells.map(csvRecord).join(""))
        : format === "xlsx"
          ? xlsxRows(state.xlsx!, cells, types)
          : encoder.encode(page.rows.map((row) => JSON.stringify(row, null, 2)).join("\n"));
    made.push(bytes);
    madeBytes += bytes.length;
    rows += page.rows.length;
    state.cursor = page.cursor;
    state.read = page.cursor === null;
  }
  if (state.read && format === "xlsx") made.push(xlsxEnd(state.xlsx!));

  const bucket = env.EXPORTS;
  try {
    state.uploadId ??= (await bucket.createMultipartUpload(key, { httpMetadata: { contentType: CONTENT_TYPES[format] } })).uploadId;
    const upload = bucket.resumeMultipartUpload(key, state.uploadId);
    const previousCarry = state.carry;
    const carry = previousCarry ? new Uint8Array(await (await bucket.get(previousCarry.key))!.arrayBuffer()) : new Uint8Array(0);
    let buffer = concat([carry, ...made]);
    while (buffer.length >= size || (state.read && buffer.length > 0)) {
      const part = buffer.subarray(0, Math.min(size, buffer.length));
      const partNumber = state.parts.length + 1;
      const uploaded = await upload.uploadPart(partNumber, part);
      state.parts.push({ partNumber, etag: uploaded.etag });
      buffer = buffer.subarray(part.length);
    }
    state.carry = buffer.length ? { key: `${key}.carry-${job.step + 1}`, bytes: buffer.length } : null;
    if (state.carry) await bucket.put(state.carry.key, buffer);
    let fileSize: number | null = null;
    if (state.read) fileSize = (await upload.complete(state.parts)).size;
    const done = state.read;
    const [recorded] = await db
      .update(exports)
      .set({
        state: state as unknown as Record<string, unknown>,
        step: job.step + 1,
        rowsDone: job.rowsDone + rows,
        rowsEstimated,
        leaseUntil: null,
        updatedAt: now.toISOString(),
        ...(done ? { status: "done" as const, size: fileSize, finishedAt: now.toISOString(), expiresAt: expiry(now) } : {}),
      })
      .where(and(eq(exports.id, job.id), eq(exports.step, job.step)))
      .returning({ id: exports.id });
    if (!recorded) return "skip";
    if (previousCarry) await bucket.delete(previousCarry.key);
    return done ? "done" : "next";
  } catch (err) {
    // The upload was completed by an earlier delivery of this step whose record did not land.
    if (state.read && (await bucket.head(key))) {
      const object = (await bucket.head(key))!;
      await db
        .update(exports)
        .set({ status: "done", step: job.step + 1, rowsDone: job.rowsDone + rows, size: object.size, leaseUntil: null, updatedAt: now.toISOString(), finishedAt: now.toISOString(), expiresAt: expiry(now) })
        .where(and(eq(exports.id, job.id), eq(exports.step, job.step)));
      return "done";
    }
    // Let a retry take over at once.
    await db.update(exports).set({ leaseUntil: null }).where(and(eq(exports.id, job.id), eq(exports.step, job.step)));
    throw err;
  }
}

/** Everything a job left in R2: its file, carried bytes, an unfinished upload. */
async function removeFiles(env: Bindings, job: Pick<JobRow, "id" | "kind" | "format" | "fileKey" | "state">) {
  const state = job.state as unknown as Partial<JobState>;
  const key = fileKeyOf(job);
  if (state.uploadId) await env.EXPORTS.resumeMultipartUpload(key, state.uploadId).abort().catch(() => undefined);
  const listed = await env.EXPORTS.list({ prefix: `exports/${job.id}/` });
  if (listed.objects.length) await env.EXPORTS.delete(listed.objects.map((o) => o.key));
}

/** The JOBS consumer's part: a step, then the next step's message; a step failing for good fails the job. */
export async function runExportMessage(env: Bindings, message: ExportMessage, attempts: number): Promise<"ack" | "retry"> {
  try {
    const outcome = await runExportStep(env, message);
    if (outcome === "busy") return "retry";
    if (outcome === "next") await env.JOBS.send({ kind: "export", id: message.id, step: message.step + 1 });
    return "ack";
  } catch (err) {
    if (attempts < MAX_STEP_ATTEMPTS) throw err;
    const db = createDb(env.DB);
    const [job] = await db.select().from(exports).where(eq(exports.id, message.id)).limit(1);
    if (job && job.step === message.step) {
      await fail(db, job, `gave up after ${attempts} attempts: ${String(err)}`, new Date());
      await removeFiles(env, job);
    }
    return "ack";
  }
}

/**
 * Cron: deletes the files of jobs past their expiry (and what failed jobs left in R2), and sends
 * again the step of jobs whose chain of messages broke.
 */
export async function exportHousekeeping(env: Bindings, now: Date) {
  const db = createDb(env.DB);
  const expired = await db
    .select()
    .from(exports)
    .where(and(inArray(exports.status, ["done", "failed"]), lte(exports.expiresAt, now.toISOString())))
    .orderBy(asc(exports.expiresAt))
    .limit(CRON_BATCH);
  for (const job of expired) {
    await removeFiles(env, job);
    await db.update(exports).set({ status: "expired", updatedAt: now.toISOString() }).where(eq(exports.id, job.id));
  }
  const stalled = await db
    .select({ id: exports.id, step: exports.step })
    .from(exports)
    .where(and(sql`${exports.status} IN ('queued', 'running')`, lt(exports.updatedAt, new Date(now.getTime() - STALL_MS).toISOString())))
    .orderBy(asc(exports.updatedAt))
    .limit(CRON_BATCH);
  for (const job of stalled) {
    await db.update(exports).set({ updatedAt: now.toISOString(), leaseUntil: null }).where(and(eq(exports.id, job.id), eq(exports.step, job.step)));
    await env.JOBS.send({ kind: "export", id: job.id, step: job.step });
  }
  return { expired: expired.length, resent: stalled.length };
}

export type { ExportKind };
