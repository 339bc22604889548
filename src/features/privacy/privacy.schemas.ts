import { z } from "@hono/zod-openapi";
import { Id, IsoDate } from "../../lib/openapi";
import { UserSchema } from "../users/users.schemas";

export const CommentRef = z.object({ id: z.string().min(1).max(64).openapi({ description: "ticket id or number" }), comment_id: Id });

/** The passage to remove, exactly as the comment holds it (a card number, a password someone pasted). */
export const RedactBody = z
  .object({ text: z.string().min(1).max(10_000).refine((t) => t.trim().length > 0, "must not be blank") })
  .strict()
  .openapi("RedactComment");

export const UserRef = z.object({ id: Id });

/** The admin types the person's address: an erasure cannot be undone, so it is never one click on the wrong row. */
export const EraseBody = z.object({ confirm: z.string().min(1).max(320) }).strict().openapi("EraseUser");

export const ErasureSchema = z
  .object({
    user: UserSchema,
    erased: z.object({
      tickets: z.number().int().openapi({ description: "tickets they asked or wrote on" }),
      comments: z.number().int(),
      attachments: z.number().int(),
      mails: z.number().int().openapi({ description: "mails they sent or were sent" }),
    }),
  })
  .openapi("Erasure");

export const ExportRef = z.object({ id: Id });

export const ExportSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["user"]),
    format: z.enum(["json"]),
    subject_id: z.string().nullable().openapi({ description: "the person a `user` export is about" }),
    status: z.enum(["queued", "running", "done", "failed"]),
    progress: z.object({ rows_done: z.number().int(), rows_estimated: z.number().int() }),
    download_url: z.string().nullable().openapi({ description: "set once done" }),
    size: z.number().int().nullable(),
    error: z.string().nullable(),
    created_by_id: z.string(),
    created_at: IsoDate,
    finished_at: IsoDate.nullable(),
    expires_at: IsoDate.openapi({ description: "the file is kept 7 days" }),
  })
  .openapi("Export");
