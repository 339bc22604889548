import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { IMPORT_PHASES, IMPORT_STATUSES } from "../../domain/vocabulary";
import { users } from "./users";

/**
 * A data import from another helpdesk (API.md "Import"): its uploaded parts in R2, where its queue
 * consumer stands (phase, part, byte offset, line), and what it has done so far.
 */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    source: text("source", { enum: ["zendesk"] }).notNull(),
    /** The other system's account (the host of its API urls), found in the files: records of two accounts never meet. */
    account: text("account"),
    status: text("status", { enum: IMPORT_STATUSES }).notNull(),
    createdById: text("created_by_id").notNull().references(() => users.id),
    /**
     * Steps taken: each queue message names the step it is for, so a duplicate or a redelivered
     * message of a step already taken is dropped and only one chain of messages ever runs.
     */
    step: integer("step").notNull().default(0),
    /** The consumer's cursor: the next chunk is read from this phase, part, byte offset and line number. */
    phase: text("phase", { enum: IMPORT_PHASES }).notNull(),
    part: integer("part").notNull().default(0),
    offset: integer("offset").notNull().default(0),
    line: integer("line").notNull().default(0),
    parts: integer("parts").notNull().default(0),
    bytes: integer("bytes").notNull().default(0),
    organizations: integer("organizations").notNull().default(0),
    users: integer("users").notNull().default(0),
    tickets: integer("tickets").notNull().default(0),
    comments: integer("comments").notNull().default(0),
    /** Records already imported before (by external id), or left out on purpose (deleted tickets). */
    skipped: integer("skipped").notNull().default(0),
    errorCount: integer("error_count").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
  },
  (t) => [index("imports_created_idx").on(t.createdAt, t.id)],
);

/** One uploaded file of an import: its bytes are `imports/<import id>/<n>` in R2 (normalised JSON: `<n>.ndjson`). */
export const importParts = sqliteTable(
  "import_parts",
  {
    importId: text("import_id").notNull().references(() => imports.id),
    n: integer("n").notNull(),
    key: text("key").notNull(),
    size: integer("size").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.n] })],
);

/** What an import could not take (a malformed line, a ticket without a known requester), by place. */
export const importErrors = sqliteTable(
  "import_errors",
  {
    importId: text("import_id").notNull().references(() => imports.id),
    seq: integer("seq").notNull(),
    part: integer("part").notNull(),
    line: integer("line").notNull(),
    message: text("message").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.seq] })],
);

/**
 * What a record of another system became here: (source, kind, external id) -> our id. Written in
 * the batch that creates the record, so running an import twice finds everything it made and
 * creates nothing twice. `source` names the other system's account (`zendesk:<host>`).
 */
export const externalRefs = sqliteTable(
  "external_refs",
  {
    source: text("source").notNull(),
    kind: text("kind", { enum: ["organization", "user", "ticket", "comment"] }).notNull(),
    externalId: text("external_id").notNull(),
    localId: text("local_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.kind, t.externalId] })],
);
