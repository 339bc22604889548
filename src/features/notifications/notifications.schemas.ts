import { z } from "@hono/zod-openapi";
import { NOTIFICATION_TYPES } from "../../domain/vocabulary";
import { Id, IsoDate, PageQuery, pageOf } from "../../lib/openapi";

export const NotificationSchema = z
  .object({
    id: z.string(),
    type: z.enum(NOTIFICATION_TYPES),
    ticket_id: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    read_at: IsoDate.nullable(),
    created_at: IsoDate,
  })
  .openapi("Notification");
export const NotificationPage = pageOf(NotificationSchema).openapi("NotificationPage");

export const NotificationListQuery = PageQuery.extend({
  unread: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ description: "true: unread ones only" }),
});

export const UnreadCountSchema = z.object({ count: z.number().int() }).openapi("UnreadCount");

/** Ids per call: a page's worth (the list pages at most 100). */
export const MAX_READ_IDS = 100;
export const MarkReadBody = z
  .union([z.object({ ids: z.array(Id).min(1).max(MAX_READ_IDS) }).strict(), z.object({ all: z.literal(true) }).strict()])
  .openapi("MarkNotificationsRead");

const Channels = z.object({ in_app: z.boolean(), email: z.boolean() }).strict();
export const PreferencesSchema = z
  .record(z.string(), Channels)
  .openapi("NotificationPreferences", { description: "per notification type (those of the caller's role): in-app and by mail", example: { assigned: { in_app: true, email: true } } });
export const PutPreferencesBody = z
  .record(z.string().max(100), Channels)
  .refine((r) => Object.keys(r).length <= NOTIFICATION_TYPES.length, { message: `at most ${NOTIFICATION_TYPES.length} types` })
  .openapi("PutNotificationPreferences");
