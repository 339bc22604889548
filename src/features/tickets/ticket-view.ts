import { EMPTY_CATALOG, type FieldCatalog } from "../../domain/custom-fields";
import { isStaff } from "../../domain/permissions";
import type { ServiceContext } from "../../lib/request-context";
import { fieldCatalog } from "../fields/fields.service";
import { toTicket, type Requester, type TicketRow, type TicketView } from "./tickets.serialize";

/**
 * The view of the context's caller (the system sees as staff) for these rows: the field catalog is
 * read only when one of them holds custom field values, so a deployment without any pays nothing.
 */
export async function ticketView(ctx: ServiceContext, rows: readonly Pick<TicketRow, "customFields">[], catalog?: FieldCatalog): Promise<TicketView> {
  const audience = !ctx.actor || isStaff(ctx.actor.role) ? "staff" : "customer";
  // `catalog`: the one a write planned from (ticket-write.ts), so its response shows what it wrote.
  const fields = rows.some((r) => Object.keys(r.customFields).length) ? (catalog ?? (await fieldCatalog(ctx))) : EMPTY_CATALOG;
  return { audience, fields };
}

/**
 * A ticket as the context's caller sees it. `catalog`: the one a write's plan took (a create's
 * recorded answer: its write's batch checks it, features/fields/kept-catalog.ts), so the answer
 * never shows a catalog the write did not commit with.
 */
export async function ticketFor(ctx: ServiceContext, row: TicketRow, requester: Requester, catalog?: FieldCatalog) {
  return toTicket(row, requester, ctx.now, await ticketView(ctx, [row], catalog));
}
