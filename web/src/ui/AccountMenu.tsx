import type { ReactNode } from "react";
import { session } from "../session/session";
import { useSession } from "./hooks";

/**
 * The signed-in user's menu in the top bar of the console and the portal: the app's own entries
 * (`children`, each an `<li>`), who is signed in, and signing out (every tab of this browser).
 * Staff see their role beside their name; customers have only one.
 */
export function AccountMenu({ label, showRole = false, children }: { label: string; showRole?: boolean; children?: ReactNode }) {
  const { user } = useSession();
  return (
    <nav aria-label={label}>
      <ul>
        {children}
        <li>
          <span className="muted" data-testid="signed-in-as">
            {user?.name}
            {showRole && user ? ` (${user.role})` : ""}
          </span>
        </li>
        <li>
          <button type="button" className="secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </li>
      </ul>
    </nav>
  );
}
