import { describe, expect, it } from "vitest";
import { afterFailure, DISABLE_AFTER_MS, MAX_QUEUE_DELAY_S, shouldDisable } from "../../src/domain/delivery-schedule";

const start = new Date("2026-11-26T00:00:00.000Z");
const at = (ms: number) => new Date(start.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe("retry schedule of a failed delivery", () => {
  it.each([
    // attempts so far, time since the round began → next delay
    [1, 0, 60],
    [2, 1 * MIN, 300],
    [3, 6 * MIN, 1_800],
    [4, 36 * MIN, 7_200],
    [5, 156 * MIN, 21_600],
    [6, 516 * MIN, 43_200],
    [7, 1_236 * MIN, 43_200], // ~20.6 h: still inside 24 h, every 12 h from here
    [9, 23 * HOUR + 59 * MIN, 43_200],
  ])("after attempt %i (%i ms in) the next comes %i s later", (attempts, elapsed, delay) => {
    const next = afterFailure(attempts, start, at(elapsed));
    expect(next).toEqual({ retry: true, delaySeconds: delay, at: at(elapsed + delay * 1000) });
    expect(delay).toBeLessThanOrEqual(MAX_QUEUE_DELAY_S);
  });

  it("gives up once 24 h have passed since the round's first attempt, not before", () => {
    expect(afterFailure(8, start, at(24 * HOUR - 1)).retry).toBe(true);
    expect(afterFailure(8, start, at(24 * HOUR))).toEqual({ retry: false });
    expect(afterFailure(2, start, at(40 * HOUR))).toEqual({ retry: false });
  });

  it("the whole schedule from a first failure: 8 attempts, the last one past 24 h", () => {
    let now = start;
    const times: number[] = [0];
    for (let attempts = 1; ; attempts++) {
      const next = afterFailure(attempts, start, now);
      if (!next.retry) break;
      now = next.at;
      times.push((now.getTime() - start.getTime()) / MIN);
    }
    expect(times).toEqual([0, 1, 6, 36, 156, 516, 1236, 1956]);
  });
});

describe("disabling an endpoint that keeps failing", () => {
  it.each([
    [null, 0, false],
    [0, DISABLE_AFTER_MS - 1, false],
    [0, DISABLE_AFTER_MS, true],
    [0, DISABLE_AFTER_MS * 2, true],
  ] as const)("failing since %s, now +%i ms → %s", (since, now, expected) => {
    expect(shouldDisable(since === null ? null : at(since), at(now))).toBe(expected);
  });
});
