import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, makeUser } from "../helpers";
import committed from "../../web/src/api/openapi.json";

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

async function document() {
  const res = await api("GET", "/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.body;
}

/** Every JSON pointer `$ref` in the document, so each can be checked to resolve. */
function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document with a bearer security scheme", async () => {
    const doc = await document();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("lists every API route the app serves (the web app's pages are not API: src/features/help-centre, web; the survey page of a mail link is documented)", async () => {
    const doc = await document();
    const served = new Set(
      createApp()
        // The chat widget's files and the survey page a mail links to are contracts too (src/features/chat, satisfaction).
        .routes.filter((r) => r.method !== "ALL" && (r.path.startsWith("/api/") || r.path === "/health" || r.path.startsWith("/widget.") || r.path.startsWith("/csat/")))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => (METHODS as readonly string[]).includes(m))
          .map((m) => `${m} ${path}`),
      ),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it("documents auth, users, tickets, comments, history, audit and health", async () => {
    const doc = await document();
    const expected: [string, string][] = [
      ["post", "/api/v1/auth/register"],
      ["post", "/api/v1/auth/login"],
      ["post", "/api/v1/auth/refresh"],
      ["post", "/api/v1/auth/logout"],
      ["get", "/api/v1/auth/me"],
      ["post", "/api/v1/users"],
      ["get", "/api/v1/users"],
      ["get", "/api/v1/users/{id}"],
      ["patch", "/api/v1/users/{id}"],
      ["delete", "/api/v1/users/{id}"],
      ["post", "/api/v1/tickets"],
      ["get", "/api/v1/tickets"],
      ["get", "/api/v1/tickets/{id}"],
      ["patch", "/api/v1/tickets/{id}"],
      ["delete", "/api/v1/tickets/{id}"],
      ["post", "/api/v1/tickets/{id}/assign"],
      ["post", "/api/v1/tickets/{id}/escalate"],
      ["get", "/api/v1/tickets/{id}/comments"],
      ["post", "/api/v1/tickets/{id}/comments"],
      ["get", "/api/v1/tickets/{id}/history"],
      ["get", "/api/v1/audit-logs"],
      ["get", "/health"],
    ];
    for (const [method, path] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it("gives every JSON write a request schema, and every operation a success response and problem+json errors", async () => {
    const doc = await document();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!(METHODS as readonly string[]).includes(method)) continue;
        const where = `${method} ${path}`;
        const statuses = Object.keys(op.responses ?? {});
        expect(statuses.some((s) => /^[123]\d\d$/.test(s)), `${where} has no success response`).toBe(true);
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          expect(response.description, `${where} ${status}`).toEqual(expect.any(String));
          // The API answers errors as problem+json; a page a person opens (a survey link) answers with a page.
          if (/^[45]/.test(status) && response.content) {
            expect(Object.keys(response.content), `${where} ${status}`).toEqual([path.startsWith("/api/") ? "application/problem+json" : "text/html"]);
          }
          if (/^2/.test(status) && status !== "204" && response.content) {
            for (const media of Object.values(response.content as Record<string, any>)) expect(media.schema, `${where} ${status}`).toBeDefined();
          }
        }
        if (op.requestBody) {
          const media = Object.values(op.requestBody.content as Record<string, any>);
          expect(media.length, where).toBeGreaterThan(0);
          for (const m of media) expect(m.schema, where).toBeDefined();
        }
        if (op.security) expect(statuses, `${where} is authenticated but documents no 401`).toContain("401");
      }
    }
  });

  it("spells out the request and response of the auth and user routes", async () => {
    const doc = await document();
    const schema = (ref: { $ref: string }) => doc.components.schemas[ref.$ref.split("/").pop()!];
    const register = doc.paths["/api/v1/auth/register"].post;
    expect(Object.keys(schema(register.requestBody.content["application/json"].schema).properties)).toEqual(
      expect.arrayContaining(["name", "email", "password"]),
    );
    const tokens = schema(register.responses["201"].content["application/json"].schema);
    expect(Object.keys(tokens.properties).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type", "user"]);
    const user = doc.components.schemas.User;
    expect(Object.keys(user.properties).sort()).toEqual(["active", "created_at", "email", "email_verified", "id", "name", "role"]);
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/password_hash|token_version/);
    expect(doc.paths["/api/v1/auth/register"].post.responses["409"]).toBeDefined();
    expect(doc.paths["/api/v1/users"].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(["role", "q", "limit", "cursor"]));
    expect(doc.paths["/api/v1/audit-logs"].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(["entity_type", "entity_id", "actor_id", "limit", "cursor"]),
    );
  });

  it("is the document the web app's typed client was generated from (else: npm run gen:api)", async () => {
    // web/src/api/schema.d.ts is generated from this file; web/test/api-client.test.ts checks that step.
    expect(await document()).toEqual(committed);
  });

  it("has no dangling $ref", async () => {
    const doc = await document();
    const missing = [...new Set(refsOf(doc))].filter((ref) => {
      const name = ref.replace("#/components/schemas/", "");
      return !ref.startsWith("#/components/schemas/") || !doc.components.schemas[name];
    });
    expect(missing).toEqual([]);
  });
});

/** Every `pattern` in the document, with where it is. */
function patternsOf(node: unknown, at = "", out: { at: string; pattern: string }[] = []) {
  if (Array.isArray(node)) node.forEach((n, i) => patternsOf(n, `${at}/${i}`, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "pattern" && typeof v === "string") out.push({ at, pattern: v });
      else patternsOf(v, `${at}/${k}`, out);
    }
  }
  return out;
}

describe("the document's patterns are JSON Schema patterns a client can validate with", () => {
  // Values a real client sends: tags, skills, policy names, in several scripts.
  const SAMPLES = ["vip", "billing:eu", "größe", "срочно", "v2.1_beta-3", "spanish speaking", "critical", "team-α"];

  it("every pattern compiles as a Unicode regular expression, carries no /flags, and matches real values", async () => {
    const patterns = patternsOf(await document());
    expect(patterns.length).toBeGreaterThan(0);
    for (const { at, pattern } of patterns) {
      expect(pattern, at).not.toMatch(/\/[dgimsuvy]*$/);
      const re = new RegExp(pattern, "u");
      expect(SAMPLES.filter((v) => re.test(v)).length, `${at}: ${pattern} matches none of the samples`).toBeGreaterThan(0);
    }
  });

  it("the tag pattern accepts exactly the tags the API accepts", async () => {
    const doc = await document();
    const tag = new RegExp(doc.components.schemas.CreateTicket.properties.tags.items.pattern, "u");
    const customer = await makeUser("customer");
    for (const value of ["vip", "billing:eu", "größe", "срочно", "two words", "<b>", "a/b"]) {
      const res = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "tags", description: "tags", tags: [value] } });
      expect(res.status === 201, `${value}: API ${res.status}, pattern ${tag.test(value)}`).toBe(tag.test(value));
    }
  });

  it("the skill and SLA policy name patterns match what the API stores", async () => {
    const doc = await document();
    const skill = new RegExp(doc.components.schemas.PutSkills.items.properties.skill.pattern, "u");
    expect(["spanish speaking", "billing:eu", "größe"].every((v) => skill.test(v))).toBe(true);
    expect(skill.test("a/b")).toBe(false);
    const name = new RegExp(doc.paths["/api/v1/sla-policies/{name}"].put.parameters.find((p: any) => p.name === "name").schema.pattern, "u");
    expect(["critical", "vip.eu-2"].every((v) => name.test(v))).toBe(true);
    expect(name.test("-x")).toBe(false);
  });
});

describe("GET /docs", () => {
  it("renders the document as an HTML page", async () => {
    const res = await api("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
    expect(res.body).toContain("/openapi.json");
  });
});
