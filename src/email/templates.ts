/**
 * Outbound mail templates: a default per kind, overridden by an admin's row in D1
 * (`GET|PUT /api/v1/email-templates/{kind}`). `{{name}}` placeholders from a fixed list per kind,
 * filled by the one renderer of src/domain/templates.ts (the one rules and macros use too);
 * header values are encoded by mime.ts.
 */
import { placeholdersIn, unknownPlaceholders as unknownNames } from "../domain/templates";
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

/** The satisfaction survey's links (features/satisfaction): the question, and one per score. */
const SURVEY = ["survey.link", "survey.one", "survey.two", "survey.three", "survey.four", "survey.five"] as const;

/** The placeholders each kind may use. */
export const TEMPLATE_VARIABLES: Record<OutboundKind, readonly string[]> = {
  ticket_created: COMMON,
  reply: [...COMMON, "comment.body", "agent.name"],
  ticket_resolved: [...COMMON, ...SURVEY],
  // A rule's or macro's send_email action: its subject and body, filled for the ticket when it ran.
  action: [...COMMON, "mail.subject", "mail.body"],
  // A notification sent by mail (the user's preference): its title and text.
  notification: [...COMMON, "notification.title", "notification.body", "ticket.url"],
  chat_reply: [...COMMON, "comment.body", "agent.name"],
  verify_email: ACCOUNT,
  password_reset: ACCOUNT,
};

/** Placeholders a template of the kind must keep: an account mail without its link is no use to anyone. */
export const REQUIRED_VARIABLES: Partial<Record<OutboundKind, readonly string[]>> = {
  verify_email: ["link"],
  password_reset: ["link"],
};

/** Placeholders whose values are links we made: the HTML part makes them clickable (one click answers the survey). */
export const LINK_VARIABLES: ReadonlySet<string> = new Set(SURVEY);

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
  chat_reply: {
    subject: "Re: [{{ticket.number}}] {{ticket.subject}}",
    body: [
      "Hello {{requester.name}},",
      "",
      "you left this address in a chat with us. {{agent.name}} answered after you had gone:",
      "",
      "{{comment.body}}",
      "",
      "Reply to this mail to continue the conversation.",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
  ticket_resolved: {
    subject: "[{{ticket.number}}] Resolved: {{ticket.subject}}",
    body: [
      "Hello {{requester.name}},",
      "",
      "we have marked ticket {{ticket.number}} as resolved. If something is still wrong,",
      "reply to this mail and the ticket opens again.",
      "",
      "How did we do? One click answers (5 is best):",
      "5 - excellent: {{survey.five}}",
      "4 - good: {{survey.four}}",
      "3 - okay: {{survey.three}}",
      "2 - poor: {{survey.two}}",
      "1 - very poor: {{survey.one}}",
      "",
      "{{support.name}}",
    ].join("\n"),
  },
  action: { subject: "{{mail.subject}}", body: "{{mail.body}}" },
  notification: {
    subject: "{{notification.title}}",
    body: ["{{notification.body}}", "", "{{ticket.url}}", "", "{{support.name}}"].join("\n"),
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

/** Placeholders the kind requires that a template leaves out (a PUT without them is refused). */
export function missingPlaceholders(kind: OutboundKind, text: string): string[] {
  const named = new Set(placeholdersIn(text));
  return (REQUIRED_VARIABLES[kind] ?? []).filter((name) => !named.has(name));
}

/** Placeholders a template names that its kind does not offer (a PUT with any of them is refused). */
export const unknownPlaceholders = (kind: OutboundKind, text: string): string[] => unknownNames(TEMPLATE_VARIABLES[kind], text);
