import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// The year databases (src/db/ticket-stores.ts, migrations-years/).
await applyD1Migrations(env.TICKETS_2024, env.TEST_YEAR_MIGRATIONS);
await applyD1Migrations(env.TICKETS_2025, env.TEST_YEAR_MIGRATIONS);
