// Types of seed.mjs for the workerd test that seeds a small state with it (test/bench/seed-sla.test.ts).
export interface SeedSizes {
  tickets: number;
  comments: number;
  customers: number;
  agents: number;
  managers: number;
  admins: number;
  teams: number;
  days: number;
}
export declare const SEED_VERSION: number;
export declare const DEFAULT_SIZES: SeedSizes;
export declare function seed(
  db: D1Database,
  options: { sizes: SeedSizes; pepper: string; log: (message: string) => void; replaySla: typeof import("./sla-replay").replaySla },
): Promise<{ counts: Record<string, number>; seededAt: string; admins: number; agents: number; customers: number; managers: number }>;
