import { Link } from "@tanstack/react-router";
import { useEffect, useState, type FormEvent } from "react";
import { session, SessionError } from "../session/session";
import { ErrorAlert } from "../ui/components";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { PORTAL } from "./Layout";

/**
 * The pages account mail links to (verification, password reset) and "forgot password". The token
 * travels in the link's fragment, so no server log or Referer sees it; the page reads it, removes it
 * from the address bar, and posts it to the API.
 */
function useFragmentToken(): string | null {
  const [token] = useState(() => new URLSearchParams(location.hash.slice(1)).get("token"));
  useEffect(() => {
    if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  }, []);
  return token;
}

const problemText = (err: unknown) =>
  err instanceof SessionError ? (err.status === 429 ? "Too many attempts. Wait a moment and try again." : err.message) : "Could not reach the server. Try again.";

function Card({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main id="main" className="auth-page">
      <section className="card auth-card" aria-labelledby="account-title">
        <h1 id="account-title">{title}</h1>
        {children}
      </section>
    </main>
  );
}

export function VerifyEmailPage() {
  useDocumentTitle("Verify your address", PORTAL);
  const token = useFragmentToken();
  const [state, setState] = useState<{ done: boolean; error: string | null }>({ done: false, error: null });
  useEffect(() => {
    if (!token) {
      setState({ done: false, error: "This link has no token. Open the link from the mail again." });
      return;
    }
    session.verifyEmail(token).then(
      () => setState({ done: true, error: null }),
      (err) => setState({ done: false, error: err instanceof SessionError && err.status < 500 ? "This link is invalid or has expired. Sign in and send a new one." : problemText(err) }),
    );
  }, [token]);
  return (
    <Card title="Verify your address">
      {state.done ? (
        <div className="alert success" role="status">
          Your address is verified. Tickets that arrived for it by mail are now yours too.
        </div>
      ) : state.error ? (
        <div className="alert error" role="alert">
          {state.error}
        </div>
      ) : (
        <p role="status">Checking the link…</p>
      )}
      <p>
        <Link to="/">Go to your tickets</Link>
      </p>
    </Card>
  );
}

export function ForgotPasswordPage() {
  useDocumentTitle("Forgot your password", PORTAL);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await session.requestPasswordReset(email);
      setSent(true);
    } catch (err) {
      setError(problemText(err));
    }
  }
  return (
    <Card title="Forgot your password?">
      {sent ? (
        <div className="alert success" role="status">
          If an account has the address {email}, a link to set a new password is on its way. It works once, for an hour.
        </div>
      ) : (
        <form onSubmit={submit}>
          <ErrorAlert error={error} />
          <div className="field">
            <label htmlFor="forgot-email">Email</label>
            <input id="forgot-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <button type="submit">Send me a link</button>
        </form>
      )}
      <p className="switch">
        <Link to="/">Back to sign in</Link>
      </p>
    </Card>
  );
}

export function ResetPasswordPage() {
  useDocumentTitle("Set a new password", PORTAL);
  const token = useFragmentToken();
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(token ? null : "This link has no token. Open the link from the mail again.");
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== again) {
      setError("The two passwords differ.");
      return;
    }
    setError(null);
    try {
      await session.confirmPasswordReset(token!, password);
      setDone(true);
    } catch (err) {
      setError(err instanceof SessionError && err.status === 400 && !err.body.errors?.password ? "This link is invalid, used or expired. Ask for a new one." : problemText(err));
    }
  }
  if (done)
    return (
      <Card title="Password set">
        <div className="alert success" role="status">
          Your new password is set, and every earlier session has ended.
        </div>
        <p>
          <Link to="/">Sign in</Link>
        </p>
      </Card>
    );
  return (
    <Card title="Set a new password">
      <form onSubmit={submit}>
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="reset-password">New password</label>
          <input id="reset-password" type="password" autoComplete="new-password" minLength={8} maxLength={256} required value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="reset-password-hint" />
          <p className="hint" id="reset-password-hint">
            At least 8 characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="reset-password-again">New password again</label>
          <input id="reset-password-again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
        </div>
        <button type="submit" disabled={!token}>
          Set password
        </button>
      </form>
      <p className="switch">
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </Card>
  );
}

/** Shown while the signed-in customer's address is unproven (API.md "Auth"). */
export function VerifyBanner() {
  const { user } = useSession();
  const [sent, setSent] = useState<"idle" | "sent" | string>("idle");
  if (!user || user.email_verified) return null;
  return (
    <div className="alert info verify-banner" role="status">
      <p>
        Check your inbox: we sent a link to <strong>{user.email}</strong> to verify your address. Until then you see only the tickets you opened here, and we send you no
        mail.
      </p>
      {sent === "sent" ? (
        <p>A new link is on its way.</p>
      ) : (
        <button
          type="button"
          className="secondary"
          onClick={() =>
            session.resendVerification().then(
              () => setSent("sent"),
              (err) => setSent(problemText(err)),
            )
          }
        >
          Send the link again
        </button>
      )}
      {sent !== "idle" && sent !== "sent" ? <p className="error-text">{sent}</p> : null}
    </div>
  );
}
