import { z } from "@hono/zod-openapi";
import { ESCALATION_REASSIGN, TICKET_CHANNELS, TICKET_PRIORITIES } from "../../domain/vocabulary";
import { matching } from "../../lib/openapi";

// A year of minutes: no support target is longer, and it keeps the business-hours walks bounded.
const MAX_TARGET_MINUTES = 525_600;
const Minutes = z.number().int().min(1).max(MAX_TARGET_MINUTES);

export const PolicyName = z.object({
  name: matching(z.string().min(1).max(64), /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, _ . - (starting with a letter or digit)").openapi({ example: "critical" }),
});

export const PolicySchema = z
  .object({
    name: z.string(),
    priority: z.enum(TICKET_PRIORITIES),
    category: z.string().nullable().openapi({ description: "only tickets of this category (null: any)" }),
    channel: z.enum(TICKET_CHANNELS).nullable().openapi({ description: "only tickets from this channel (null: any)" }),
    first_response_minutes: z.number().int(),
    next_response_minutes: z.number().int(),
    resolution_minutes: z.number().int(),
    escalation_minutes: z.number().int().openapi({ description: "an unresolved ticket is escalated once after this much SLA time" }),
    business_hours: z.boolean().openapi({ description: "count business time of /business-hours (24/7 until hours are set)" }),
    escalation_raise_priority: z.boolean().openapi({ description: "an escalation raises the priority one step" }),
    escalation_reassign: z.enum(ESCALATION_REASSIGN).openapi({ description: "an escalation reassigns to the team's manager, re-routes in the team, or neither" }),
  })
  .openapi("SlaPolicy");

export const PolicyList = z.object({ data: z.array(PolicySchema) }).openapi("SlaPolicyList");

export const PutPolicyBody = z
  .object({
    name: z.string().optional().openapi({ description: "if given, the same as in the path" }),
    priority: z.enum(TICKET_PRIORITIES),
    category: z.string().trim().min(1).max(100).nullable().optional(),
    channel: z.enum(TICKET_CHANNELS).nullable().optional(),
    first_response_minutes: Minutes,
    next_response_minutes: Minutes,
    resolution_minutes: Minutes,
    escalation_minutes: Minutes,
    business_hours: z.boolean(),
    escalation_raise_priority: z.boolean().optional(),
    escalation_reassign: z.enum(ESCALATION_REASSIGN).optional(),
  })
  .strict()
  .openapi("PutSlaPolicy");

// Bounds of one calendar: a week holds a few intervals a day; holidays cover some years ahead.
const MAX_INTERVALS = 70;
const MAX_HOLIDAYS = 1_000;

export const BusinessHoursSchema = z
  .object({
    time_zone: z.string().openapi({ example: "Europe/Berlin" }),
    intervals: z.array(z.object({ day: z.number().int(), start: z.string(), end: z.string() })),
    holidays: z.array(z.string()),
  })
  .openapi("BusinessHours");

/** Shapes only; the calendar's rules (time zone, overlaps, dates) are domain/business-hours validateCalendar. */
export const PutBusinessHoursBody = z
  .object({
    time_zone: z.string().min(1).max(64),
    intervals: z
      .array(
        z
          .object({
            day: z.number().int().min(1).max(7).openapi({ description: "1 = Monday … 7 = Sunday" }),
            start: z.string().max(5).openapi({ example: "09:00" }),
            end: z.string().max(5).openapi({ example: "18:00", description: "before start: ends the next day" }),
          })
          .strict(),
      )
      .max(MAX_INTERVALS),
    holidays: z.array(z.string().max(10).openapi({ example: "2026-12-25" })).max(MAX_HOLIDAYS).default([]),
  })
  .strict()
  .openapi("PutBusinessHours");
