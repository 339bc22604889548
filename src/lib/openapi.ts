import { z } from "@hono/zod-openapi";
import { MAX_TAG_CHARS, MAX_TAGS, TAG_PATTERN } from "../domain/vocabulary";
import { ERROR_CODES } from "./errors";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    errors: z.record(z.string(), z.array(z.string())).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** Shared error responses, spread into every route contract. */
export const errorResponses = {
  400: problem("Invalid input"),
  401: problem("Missing, invalid or expired access token"),
  403: problem("The caller lacks the capability"),
  404: problem("Not found, or not visible to the caller"),
  429: problem("Rate limited"),
  500: problem("Internal error"),
} as const;
export const conflictResponse = { 409: problem("Conflict") } as const;
export const transitionResponse = { 422: problem("Invalid status transition") } as const;
export const tooLargeResponse = { 413: problem("The body, or a file in it, is over its limit") } as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description = "JSON body") => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const IsoDate = z.string().openapi({ format: "date-time", example: "2026-11-26T09:30:00.000Z" });

/** `?limit=&cursor=` of every list (API.md "Conventions"). */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(512).optional(),
});

/** A query parameter holding a comma list (`?role=agent,manager`), each item checked by `item`. */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T, max = 10) =>
  z
    .string()
    .transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(item).min(1).max(max));

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

export const bearerSecurity = [{ bearerAuth: [] }];

/** An id in a path, query or body: opaque, bounded so no one sends a megabyte of "id". */
export const Id = z.string().min(1).max(64);

/**
 * A string that must match `pattern`, documented with a `pattern` JSON Schema can use. The
 * generator writes `regex.toString()` minus the slashes, so a Unicode pattern came out as
 * `^[\p{L}]+$/u` and no string matched it; JSON Schema patterns carry no flags (validators read
 * them as Unicode regular expressions), so the document gets the bare source. Use this for every
 * regex check of a wire schema.
 */
export const matching = <T extends z.ZodString>(schema: T, pattern: RegExp, message: string) =>
  schema.regex(pattern, message).openapi({ pattern: pattern.source });

/** Tags (tickets and articles) are labels: lowercase words, bounded so a row stays small. */
export const Tag = matching(z.string().trim().toLowerCase().min(1).max(MAX_TAG_CHARS), TAG_PATTERN, "letters, digits, _ . : - only");
export const Tags = z.array(Tag).max(MAX_TAGS).transform((tags) => [...new Set(tags)]);
