import "../ui/app.css";
import "./console.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createRootRoute, createRoute, createRouter, RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { session } from "../session/session";
import { ArticleEditorPage, KnowledgeBasePage } from "./KnowledgeBasePage";
import { ConsoleLayout, ConsoleNotFound } from "./Layout";
import { MailPage } from "./MailPage";
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
const ticketRoute = createRoute({ getParentRoute: () => rootRoute, path: "/tickets/$id", component: TicketView });
const kbRoute = createRoute({ getParentRoute: () => rootRoute, path: "/kb", component: KnowledgeBasePage });
const articleRoute = createRoute({ getParentRoute: () => rootRoute, path: "/kb/$id", component: ArticleEditorPage });
const mailRoute = createRoute({ getParentRoute: () => rootRoute, path: "/mail", component: MailPage });
const settings = SettingsRoutes(rootRoute);

const routeTree = rootRoute.addChildren([listRoute, ticketRoute, kbRoute, articleRoute, mailRoute, ...settings]);
const router = createRouter({ routeTree, basepath: "/app", defaultPreload: false });
const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 15_000, refetchOnWindowFocus: true } } });

void session.start();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
