// The demo's knowledge base, so the help centre, the portal's suggestions and the console's suggested
// articles have something to show. Through the public API (as agent1), once: nothing is written when the
// knowledge base already holds an article. Used by scripts/seed-demo.mjs.

/** Topics and their articles; `visibility`/`status` default to public/published. */
export const DEMO_KB = [
  {
    category: { name: "Billing", description: "Invoices, refunds and payment methods" },
    articles: [
      {
        title: "How refunds work",
        tags: ["refund", "billing"],
        body: "When we refund a charge, the money goes back to the card or account you paid with.\n\n## How long it takes\n\n- **Cards**: 5 to 10 business days, depending on your bank.\n- **Bank transfers**: 2 to 3 business days.\n\n## Duplicate charges\n\nIf you were charged twice for the same invoice, reply to your ticket with the invoice number (for example `INV-2041`). We refund the duplicate charge and confirm by email.",
      },
      {
        title: "Update your payment method",
        tags: ["billing", "card"],
        body: "1. Open **Settings → Billing**.\n2. Choose **Payment method** and then **Replace card**.\n3. Enter the new card and save.\n\nThe next invoice is charged to the new card. Past invoices keep their original payment method.",
      },
      {
        title: "Download your invoices",
        tags: ["invoice", "billing"],
        body: "Every invoice is in **Settings → Billing → Invoices** as a PDF. Invoices older than 24 months are available on request: open a ticket and name the months you need.",
      },
    ],
  },
  {
    category: { name: "Account and sign-in", description: "Passwords, two-factor authentication and access" },
    articles: [
      {
        title: "Two-factor authentication codes are rejected",
        tags: ["2fa", "login"],
        body: "Codes from an authenticator app depend on your phone's clock.\n\n1. Set your phone's date and time to **automatic**.\n2. In the authenticator app, sync the time if it offers it.\n3. Try the newest code, not one that is about to expire.\n\nStill locked out? Open a ticket: we verify your identity and reset two-factor authentication for you.",
      },
      {
        title: "Reset your password",
        tags: ["password", "login"],
        body: "On the sign-in page choose **Forgot password** and enter your email address. The link in the email works once and for an hour. If no email arrives within a few minutes, check your spam folder.",
      },
    ],
  },
  {
    category: { name: "Exports and data", description: "Getting your data out" },
    articles: [
      {
        title: "Export orders to CSV",
        tags: ["export", "csv"],
        body: "Choose **Orders → Export** and pick a date range. Large ranges are prepared in the background and emailed to you when ready.\n\nIf an export of a long range times out, export month by month while we look into it.",
      },
    ],
  },
  {
    category: { name: "Getting started", description: "How to reach us and what to expect" },
    articles: [
      {
        title: "How to contact support and when we answer",
        tags: ["support", "sla"],
        body: "Write to **support@example.com** or open a ticket in the support portal. We answer critical issues within an hour, high priority within four hours and everything else within one business day.",
      },
      {
        title: "Escalation runbook for payment incidents",
        visibility: "internal",
        tags: ["runbook"],
        body: "Internal: page the payments on-call, post in #payments-incidents, and set affected tickets to high priority.",
      },
      {
        title: "Upcoming: team workspaces",
        status: "draft",
        tags: ["roadmap"],
        body: "Draft announcement, not published yet.",
      },
    ],
  },
];

/** Seeds DEMO_KB with `token` (staff). Returns how many articles were written (0 when the knowledge base was not empty). */
export async function seedKnowledgeBase(client, token, { log = () => {} } = {}) {
  const existing = await client.get("/api/v1/kb/articles?limit=1", { token });
  if (existing?.data?.length) return 0;
  let written = 0;
  for (const topic of DEMO_KB) {
    const category = await client.post("/api/v1/kb/categories", topic.category, { token });
    for (const a of topic.articles) {
      await client.post(
        "/api/v1/kb/articles",
        { title: a.title, body: a.body, tags: a.tags, category_id: category.id, status: a.status ?? "published", visibility: a.visibility ?? "public" },
        { token },
      );
      written++;
    }
  }
  log(`  ${DEMO_KB.length} help-centre topics, ${written} articles`);
  return written;
}
