import { z } from "@hono/zod-openapi";
import { Id } from "../../lib/openapi";
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
