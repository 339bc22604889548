import { createRoute, type AnyRoute } from "@tanstack/react-router";
import { BusinessHoursPage } from "./BusinessHoursPage";
import { EmailTemplatesPage } from "./EmailTemplatesPage";
import { FieldsPage } from "./FieldsPage";
import { SlaPage } from "./SlaPage";
import { TeamsPage } from "./TeamsPage";
import { UsersPage } from "./UsersPage";
import { WebhooksPage } from "./WebhooksPage";

/** Settings for managers (teams) and admins (users, SLA policies, business hours, email templates, fields and statuses, webhooks); the API enforces the roles. */
export function SettingsRoutes(root: AnyRoute) {
  return [
    createRoute({ getParentRoute: () => root, path: "/settings/users", component: UsersPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/teams", component: TeamsPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/sla", component: SlaPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/business-hours", component: BusinessHoursPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/email-templates", component: EmailTemplatesPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/fields", component: FieldsPage }),
    createRoute({ getParentRoute: () => root, path: "/settings/webhooks", component: WebhooksPage }),
  ];
}
