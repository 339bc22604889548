import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// The year databases (src/db/ticket-stores.ts, migrations-years/).
await applyD1Migrations(env.TEST_YEAR_A, env.TEST_YEAR_MIGRATIONS);
await applyD1Migrations(env.TEST_YEAR_B, env.TEST_YEAR_MIGRATIONS);
