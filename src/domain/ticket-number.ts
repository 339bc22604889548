/** The UTC day a ticket number belongs to: `YYYYMMDD`. */
export function ticketDay(now: Date): string {
  return now.toISOString().slice(0, 10).replaceAll("-", "");
}

/** `TICK-YYYYMMDD-NNNN`: four digits at least, more past the 9,999th ticket of a day. */
export function formatTicketNumber(day: string, seq: number): string {
  return `TICK-${day}-${String(seq).padStart(4, "0")}`;
}

export const TICKET_NUMBER_PATTERN = /^TICK-\d{8}-\d{4,}$/;
