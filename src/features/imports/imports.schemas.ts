import { z } from "@hono/zod-openapi";
import { IMPORT_PHASES, IMPORT_STATUSES } from "../../domain/vocabulary";
import { IsoDate, PageQuery, pageOf } from "../../lib/openapi";

export const CreateImportBody = z.object({ source: z.literal("zendesk") }).openapi("CreateImport");

export const ImportSchema = z
  .object({
    id: z.string(),
    source: z.literal("zendesk"),
    status: z.enum(IMPORT_STATUSES),
    upload_url: z.string().openapi({ description: "PUT each file of the export here (raw body, NDJSON or JSON), then POST .../start" }),
    parts: z.number().int().openapi({ description: "files uploaded" }),
    bytes: z.number().int(),
    progress: z.object({
      organizations: z.number().int(),
      users: z.number().int(),
      tickets: z.number().int(),
      comments: z.number().int(),
      skipped: z.number().int().openapi({ description: "records imported before (by external id) or left out on purpose (deleted tickets)" }),
    }),
    phase: z.enum(IMPORT_PHASES),
    errors: z.array(z.object({ part: z.number().int(), line: z.number().int(), message: z.string() })).openapi({ description: "the first 100 problems, by file and line" }),
    error_count: z.number().int(),
    created_by_id: z.string(),
    created_at: IsoDate,
    started_at: IsoDate.nullable(),
    finished_at: IsoDate.nullable(),
  })
  .openapi("Import");
export const ImportPage = pageOf(ImportSchema).openapi("ImportPage");
export const ImportListQuery = PageQuery;

export const UploadedPart = z
  .object({ import_id: z.string(), part: z.number().int(), size: z.number().int(), upload_url: z.string() })
  .openapi("ImportUpload");

export const ImportId = z.object({ id: z.string().min(1).max(64) });
