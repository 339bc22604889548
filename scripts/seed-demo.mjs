// Seeds the local demo through the public HTTP API (API.md "Local demo"), nothing else.
//
//   import { seedDemo } from "./seed-demo.mjs";
//   await seedDemo("http://127.0.0.1:8787");          // used by scripts/start.mjs
//
//   node scripts/seed-demo.mjs [baseUrl]               // against a running `npm run dev`
//                                                      // (the admin must exist: `npm start` creates it)
//
// Runs once: when agent1@example.com can already log in, it changes nothing. Only Node built-ins.
// The pieces (client, accounts, ticket specs, transition table) are exported for benchmarks.

import { pathToFileURL } from "node:url";
import { seedKnowledgeBase } from "./seed-demo-kb.mjs";

export const DEMO_PASSWORD = "demo-password-1";
export const SUPPORT_ADDRESS = "support@example.com";

export const DEMO_ADMIN = { key: "admin", name: "Ada Admin", email: "admin@example.com", role: "admin" };

/** Created through `POST /api/v1/users` by the admin, all with DEMO_PASSWORD. */
export const DEMO_USERS = [
  { key: "manager", name: "Morgan Manager", email: "manager@example.com", role: "manager" },
  { key: "agent1", name: "Alex Agent", email: "agent1@example.com", role: "agent" },
  { key: "agent2", name: "Sam Agent", email: "agent2@example.com", role: "agent" },
  { key: "customer1", name: "Casey Customer", email: "customer1@example.com", role: "customer" },
  { key: "customer2", name: "Jordan Customer", email: "customer2@example.com", role: "customer" },
];

export const DEMO_ACCOUNTS = [DEMO_ADMIN, ...DEMO_USERS];

/** API.md "Status transitions"; the seed checks every move against it before sending it. */
export const TRANSITIONS = {
  open: ["in_progress", "pending", "resolved", "cancelled"],
  in_progress: ["open", "pending", "resolved", "cancelled"],
  pending: ["open", "in_progress", "resolved", "cancelled"],
  resolved: ["closed", "open"],
  closed: ["open"],
  cancelled: [],
};

/**
 * The demo tickets. `by` creates the ticket (a customer for themselves, or staff with `for`, which becomes
 * `requester_email`/`requester_name`). Customers open tickets on the web or through the API only; chat,
 * social, phone and mail conversations are recorded by staff. Steps run in order, each as the user it names:
 *   ["reply", who, body]   public comment        ["note", who, body]    internal note
 *   ["assign", who, to]    POST .../assign       ["status", who, s]     PATCH {status}
 *   ["patch", who, {...}]  PATCH other fields
 * Final states: 9 open, 6 in_progress, 5 pending, 3 resolved, 4 closed, 3 cancelled.
 */
/** Custom fields and a custom status of the demo (issue 14): created before the tickets that use them. */
export const DEMO_FIELDS = [
  { key: "order_number", label: "Order number", type: "text", customer_visible: true, customer_editable: true },
  {
    key: "product",
    label: "Product",
    type: "dropdown",
    customer_visible: true,
    options: [
      { value: "web_app", label: "Web app" },
      { value: "mobile_app", label: "Mobile app" },
      { value: "api", label: "API" },
      { value: "hardware", label: "Hardware" },
    ],
  },
];
export const DEMO_STATUSES = [{ key: "waiting_on_vendor", label: "Waiting on vendor", category: "pending" }];

export const DEMO_TICKETS = [
  {
    by: "customer1", channel: "web", priority: "high", category: "billing", tags: ["invoice", "refund"],
    subject: "Charged twice for my November invoice",
    fields: { order_number: "INV-2041", product: "web_app" },
    description: "My card was charged twice for invoice INV-2041 (49.00 EUR each). Please refund the duplicate charge.",
    steps: [
      ["assign", "manager", "agent1"],
      ["note", "agent1", "Payment provider shows a duplicate capture 3 seconds apart. Refund issued, ref RF-9921."],
      ["time", "agent1", { minutes: 15, note: "Refund with the payment provider" }],
      ["reply", "agent1", "Sorry about that! The duplicate charge has been refunded; it shows on your statement within 5 business days."],
      ["status", "agent1", "resolved"],
      // The requester answers the satisfaction survey (the resolution mail's link does the same).
      ["rate", "customer1", { score: 5, comment: "Quick refund, thank you!" }],
    ],
  },
  {
    by: "customer1", channel: "web", priority: "critical", category: "account", tags: ["2fa", "login"],
    subject: "Can't log in after enabling two-factor authentication",
    description: "I enabled 2FA yesterday and now every code is rejected. I am locked out of my account.",
    steps: [
      ["assign", "agent2", "agent2"],
      ["reply", "agent2", "Which authenticator app do you use, and is your phone's clock set automatically?"],
      ["time", "agent2", { minutes: 10 }],
      ["status", "agent2", "pending"],
    ],
  },
  {
    by: "agent1", for: "customer2", channel: "chat", priority: "medium", category: "technical", tags: ["bug", "export", "performance"],
    subject: "Export to CSV times out for large date ranges",
    fields: { product: "web_app" },
    description: "Exporting more than about 60 days of orders to CSV ends in a timeout. Smaller ranges work.",
    steps: [
      ["assign", "agent1", "agent1"],
      ["note", "agent1", "Reproduced with a 90-day range. Filed ENG-412 with the query plan attached."],
      ["time", "agent1", { minutes: 40, billable: false, note: "Reproducing the timeout" }],
      ["status", "agent1", "in_progress"],
      ["reply", "agent1", "We could reproduce this and engineering is on it. Until then, exporting month by month works."],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "low", category: "general", tags: ["feature-request", "ui"],
    subject: "Feature request: dark mode for the dashboard",
    description: "Would love a dark theme for the dashboard; I work late and the white background is harsh.",
    steps: [],
  },
  {
    by: "customer2", channel: "web", priority: "medium", category: "shipping", tags: ["delivery", "customs"],
    subject: "Parcel held at customs for two weeks",
    description: "Order #5120 has shown 'held at customs' since the 3rd. Can you check with the carrier?",
    fields: { order_number: "5120", product: "hardware" },
    steps: [
      ["assign", "agent2", "agent2"],
      ["reply", "agent2", "We opened a claim with the carrier and will write as soon as they answer."],
      // A custom status: a kind of pending, so the SLA clock pauses while the carrier answers.
      ["patch", "agent2", { custom_status: "waiting_on_vendor" }],
    ],
  },
  {
    by: "agent1", for: "customer1", channel: "phone", priority: "high", category: "shipping", tags: ["damaged", "delivery"],
    subject: "Phone: order #4821 arrived damaged",
    fields: { order_number: "4821", product: "hardware" },
    description: "Customer called: the monitor in order #4821 arrived with a cracked screen. Photos to follow by mail.",
    steps: [
      ["assign", "agent1", "agent1"],
      ["reply", "agent1", "A replacement is on its way (tracking 1Z999AA10123456784). No need to send the damaged one back."],
      ["reply", "customer1", "Replacement arrived today, thanks!"],
      ["time", "agent1", { minutes: 20, note: "Replacement order with the warehouse" }],
      ["status", "agent1", "resolved"],
      ["rate", "customer1", { score: 4 }],
      // A customer may close a resolved ticket of their own.
      ["status", "customer1", "closed"],
    ],
  },
  {
    by: "agent2", for: { email: "riley.chen@example.org", name: "Riley Chen" }, channel: "email", priority: "medium",
    category: "billing", tags: ["invoice", "vat"],
    subject: "Invoices need our VAT number",
    description: "Our accounting department needs the VAT ID DE123456789 on all invoices, including past ones.",
    steps: [
      ["assign", "agent2", "agent2"],
      ["reply", "agent2", "Happy to add it. Should the past invoices from this year be reissued as well?"],
      ["note", "agent2", "Reissuing needs a billing admin; ask Morgan once the customer confirms."],
      ["status", "agent2", "pending"],
    ],
  },
  {
    by: "agent2", for: "customer1", channel: "social", priority: "high", category: "technical", tags: ["android", "bug", "mobile"],
    subject: "Your app keeps crashing on Android 15",
    description: "Since the last update the app crashes right after the splash screen on my Pixel 8 (Android 15).",
    steps: [
      ["assign", "manager", "agent2"],
      ["note", "agent2", "Crash logs point to the image cache migration in 3.8.0."],
      ["status", "agent2", "in_progress"],
      ["reply", "agent2", "Thanks for the report. We found the cause; a fix ships with version 3.8.1."],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "medium", category: "billing", tags: ["cancellation"],
    subject: "Please cancel my subscription at the end of the month",
    description: "We are moving to another tool; please cancel our subscription at the end of the billing period.",
    steps: [
      ["reply", "customer2", "Never mind, the team decided to stay. Sorry for the noise!"],
      ["status", "customer2", "cancelled"],
    ],
  },
  {
    by: "agent1", for: { email: "taylor.brooks@example.net", name: "Taylor Brooks" }, channel: "api", priority: "critical",
    category: "technical", tags: ["api", "integration", "webhooks"],
    subject: "Webhook deliveries failing with 410 Gone",
    description: "Monitoring reports that every webhook delivery to the customer's endpoint fails with 410 since 06:00 UTC.",
    steps: [
      ["assign", "agent1", "agent1"],
      ["note", "agent1", "Their endpoint moved; the old URL answers 410. Asked for the new one by phone."],
      ["status", "agent1", "in_progress"],
    ],
  },
  {
    by: "customer1", channel: "web", priority: "low", category: "account", tags: ["how-to"],
    subject: "How do I add a teammate to my account?",
    description: "I'd like my colleague to see our orders too. Where do I invite them?",
    steps: [
      ["reply", "agent2", "Go to Settings → Team → Invite and enter their email address."],
      ["status", "agent2", "resolved"],
      ["status", "customer1", "closed"],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "high", category: "account", tags: ["email", "password-reset"],
    subject: "Password reset email never arrives",
    description: "I requested a password reset three times in the last hour but no email arrived.",
    steps: [
      ["assign", "agent2", "agent2"],
      ["reply", "agent2", "We resent it just now. Could you check your spam folder as well?"],
      ["status", "agent2", "pending"],
      // A customer reply on a pending ticket sets it back to open (API.md "Tickets").
      ["reply", "customer2", "Found it in spam, but the link says it has expired."],
    ],
  },
  {
    by: "agent2", for: "customer2", channel: "phone", priority: "low", category: "billing", tags: ["sales", "upgrade"],
    subject: "Phone: wants to upgrade to the annual plan",
    description: "Customer called asking to switch from monthly to annual billing from next month on.",
    steps: [
      ["reply", "agent2", "Done: you are on the annual plan from the next billing date, with the 15% discount."],
      ["status", "agent2", "resolved"],
    ],
  },
  {
    by: "agent1", for: "customer1", channel: "chat", priority: "critical", category: "technical", tags: ["outage", "performance"],
    subject: "Dashboard loads very slowly since this morning",
    description: "The dashboard takes over a minute to load and sometimes shows a 504.",
    steps: [
      ["assign", "manager", "agent1"],
      ["note", "manager", "Part of incident INC-77 (database failover). Link all related tickets to it."],
      ["reply", "agent1", "We are investigating an incident affecting dashboard performance and will update you here."],
      ["status", "agent1", "in_progress"],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "medium", category: "shipping", tags: ["address-change", "delivery"],
    subject: "Wrong shipping address on order #5120",
    description: "I entered my old address on order #5120. It should go to 12 Harbour Street, Bristol.",
    steps: [],
  },
  {
    by: "agent1", for: { email: "morgan.diaz@example.com", name: "Morgan Diaz" }, channel: "email", priority: "medium",
    category: "billing", tags: ["sales", "upgrade"],
    subject: "Bulk discount for 50 seats?",
    description: "We plan to roll out to 50 people next quarter. Is there a volume discount?",
    steps: [
      ["assign", "agent1", "agent1"],
      ["reply", "agent1", "Yes: 10% from 25 seats and 20% from 50. Shall I prepare a quote for annual billing?"],
      ["status", "agent1", "pending"],
    ],
  },
  {
    by: "customer1", channel: "web", priority: "high", category: "technical", tags: ["integration", "sso"],
    subject: "SSO with Okta: users get 'invalid audience'",
    description: "After setting up SAML with Okta every login fails with 'invalid audience'.",
    steps: [
      ["assign", "manager", "agent2"],
      ["note", "agent2", "Most likely the audience URI has a trailing slash. Need their metadata to confirm."],
      ["reply", "agent2", "Could you send us your IdP metadata XML? We suspect a mismatch in the audience URI."],
      ["status", "agent2", "pending"],
    ],
  },
  {
    by: "agent2", for: "customer2", channel: "social", priority: "high", category: "technical", tags: ["api", "outage"],
    subject: "Your status page says all good but the API is down",
    description: "Every API call from our servers times out, yet the status page is green.",
    steps: [
      ["assign", "agent1", "agent1"],
      ["reply", "agent1", "A network issue in one region is fixed as of 10 minutes ago. Could you retry?"],
      ["status", "agent1", "resolved"],
      // A customer may reopen a resolved ticket of their own.
      ["status", "customer2", "open"],
      ["reply", "customer2", "Still failing for us from eu-west, sorry."],
    ],
  },
  {
    by: "customer1", channel: "web", priority: "medium", category: "account", tags: ["gdpr", "privacy"],
    subject: "GDPR data export request",
    description: "Under Article 15 GDPR I request a copy of all personal data you hold about me.",
    steps: [
      ["assign", "manager", "agent1"],
      ["note", "agent1", "Identity verified via account email. Export job started; legal has 30 days."],
      ["status", "agent1", "in_progress"],
    ],
  },
  {
    by: "agent2", for: "customer1", channel: "chat", priority: "low", category: "billing", tags: ["promo"],
    subject: "Chat: cannot apply promo code WINTER25",
    description: "Customer in chat: the checkout says WINTER25 is invalid.",
    steps: [
      ["reply", "agent2", "WINTER25 ended on Sunday, but I applied WINTER25-LATE to your cart manually."],
      ["status", "agent2", "resolved"],
      ["status", "agent2", "closed"],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "low", category: "general", tags: ["duplicate"],
    subject: "Duplicate: cancel subscription",
    description: "Sent this twice by accident, please ignore.",
    steps: [
      ["note", "agent1", "Duplicate of the subscription ticket above; closing as cancelled."],
      ["status", "agent1", "cancelled"],
    ],
  },
  {
    by: "customer1", channel: "web", priority: "high", category: "shipping", tags: ["delay", "delivery"],
    subject: "Order #4975 still not shipped after 10 days",
    description: "The order page still says 'processing'. Delivery was promised within 3 days.",
    steps: [
      ["assign", "agent1", "agent1"],
      ["reply", "agent1", "The item is back-ordered until Friday. Would you like a partial shipment of the rest now?"],
      ["status", "agent1", "pending"],
    ],
  },
  {
    by: "agent1", for: "customer2", channel: "email", priority: "low", category: "billing", tags: ["invoice"],
    subject: "Receipt PDF shows the wrong company name",
    description: "Forwarded by mail: the receipt for order #5002 shows 'ACME Ltd' instead of 'ACME GmbH'.",
    steps: [["note", "agent2", "Needs the billing team: company names on receipts come from the old CRM field."]],
  },
  {
    by: "customer1", channel: "web", priority: "critical", category: "account", tags: ["2fa", "login"],
    subject: "Two-factor codes rejected after I changed phones",
    description: "New phone, restored from backup, and now the authenticator codes are not accepted.",
    steps: [
      ["assign", "manager", "agent2"],
      ["note", "agent2", "Identity verified with the last invoice number and billing address. 2FA reset."],
      ["reply", "agent2", "We reset two-factor authentication on your account; you can set it up again after logging in."],
      ["status", "agent2", "resolved"],
    ],
  },
  {
    by: "agent1", for: "customer2", channel: "chat", priority: "medium", category: "technical", tags: ["api", "rate-limit"],
    subject: "API rate limit too low for our nightly sync",
    description: "Our nightly sync hits 429 after about 5,000 requests. Can the limit be raised?",
    steps: [
      ["assign", "agent2", "agent2"],
      ["note", "agent2", "They are on the Business plan: 10k/hour. Asked engineering about a temporary raise."],
      ["status", "agent2", "in_progress"],
      ["patch", "agent2", { priority: "high", tags: ["api", "rate-limit", "vip"] }],
    ],
  },
  {
    by: "agent2", for: { email: "jamie.fox@example.org", name: "Jamie Fox" }, channel: "phone", priority: "high",
    category: "account", tags: ["lockout", "login"],
    subject: "Phone: caller locked out after too many attempts",
    description: "Caller is locked out after too many login attempts and needs access before a board meeting at 3pm.",
    steps: [["assign", "manager", "agent2"]],
  },
  {
    by: "customer1", channel: "web", priority: "low", category: "general", tags: ["feature-request", "reports"],
    subject: "Suggestion: allow scheduling reports weekly",
    description: "Monthly scheduled reports are great; a weekly option would help our team meetings.",
    steps: [
      ["reply", "manager", "Thanks! Weekly schedules are on the roadmap for next quarter."],
      ["status", "manager", "resolved"],
      ["status", "manager", "closed"],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "medium", category: "shipping", tags: ["delivery", "missing-item"],
    subject: "Item missing from my package",
    description: "Order #5088 arrived without the USB-C cable listed on the packing slip.",
    steps: [],
  },
  {
    by: "agent2", for: "customer1", channel: "social", priority: "low", category: "billing", tags: ["sales"],
    subject: "Is there a student discount?",
    description: "Saw your post on Instagram: do you offer discounts for students?",
    steps: [
      ["reply", "customer1", "Found the answer in your FAQ, thanks anyway."],
      ["status", "customer1", "cancelled"],
    ],
  },
  {
    by: "customer2", channel: "web", priority: "medium", category: "technical", tags: ["bug", "mobile", "notifications"],
    subject: "Mobile app notifications arrive hours late",
    description: "Push notifications for new messages arrive two to three hours late on iOS.",
    steps: [["note", "agent1", "Probably APNs batching on low-power mode; check the notification priority we send."]],
  },
  {
    by: "agent1", for: "customer1", channel: "api", priority: "low", category: "billing", tags: ["automated", "payment-method"],
    subject: "Automated alert: payment method expiring",
    description: "The card on file (Visa ending 4242) expires at the end of the month.",
    steps: [],
  },
];

/**
 * Issue 14's demo: a live chat a visitor opened from the website (with the address they left for
 * replies they miss), and a merged pair (a duplicate closed into the original, its conversation moved).
 */
export async function seedChatAndMerge(client, sessions) {
  const agent = { token: sessions.agent1.token };
  const chat = await client.post("/api/v1/chat/sessions", {
    name: "Robin Visitor",
    email: "robin@example.net",
    message: "Hi! Does the Pro plan include phone support?",
  });
  const visitor = { token: chat.visitor_token };
  const chatPath = `/api/v1/chat/sessions/${encodeURIComponent(chat.ticket.id)}`;
  await client.post(`/api/v1/tickets/${encodeURIComponent(chat.ticket.id)}/assign`, { assignee_id: sessions.agent1.user.id }, agent);
  await client.post(`/api/v1/tickets/${encodeURIComponent(chat.ticket.id)}/comments`, { body: "Hello Robin! Yes: Pro includes phone support on weekdays, 9 to 18 CET." }, agent);
  await client.post(`${chatPath}/messages`, { body: "Great, and can I switch plans mid-month?" }, visitor);

  const customer = { token: sessions.customer2.token };
  const original = await client.post(
    "/api/v1/tickets",
    { subject: "Invoice PDF is blank", description: "The PDF of invoice INV-3310 opens as an empty page.", category: "billing", tags: ["invoice"] },
    customer,
  );
  const duplicate = await client.post(
    "/api/v1/tickets",
    { subject: "Blank invoice again", description: "Writing again: the invoice PDF INV-3310 is still blank, in Firefox and Chrome." },
    customer,
  );
  await client.post(`/api/v1/tickets/${encodeURIComponent(duplicate.id)}/comments`, { body: "Attached a screenshot would help, but it is just white." }, customer);
  await client.post(
    `/api/v1/tickets/${encodeURIComponent(duplicate.id)}/merge`,
    { into: original.id, comment: { body: "We merged your second request into this one, so everything is in one place." } },
    { token: sessions.agent2.token },
  );
  return { chat: chat.ticket.number, merged: `${duplicate.number} → ${original.number}` };
}

export class ApiError extends Error {
  constructor(method, path, status, body) {
    const detail = body && typeof body === "object" ? `${body.code ?? ""} ${body.detail ?? body.title ?? ""}`.trim() : String(body ?? "");
    super(`${method} ${path} → ${status}${detail ? ` (${detail})` : ""}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * A tiny JSON client for the API. Every request carries its own `CF-Connecting-IP` (127.0.0.x, rotating),
 * so the per-IP login limit never trips during a seed.
 */
export function createClient(baseUrl, { ipPrefix = "127.0.0.", timeoutMs = 30_000 } = {}) {
  const base = String(baseUrl).replace(/\/+$/, "");
  let n = 0;
  async function request(method, path, { token, body, headers = {} } = {}) {
    const ip = `${ipPrefix}${10 + (n++ % 240)}`;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: "application/json",
        "cf-connecting-ip": ip,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (!res.ok) throw new ApiError(method, path, res.status, data);
    return data;
  }
  return {
    baseUrl: base,
    request,
    get: (path, opts) => request("GET", path, opts),
    post: (path, body, opts) => request("POST", path, { ...opts, body }),
    patch: (path, body, opts) => request("PATCH", path, { ...opts, body }),
  };
}

/** `{user, access_token}` on success; null for 401 (wrong credentials); throws on anything else. */
export async function login(client, email, password = DEMO_PASSWORD) {
  try {
    return await client.post("/api/v1/auth/login", { email, password });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Logs every demo account in; creates (as admin) the ones that cannot log in yet. Returns key → {user, token}. */
export async function ensureDemoUsers(client, adminToken, { log = () => {} } = {}) {
  const sessions = {};
  for (const u of DEMO_USERS) {
    let auth = await login(client, u.email);
    if (!auth) {
      try {
        await client.post("/api/v1/users", { name: u.name, email: u.email, password: DEMO_PASSWORD, role: u.role }, { token: adminToken });
        log(`  user ${u.email} (${u.role}) created`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          throw new Error(`${u.email} exists but does not accept the demo password; reset the local database to re-seed`);
        }
        throw err;
      }
      auth = await login(client, u.email);
      if (!auth) throw new Error(`${u.email} was created but cannot log in`);
    }
    sessions[u.key] = { user: auth.user, token: auth.access_token };
  }
  return sessions;
}

function requesterOf(spec, sessions) {
  if (!spec.for) return {};
  if (typeof spec.for === "string") {
    const u = sessions[spec.for].user;
    return { requester_email: u.email, requester_name: u.name };
  }
  return { requester_email: spec.for.email, requester_name: spec.for.name };
}

/** The demo's automation (issue 11): the issue's two rules, and three shared macros agents apply from the console. */
export const DEMO_RULES = [
  {
    name: "Outages at customers: critical, VIP, and a note for the on-call",
    kind: "trigger",
    conditions: {
      all: [
        { field: "event", operator: "is", value: "ticket.created" },
        { field: "requester_domain", operator: "is", value: "example.com" },
        { field: "subject", operator: "contains", value: "outage" },
      ],
    },
    actions: [
      { type: "set_priority", value: "critical" },
      { type: "add_tags", value: ["vip", "outage"] },
      { type: "add_comment", value: { body: "Outage reported by {{requester.name}} ({{ticket.number}}): page the on-call engineer.", internal: true } },
      { type: "notify", value: { roles: ["manager"], title: "Outage: {{ticket.number}}", body: "{{ticket.subject}}" } },
    ],
  },
  {
    name: "Pending for 72 business hours: remind the requester",
    kind: "automation",
    conditions: {
      all: [
        { field: "status", operator: "is", value: "pending" },
        { field: "hours_since_status_changed_business", operator: "greater_than", value: 72 },
        { field: "tags", operator: "not_contains", value: "reminded" },
      ],
    },
    actions: [
      { type: "add_comment", value: { body: "Hello {{requester.name}}, we are still waiting for your answer on {{ticket.number}}. Reply to this mail and we carry on.", internal: false } },
      { type: "add_tags", value: ["reminded"] },
    ],
  },
];

export const DEMO_MACROS = [
  {
    name: "Ask for details",
    description: "Ask the requester for what we need and wait for them",
    actions: [
      { type: "add_comment", value: { body: "Hello {{requester.name}},\n\ncould you tell us which version you use and send a screenshot of the error?\n\n{{current_user.name}}", internal: false } },
      { type: "set_status", value: "pending" },
    ],
  },
  {
    name: "Resolve: fixed",
    description: "Tell the requester it is fixed and resolve",
    actions: [
      { type: "add_comment", value: { body: "Hello {{requester.name}},\n\nthis is fixed now. If anything is still wrong, just reply.\n\n{{current_user.name}}", internal: false } },
      { type: "set_status", value: "resolved" },
    ],
  },
  {
    name: "Escalate to tier 2",
    description: "High priority, tagged for the second line, with a note",
    actions: [
      { type: "set_priority", value: "high" },
      { type: "add_tags", value: ["tier2"] },
      { type: "add_comment", value: { body: "Escalated to tier 2 by {{current_user.name}}.", internal: true } },
    ],
  },
];

/** The demo rules (as admin) and shared macros (as the manager), unless some already exist. */
export async function seedAutomation(client, sessions, { log = () => {} } = {}) {
  const rules = await client.get("/api/v1/rules?limit=1", { token: sessions.admin.token });
  let made = 0;
  if (!rules.data.length) {
    for (const rule of DEMO_RULES) await client.post("/api/v1/rules", rule, { token: sessions.admin.token });
    made += DEMO_RULES.length;
  }
  const macros = await client.get("/api/v1/macros?scope=shared&limit=1", { token: sessions.manager.token });
  if (!macros.data.length) {
    for (const macro of DEMO_MACROS) await client.post("/api/v1/macros", { ...macro, scope: "shared" }, { token: sessions.manager.token });
    made += DEMO_MACROS.length;
  }
  if (made) log(`  ${DEMO_RULES.length} rules (a trigger, an automation) and ${DEMO_MACROS.length} shared macros`);
  return made;
}

/** The demo's custom fields and statuses, created unless a definition of that key exists. */
export async function ensureDemoSettings(client, adminToken, { log = () => {} } = {}) {
  const auth = { token: adminToken };
  const fields = new Set((await client.get("/api/v1/ticket-fields", auth)).data.map((f) => f.key));
  for (const field of DEMO_FIELDS) if (!fields.has(field.key)) await client.post("/api/v1/ticket-fields", field, auth);
  const statuses = new Set((await client.get("/api/v1/ticket-statuses", auth)).data.map((st) => st.key));
  for (const status of DEMO_STATUSES) if (!statuses.has(status.key)) await client.post("/api/v1/ticket-statuses", status, auth);
  log(`  custom fields: ${DEMO_FIELDS.map((f) => f.key).join(", ")}; custom status: ${DEMO_STATUSES.map((st) => st.key).join(", ")}`);
}

/** Creates one ticket of DEMO_TICKETS and plays its steps. Returns the final ticket and what it did. */
export async function seedTicket(client, spec, sessions) {
  const as = (key) => {
    const s = sessions[key];
    if (!s) throw new Error(`no session for ${key}`);
    return { token: s.token };
  };
  // A customer fills in only the fields customers may edit; an agent sets the others right after.
  const byCustomer = sessions[spec.by]?.user.role === "customer";
  const editable = new Set(DEMO_FIELDS.filter((f) => f.customer_editable).map((f) => f.key));
  const fields = Object.entries(spec.fields ?? {});
  const ownFields = Object.fromEntries(fields.filter(([k]) => !byCustomer || editable.has(k)));
  const staffFields = Object.fromEntries(fields.filter(([k]) => byCustomer && !editable.has(k)));
  let ticket = await client.post(
    "/api/v1/tickets",
    {
      subject: spec.subject,
      description: spec.description,
      priority: spec.priority,
      category: spec.category,
      channel: spec.channel,
      tags: spec.tags,
      ...(Object.keys(ownFields).length ? { custom_fields: ownFields } : {}),
      ...requesterOf(spec, sessions),
    },
    as(spec.by),
  );
  const path = `/api/v1/tickets/${encodeURIComponent(ticket.id)}`;
  let status = ticket.status;
  const done = { comments: 0, notes: 0, assignments: 0, changes: 0, time_entries: 0, ratings: 0 };
  if (Object.keys(staffFields).length) {
    ticket = await client.patch(path, { custom_fields: staffFields }, as("agent1"));
    done.changes++;
  }
  for (const [kind, who, arg] of spec.steps) {
    switch (kind) {
      case "reply":
      case "note": {
        const internal = kind === "note";
        await client.post(`${path}/comments`, { body: arg, internal }, as(who));
        done[internal ? "notes" : "comments"]++;
        if (!internal && status === "pending" && sessions[who].user.role === "customer") status = "open";
        break;
      }
      case "assign":
        ticket = await client.post(`${path}/assign`, { assignee_id: sessions[arg].user.id }, as(who));
        done.assignments++;
        break;
      case "status":
        if (!TRANSITIONS[status]?.includes(arg)) throw new Error(`demo spec error: ${status} → ${arg} is not a valid transition`);
        ticket = await client.patch(path, { status: arg }, as(who));
        status = ticket.status;
        done.changes++;
        break;
      case "time":
        await client.post(`${path}/time-entries`, arg, as(who));
        done.time_entries++;
        break;
      case "rate":
        await client.post(`${path}/satisfaction`, arg, as(who));
        done.ratings++;
        break;
      case "patch":
        ticket = await client.patch(path, arg, as(who));
        status = ticket.status;
        done.changes++;
        break;
      default:
        throw new Error(`demo spec error: unknown step ${kind}`);
    }
  }
  return { ticket, status, done };
}

/**
 * Seeds the demo once through the API. `admin` defaults to the demo admin (created by scripts/start.mjs
 * directly in D1, since no API call can make the first admin). Returns a summary.
 */
export async function seedDemo(baseUrl, { admin = { email: DEMO_ADMIN.email, password: DEMO_PASSWORD }, log = console.log } = {}) {
  const client = createClient(baseUrl);
  const adminAuth = await login(client, admin.email, admin.password);
  if (!adminAuth) {
    throw new Error(
      `${admin.email} cannot log in with the demo password. The local database was probably seeded with another ` +
        "PASSWORD_PEPPER (.dev.vars changed). Restore .dev.vars, or delete the local state (.wrangler/state) to start over.",
    );
  }
  // Seeded before: agent1 exists and tickets exist. (Users alone mean an earlier seed stopped before the
  // tickets, e.g. on an API error: then the users are reused and the tickets seeded now.)
  if (await login(client, "agent1@example.com")) {
    const page = await client.get("/api/v1/tickets?limit=1", { token: adminAuth.access_token });
    if (page?.data?.length) {
      // A demo seeded before the help centre or automation existed still gets its articles, rules and macros (once).
      await seedKnowledgeBase(client, adminAuth.access_token, { log });
      const manager = await login(client, "manager@example.com");
      const added = manager ? await seedAutomation(client, { admin: { token: adminAuth.access_token }, manager: { token: manager.access_token } }, { log }) : 0;
      if (!added) log("demo data already present: nothing to seed");
      return { skipped: true, users: 0, tickets: 0, failed: 0 };
    }
  }

  log("seeding the demo through the API …");
  const sessions = { admin: { user: adminAuth.user, token: adminAuth.access_token }, ...(await ensureDemoUsers(client, adminAuth.access_token, { log })) };

  await ensureDemoSettings(client, sessions.admin.token, { log });
  const byStatus = {};
  const totals = { comments: 0, notes: 0, assignments: 0, changes: 0, time_entries: 0, ratings: 0 };
  let tickets = 0;
  let failed = 0;
  let failedInARow = 0;
  for (const spec of DEMO_TICKETS) {
    try {
      const { status, done } = await seedTicket(client, spec, sessions);
      tickets++;
      failedInARow = 0;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      for (const k of Object.keys(totals)) totals[k] += done[k];
    } catch (err) {
      failed++;
      log(`  ! ticket "${spec.subject}": ${err.message}`);
      if (++failedInARow === 3) {
        log("  ! three tickets in a row failed: giving up on the rest");
        failed = DEMO_TICKETS.length - tickets;
        break;
      }
    }
  }
  try {
    const extra = await seedChatAndMerge(client, sessions);
    log(`  a live chat (${extra.chat}) and a merged pair (${extra.merged})`);
  } catch (err) {
    failed++;
    log(`  ! chat and merge demo: ${err.message}`);
  }
  await seedKnowledgeBase(client, sessions.agent1.token, { log });
  const statusText = Object.entries(byStatus).map(([s, n]) => `${n} ${s}`).join(", ");
  log(
    `  ${tickets} tickets (${statusText}), ${totals.comments} public comments, ${totals.notes} internal notes, ` +
      `${totals.assignments} assignments, ${totals.changes} updates, ${totals.time_entries} time entries, ${totals.ratings} satisfaction answers`,
  );
  if (failed) log(`  ! ${failed} of ${DEMO_TICKETS.length} demo tickets failed (see above)`);
  // After the tickets: the demo's own rules would otherwise rewrite the tickets it plays step by step.
  await seedAutomation(client, sessions, { log });
  return { skipped: false, users: DEMO_USERS.length, tickets, failed, byStatus, ...totals };
}

/** Marks the demo webhook among an admin's webhooks. */
export const DEMO_WEBHOOK_DESCRIPTION = "Demo: the local receiver npm start runs";
const DEMO_WEBHOOK_EVENTS = ["ticket.created", "ticket.updated", "ticket.assigned", "comment.created", "ticket.deleted", "sla.breached", "sla.at_risk"];

/**
 * Makes sure a webhook points at `receiverUrl` (the local receiver of scripts/webhook-receiver.mjs)
 * and returns `{id, secret, created}`. The secret is shown by the API only when a webhook is created
 * or its secret rotated, so it is kept in `stateFile`; without it the existing demo webhook's secret
 * is rotated. Idempotent: a second run changes nothing (or only the URL, when the port moved).
 */
export async function ensureDemoWebhook(baseUrl, receiverUrl, { stateFile, log = () => {} } = {}) {
  const { existsSync, readFileSync, writeFileSync } = await import("node:fs");
  const client = createClient(baseUrl);
  const auth = await login(client, DEMO_ADMIN.email);
  if (!auth) throw new Error(`${DEMO_ADMIN.email} cannot log in: the demo webhook was not set up`);
  const token = auth.access_token;
  const saved = stateFile && existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : null;
  const save = (state) => stateFile && writeFileSync(stateFile, JSON.stringify(state), { mode: 0o600 });
  let hook = null;
  if (saved?.id) hook = await client.get(`/api/v1/webhooks/${encodeURIComponent(saved.id)}`, { token }).catch(() => null);
  let secret = hook ? saved.secret : null;
  if (!hook) {
    const page = await client.get("/api/v1/webhooks?limit=100", { token });
    hook = page.data.find((w) => w.description === DEMO_WEBHOOK_DESCRIPTION) ?? null;
    if (hook) secret = (await client.post(`/api/v1/webhooks/${hook.id}/rotate-secret`, undefined, { token })).secret;
  }
  let created = false;
  if (!hook) {
    const res = await client.post("/api/v1/webhooks", { url: receiverUrl, events: DEMO_WEBHOOK_EVENTS, description: DEMO_WEBHOOK_DESCRIPTION }, { token });
    [hook, secret, created] = [res, res.secret, true];
    log(`  webhook ${hook.id} → ${receiverUrl} created`);
  } else if (hook.url !== receiverUrl || !hook.active) {
    hook = await client.patch(`/api/v1/webhooks/${hook.id}`, { url: receiverUrl, active: true }, { token });
  }
  save({ id: hook.id, secret });
  return { id: hook.id, secret, created };
}

// `node scripts/seed-demo.mjs [baseUrl]`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT || 8787}`;
  seedDemo(baseUrl).then(
    (r) => process.exit(r.failed ? 1 : 0),
    (err) => {
      console.error(`seed failed: ${err.message}`);
      process.exit(1);
    },
  );
}
