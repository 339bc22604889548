import { Link, Outlet, useRouterState } from "@tanstack/react-router";
import { Spinner } from "../ui/components";
import { AppFrame } from "../ui/mount";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { SignInForm } from "../ui/SignIn";
import { AccountMenu } from "../ui/AccountMenu";
import { VerifyBanner } from "./AccountPages";

export const PORTAL = "Support portal";

function SignedIn() {
  return (
    <>
      <header className="topbar">
        <a className="brand" href="/portal">
          {PORTAL}
        </a>
        <AccountMenu label="Portal">
          <li>
            <a href="/">Help centre</a>
          </li>
          <li>
            <Link to="/">My tickets</Link>
          </li>
          <li>
            <Link to="/tickets/new" search={{ subject: "", description: "" }}>
              New ticket
            </Link>
          </li>
        </AccountMenu>
      </header>
      <main id="main" className="portal-main" tabIndex={-1}>
        <VerifyBanner />
        <Outlet />
      </main>
    </>
  );
}

/** Pages that work without a session: creating one, and the pages account mail links to. */
const OPEN_PAGES = ["/sign-up", "/verify-email", "/forgot-password", "/reset-password"];

/** Every other portal page needs a session; a deep link signs in in place and then shows its page. */
export function PortalLayout() {
  const state = useSession();
  const path = useRouterState({ select: (s) => s.location.pathname });
  const open = OPEN_PAGES.some((p) => path.endsWith(p));
  let body;
  if (open) body = <Outlet />;
  else if (state.status === "loading") body = <Spinner />;
  else if (state.status === "signed-out")
    body = (
      <SignInForm
        title="Sign in to the support portal"
        reason={state.reason}
        footer={
          <>
            <p className="switch">
              <Link to="/forgot-password">Forgot your password?</Link>
            </p>
            <p className="switch">
              New here? <Link to="/sign-up">Create an account</Link>
            </p>
          </>
        }
      />
    );
  else body = <SignedIn />;
  return <AppFrame>{body}</AppFrame>;
}

export function PortalNotFound() {
  useDocumentTitle("Page not found", PORTAL);
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing here. Go to <Link to="/">your tickets</Link>.
      </p>
    </section>
  );
}
