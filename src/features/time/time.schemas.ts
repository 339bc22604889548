import { z } from "@hono/zod-openapi";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";
import { MAX_ENTRY_MINUTES } from "./time.service";

const Minutes = z.number().int().min(1).max(MAX_ENTRY_MINUTES);
const Note = z.string().max(2_000).nullable();

export const TimeEntrySchema = z
  .object({
    id: z.string(),
    ticket_id: z.string(),
    author: z.object({ id: z.string(), name: z.string() }),
    minutes: z.number().int(),
    billable: z.boolean(),
    note: z.string().nullable(),
    started_at: IsoDate.openapi({ description: "when the work happened; reports count it then" }),
    comment_id: z.string().nullable().openapi({ description: "the comment it was logged with (`time_minutes`)" }),
    created_at: IsoDate,
    updated_at: IsoDate,
  })
  .openapi("TimeEntry");

export const CreateTimeEntryBody = z
  .object({ minutes: Minutes, note: Note.optional(), billable: z.boolean().default(true), started_at: z.iso.datetime({ offset: true }).optional() })
  .strict()
  .openapi("CreateTimeEntry");

export const PatchTimeEntryBody = z
  .object({ minutes: Minutes, note: Note, billable: z.boolean(), started_at: z.iso.datetime({ offset: true }) })
  .partial()
  .strict()
  .openapi("PatchTimeEntry");

export const TimeEntryPage = pageOf(TimeEntrySchema)
  .extend({ time_spent_minutes: z.number().int().openapi({ description: "the ticket's total" }) })
  .openapi("TimeEntryPage");
export const TimeEntryListQuery = PageQuery;
export const TimeEntryRef = z.object({ id: Id });
export { Minutes as TimeMinutes };
