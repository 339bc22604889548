import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { attachments } from "../../src/db/schema";
import { MAX_FILES_PER_UPLOAD } from "../../src/features/attachments/attachments.service";
import { BASE, db, expectProblem, makeStaff } from "../helpers";

/**
 * Issue 9 item 5: uploads stream. The form is parsed as it arrives, each file goes to R2 on its
 * own, the per-file cap is enforced while the bytes come in, and a refused upload leaves nothing:
 * no row, no object (the files stored before the refusal are deleted again).
 */
const CAP = Number(env.MAX_ATTACHMENT_BYTES);
const BOUNDARY = "----edgedesk-test-boundary";
const enc = new TextEncoder();

let s: Awaited<ReturnType<typeof makeStaff>>;
let ticketId: string;
beforeAll(async () => {
  s = await makeStaff();
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/v1/tickets`, { method: "POST", headers: { authorization: `Bearer ${s.customer.token}`, "content-type": "application/json" }, body: JSON.stringify({ subject: "Files", description: "d" }) }),
  );
  ticketId = ((await res.json()) as { id: string }).id;
});

interface Part {
  name?: string;
  filename?: string;
  type?: string;
  /** The part's bytes, produced lazily in chunks (so a test can send more than it ever holds). */
  size: number;
  fill?: number;
}

/**
 * A multipart body as a stream, generated chunk by chunk as the server pulls it; `pulled` counts
 * the bytes the server actually read, so a test can tell streaming from buffering.
 */
function multipart(parts: Part[], chunk = 64 * 1024) {
  const counter = { pulled: 0 };
  const pieces: (Uint8Array | { size: number; fill: number })[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name ?? "file"}"${p.filename === undefined ? "" : `; filename="${p.filename}"`}`;
    pieces.push(enc.encode(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${p.type ?? "application/octet-stream"}\r\n\r\n`));
    pieces.push({ size: p.size, fill: p.fill ?? 97 });
    pieces.push(enc.encode("\r\n"));
  }
  pieces.push(enc.encode(`--${BOUNDARY}--\r\n`));
  let i = 0;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[i];
      if (!piece) return controller.close();
      let out: Uint8Array;
      if (piece instanceof Uint8Array) {
        out = piece;
        i++;
      } else {
        const n = Math.min(chunk, piece.size - offset);
        out = new Uint8Array(n).fill(piece.fill);
        offset += n;
        if (offset >= piece.size) {
          i++;
          offset = 0;
        }
      }
      counter.pulled += out.byteLength;
      controller.enqueue(out);
    },
  });
  return { stream, counter };
}

async function post(body: ReadableStream<Uint8Array>, token = s.customer.token) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/v1/tickets/${ticketId}/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
      body,
    }),
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const rows = () => db().select().from(attachments).where(eq(attachments.ticketId, ticketId));
async function uploadObjects() {
  const listed = await env.ATTACHMENTS.list({ prefix: "attachments/uploads/" });
  return listed.objects.map((o) => o.key).sort();
}

describe("streamed uploads", () => {
  it("store each file under its own key with its sha256, read back byte for byte", async () => {
    const { stream } = multipart([
      { filename: "a.bin", size: 200_000, fill: 1 },
      { name: "note", size: 5 },
      { filename: "b.txt", type: "text/plain", size: 3, fill: 98 },
    ]);
    const res = await post(stream);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data.map((f: any) => [f.filename, f.size, f.content_type])).toEqual([
      ["a.bin", 200_000, "application/octet-stream"],
      ["b.txt", 3, "text/plain"],
    ]);
    const expected = await crypto.subtle.digest("SHA-256", new Uint8Array(200_000).fill(1));
    expect(res.body.data[0].sha256).toBe([...new Uint8Array(expected)].map((b) => b.toString(16).padStart(2, "0")).join(""));
    const stored = await rows();
    expect(stored.map((r) => r.storageKey)).toEqual(res.body.data.map((f: any) => `attachments/uploads/${f.id}`));
    const back = await exports.default.fetch(new Request(`${BASE}/api/v1/attachments/${res.body.data[1].id}`, { headers: { authorization: `Bearer ${s.agent.token}` } }));
    expect(await back.text()).toBe("bbb");
  });

  it("refuse a file over the cap while it streams in (413), reading little past the cap, leaving no row and no object", async () => {
    const objectsBefore = await uploadObjects();
    const rowsBefore = (await rows()).length;
    // A good file, then one of five times the cap: the server stops reading soon after the cap.
    const { stream, counter } = multipart([
      { filename: "fine.bin", size: 1000 },
      { filename: "huge.bin", size: CAP * 5 },
    ]);
    const res = await post(stream);
    expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
    expect(counter.pulled).toBeLessThan(CAP + 1024 * 1024);
    expect((await rows()).length).toBe(rowsBefore);
    expect(await uploadObjects()).toEqual(objectsBefore);
  });

  it("refuse the file one byte over the cap and take the one at the cap", async () => {
    const objectsBefore = await uploadObjects();
    expectProblem(await post(multipart([{ filename: "over.bin", size: CAP + 1 }]).stream), 413, "PAYLOAD_TOO_LARGE");
    expect(await uploadObjects()).toEqual(objectsBefore);
    const at = await post(multipart([{ filename: "at.bin", size: CAP }]).stream);
    expect(at.status, JSON.stringify(at.body)).toBe(201);
    expect(at.body.data[0].size).toBe(CAP);
  });

  it(`refuse more than ${MAX_FILES_PER_UPLOAD} files, a declared length over the form's limit and a malformed body, leaving nothing`, async () => {
    const objectsBefore = await uploadObjects();
    const rowsBefore = (await rows()).length;
    const many = Array.from({ length: MAX_FILES_PER_UPLOAD + 1 }, (_, i) => ({ filename: `f${i}.txt`, size: 10 }));
    expectProblem(await post(multipart(many).stream), 400, "VALIDATION_ERROR");

    const declared = await exports.default.fetch(
      new Request(`${BASE}/api/v1/tickets/${ticketId}/attachments`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.customer.token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}`, "content-length": String(CAP * (MAX_FILES_PER_UPLOAD + 1)) },
        body: "x",
      }),
    );
    expect(declared.status).toBe(413);

    const truncated = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\nhalf a file`));
        c.close();
      },
    });
    const cut = await post(truncated);
    expectProblem(cut, 400, "VALIDATION_ERROR");
    expect(Object.keys(cut.body.errors)).toEqual(["file"]);
    expect((await rows()).length).toBe(rowsBefore);
    expect(await uploadObjects()).toEqual(objectsBefore);
  });

  it("a failing write of the rows leaves no object behind", async () => {
    const objectsBefore = await uploadObjects();
    await env.DB.exec("CREATE TRIGGER fail_upload_audit BEFORE INSERT ON audit_logs WHEN NEW.action = 'attachment.uploaded' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;");
    try {
      const res = await post(multipart([{ filename: "x.bin", size: 1000 }]).stream);
      expectProblem(res, 500, "INTERNAL_ERROR");
    } finally {
      await env.DB.exec("DROP TRIGGER fail_upload_audit;");
    }
    expect(await uploadObjects()).toEqual(objectsBefore);
  });
});
