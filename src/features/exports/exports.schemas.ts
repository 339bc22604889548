import { z } from "@hono/zod-openapi";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";
import { PUBLIC_EXPORT_KINDS } from "./exports.kinds";
import { MAX_INCREMENTAL_LIMIT } from "./incremental.service";
import { TicketSchema } from "../tickets/tickets.schemas";


export const CreateExportBody = z
  .object({
    kind: z.enum(PUBLIC_EXPORT_KINDS),
    format: z.enum(["csv", "xlsx"]),
    filters: z.record(z.string(), z.unknown()).optional().openapi({ description: "tickets: the ticket list's filters and sort as its query parameters name them, `cf.<key>` included (values as strings, lists comma-separated or arrays); time_entries: from, to, agent_id, ticket_id; satisfaction: from, to, agent_id, score; agents_report: from, to, tz, team_id" }),
    columns: z.array(z.string().min(1).max(64)).min(1).max(64).optional().openapi({ description: "the columns, in order (default: the kind's usual ones)" }),
  })
  .strict()
  .openapi("CreateExport");

export const ExportSchema = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: "tickets, time_entries, satisfaction, agents_report, or user (a person's data: GET /users/{id}/export)" }),
    format: z.enum(["csv", "xlsx", "json"]),
    subject_id: z.string().nullable().openapi({ description: "the person a `user` export is about" }),
    status: z.enum(["queued", "running", "done", "failed", "expired"]),
    progress: z.object({ rows_done: z.number().int(), rows_estimated: z.number().int().openapi({ description: "0 until the first chunk counted them" }) }),
    file_name: z.string(),
    size: z.number().int().nullable().openapi({ description: "bytes of the file, once done" }),
    error: z.string().nullable(),
    download_url: z.string().nullable().openapi({ description: "when done: GET it with the same bearer token" }),
    created_by_id: z.string(),
    created_at: IsoDate,
    finished_at: IsoDate.nullable(),
    expires_at: IsoDate.openapi({ description: "the job and its file are gone then (7 days after it finished)" }),
  })
  .openapi("Export");

export const ExportPage = pageOf(ExportSchema).openapi("ExportPage");
export const ExportRef = z.object({ id: Id });
export const ExportListQuery = PageQuery;

export const IncrementalQuery = z.object({
  start_time: z.iso.datetime({ offset: true }).optional().openapi({ description: "the first call: changes at or after this instant" }),
  cursor: z.string().min(1).max(512).optional().openapi({ description: "later calls: next_cursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(MAX_INCREMENTAL_LIMIT).default(MAX_INCREMENTAL_LIMIT),
});

export const IncrementalPage = z
  .object({
    data: z.array(z.union([TicketSchema, z.object({ id: z.string(), deleted: z.literal(true), deleted_at: IsoDate })])),
    next_cursor: z.string().openapi({ description: "always given: resume from it, now or later" }),
    end_of_stream: z.boolean().openapi({ description: "no more changes (older than a minute) for now" }),
  })
  .openapi("IncrementalTicketPage");
