import { describe, expect, it } from "vitest";
import { describeChange, formatBytes, formatDate, formatDateTime, formatDuration, initials, relativeTime, statusLabel } from "../src/lib/format";

describe("times in the user's zone", () => {
  const iso = "2026-11-26T09:30:00.000Z";
  it.each([
    ["Europe/Berlin", "26 Nov 2026, 10:30"],
    ["America/New_York", "26 Nov 2026, 04:30"],
    ["Asia/Kolkata", "26 Nov 2026, 15:00"],
    ["Pacific/Kiritimati", "26 Nov 2026, 23:30"],
    ["Pacific/Pago_Pago", "25 Nov 2026, 22:30"],
  ])("%s shows %s", (zone, text) => {
    expect(formatDateTime(iso, zone)).toBe(text);
  });

  it("follows daylight saving time", () => {
    expect(formatDateTime("2026-07-01T12:00:00.000Z", "Europe/Berlin")).toBe("1 Jul 2026, 14:00");
    expect(formatDateTime("2026-01-01T12:00:00.000Z", "Europe/Berlin")).toBe("1 Jan 2026, 13:00");
  });

  it("keeps one formatter per zone and locale: a later call in another zone or locale is not answered by an earlier one", () => {
    expect(formatDateTime(iso, "Asia/Kolkata")).toBe("26 Nov 2026, 15:00");
    expect(formatDateTime(iso, "America/New_York")).toBe("26 Nov 2026, 04:30");
    expect(formatDateTime(iso, "America/New_York", "en-US")).toBe("Nov 26, 2026, 4:30 AM");
    expect(formatDate(iso, "Pacific/Pago_Pago")).toBe("25 Nov 2026");
    expect(formatDate(iso, "Pacific/Kiritimati")).toBe("26 Nov 2026");
  });
});

describe("relative times", () => {
  const now = Date.parse("2026-11-26T12:00:00.000Z");
  it.each([
    ["2026-11-26T11:59:30.000Z", "just now"],
    ["2026-11-26T11:57:00.000Z", "3 minutes ago"],
    ["2026-11-26T10:00:00.000Z", "2 hours ago"],
    ["2026-11-25T12:00:00.000Z", "yesterday"],
    ["2026-11-12T12:00:00.000Z", "2 weeks ago"],
    ["2026-11-26T14:00:00.000Z", "in 2 hours"],
  ])("%s is %s", (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });
});

describe("durations for countdowns", () => {
  it.each([
    [0, "0 s"],
    [45_000, "45 s"],
    [12 * 60_000 + 59_000, "12 m"],
    [3 * 3_600_000 + 5 * 60_000, "3 h 05 m"],
    [2 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000, "2 d 4 h"],
    [-90_000, "1 m"],
  ])("%i ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("words", () => {
  it("initials of names, whatever their script", () => {
    expect(initials("Alex Agent")).toBe("AA");
    expect(initials("ada")).toBe("A");
    expect(initials("  Jean  Paul  Sartre ")).toBe("JS");
    expect(initials("Ørjan Ødegård")).toBe("ØØ");
    expect(initials("😀 Smile")).toBe("😀S");
    expect(initials("")).toBe("?");
  });
  it("sizes, statuses and changes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MB");
    expect(statusLabel("in_progress")).toBe("In progress");
    expect(describeChange("assignee_id", [null, "01abc"])).toBe("assignee id: none → 01abc");
    expect(describeChange("tags", [["a"], ["a", "b"]])).toBe("tags: a → a, b");
  });
});
