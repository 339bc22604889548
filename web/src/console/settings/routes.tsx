import { createRoute, lazyRouteComponent, type AnyRoute } from "@tanstack/react-router";

/**
 * Settings for managers (teams) and admins (users, SLA policies, business hours, email templates, fields and statuses, webhooks, channels, rules), macros for every agent (personal ones; shared ones managers and admins); the API enforces the roles.
 * Each page is its own chunk, loaded when opened: the console's first load (a ticket, the list) parses none of them.
 */
export function SettingsRoutes(root: AnyRoute) {
  const page = <T extends Record<string, any>>(path: string, load: () => Promise<T>, name: keyof T & string) =>
    createRoute({ getParentRoute: () => root, path, component: lazyRouteComponent(load, name) });
  return [
    page("/settings/users", () => import("./UsersPage"), "UsersPage"),
    page("/settings/teams", () => import("./TeamsPage"), "TeamsPage"),
    page("/settings/sla", () => import("./SlaPage"), "SlaPage"),
    page("/settings/business-hours", () => import("./BusinessHoursPage"), "BusinessHoursPage"),
    page("/settings/email-templates", () => import("./EmailTemplatesPage"), "EmailTemplatesPage"),
    page("/settings/fields", () => import("./FieldsPage"), "FieldsPage"),
    page("/settings/webhooks", () => import("./WebhooksPage"), "WebhooksPage"),
    page("/settings/macros", () => import("./MacrosPage"), "MacrosPage"),
    page("/settings/rules", () => import("./RulesPage"), "RulesPage"),
    page("/settings/channels", () => import("./ChannelsPage"), "ChannelsPage"),
    page("/settings/notifications", () => import("./NotificationPreferencesPage"), "NotificationPreferencesPage"),
  ];
}
