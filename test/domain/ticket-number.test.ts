import { describe, expect, it } from "vitest";
import { formatTicketNumber, TICKET_NUMBER_PATTERN, ticketDay } from "../../src/domain/ticket-number";

describe("ticket numbers: TICK-YYYYMMDD-NNNN", () => {
  it.each([
    [1, "TICK-20261126-0001"],
    [42, "TICK-20261126-0042"],
    [9_999, "TICK-20261126-9999"],
    [10_000, "TICK-20261126-10000"],
    [123_456, "TICK-20261126-123456"],
  ])("sequence %i → %s", (seq, expected) => {
    expect(formatTicketNumber("20261126", seq)).toBe(expected);
    expect(TICKET_NUMBER_PATTERN.test(expected)).toBe(true);
  });

  it.each([
    ["2026-11-26T00:00:00.000Z", "20261126"],
    ["2026-11-26T23:59:59.999Z", "20261126"],
    ["2026-11-27T00:00:00.000Z", "20261127"],
    ["2026-12-31T23:59:59.999Z", "20261231"],
    ["2027-01-01T00:00:00.000Z", "20270101"],
    // The day is the UTC date, whatever the offset the instant was written with.
    ["2026-11-27T01:00:00.000+02:00", "20261126"],
    ["2026-02-28T23:30:00.000-01:00", "20260301"],
  ])("%s belongs to day %s", (instant, day) => {
    expect(ticketDay(new Date(instant))).toBe(day);
  });

  it("the per-day sequence restarts each day and grows within one", () => {
    const day1 = ticketDay(new Date("2026-11-26T23:59:59.999Z"));
    const day2 = ticketDay(new Date("2026-11-27T00:00:00.000Z"));
    expect([1, 2, 3].map((n) => formatTicketNumber(day1, n))).toEqual(["TICK-20261126-0001", "TICK-20261126-0002", "TICK-20261126-0003"]);
    expect(formatTicketNumber(day2, 1)).toBe("TICK-20261127-0001");
    // Numbers of one day sort in creation order as long as they have the same width.
    const numbers = [1, 2, 10, 100, 9999].map((n) => formatTicketNumber(day1, n));
    expect([...numbers].sort()).toEqual(numbers);
  });

  it.each([
    "TICK-2026112-0001",
    "TICK-20261126-001",
    "tick-20261126-0001",
    "TICK-20261126-0001 ",
    "TICK-20261126-0001' OR 1=1 --",
    "01JD0000000000000000000000",
    "",
  ])("%j is not a ticket number", (ref) => {
    expect(TICKET_NUMBER_PATTERN.test(ref)).toBe(false);
  });
});
