import { describe, expect, it } from "vitest";
import { formatDuration } from "../src/lib/format";
import { AT_RISK_WINDOW_MS, slaBadges, slaText, type TicketSla } from "../src/lib/sla";

const now = Date.parse("2026-11-26T12:00:00.000Z");
const at = (ms: number) => new Date(now + ms).toISOString();

function ticket(over: Partial<TicketSla["sla"]> = {}, status = "open", first_response_at: string | null = null): TicketSla {
  return {
    status,
    first_response_at,
    sla: { first_response_due_at: at(2 * 3_600_000), next_response_due_at: null, resolution_due_at: at(20 * 3_600_000), breached: false, breaches: [], at_risk: false, paused: false, ...over },
  };
}

describe("SLA badges count down from the due dates", () => {
  it("shows running targets, most urgent first", () => {
    const badges = slaBadges(ticket(), now);
    expect(badges.map((b) => [b.target, b.state])).toEqual([
      ["first_response", "ok"],
      ["resolution", "ok"],
    ]);
    expect(slaText(badges[0]!, formatDuration)).toBe("First response due in 2 h 00 m");
  });

  it("a met first response has no badge; a waiting customer message shows next response", () => {
    const badges = slaBadges(ticket({ next_response_due_at: at(30 * 60_000 + 1) }, "open", at(-3_600_000)), now);
    expect(badges.map((b) => b.target)).toEqual(["next_response", "resolution"]);
  });

  it("turns at risk in the last half hour, and breached when the time is up, before the server says so", () => {
    const t = ticket({ first_response_due_at: at(AT_RISK_WINDOW_MS - 1) });
    expect(slaBadges(t, now)[0]!.state).toBe("at_risk");
    const later = now + AT_RISK_WINDOW_MS + 60_000;
    const badge = slaBadges(t, later)[0]!;
    expect(badge.state).toBe("breached");
    expect(slaText(badge, formatDuration)).toBe("First response overdue by 1 m");
  });

  it("takes the server's breaches and risk", () => {
    expect(slaBadges(ticket({ breaches: ["resolution"], breached: true }), now).find((b) => b.target === "resolution")!.state).toBe("breached");
    expect(slaBadges(ticket({ at_risk: true }), now).find((b) => b.target === "first_response")!.state).toBe("at_risk");
  });

  it("paused while pending, and none for finished tickets", () => {
    const paused = slaBadges(ticket({ paused: true }, "pending"), now);
    expect(paused.every((b) => b.state === "paused")).toBe(true);
    expect(slaText(paused[0]!, formatDuration)).toBe("First response paused");
    for (const status of ["resolved", "closed", "cancelled"]) expect(slaBadges(ticket({}, status), now)).toEqual([]);
  });
});
