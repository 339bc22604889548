import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, ok, type SavedSearch } from "../api/client";
import { shortcutsByScope } from "../lib/keyboard";
import { session } from "../session/session";
import { Dialog, Spinner } from "../ui/components";
import { AppFrame } from "../ui/mount";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { SignInForm } from "../ui/SignIn";
import { AccountMenu } from "../ui/AccountMenu";
import { usePrimaryShown, useStartAfter } from "../ui/priority";
import { AgentsFeed } from "./AgentsFeed";
import { NotificationBell } from "./NotificationBell";
import { useKeyboardDispatch, useShortcuts } from "./shortcuts";
import { VIEWS } from "./views";

export const CONSOLE = "edgedesk console";
const STAFF = new Set(["agent", "manager", "admin"]);

function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const groups = shortcutsByScope();
  const names = { global: "Anywhere", list: "Ticket list", ticket: "Ticket" } as const;
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose}>
      {(Object.keys(groups) as (keyof typeof groups)[]).map((scope) => (
        <section key={scope}>
          <h3>{names[scope]}</h3>
          <dl className="shortcuts">
            {groups[scope].map((s) => (
              <div key={s.key}>
                <dt>
                  {s.key.split(" ").map((k, i) => (
                    <kbd key={i}>{k}</kbd>
                  ))}
                </dt>
                <dd>{s.description}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </Dialog>
  );
}

function SavedSearches({ enabled }: { enabled: boolean }) {
  const saved = useQuery({
    queryKey: ["saved-searches"],
    enabled,
    queryFn: async () => (await ok(api.GET("/api/v1/saved-searches", { params: { query: { limit: 50 } } }))).data as SavedSearch[],
  });
  if (!saved.data?.length) return null;
  return (
    <>
      <h2 className="nav-heading">Saved searches</h2>
      <ul>
        {saved.data.map((s) => (
          <li key={s.id}>
            <Link
              to="/"
              search={{ view: "all", q: s.query, status: s.filters.status?.join(",") || undefined, priority: s.filters.priority?.join(",") || undefined, saved: s.id }}
              activeOptions={{ includeSearch: true }}
            >
              {s.name}
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

function Shell() {
  const { user } = useSession();
  const navigate = useNavigate();
  const [help, setHelp] = useState(false);
  const [query, setQuery] = useState("");
  // On a ticket, the panels around it start once its conversation shows (ui/priority.ts).
  const onTicket = useRouterState({ select: (s) => s.matches.some((m) => m.routeId === "/tickets/$id") });
  const primaryShown = usePrimaryShown();
  const secondary = useStartAfter(!onTicket || primaryShown);
  useKeyboardDispatch();
  useShortcuts("global", {
    help: () => setHelp(true),
    search: () => document.getElementById("console-search")?.focus(),
    "go-inbox": () => void navigate({ to: "/", search: { view: "mine" } }),
    "go-unassigned": () => void navigate({ to: "/", search: { view: "unassigned" } }),
    escape: () => {
      setHelp(false);
      (document.activeElement as HTMLElement | null)?.blur?.();
    },
  });
  const admin = user?.role === "admin";
  const manager = admin || user?.role === "manager";
  return (
    <div className="console">
      <header className="topbar">
        <Link className="brand" to="/" search={{ view: "mine" }}>
          {CONSOLE}
        </Link>
        <form
          role="search"
          className="console-search"
          onSubmit={(e) => {
            e.preventDefault();
            void navigate({ to: "/", search: { view: "all", q: query.trim() || undefined } });
          }}
        >
          <label htmlFor="console-search" className="visually-hidden">
            Search tickets
          </label>
          <input id="console-search" type="search" placeholder="Search tickets (/)" value={query} onChange={(e) => setQuery(e.target.value)} />
        </form>
        <AccountMenu label="Account" showRole>
          <li>
            <NotificationBell enabled={secondary} />
          </li>
          <li>
            <button type="button" className="secondary" onClick={() => setHelp(true)} aria-keyshortcuts="?">
              Shortcuts
            </button>
          </li>
        </AccountMenu>
      </header>
      <div className="console-body">
        <nav className="sidebar" aria-label="Views">
          <h2 className="nav-heading">Views</h2>
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <Link to="/" search={{ view: v.id }} activeOptions={{ includeSearch: true }}>
                  {v.label}
                </Link>
              </li>
            ))}
          </ul>
          <SavedSearches enabled={secondary} />
          <h2 className="nav-heading">Work</h2>
          <ul>
            <li>
              <Link to="/kb">Knowledge base</Link>
            </li>
            <li>
              <Link to="/mail">Held mail</Link>
            </li>
            <li>
              <Link to="/settings/macros">Macros</Link>
            </li>
            <li>
              <Link to="/reports">Reports</Link>
            </li>
          </ul>
          {manager ? (
            <>
              <h2 className="nav-heading">Manage</h2>
              <ul>
                <li>
                  <Link to="/settings/teams">Teams</Link>
                </li>
                <li>
                  <Link to="/settings/rules">Rules</Link>
                </li>
                {admin ? (
                  <>
                    <li>
                      <Link to="/settings/users">Users</Link>
                    </li>
                    <li>
                      <Link to="/settings/sla">SLA policies</Link>
                    </li>
                    <li>
                      <Link to="/settings/business-hours">Business hours</Link>
                    </li>
                    <li>
                      <Link to="/settings/email-templates">Email templates</Link>
                    </li>
                    <li>
                      <Link to="/settings/fields">Fields and statuses</Link>
                    </li>
                    <li>
                      <Link to="/settings/webhooks">Webhooks</Link>
                    </li>
                    <li>
                      <Link to="/settings/channels">Channels</Link>
                    </li>
                  </>
                ) : null}
              </ul>
            </>
          ) : null}
        </nav>
        <main id="main" className="console-main" tabIndex={-1}>
          <Outlet />
        </main>
        <AgentsFeed live={secondary} />
      </div>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </div>
  );
}

export function ConsoleLayout() {
  const state = useSession();
  let body;
  if (state.status === "loading") body = <Spinner />;
  else if (state.status === "signed-out")
    body = (
      <SignInForm
        title="Sign in to the agent console"
        reason={state.reason}
        footer={
          <p className="switch">
            <a href="/portal/forgot-password">Forgot your password?</a>
          </p>
        }
      />
    );
  else if (!STAFF.has(state.user?.role ?? ""))
    body = (
      <main id="main" className="auth-page">
        <div className="card auth-card">
          <h1>This console is for agents</h1>
          <p>
            You are signed in as a customer. Your tickets are in the <a href="/portal">support portal</a>.
          </p>
          <button type="button" className="secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </main>
    );
  else body = <Shell />;
  return <AppFrame>{body}</AppFrame>;
}

export function ConsoleNotFound() {
  useDocumentTitle("Page not found", CONSOLE);
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing here. Go to <Link to="/" search={{ view: "mine" }}>your tickets</Link>.
      </p>
    </section>
  );
}
