import "../ui/app.css";
import "./portal.css";
import { createRootRoute, createRoute, createRouter } from "@tanstack/react-router";
import { mount } from "../ui/mount";
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
mount(createRouter({ routeTree, basepath: "/portal", defaultPreload: false }));
