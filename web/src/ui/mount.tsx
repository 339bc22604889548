import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider, type AnyRouter } from "@tanstack/react-router";
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { session } from "../session/session";
import { Announcer } from "./components";

/** Starts a single-page app: the session (a refresh through the cookie), server state, the router. */
/** The app's server state; routes' loaders use it to start a page's reads before the page renders. */
export const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 15_000, refetchOnWindowFocus: true } } });

export function mount(router: AnyRouter) {
  void session.start();
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
}

/** What every page of both apps has around it: the skip link, the page, the polite live region. */
export function AppFrame({ children }: { children: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {children}
      <Announcer />
    </>
  );
}

/** "More …" under a cursor-paginated list. */
export function LoadMore({ query, label }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }; label: string }) {
  if (!query.hasNextPage) return null;
  return (
    <p>
      <button type="button" className="secondary" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
        {label}
      </button>
    </p>
  );
}
