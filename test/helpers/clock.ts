import { vi } from "vitest";

let ahead = 0;
let spied = false;

/**
 * Time passes for what this isolate remembers by `Date.now()` (a batch assumption it doubts for a
 * minute: db/batch-assumptions.ts): from now on, for the rest of the file, `Date.now()` runs `ms`
 * further ahead (cumulatively). `new Date()` (a request's `now`) is left as it is.
 */
export function timePasses(ms: number): void {
  if (!spied) {
    const real = Date.now.bind(Date);
    vi.spyOn(Date, "now").mockImplementation(() => real() + ahead);
    spied = true;
  }
  ahead += ms;
}
