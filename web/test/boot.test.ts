import { afterEach, describe, expect, it, vi } from "vitest";
import { ticketPageReads } from "../src/session/boot";
import { ticketStatusesQueryOptions } from "../src/ui/CustomFields";
import { attachmentsQueryOptions, commentsQueryOptions, ticketQueryOptions } from "../src/ui/queries";

afterEach(() => vi.unstubAllGlobals());

describe("the boot script's early reads", () => {
  it("are the very requests a console ticket page makes, so the app takes their answers instead of asking again", async () => {
    const asked: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
      // The session's refresh (a relative URL, no browser here) fails: the reads then go without a token.
      if (!(input instanceof Request)) throw new TypeError("not in a browser");
      const url = new URL(input.url);
      asked.push(url.pathname + url.search);
      return Response.json({ id: "t1", data: [], next_cursor: null });
    });
    const id = "01kcoldopen0000000000000000";
    const none = {} as never;
    await ticketQueryOptions(id).queryFn!(none);
    await commentsQueryOptions(id).queryFn!(none);
    await attachmentsQueryOptions(id).queryFn!(none);
    await ticketStatusesQueryOptions.queryFn!(none);
    expect(ticketPageReads(`/app/tickets/${id}`).sort()).toEqual(asked.sort());
  });

  it("are only for a console ticket's own page", () => {
    expect(ticketPageReads("/app/tickets/abc/")).toHaveLength(4);
    for (const path of ["/app", "/app/tickets", "/app/tickets/abc/history", "/portal/tickets/abc", "/app/kb/abc"]) expect(ticketPageReads(path), path).toEqual([]);
  });
});
