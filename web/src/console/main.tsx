import "../ui/app.css";
import "./console.css";
import { createRootRoute, createRoute, createRouter, lazyRouteComponent } from "@tanstack/react-router";
import { parseReportSearch, parseSatisfactionSearch } from "../lib/reports";
import { mount, queryClient } from "../ui/mount";
import { consoleTicketOf } from "../session/boot";
import { prefetchTicketPage } from "../ui/queries";
import { ConsoleLayout, ConsoleNotFound } from "./Layout";
import { SettingsRoutes } from "./settings/routes";
import { TicketListPage } from "./TicketListPage";
import { TicketView } from "./TicketView";
import { parseListSearch } from "./views";

/**
 * The agent console (/app): views with filters and sorting, the ticket with its conversation and
 * internal notes, live presence, typing and collision warnings, properties, assignment, escalation,
 * suggested articles and history, the agents' feed, keyboard navigation, and settings for managers
 * and admins.
 */

const rootRoute = createRootRoute({ component: ConsoleLayout, notFoundComponent: ConsoleNotFound });
const listRoute = createRoute({ getParentRoute: () => rootRoute, path: "/", validateSearch: parseListSearch, component: TicketListPage });
/**
 * On a cold deep link to a ticket the console's first render waits this long at most for the ticket's
 * reads (boot.ts sent them with the page, so they are usually in): one render then shows the
 * conversation, where a spinner, its layout and paint, then a second render came before.
 */
const FIRST_RENDER_WAIT_MS = 1_000;
/** The ticket this page load was opened on, until its page first loads. */
let coldTicket = typeof location === "undefined" ? undefined : consoleTicketOf(location.pathname);

// The ticket, its conversation and its files are asked for when the route matches (a deep link, or a
// link the pointer rests on: preload "intent"), not after the console and the page have rendered.
// Later visits render at once (the list stays responsive; the page shows its own spinner).
const ticketRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tickets/$id",
  loader: ({ params, preload }) => {
    const reads = prefetchTicketPage(queryClient, params.id);
    const cold = !preload && params.id === coldTicket;
    coldTicket = undefined;
    if (cold) return Promise.race([reads, new Promise<void>((resolve) => setTimeout(resolve, FIRST_RENDER_WAIT_MS))]);
  },
  component: TicketView,
});
// Pages opened now and then load with their own chunks, so a cold open of a ticket or the list parses less.
const kbRoute = createRoute({ getParentRoute: () => rootRoute, path: "/kb", component: lazyRouteComponent(() => import("./KnowledgeBasePage"), "KnowledgeBasePage") });
const articleRoute = createRoute({ getParentRoute: () => rootRoute, path: "/kb/$id", component: lazyRouteComponent(() => import("./KnowledgeBasePage"), "ArticleEditorPage") });
const mailRoute = createRoute({ getParentRoute: () => rootRoute, path: "/mail", component: lazyRouteComponent(() => import("./MailPage"), "MailPage") });
// Reports load with their own chunk (uPlot included), so the console's first load stays small.
const reportsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reports",
  validateSearch: parseReportSearch,
  component: lazyRouteComponent(() => import("./reports/ReportsPage"), "ReportsPage"),
});
const satisfactionRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reports/satisfaction",
  validateSearch: parseSatisfactionSearch,
  component: lazyRouteComponent(() => import("./reports/SatisfactionPage"), "SatisfactionPage"),
});
const settings = SettingsRoutes(rootRoute);

const routeTree = rootRoute.addChildren([listRoute, ticketRoute, kbRoute, articleRoute, mailRoute, reportsRoute, satisfactionRoute, ...settings]);
mount(createRouter({ routeTree, basepath: "/app", defaultPreload: "intent" }));
