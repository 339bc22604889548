declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    JWT_SECRET: string;
    PASSWORD_PEPPER: string;
    JWT_ISSUER: string;
    JWT_AUDIENCE: string;
    REOPEN_WINDOW_DAYS: string;
    AUTO_CLOSE_DAYS: string;
    LOGIN_MAX_FAILURES_PER_EMAIL: string;
    LOGIN_MAX_FAILURES_PER_IP: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
