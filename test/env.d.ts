declare namespace Cloudflare {
  /** The Worker's own bindings (src/env.ts) plus what vitest.config.ts adds for tests. */
  interface Env extends Omit<import("../src/env").Bindings, "JWT_SECRET" | "PASSWORD_PEPPER"> {
    JWT_SECRET: string;
    PASSWORD_PEPPER: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** migrations-years/: the schema of a year database (src/db/ticket-stores.ts). */
    TEST_YEAR_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** Bound as TICKETS_<year> by test/stores only. */
    TEST_YEAR_A: D1Database;
    TEST_YEAR_B: D1Database;
    ATTACHMENTS: R2Bucket;
    MAILER: SendEmail;
    OUTBOX: Queue<{ id: string }>;
    SUPPORT_ADDRESS: string;
    EMAIL_AUTH_REQUIRED: string;
    /** test/fixtures/email/*.eml: file name -> base64 of the raw bytes (vitest.config.ts). */
    EMAIL_FIXTURES: Record<string, string>;
    /** test/fixtures/email/manifest.json, parsed. */
    EMAIL_MANIFEST: EmailFixtureEntry[];
    /** test/fixtures/zendesk/*: file name -> text (vitest.config.ts). */
    ZENDESK_FIXTURES: Record<string, string>;
  }
}

declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}

/** One entry of test/fixtures/email/manifest.json (the fields the email tests read). */
interface EmailFixtureEntry {
  file: string;
  category: string;
  tags: string[];
  expected: {
    subject: string | null;
    from_address: string | null;
    is_auto_reply: boolean;
    auto_kind: "auto_reply" | "bounce" | "feedback_report" | "automated_report" | null;
    has_attachments: boolean;
    attachment_count: number;
    reply_visible_text: string | null;
    in_reply_to: string | null;
    /** Decoded display names, where the source states them (the 8-bit header fixtures). */
    from_name?: string;
    to_names?: string[];
  };
  observed_postal_mime_attachments: string[];
}
