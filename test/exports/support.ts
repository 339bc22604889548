import { expect } from "vitest";
import { exports } from "cloudflare:workers";
import { api, BASE, type TestUser } from "../helpers";

/** Waits until the export is finished (the JOBS queue runs in the test runtime) and returns it. */
export async function finished(user: TestUser, id: string, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api("GET", `/api/v1/exports/${id}`, { token: user.token });
    expect(res.status).toBe(200);
    if (res.body.status === "done" || res.body.status === "failed") return res.body;
    if (Date.now() > until) throw new Error(`export ${id} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A finished export's file, as bytes (the Worker's real fetch). */
export async function download(user: TestUser, id: string) {
  const res = await exports.default.fetch(new Request(`${BASE}/api/v1/exports/${id}/download`, { headers: { authorization: `Bearer ${user.token}` } }));
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Every ticket of the list for these query parameters, page after page. */
export async function wholeList(user: TestUser, query: string) {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await api("GET", `/api/v1/tickets?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: user.token });
    expect(res.status).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.next_cursor;
  } while (cursor);
  return out;
}
