import "../ui/app.css";
import "./portal.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createRootRoute, createRoute, createRouter, RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { session } from "../session/session";
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from "./AccountPages";
import { PortalLayout, PortalNotFound } from "./Layout";
import { NewTicketPage } from "./NewTicketPage";
import { SignUpPage } from "./SignUpPage";
import { TicketPage } from "./TicketPage";
import { TicketsPage } from "./TicketsPage";

/**
 * The customer portal (/portal): sign up and in (address verification, password reset), their tickets, a new ticket with attachments and
 * suggested articles, the conversation live (the agent's replies and typing), replies and ratings.
 */

const str = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");

const rootRoute = createRootRoute({ component: PortalLayout, notFoundComponent: PortalNotFound });
const ticketsRoute = createRoute({ getParentRoute: () => rootRoute, path: "/", component: TicketsPage });
const newTicketRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tickets/new",
  validateSearch: (s: Record<string, unknown>) => ({ subject: str(s.subject, 200), description: str(s.description, 50_000) }),
  component: NewTicketPage,
});
const ticketRoute = createRoute({ getParentRoute: () => rootRoute, path: "/tickets/$id", component: TicketPage });
const signUpRoute = createRoute({ getParentRoute: () => rootRoute, path: "/sign-up", component: SignUpPage });

const verifyRoute = createRoute({ getParentRoute: () => rootRoute, path: "/verify-email", component: VerifyEmailPage });
const forgotRoute = createRoute({ getParentRoute: () => rootRoute, path: "/forgot-password", component: ForgotPasswordPage });
const resetRoute = createRoute({ getParentRoute: () => rootRoute, path: "/reset-password", component: ResetPasswordPage });

const routeTree = rootRoute.addChildren([ticketsRoute, newTicketRoute, ticketRoute, signUpRoute, verifyRoute, forgotRoute, resetRoute]);
const router = createRouter({ routeTree, basepath: "/portal", defaultPreload: false });
const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 15_000, refetchOnWindowFocus: true } } });

void session.start();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
