import type { Bindings } from "../env";

/** `npm start`'s address: what `{{ticket.url}}` points at until PUBLIC_URL names the deployment. */
export const DEFAULT_PUBLIC_URL = "http://127.0.0.1:8787";

/** A ticket in the app its reader uses: the agent console for staff, the portal for customers. */
export function ticketUrl(env: Pick<Bindings, "PUBLIC_URL">, ticketId: string, audience: "staff" | "customer"): string {
  const base = (env.PUBLIC_URL || DEFAULT_PUBLIC_URL).replace(/\/+$/, "");
  return `${base}/${audience === "staff" ? "app" : "portal"}/tickets/${encodeURIComponent(ticketId)}`;
}
