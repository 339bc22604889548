import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { exportJobs } from "../../db/schema";
import { can } from "../../domain/permissions";
import { decodeCursor, encodeCursor, keysetPage, olderThan } from "../../lib/cursor";
import { AppError, forbidden, notFound, validation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { auditInsert } from "../audit/audit.service";
import { signingSecret } from "../auth/tokens";
import { CONTENT_TYPES, EXPORT_TTL_DAYS, initialState, type ExportFormat } from "./exports.jobs";
import { EXPORT_KINDS, ExportParamsError } from "./exports.kinds";

/** Unfinished exports one person may have at once: each is a chain of queue work over many rows. */
export const MAX_ACTIVE_EXPORTS_PER_USER = 3;

type JobRow = typeof exportJobs.$inferSelect;

export interface CreateExportInput {
  kind: string;
  format: ExportFormat;
  filters?: Record<string, unknown> | undefined;
  columns?: string[] | undefined;
}

/** The file's name: kind and date, ASCII (it goes into a header). */
const fileName = (kind: string, format: ExportFormat, now: Date) => `${kind.replaceAll("_", "-")}-${now.toISOString().slice(0, 10)}.${format}`;

export function toExport(job: JobRow) {
  return {
    id: job.id,
    kind: job.kind,
    format: job.format,
    status: job.status,
    progress: { rows_done: job.rowsDone, rows_estimated: job.rowsEstimated },
    file_name: job.objectKey.split("/").pop()!,
    bytes: job.bytes,
    error: job.status === "failed" ? job.error : null,
    download_url: job.status === "done" ? `/api/v1/exports/${job.id}/download` : null,
    created_at: job.createdAt,
    finished_at: job.finishedAt,
    expires_at: job.expiresAt,
  };
}
export type Export = ReturnType<typeof toExport>;

/**
 * Queues an export (API.md "Exports"): the kind's rights, its filters and columns checked now, the
 * rows read later, chunk by chunk, by the JOBS queue consumer (exports.jobs.ts) acting as the caller.
 */
export async function createExport(ctx: ServiceContext, input: CreateExportInput): Promise<Export> {
  const actor = actorOf(ctx);
  const kind = EXPORT_KINDS[input.kind];
  if (!kind) throw validation("Unknown export kind", { kind: [`one of ${Object.keys(EXPORT_KINDS).join(", ")}`] });
  if (!can(actor.role, kind.capability)) throw forbidden("You may not export this");
  const now = ctx.now.toISOString();
  try {
    kind.params(input.filters ?? {}, now);
  } catch (err) {
    if (err instanceof ExportParamsError) throw validation("Invalid filters", err.errors);
    throw err;
  }
  const known = new Set(kind.columns.map((c) => c.name));
  const columns = input.columns ?? [...(kind.defaultColumns ?? kind.columns.map((c) => c.name))];
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length) throw validation("Unknown columns", { columns: [`not columns of ${input.kind}: ${unknown.join(", ")}`] });
  const [active] = await ctx.db
    .select({ n: sql<number>`count(*)` })
    .from(exportJobs)
    .where(and(eq(exportJobs.requestedBy, actor.id), inArray(exportJobs.status, ["queued", "running"])));
  if (Number(active?.n ?? 0) >= MAX_ACTIVE_EXPORTS_PER_USER) {
    throw new AppError("RATE_LIMITED", `At most ${MAX_ACTIVE_EXPORTS_PER_USER} exports run at once per person; wait for one to finish`, { headers: { "Retry-After": "60" } });
  }
  const id = newId(ctx.now.getTime());
  const job: JobRow = {
    id,
    kind: input.kind,
    format: input.format,
    requestedBy: actor.id,
    params: input.filters ?? {},
    status: "queued",
    rowsDone: 0,
    rowsEstimated: null,
    step: 0,
    state: initialState([...new Set(columns)]) as unknown as Record<string, unknown>,
    leaseUntil: null,
    objectKey: `exports/${id}/${fileName(input.kind, input.format, ctx.now)}`,
    bytes: null,
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    expiresAt: null,
  };
  await ctx.db.batch([
    ctx.db.insert(exportJobs).values(job),
    auditInsert(ctx, { action: "export.created", entityType: "export", entityId: id, changes: { kind: input.kind, format: input.format, filters: input.filters ?? {} } }),
  ]);
  await ctx.env.JOBS.send({ kind: "export", id, step: 0 });
  return toExport(job);
}

/** A job the caller may see: theirs, or any for admins; anyone else gets 404 (no existence oracle). */
async function visibleJob(ctx: ServiceContext, id: string): Promise<JobRow> {
  const actor = actorOf(ctx);
  const [job] = await ctx.db.select().from(exportJobs).where(eq(exportJobs.id, id)).limit(1);
  if (!job || (job.requestedBy !== actor.id && !can(actor.role, "settings.manage"))) throw notFound("Export");
  return job;
}

export const getExport = async (ctx: ServiceContext, id: string) => toExport(await visibleJob(ctx, id));

/** The caller's exports, newest first. */
export async function listExports(ctx: ServiceContext, page: { limit: number; cursor?: string | undefined }) {
  const actor = actorOf(ctx);
  if (!can(actor.role, "reports.all")) throw forbidden("Exports are for managers and admins");
  const secret = signingSecret(ctx.env);
  const where = [eq(exportJobs.requestedBy, actor.id)];
  if (page.cursor) where.push(olderThan(exportJobs.createdAt, exportJobs.id, await decodeCursor(secret, "exports", page.cursor)));
  const rows = await ctx.db.select().from(exportJobs).where(and(...where)).orderBy(desc(exportJobs.createdAt), desc(exportJobs.id)).limit(page.limit + 1);
  const { items, next_cursor } = await keysetPage(rows, page.limit, (last) => encodeCursor(secret, "exports", { key: last.createdAt, id: last.id }));
  return { data: items.map(toExport), next_cursor };
}

/** The finished file, streamed from R2. */
export async function downloadExport(ctx: ServiceContext, id: string): Promise<Response> {
  const job = await visibleJob(ctx, id);
  if (job.status === "expired") throw notFound(`Export file (files are kept ${EXPORT_TTL_DAYS} days)`);
  if (job.status !== "done") throw new AppError("CONFLICT", `The export is ${job.status}; download it when it is done`);
  const object = await ctx.env.EXPORTS.get(job.objectKey);
  if (!object) throw notFound("Export file");
  const name = job.objectKey.split("/").pop()!;
  return new Response(object.body, {
    headers: {
      "Content-Type": CONTENT_TYPES[job.format],
      "Content-Length": String(object.size),
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
