/**
 * The page a survey link opens: a small HTML document, no script, under a Content-Security-Policy
 * that allows nothing but its own inline style (by hash) and a form posting back to itself. Every
 * value on it is escaped. The link's token is in the URL, so the page sends no Referer anywhere.
 */
import { escapeHtml } from "../../domain/templates";
import type { Satisfaction } from "../../events/ticket-events";
import { MAX_SATISFACTION_COMMENT_CHARS } from "./satisfaction.service";

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.scores{display:flex;gap:.5rem;flex-wrap:wrap}.scores a,button{padding:.6rem 1rem;border:1px solid #8c959f;border-radius:.4rem;text-decoration:none;color:inherit;background:#f6f8fa;font:inherit;cursor:pointer}
.scores a.chosen{background:#0969da;color:#fff;border-color:#0969da}textarea{width:100%;min-height:7rem;font:inherit;margin:.5rem 0}.muted{color:#59636e}`;

let styleHash: Promise<string> | undefined;
const hashOfStyle = () =>
  (styleHash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(STYLE)).then((d) => btoa(String.fromCharCode(...new Uint8Array(d)))));

export async function pageHeaders(): Promise<Record<string, string>> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": `default-src 'none'; style-src 'sha256-${await hashOfStyle()}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  };
}

const LABELS = ["", "Very poor", "Poor", "Okay", "Good", "Excellent"];

function document(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

const about = (ticket: { number: string; subject: string }) => `<p class="muted">${escapeHtml(ticket.number)}: ${escapeHtml(ticket.subject)}</p>`;

function scores(chosen: number | null): string {
  const links = [5, 4, 3, 2, 1].map((n) => `<a href="?score=${n}"${n === chosen ? ' class="chosen" aria-current="true"' : ""}>${n} · ${LABELS[n]}</a>`);
  return `<nav class="scores" aria-label="Your score">${links.join("")}</nav>`;
}

/** The question, or the thanks with the comment form after a score was recorded. */
export function surveyPage(ticket: { number: string; subject: string }, satisfaction: Satisfaction | null, justRated: boolean): string {
  if (!satisfaction) {
    return document("How did we do?", `<h1>How did we do?</h1>${about(ticket)}<p>Choose a score, 5 is best:</p>${scores(null)}`);
  }
  const heading = justRated ? "Thank you for your answer" : "Your answer";
  return document(
    heading,
    `<h1>${heading}</h1>${about(ticket)}
<p>Your score: <strong>${satisfaction.score} · ${LABELS[satisfaction.score]}</strong>. Changed your mind? Choose again:</p>${scores(satisfaction.score)}
<form method="post"><input type="hidden" name="score" value="${satisfaction.score}">
<label for="comment">Anything you would like to tell us? (optional)</label>
<textarea id="comment" name="comment" maxlength="${MAX_SATISFACTION_COMMENT_CHARS}">${escapeHtml(satisfaction.comment ?? "")}</textarea>
<button type="submit">Send</button></form>`,
  );
}

export const closedPage = () => document("Survey closed", `<h1>This survey has closed</h1><p>Answers are taken for 14 days after a ticket is resolved. To tell us more, reply to our mail.</p>`);
export const invalidPage = () => document("Link not valid", `<h1>This link is not valid</h1><p>Please use the link from our mail as it is.</p>`);
export const badScorePage = () => document("Choose a score", `<h1>Choose a score from 1 to 5</h1>`);
