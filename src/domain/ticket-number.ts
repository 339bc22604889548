/** The UTC day a ticket number belongs to: `YYYYMMDD`. */
export function ticketDay(now: Date): string {
  return now.toISOString().slice(0, 10).replaceAll("-", "");
}

/**
 * A ticket number's prefix and its sequence's least width, shared with the SQL that writes the
 * number in a create's own batch (db/ticket-numbering.ts): the two must write the same text.
 */
export const TICKET_NUMBER_PREFIX = "TICK";
export const TICKET_NUMBER_DIGITS = 4;

/** `TICK-YYYYMMDD-NNNN`: four digits at least, more past the 9,999th ticket of a day. */
export function formatTicketNumber(day: string, seq: number): string {
  return `${TICKET_NUMBER_PREFIX}-${day}-${String(seq).padStart(TICKET_NUMBER_DIGITS, "0")}`;
}

export const TICKET_NUMBER_PATTERN = new RegExp(`^${TICKET_NUMBER_PREFIX}-\\d{8}-\\d{${TICKET_NUMBER_DIGITS},}$`);
