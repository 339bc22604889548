import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * An export job (API.md "Exports", "Privacy"): built by a Queue consumer into R2, downloaded once
 * done, gone after 7 days. `kind: "user"` is a person's data (a data-subject request), `subject_id`
 * the person; the report kinds of the exports issue join this table when they land.
 */
export const exports = sqliteTable(
  "exports",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["user"] }).notNull(),
    format: text("format", { enum: ["json"] }).notNull(),
    subjectId: text("subject_id"),
    status: text("status", { enum: ["queued", "running", "done", "failed"] }).notNull(),
    rowsDone: integer("rows_done").notNull().default(0),
    rowsEstimated: integer("rows_estimated").notNull().default(0),
    fileKey: text("file_key"),
    size: integer("size"),
    error: text("error"),
    createdById: text("created_by_id").notNull().references(() => users.id),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("exports_created_idx").on(t.createdAt, t.id), index("exports_expires_idx").on(t.expiresAt)],
);
