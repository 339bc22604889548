import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module shared with scripts/gen-api-client.mjs
import { DOCUMENT_FILE, TYPES_FILE, typesFromDocument } from "../../scripts/lib/api-client.mjs";

describe("the typed API client", () => {
  it("schema.d.ts is what openapi-typescript makes of the committed document (else: npm run gen:api)", async () => {
    // The document itself is checked against the running app's in workerd (test/http/openapi.test.ts).
    const doc = JSON.parse(readFileSync(DOCUMENT_FILE, "utf8"));
    expect(await typesFromDocument(doc)).toBe(readFileSync(TYPES_FILE, "utf8"));
  });
});
