import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { attachments, inboundMessages } from "../../src/db/schema";
import { contentDisposition } from "../../src/features/attachments/attachments.service";
import { api, BASE, db, expectProblem, makeStaff } from "../helpers";
import { deliver, mailEnv, rawMail, uniqueId } from "./mail-helpers";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const pdf = new TextEncoder().encode("%PDF-1.4\n% a tiny pdf\n");
const html = new TextEncoder().encode("<script>alert(document.cookie)</script>");

async function download(id: string, token?: string) {
  const res = await exports.default.fetch(new Request(`${BASE}/api/v1/attachments/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function upload(ticketId: string, token: string, files: { name: string; type: string; bytes: Uint8Array }[], contentType?: string) {
  const form = new FormData();
  for (const f of files) form.append("file", new File([f.bytes], f.name, { type: f.type }));
  const init: RequestInit = { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form };
  let req = new Request(`${BASE}/api/v1/tickets/${ticketId}/attachments`, init);
  if (contentType) req = new Request(req, { headers: { authorization: `Bearer ${token}`, "content-type": contentType } });
  const res = await exports.default.fetch(req);
  return { status: res.status, body: await res.json<any>() };
}

describe("attachments", () => {
  let ticketId: string;
  let fileId: string;

  beforeAll(async () => {
    const id = uniqueId("att");
    await deliver(
      rawMail({
        from: s.customer.email,
        messageId: id,
        attachments: [
          { filename: "invoice \u202Efdp.exe", contentType: "application/pdf", content: pdf },
          { filename: "page.html", contentType: "text/html", content: html },
        ],
      }),
      { from: s.customer.email },
      mailEnv().env,
    );
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id));
    ticketId = row!.ticketId!;
    const files = await db().select().from(attachments).where(eq(attachments.ticketId, ticketId));
    fileId = files.find((f) => f.contentType === "application/pdf")!.id;
  });

  it("the requester and an agent list and download a mailed attachment; it is stored once by hash", async () => {
    for (const token of [s.customer.token, s.agent.token]) {
      const list = await api("GET", `/api/v1/tickets/${ticketId}/attachments`, { token });
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(2);
      expect(list.body.data[0]).toMatchObject({ id: fileId, filename: "invoice fdp.exe", content_type: "application/pdf", size: pdf.byteLength, comment_id: null });
      const { res, bytes } = await download(fileId, token);
      expect(res.status).toBe(200);
      expect(bytes).toEqual(pdf);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="invoice fdp.exe"; filename*=UTF-8''invoice%20fdp.exe`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-type")).toBe("application/pdf");
    }
  });

  it("HTML is served as opaque bytes, never as a page", async () => {
    const [f] = await db().select().from(attachments).where(eq(attachments.filename, "page.html"));
    const { res } = await download(f!.id, s.agent.token);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
  });

  it("another customer gets 404 for the list and the file; no token gets 401", async () => {
    expectProblem(await api("GET", `/api/v1/tickets/${ticketId}/attachments`, { token: s.customer2.token }), 404, "NOT_FOUND");
    const { res } = await download(fileId, s.customer2.token);
    expect(res.status).toBe(404);
    expect((await download(fileId)).res.status).toBe(401);
    expect((await download("no-such-file", s.agent.token)).res.status).toBe(404);
  });

  it("files of an internal note are hidden from the customer by every path", async () => {
    const note = await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "secret screenshot attached", internal: true } });
    const [pdfRow] = await db().select().from(attachments).where(eq(attachments.id, fileId));
    await db().insert(attachments).values({ ...pdfRow!, id: `int-${note.body.id}`, commentId: note.body.id, filename: "secret.png" });
    const customerList = await api("GET", `/api/v1/tickets/${ticketId}/attachments`, { token: s.customer.token });
    expect(customerList.body.data.map((f: { filename: string }) => f.filename)).not.toContain("secret.png");
    expect((await download(`int-${note.body.id}`, s.customer.token)).res.status).toBe(404);
    expect((await download(`int-${note.body.id}`, s.agent.token)).res.status).toBe(200);
    const staffComments = await api("GET", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token });
    expect(staffComments.body.data.find((c: { id: string }) => c.id === note.body.id).attachments.map((a: { filename: string }) => a.filename)).toEqual(["secret.png"]);
    const customerComments = await api("GET", `/api/v1/tickets/${ticketId}/comments`, { token: s.customer.token });
    expect(JSON.stringify(customerComments.body)).not.toContain("secret");
  });

  it("a mailed reply's files hang on its comment", async () => {
    const id = uniqueId("rep");
    const [first] = await db().select().from(inboundMessages).where(eq(inboundMessages.ticketId, ticketId));
    await deliver(
      rawMail({ from: s.customer.email, messageId: id, inReplyTo: first!.messageId, attachments: [{ filename: "log.txt", contentType: "text/plain", content: new TextEncoder().encode("E42") }] }),
      { from: s.customer.email },
      mailEnv().env,
    );
    const list = await api("GET", `/api/v1/tickets/${ticketId}/comments`, { token: s.customer.token });
    const withFile = list.body.data.find((c: { attachments?: unknown[] }) => c.attachments);
    expect(withFile.attachments).toMatchObject([{ filename: "log.txt", size: 3, content_type: "text/plain" }]);
    expect(list.body.data.filter((c: { attachments?: unknown[] }) => !c.attachments).every((c: object) => !("attachments" in c))).toBe(true);
  });

  it("uploads: the requester and staff add files; strangers, wrong types and oversize files change nothing", async () => {
    const ok = await upload(ticketId, s.customer.token, [{ name: "photo.png", type: "image/png", bytes: new Uint8Array([137, 80, 78, 71]) }]);
    expect(ok.status).toBe(201);
    expect(ok.body.data).toMatchObject([{ filename: "photo.png", content_type: "image/png", size: 4, comment_id: null }]);
    const two = await upload(ticketId, s.agent.token, [
      { name: "../../etc/passwd", type: "text/plain", bytes: new TextEncoder().encode("a") },
      { name: "b.txt", type: "not a type", bytes: new TextEncoder().encode("b") },
    ]);
    expect(two.status).toBe(201);
    expect(two.body.data.map((f: { filename: string; content_type: string }) => [f.filename, f.content_type])).toEqual([
      ["passwd", "text/plain"],
      ["b.txt", "application/octet-stream"],
    ]);
    const before = (await db().select().from(attachments).where(eq(attachments.ticketId, ticketId))).length;
    expect((await upload(ticketId, s.customer2.token, [{ name: "x.txt", type: "text/plain", bytes: new Uint8Array([1]) }])).status).toBe(404);
    const json = await api("POST", `/api/v1/tickets/${ticketId}/attachments`, { token: s.agent.token, body: { file: "x" } });
    expectProblem(json, 415, "UNSUPPORTED_MEDIA_TYPE");
    const none = await upload(ticketId, s.agent.token, []);
    expect(none.status).toBe(400);
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    const tooBig = await upload(ticketId, s.agent.token, [{ name: "big.bin", type: "application/octet-stream", bytes: big }]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await db().select().from(attachments).where(eq(attachments.ticketId, ticketId))).length).toBe(before);
  });

  it("RFC 6266 filenames: quotes, backslashes and non-ASCII never break the header", () => {
    expect(contentDisposition('a"b\\c.pdf')).toBe(`attachment; filename="a_b_c.pdf"; filename*=UTF-8''a%22b%5Cc.pdf`);
    expect(contentDisposition("Grüße 😀.txt")).toBe(`attachment; filename="Gr__e __.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%F0%9F%98%80.txt`);
  });
});
