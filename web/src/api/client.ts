import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { takeEarlyRead } from "../session/boot";
import { session } from "../session/session";

/**
 * The typed API client (openapi-fetch over the types openapi-typescript made from our own OpenAPI
 * document, web/src/api/schema.d.ts). Every call carries the in-memory access token, hands the D1
 * bookmark back so a client reads its own writes, and on a 401 refreshes the session once and retries.
 */

export type Schemas = components["schemas"];
export type User = Schemas["User"];
export type Ticket = Schemas["Ticket"];
export type Comment = Schemas["Comment"];
export type Attachment = Schemas["Attachment"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type Article = Schemas["Article"];
export type ArticleSummary = Schemas["ArticleSummary"];
export type Team = Schemas["Team"];
export type SavedSearch = Schemas["SavedSearch"];
export type Problem = Schemas["Problem"];
export type ReportOverview = Schemas["ReportOverview"];
export type ReportAgents = Schemas["ReportAgents"];
export type ReportBacklog = Schemas["ReportBacklog"];
export type ReportSla = Schemas["ReportSla"];
export type ReportTime = Schemas["ReportTime"];
export type Export = Schemas["Export"];
export type TimeEntry = Schemas["TimeEntry"];
export type SatisfactionSurvey = Schemas["SatisfactionSurvey"];

/** A problem+json answer, thrown by `ok()`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> & Record<string, unknown>,
  ) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
  }
  get code() {
    return this.problem.code;
  }
  /** Messages by field of a validation error. */
  get fieldErrors(): Record<string, string[]> {
    return (this.problem.errors as Record<string, string[]> | undefined) ?? {};
  }
}

const BOOKMARK = "X-D1-Bookmark";
let bookmark: string | null = null;

/**
 * Adds the token and the bookmark; a 401 refreshes the session once and retries with the new token.
 * A GET the page already sent while the app loaded (boot.ts) takes that request's answer.
 */
export async function authedFetch(input: Request): Promise<Response> {
  const send = async (request: Request, token: string | null) => {
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    if (bookmark) request.headers.set(BOOKMARK, bookmark);
    // A read the page started before the app did (boot.ts) is answered by that request.
    const early = request.method === "GET" ? takeEarlyRead(request.url) : undefined;
    const res = await (early ? early.catch(() => fetch(request)) : fetch(request));
    const seen = res.headers.get(BOOKMARK);
    // Bookmarks sort by commit position: keep the latest.
    if (seen && (!bookmark || seen > bookmark)) bookmark = seen;
    return res;
  };
  const retry = input.clone();
  const res = await send(input, await session.accessToken());
  if (res.status !== 401 || !session.signedIn) return res;
  const fresh = await session.refresh();
  if (!fresh) return res;
  return send(retry, await session.accessToken());
}

export const api = createClient<paths>({ baseUrl: typeof location === "undefined" ? "http://localhost" : location.origin, fetch: authedFetch });

/** The data of a successful call, or its problem thrown as an ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const problem = (error && typeof error === "object" ? error : { detail: String(error ?? response.statusText) }) as ApiError["problem"];
    throw new ApiError(response.status, problem);
  }
  return data as T;
}

/** Uploads files to a ticket (multipart; openapi-fetch's JSON body does not fit). */
export async function uploadFiles(ticketId: string, files: File[]): Promise<Attachment[]> {
  const form = new FormData();
  for (const file of files) form.append("file", file);
  const res = await authedFetch(new Request(`/api/v1/tickets/${encodeURIComponent(ticketId)}/attachments`, { method: "POST", body: form }));
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body);
  return (body as { data: Attachment[] }).data;
}

/** Fetches a file with the access token and hands it to the browser as a download. */
export const downloadAttachment = (attachment: Attachment) => downloadFile(`/api/v1/attachments/${encodeURIComponent(attachment.id)}`, attachment.filename);

/**
 * Fetches a file of this API with the access token (a plain link cannot carry it) and saves it as
 * `filename`. `address` may be absolute (an export's download_url): the token goes to this origin only.
 */
export async function downloadFile(address: string, filename: string): Promise<void> {
  const target = new URL(address, location.origin);
  if (target.origin !== location.origin || !target.pathname.startsWith("/api/v1/")) throw new Error("Only files of this API are downloaded");
  const res = await authedFetch(new Request(target.pathname + target.search));
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
