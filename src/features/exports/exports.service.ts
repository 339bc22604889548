import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { exports } from "../../db/schema";
import { can } from "../../domain/permissions";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert, type AuditEntry } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { CONTENT_TYPES, EXPORT_TTL_DAYS, fileKeyOf, initialState, type ExportFormat } from "./exports.jobs";
import { columnsOf, defaultColumns, EXPORT_KINDS, ExportParamsError, formatsOf } from "./exports.kinds";

/** Unfinished exports one person may have at once: each is a chain of queue work over many rows. */
export const MAX_ACTIVE_EXPORTS_PER_USER = 3;

type JobRow = typeof exports.$inferSelect;

export interface CreateExportInput {
  kind: string;
  format: ExportFormat;
  filters?: Record<string, unknown> | undefined;
  columns?: string[] | undefined;
}

export interface CreateExportOptions {
  /** The job's id, when the caller names it first (in its own audit entry). */
  id?: string;
  /** An internal kind's own route (the privacy export) may make it; `POST /exports` may not. */
  internal?: boolean;
  /** The person a privacy export is about. */
  subjectId?: string;
  /** The audit entry instead of `export.created` (the privacy export records `user.exported`). */
  audit?: AuditEntry;
}

/** The file's name: kind and date, ASCII (it goes into a header). */
const fileName = (kind: string, format: ExportFormat, now: Date) => `${kind.replaceAll("_", "-")}-${now.toISOString().slice(0, 10)}.${format}`;

/** An export as the API shows it; `origin` makes `download_url` absolute. */
export function toExport(job: JobRow, origin: string) {
  return {
    id: job.id,
    kind: job.kind,
    format: job.format,
    subject_id: job.subjectId,
    status: job.status,
    progress: { rows_done: job.rowsDone, rows_estimated: job.rowsEstimated },
    file_name: fileKeyOf(job).split("/").pop()!,
    size: job.size,
    error: job.status === "failed" ? job.error : null,
    download_url: job.status === "done" ? `${origin}/api/v1/exports/${job.id}/download` : null,
    created_by_id: job.createdById,
    created_at: job.createdAt,
    finished_at: job.finishedAt,
    expires_at: job.expiresAt,
  };
}
export type Export = ReturnType<typeof toExport>;

const expiryFrom = (now: Date) => new Date(now.getTime() + EXPORT_TTL_DAYS * 86_400_000).toISOString();

/**
 * Queues an export (API.md "Exports"; the privacy export of a person's data too): the kind's rights,
 * its filters and columns checked now, the rows read later, chunk by chunk, by the JOBS queue
 * consumer (exports.jobs.ts) acting as the caller.
 */
export async function createExport(ctx: ServiceContext, input: CreateExportInput, origin: string, options: CreateExportOptions = {}): Promise<Export> {
  const actor = actorOf(ctx);
  const kind = EXPORT_KINDS[input.kind];
  if (!kind || (kind.internal && !options.internal)) throw validation("Unknown export kind", { kind: [`one of ${Object.keys(EXPORT_KINDS).filter((k) => !EXPORT_KINDS[k]!.internal).join(", ")}`] });
  if (!can(actor.role, kind.capability)) throw forbidden("You may not export this");
  if (!formatsOf(kind).includes(input.format)) throw validation("Unsupported format", { format: [`${input.kind} exports are ${formatsOf(kind).join(" or ")}`] });
  const now = ctx.now.toISOString();
  try {
    await kind.params(ctx, input.filters ?? {}, now);
  } catch (err) {
    if (err instanceof ExportParamsError) throw validation("Invalid filters", err.errors);
    throw err;
  }
  const known = new Set((await columnsOf(ctx, kind)).map((c) => c.name));
  const columns = input.columns ?? (await defaultColumns(ctx, kind));
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length) throw validation("Unknown columns", { columns: [`not columns of ${input.kind}: ${unknown.join(", ")}`] });
  const [active] = await ctx.db
    .select({ n: sql<number>`count(*)` })
    .from(exports)
    .where(and(eq(exports.createdById, actor.id), inArray(exports.status, ["queued", "running"])));
  if (Number(active?.n ?? 0) >= MAX_ACTIVE_EXPORTS_PER_USER) {
    throw new AppError("RATE_LIMITED", `At most ${MAX_ACTIVE_EXPORTS_PER_USER} exports run at once per person; wait for one to finish`, { headers: { "Retry-After": "60" } });
  }
  const id = options.id ?? newId(ctx.now.getTime());
  const job: JobRow = {
    id,
    kind: input.kind,
    format: input.format,
    subjectId: options.subjectId ?? null,
    createdById: actor.id,
    params: input.filters ?? {},
    status: "queued",
    rowsDone: 0,
    rowsEstimated: 0,
    step: 0,
    state: initialState([...new Set(columns)]) as unknown as Record<string, unknown>,
    leaseUntil: null,
    fileKey: `exports/${id}/${fileName(input.kind, input.format, ctx.now)}`,
    size: null,
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    // Moved to 7 days after it finished; an export still unfinished then is gone too.
    expiresAt: expiryFrom(ctx.now),
  };
  await ctx.db.batch([
    ctx.db.insert(exports).values(job),
    auditInsert(ctx, options.audit ?? { action: "export.created", entityType: "export", entityId: id, changes: { kind: input.kind, format: input.format, filters: input.filters ?? {} } }),
  ]);
  await ctx.env.JOBS.send({ kind: "export", id, step: 0 });
  return toExport(job, origin);
}

/**
 * A job the caller may see: theirs while they may still ask for its kind (a manager demoted since
 * reads it no more: the file holds what their role no longer shows them), or any for admins;
 * anyone else gets 404 (no existence oracle), and so does everyone once it expired.
 */
async function visibleJob(ctx: ServiceContext, id: string): Promise<JobRow> {
  const actor = actorOf(ctx);
  const [job] = await ctx.db.select().from(exports).where(eq(exports.id, id)).limit(1);
  const kind = job ? EXPORT_KINDS[job.kind] : undefined;
  const own = job?.createdById === actor.id && kind !== undefined && can(actor.role, kind.capability);
  if (!job || job.expiresAt <= ctx.now.toISOString() || (!own && !can(actor.role, "settings.manage"))) throw notFound("Export");
  return job;
}

export const getExport = async (ctx: ServiceContext, id: string, origin: string) => toExport(await visibleJob(ctx, id), origin);

/** The caller's exports, newest first. */
export async function listExports(ctx: ServiceContext, page: { limit: number; cursor?: string | undefined }, origin: string) {
  const actor = actorOf(ctx);
  const secret = signingSecret(ctx.env);
  const where = [eq(exports.createdById, actor.id)];
  if (page.cursor) where.push(olderThan(exports.createdAt, exports.id, await decodeCursor(secret, "exports", page.cursor)));
  const rows = await ctx.db.select().from(exports).where(and(...where)).orderBy(desc(exports.createdAt), desc(exports.id)).limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, "exports", { key: last.createdAt, id: last.id }));
  return { data: items.map((job) => toExport(job, origin)), next_cursor };
}

/** The finished file, streamed from R2. */
export async function downloadExport(ctx: ServiceContext, id: string): Promise<Response> {
  const job = await visibleJob(ctx, id);
  if (job.status === "expired") throw notFound(`Export file (files are kept ${EXPORT_TTL_DAYS} days)`);
  if (job.status !== "done") throw new AppError("CONFLICT", `The export is ${job.status}; download it when it is done`);
  const key = fileKeyOf(job);
  const object = await ctx.env.EXPORTS.get(key);
  if (!object) throw notFound("Export file");
  return new Response(object.body, {
    headers: {
      "Content-Type": CONTENT_TYPES[job.format],
      "Content-Length": String(object.size),
      "Content-Disposition": `attachment; filename="${key.split("/").pop()!}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
