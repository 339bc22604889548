import { apiCall, createTicket, expect, expectAccessible, newPage, signIn, test, tokenFor } from "./fixtures";

const unique = () => Math.random().toString(36).slice(2, 8);
/** A page's first answer after a navigation, on a shared 2-core machine where one API call can take seconds. */
const LOADED = { timeout: 20_000 };

test.describe("time tracking and satisfaction", () => {
  test("an agent logs time on a ticket, with a reply too, edits and deletes their own entry; another agent's entry is not theirs to change", async ({ page, problems }) => {
    const tag = unique();
    const ticket = await createTicket("customer1@example.com", { subject: `Time tracking ${tag}` });
    const agent1 = await tokenFor("agent1@example.com");
    const agent2 = await tokenFor("agent2@example.com");
    const theirs = await apiCall("POST", `/api/v1/tickets/${ticket.id}/time-entries`, { token: agent2.token, body: { minutes: 10, note: `Sam's call ${tag}` } });
    expect(theirs.status).toBe(201);
    const spent = async () => (await apiCall("GET", `/api/v1/tickets/${ticket.id}`, { token: agent1.token })).body.time_spent_minutes;

    await signIn(page, "/app", "agent1@example.com", `/app/tickets/${ticket.id}`);
    const time = page.getByRole("region", { name: "Time", exact: true });
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 10 min", LOADED);
    const others = time.getByRole("listitem").filter({ hasText: `Sam's call ${tag}` });
    await expect(others).toContainText("Sam Agent");
    await expect(others.getByRole("button")).toHaveCount(0);

    // A duration the form cannot read is refused in place, and nothing is sent.
    let posts = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/time-entries")) posts++;
    });
    await time.getByLabel("Time spent").fill("a while");
    await time.getByRole("button", { name: "Log time" }).click();
    await expect(time.getByText("Enter minutes (45), hours and minutes (1:30 or 1h 30m) or hours (1.5h).")).toBeVisible();
    await expect(time.getByLabel("Time spent")).toHaveAttribute("aria-invalid", "true");
    expect(posts).toBe(0);

    await time.getByLabel("Time spent").fill("1:30");
    await time.getByLabel("Note (optional)").fill(`Reproduced the bug ${tag}`);
    await time.getByLabel("Billable").uncheck();
    await time.getByRole("button", { name: "Log time" }).click();
    const mine = time.getByRole("listitem").filter({ hasText: `Reproduced the bug ${tag}` });
    await expect(mine).toContainText("1 h 30 min");
    await expect(mine).toContainText("non-billable");
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 1 h 40 min");
    expect(await spent()).toBe(100);
    await expectAccessible(page, "ticket view with time entries");

    await mine.getByRole("button", { name: /^Edit/ }).click();
    await time.getByRole("form", { name: "Change the time entry" }).getByLabel("Time spent").fill("45m");
    await time.getByRole("button", { name: "Save", exact: true }).click();
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 55 min");

    // Time with a reply: the composer's own box.
    await page.locator("#composer-body").fill(`Fixed it for you ${tag}`);
    await page.getByLabel("Log time").fill("15");
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect(page.locator("article.message.from-staff", { hasText: `Fixed it for you ${tag}` })).toBeVisible();
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 1 h 10 min");
    await expect(time.getByRole("listitem").filter({ hasText: "(with a reply)" })).toContainText("15 min");
    await expect(page.getByLabel("Log time")).toHaveValue("");

    await time.getByRole("listitem").filter({ hasText: `Reproduced the bug ${tag}` }).getByRole("button", { name: /^Delete/ }).click();
    await expect(time.getByText(`Reproduced the bug ${tag}`)).toHaveCount(0);
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 25 min");
    expect(await spent()).toBe(25);
    expect(problems).toEqual([]);
  });

  test("the customer rates a resolved ticket, changes the answer, and the agent sees it; a script in the comment stays text", async ({ page, browser, problems }) => {
    const tag = unique();
    const ticket = await createTicket("customer1@example.com", { subject: `Rate me ${tag}` });
    const agent = await tokenFor("agent1@example.com");

    // Not resolved yet: no survey.
    await signIn(page, "/portal", "customer1@example.com", `/portal/tickets/${ticket.id}`);
    await expect(page.getByRole("heading", { level: 1, name: `Rate me ${tag}` })).toBeVisible(LOADED);
    await expect(page.getByRole("heading", { name: "How did we do?" })).toHaveCount(0);

    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "This is fixed now." } })).status).toBe(201);
    expect((await apiCall("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { status: "resolved" } })).status).toBe(200);
    await page.reload();
    const survey = page.getByRole("region", { name: "How did we do?" });
    await expect(survey).toBeVisible(LOADED);
    await expect(survey).toContainText(/You can answer or change your answer until \d{1,2} \w{3} \d{4}/);
    await expectAccessible(page, "portal satisfaction survey");

    await survey.getByRole("button", { name: "Send my answer" }).click();
    await expect(survey.getByRole("alert")).toHaveText("Choose a score from 1 to 5.");
    await survey.getByRole("radio", { name: /^2/ }).check();
    await survey.getByLabel("Anything you want to tell us? (optional)").fill(`Slow <script>window.pwned=1</script> ${tag}`);
    await survey.getByRole("button", { name: "Send my answer" }).click();
    await expect(survey.getByTestId("satisfaction-answer")).toContainText("Your answer: 2 of 5 (Dissatisfied)");
    await expect(survey.getByTestId("satisfaction-answer")).toContainText(`Slow <script>window.pwned=1</script> ${tag}`);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

    // A second answer replaces the first.
    await survey.getByRole("button", { name: "Change my answer" }).click();
    await survey.getByRole("radio", { name: /^5/ }).check();
    await survey.getByLabel("Anything you want to tell us? (optional)").fill(`Actually great ${tag}`);
    await survey.getByRole("button", { name: "Save my new answer" }).click();
    await expect(survey.getByTestId("satisfaction-answer")).toContainText("Your answer: 5 of 5 (Very satisfied)");
    const rated = (await apiCall("GET", `/api/v1/tickets/${ticket.id}`, { token: agent.token })).body.satisfaction;
    expect(rated).toMatchObject({ score: 5, comment: `Actually great ${tag}` });

    const agentContext = await browser.newContext();
    const { page: console_, problems: agentProblems } = await newPage(agentContext);
    await signIn(console_, "/app", "agent1@example.com", `/app/tickets/${ticket.id}`);
    await expect(console_.getByTestId("ticket-satisfaction")).toContainText("Satisfaction: 5 of 5 (Very satisfied)", LOADED);
    await expect(console_.getByTestId("ticket-satisfaction")).toContainText(`Actually great ${tag}`);
    await expectAccessible(console_, "console ticket with satisfaction");
    expect(agentProblems).toEqual([]);
    await agentContext.close();
    expect(problems).toEqual([]);
  });
  test("the console's time total and satisfaction follow other people's changes live, without a reload", async ({ page, problems }) => {
    const tag = unique();
    const ticket = await createTicket("customer1@example.com", { subject: `Live time ${tag}` });
    const agent2 = await tokenFor("agent2@example.com");
    const customer = await tokenFor("customer1@example.com");
    await signIn(page, "/app", "agent1@example.com", `/app/tickets/${ticket.id}`);
    const time = page.getByRole("region", { name: "Time", exact: true });
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 0 min", LOADED);
    await expect(page.locator(".live-status")).toHaveText("");
    let reloads = 0;
    page.on("request", (r) => {
      if (r.method() === "GET" && new URL(r.url()).pathname === `/api/v1/tickets/${ticket.id}`) reloads++;
    });

    // Another agent logs time: the total and the entry show here.
    const logged = await apiCall("POST", `/api/v1/tickets/${ticket.id}/time-entries`, { token: agent2.token, body: { minutes: 25, note: `Remote session ${tag}` } });
    expect(logged.status).toBe(201);
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 25 min");
    await expect(time.getByRole("listitem").filter({ hasText: `Remote session ${tag}` })).toContainText("Sam Agent");
    // They change it and then remove it.
    expect((await apiCall("PATCH", `/api/v1/time-entries/${logged.body.id}`, { token: agent2.token, body: { minutes: 50 } })).status).toBe(200);
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 50 min");
    expect((await apiCall("DELETE", `/api/v1/time-entries/${logged.body.id}`, { token: agent2.token })).status).toBe(204);
    await expect(time.getByTestId("time-spent")).toHaveText("Time spent: 0 min");
    await expect(time.getByText(`Remote session ${tag}`)).toHaveCount(0);

    // The ticket is resolved elsewhere and the customer rates it: the answer shows here.
    expect((await apiCall("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent2.token, body: { status: "resolved" } })).status).toBe(200);
    await expect(page.getByTestId("ticket-satisfaction")).toHaveText("Satisfaction: not rated yet.");
    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/satisfaction`, { token: customer.token, body: { score: 4, comment: `Quick help ${tag}` } })).status).toBe(200);
    await expect(page.getByTestId("ticket-satisfaction")).toContainText("Satisfaction: 4 of 5 (Satisfied)");
    await expect(page.getByTestId("ticket-satisfaction")).toContainText(`Quick help ${tag}`);
    // A second answer replaces the first, live too.
    expect((await apiCall("POST", `/api/v1/tickets/${ticket.id}/satisfaction`, { token: customer.token, body: { score: 2 } })).status).toBe(200);
    await expect(page.getByTestId("ticket-satisfaction")).toContainText("Satisfaction: 2 of 5 (Dissatisfied)");
    // All of it came over the socket: the page never read the ticket again.
    expect(reloads).toBe(0);
    await expectAccessible(page, "console ticket after live time and satisfaction");
    expect(problems).toEqual([]);
  });

  test("a manager opens the satisfaction answers from the reports, filters them by score and agent, and reads each answer's comment as text", async ({ page, problems }) => {
    const tag = unique();
    const agent1 = await tokenFor("agent1@example.com");
    const agent2 = await tokenFor("agent2@example.com");
    const customer = await tokenFor("customer1@example.com");
    const manager = await tokenFor("manager@example.com");
    /** A ticket of customer1's, assigned to `agent`, resolved and rated `score` with `comment`. */
    async function rated(agent: { token: string; user: { id: string } }, score: number, comment: string) {
      const t = await createTicket("customer1@example.com", { subject: `Rated ${score} ${tag}` });
      expect((await apiCall("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body: { assignee_id: agent.user.id } })).status).toBe(200);
      expect((await apiCall("PATCH", `/api/v1/tickets/${t.id}`, { token: agent.token, body: { status: "resolved" } })).status).toBe(200);
      expect((await apiCall("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: customer.token, body: { score, comment } })).status).toBe(200);
      return t;
    }
    const good = await rated(agent1, 5, `Brilliant ${tag}`);
    const bad = await rated(agent2, 1, `<img src=x onerror="window.pwned=1"> ${tag}`);

    await signIn(page, "/app", "manager@example.com", "/app/reports");
    await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible(LOADED);
    await page.getByRole("link", { name: "Satisfaction answers of the period" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Satisfaction answers" })).toBeVisible(LOADED);
    const table = page.getByTestId("ratings-table");
    const row = (t: { subject: string }) => table.getByRole("row").filter({ hasText: t.subject });
    // The list pages oldest first: these two answers are the newest, so read on until they show.
    const more = page.getByRole("button", { name: "More answers" });
    while (!(await row(bad).count()) && (await more.count())) await more.click();
    await expect(row(good)).toContainText("5 of 5 (Very satisfied)");
    await expect(row(good)).toContainText(`Brilliant ${tag}`);
    await expect(row(bad)).toContainText("1 of 5 (Very dissatisfied)");
    await expect(row(bad)).toContainText(`<img src=x onerror="window.pwned=1"> ${tag}`);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    // score_pct of the period, as the reports API counts it.
    const to = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date());
    const from = await page.getByLabel("From", { exact: true }).inputValue();
    const o = (await apiCall("GET", `/api/v1/reports/overview?from=${from}&to=${to}&tz=Europe%2FBerlin&granularity=month`, { token: manager.token })).body;
    await expect(page.getByTestId("satisfaction-share").locator(".figure-value")).toHaveText(o.satisfaction.score_pct === null ? "—" : `${o.satisfaction.score_pct} %`);
    await expectAccessible(page, "satisfaction answers");

    // Only score 1, by the second agent: the form's choices go to the API and into the URL.
    await page.getByLabel("Score", { exact: true }).selectOption({ label: "1 of 5 (Very dissatisfied)" });
    await page.getByLabel("Agent", { exact: true }).selectOption({ label: agent2.user.name });
    const asked = page.waitForRequest((r) => r.url().includes("/api/v1/satisfaction-ratings") && r.url().includes("score=1"));
    await page.getByRole("button", { name: "Show", exact: true }).click();
    const query = new URL((await asked).url()).searchParams;
    expect(query.get("agent_id")).toBe(agent2.user.id);
    await expect(page).toHaveURL(/score=1/);
    while (!(await row(bad).count()) && (await more.count())) await more.click();
    await expect(row(bad)).toBeVisible();
    await expect(row(good)).toHaveCount(0);
    for (const score of await table.locator("td.score").allTextContents()) expect(score).toBe("1 of 5 (Very dissatisfied)");
    await expect(page.getByTestId("satisfaction-share")).toContainText("answers in the period");
    await expectAccessible(page, "satisfaction answers filtered");

    // The ticket opens from its answer.
    await row(bad).getByRole("link").click();
    await expect(page.getByRole("heading", { level: 1, name: bad.subject })).toBeVisible(LOADED);
    expect(agent1.user.id).not.toBe(agent2.user.id);
    expect(problems).toEqual([]);
  });
});
