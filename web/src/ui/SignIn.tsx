import { useState, type FormEvent } from "react";
import { session, SessionError } from "../session/session";
import { ErrorAlert } from "./components";

function messageOf(err: unknown): string {
  if (err instanceof SessionError) {
    if (err.status === 429) return "Too many attempts. Wait a moment and try again.";
    const fields = Object.entries(err.body.errors ?? {})
      .map(([field, messages]) => `${field}: ${messages.join(", ")}`)
      .join("; ");
    return fields ? `${err.message} (${fields})` : err.message;
  }
  return "Could not reach the server. Check your connection and try again.";
}

export function SignInForm({ title, reason, footer }: { title: string; reason?: string | null; footer?: React.ReactNode }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(email, password);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">{title}</h1>
        {reason === "expired" ? (
          <div className="alert info" role="status">
            Your session ended. Sign in again to continue.
          </div>
        ) : null}
        {reason === "signed-out" ? (
          <div className="alert info" role="status">
            You are signed out.
          </div>
        ) : null}
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="sign-in-email">Email</label>
          <input id="sign-in-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sign-in-password">Password</label>
          <input id="sign-in-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {footer}
      </form>
    </main>
  );
}

export function SignUpForm({ onDone, footer }: { onDone?: () => void; footer?: React.ReactNode }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signUp(name, email, password);
      onDone?.();
    } catch (err) {
      setError(err instanceof SessionError && err.status === 409 ? "An account with this email already exists. Sign in instead." : messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="sign-up-title" noValidate>
        <h1 id="sign-up-title">Create your account</h1>
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="sign-up-name">Name</label>
          <input id="sign-up-name" autoComplete="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sign-up-email">Email</label>
          <input id="sign-up-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sign-up-password">Password</label>
          <input
            id="sign-up-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={256}
            aria-describedby="sign-up-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="hint" id="sign-up-password-hint">
            At least 8 characters.
          </p>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
        {footer}
      </form>
    </main>
  );
}
