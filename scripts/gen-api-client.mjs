// `npm run gen:api`: writes web/src/api/openapi.json (the document of our route contracts) and
// web/src/api/schema.d.ts (its TypeScript types for openapi-fetch). Both are committed; `npm test`
// fails when either is stale (test/http/openapi.test.ts, web/test/api-client.test.ts).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DOCUMENT_FILE, ROOT, TYPES_FILE, documentFromApp, documentText, typesFromDocument } from "./lib/api-client.mjs";

const doc = await documentFromApp();
writeFileSync(DOCUMENT_FILE, documentText(doc));
writeFileSync(TYPES_FILE, await typesFromDocument(doc));
console.log(`wrote ${path.relative(ROOT, DOCUMENT_FILE)} (${Object.keys(doc.paths).length} paths) and ${path.relative(ROOT, TYPES_FILE)}`);
