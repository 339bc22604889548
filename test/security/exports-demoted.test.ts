/**
 * An export holds every ticket it was asked for: its file is for whoever may still ask for that
 * kind. A manager demoted after asking for one (or a customer, by any path) cannot fetch it; an
 * admin demoted to manager loses the person's data they exported (privacy exports are admins').
 */
import { describe, expect, it } from "vitest";
import { api, expectProblem, makeUser, PASSWORD, type TestUser } from "../helpers";
import { openTicket } from "../tickets/fixtures";
import { download, finished } from "../exports/support";
const canary = (tag: string) => `canary${tag}${crypto.randomUUID().replaceAll("-", "")}`;

async function demote(admin: TestUser, user: TestUser, role: "agent" | "manager"): Promise<TestUser> {
  expect((await api("PATCH", `/api/v1/users/${user.id}`, { token: admin.token, body: { role } })).status).toBe(200);
  const login = await api("POST", "/api/v1/auth/login", { body: { email: user.email, password: PASSWORD } });
  expect(login.status).toBe(200);
  return { ...user, role, token: login.body.access_token as string };
}

describe("exports after a demotion", () => {
  it("the former manager's own export is refused (status and file) once they are an agent; an admin still reads it", async () => {
    const [manager, admin, customer] = await Promise.all([makeUser("manager"), makeUser("admin"), makeUser("customer")]);
    const subject = canary("export");
    await openTicket(customer, { subject });
    const created = await api("POST", "/api/v1/exports", { token: manager.token, body: { kind: "tickets", format: "csv" } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await finished(manager, created.body.id)).status).toBe("done");
    // The probe sees: the file holds the ticket while they are a manager.
    expect(new TextDecoder().decode((await download(manager, created.body.id)).bytes)).toContain(subject);

    const asAgent = await demote(admin, manager, "agent");
    // Agents may not use exports at all: 403 whatever the id (no existence oracle).
    expectProblem(await api("GET", `/api/v1/exports/${created.body.id}`, { token: asAgent.token }), 403, "FORBIDDEN");
    const file = await download(asAgent, created.body.id);
    expect(file.status).toBe(403);
    expect(new TextDecoder().decode(file.bytes)).not.toContain(subject);
    expect((await download(admin, created.body.id)).status).toBe(200);
  });

  it("an admin demoted to manager no longer reads the person's data they exported (404); another admin does", async () => {
    const [exporter, admin, person] = await Promise.all([makeUser("admin"), makeUser("admin"), makeUser("customer")]);
    const subject = canary("person");
    await openTicket(person, { subject });
    const created = await api("GET", `/api/v1/users/${person.id}/export`, { token: exporter.token });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect((await finished(exporter, created.body.id)).status).toBe("done");
    expect(new TextDecoder().decode((await download(exporter, created.body.id)).bytes)).toContain(subject);

    const asManager = await demote(admin, exporter, "manager");
    expectProblem(await api("GET", `/api/v1/exports/${created.body.id}`, { token: asManager.token }), 404, "NOT_FOUND");
    const file = await download(asManager, created.body.id);
    expect(file.status).toBe(404);
    expect(new TextDecoder().decode(file.bytes)).not.toContain(subject);
    expect(new TextDecoder().decode((await download(admin, created.body.id)).bytes)).toContain(subject);
  });
});
