declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TICKET_ROOM: DurableObjectNamespace<import("../src/ticket-room/ticket-room").TicketRoom>;
    AGENTS_FEED: DurableObjectNamespace<import("../src/agents-feed/agents-feed").AgentsFeed>;
    JWT_SECRET: string;
    PASSWORD_PEPPER: string;
    JWT_ISSUER: string;
    JWT_AUDIENCE: string;
    REOPEN_WINDOW_DAYS: string;
    AUTO_CLOSE_DAYS: string;
    LOGIN_MAX_FAILURES_PER_EMAIL: string;
    LOGIN_MAX_FAILURES_PER_IP: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** test/fixtures/email/*.eml: file name -> base64 of the raw bytes (vitest.config.ts). */
    EMAIL_FIXTURES: Record<string, string>;
    /** test/fixtures/email/manifest.json, parsed. */
    EMAIL_MANIFEST: EmailFixtureEntry[];
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
  };
  observed_postal_mime_attachments: string[];
}
