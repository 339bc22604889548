import { describe, expect, it } from "vitest";
import { recordsOf } from "../../src/domain/zendesk";

/** A Zendesk time the helpdesk cannot hold (the search index keys a ticket by created_at) reads as none: the import's own time stands in. */
describe("a Zendesk record's times", () => {
  const ticketAt = (created_at: string) => {
    const { records } = recordsOf({ tickets: [{ id: 1, url: "https://x.zendesk.com/api/v2/tickets/1.json", subject: "s", description: "d", requester_id: 2, created_at }] });
    return (records[0]!.value as { createdAt: string | null }).createdAt;
  };
  it.each([
    ["2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000Z"],
    ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"],
    ["2099-12-31T23:59:59Z", "2099-12-31T23:59:59.000Z"],
    ["1969-12-31T23:59:59Z", null],
    ["2100-01-01T00:00:00Z", null],
    ["2200-01-01T00:00:00Z", null],
    ["not a time", null],
  ])("%s → %s", (given, read) => {
    expect(ticketAt(given)).toBe(read);
  });
});
