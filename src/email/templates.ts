/**
 * Outbound mail templates: a default per kind, overridden by an admin's row in D1
 * (`GET|PUT /api/v1/email-templates/{kind}`). `{{name}}` placeholders from a fixed list per kind,
 * substituted as data: never evaluated (Workers forbid eval anyway), never re-scanned, HTML-escaped
 * in the HTML part; header values are encoded by mime.ts.
 */
import type { OutboundKind } from "../domain/vocabulary";

export interface Template {
  subject: string;
  body: string;
}

/** Longest template an admin may store: a mail template is a few paragraphs. */
export const MAX_TEMPLATE_BODY_CHARS = 20_000;
export const MAX_TEMPLATE_SUBJECT_CHARS = 200;

const COMMON = ["ticket.number", "ticket.subject", "ticket.status", "requester.name", "support.name"] as const;
const ACCOUNT = ["user.name", "link", "link.expires_hours", "support.name"] as const;

/** The placeholders each kind may use. */
export const TEMPLATE_VARIABLES: Record<OutboundKind, readonly string[]> = {
  ticket_created: COMMON,
  reply: [...COMMON, "comment.body", "agent.name"],
  ticket_resolved: COMMON,
  verify_email: ACCOUNT,
  password_reset: ACCOUNT,
};

/** Placeholders a template of the kind must keep: an account mail without its link is no use to anyone. */
export const REQUIRED_VARIABLES: Partial<Record<OutboundKind, readonly string[]>> = {
  verify_email: ["link"],
  password_reset: ["link"],
};

export const DEFAULT_TEMPLATES: Record<OutboundKind, Template> = {
  ticket_created: {
    subject: "[{{ticket.number}}] {{ticket.subject}}",
    body: [
      "Hello {{requester.name}},",
      "",
      "thank you for writing to us. Your request has been received as ticket {{ticket.number}}",
      "and an agent will answer you soon. Reply to this mail to add anything to it.",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
  reply: {
    subject: "Re: [{{ticket.number}}] {{ticket.subject}}",
    body: ["{{comment.body}}", "", "{{agent.name}}", "{{support.name}}", "", "Ticket {{ticket.number}}: reply to this mail to answer."].join("\n"),
  },
  ticket_resolved: {
    subject: "[{{ticket.number}}] Resolved: {{ticket.subject}}",
    body: [
      "Hello {{requester.name}},",
      "",
      "we have marked ticket {{ticket.number}} as resolved. If something is still wrong,",
      "reply to this mail and the ticket opens again.",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
  verify_email: {
    subject: "Confirm your email address",
    body: [
      "Hello {{user.name}},",
      "",
      "please confirm that this address is yours by opening this link within {{link.expires_hours}} hours:",
      "",
      "{{link}}",
      "",
      "Until then your account shows only the requests you opened yourself. If you did not sign up, ignore this mail.",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
  password_reset: {
    subject: "Reset your password",
    body: [
      "Hello {{user.name}},",
      "",
      "someone asked to reset the password of the account of this address. To choose a new one, open this",
      "link within {{link.expires_hours}} hours; it works once and signs you out everywhere:",
      "",
      "{{link}}",
      "",
      "If you did not ask for this, ignore this mail: your password stays as it is.",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
};

const PLACEHOLDER = /\{\{\s*([a-z]+(?:\.[a-z]+)*)\s*\}\}/g;

/** Placeholders the kind requires that a template leaves out (a PUT without them is refused). */
export function missingPlaceholders(kind: OutboundKind, text: string): string[] {
  const named = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!));
  return (REQUIRED_VARIABLES[kind] ?? []).filter((name) => !named.has(name));
}

/** Placeholders a template names that its kind does not offer (a PUT with any of them is refused). */
export function unknownPlaceholders(kind: OutboundKind, text: string): string[] {
  const allowed = new Set(TEMPLATE_VARIABLES[kind]);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !allowed.has(name)))];
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** One pass over the template: values go in verbatim and are never scanned for placeholders again. */
export function renderText(template: string, vars: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => vars[name] ?? "");
}

/** The same template as HTML: the template's own text and every value escaped, line breaks kept. */
export function renderHtml(template: string, vars: Record<string, string>): string {
  let out = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    out += escapeHtml(template.slice(last, m.index));
    out += escapeHtml(vars[m[1]!] ?? "");
    last = m.index! + m[0].length;
  }
  out += escapeHtml(template.slice(last));
  const paragraphs = out.replace(/\r\n?/g, "\n").split(/\n{2,}/).map((p) => `<p>${p.replace(/\n/g, "<br>\n")}</p>`);
  return `<!DOCTYPE html>\n<html><body>\n${paragraphs.join("\n")}\n</body></html>`;
}
