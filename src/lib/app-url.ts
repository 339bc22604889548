/** A ticket in the app its reader uses: the agent console for staff, the portal for customers (`publicUrl`: email/settings.ts). */
export function ticketUrl(publicUrl: string, ticketId: string, audience: "staff" | "customer"): string {
  return `${publicUrl}/${audience === "staff" ? "app" : "portal"}/tickets/${encodeURIComponent(ticketId)}`;
}
