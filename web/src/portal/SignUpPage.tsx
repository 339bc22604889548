import { Link, useNavigate } from "@tanstack/react-router";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { SignUpForm } from "../ui/SignIn";
import { PORTAL } from "./Layout";

export function SignUpPage() {
  useDocumentTitle("Create your account", PORTAL);
  const navigate = useNavigate();
  const state = useSession();
  if (state.status === "signed-in") {
    return (
      <main id="main" className="auth-page">
        <div className="card auth-card">
          <h1>Welcome, {state.user?.name}</h1>
          <p>
            You are signed in. <Link to="/">Go to your tickets</Link>.
          </p>
        </div>
      </main>
    );
  }
  return (
    <SignUpForm
      onDone={() => void navigate({ to: "/" })}
      footer={
        <p className="switch">
          Already have an account? <Link to="/">Sign in</Link>
        </p>
      }
    />
  );
}
