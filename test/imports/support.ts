import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, type TestUser } from "../helpers";

/** The Zendesk fixtures (test/fixtures/zendesk), handed in as a binding by vitest.config.ts. */
export function fixture(name: string): string {
  const text = env.ZENDESK_FIXTURES[name];
  if (text === undefined) throw new Error(`no Zendesk fixture ${name}`);
  return text;
}

export const uploadText = (admin: TestUser, importId: string, text: string, type = "application/x-ndjson") =>
  api("PUT", `/api/v1/imports/${importId}/upload`, { token: admin.token, raw: text, headers: { "content-type": type, "content-length": String(new TextEncoder().encode(text).byteLength) } });

export const uploadFile = (admin: TestUser, importId: string, name: string) =>
  uploadText(admin, importId, fixture(name), name.endsWith(".json") ? "application/json" : "application/x-ndjson");

export const startImport = (admin: TestUser, importId: string) => api("POST", `/api/v1/imports/${importId}/start`, { token: admin.token });

/** Polls an import until the Queue consumer is done with it (or it failed). */
export async function waitForImport(admin: TestUser, importId: string, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api("GET", `/api/v1/imports/${importId}`, { token: admin.token });
    if (res.body.status === "done" || res.body.status === "failed") return res.body;
    if (Date.now() > until) throw new Error(`import ${importId} not done in ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates an import, uploads the named fixtures or texts in the order given, starts it, and waits for the end. */
export async function runImport(admin: TestUser, files: readonly string[]) {
  const created = await api("POST", "/api/v1/imports", { token: admin.token, body: { source: "zendesk" } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const name of files) {
    const res = await uploadFile(admin, created.body.id, name);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  const started = await startImport(admin, created.body.id);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return waitForImport(admin, created.body.id);
}
