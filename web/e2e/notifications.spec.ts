import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, signedIn, unique, type Record_ } from "./helpers";

async function myId(page: Page): Promise<string> {
  const me = await apiCall<{ id: string }>(page, "GET", "/api/v1/auth/me");
  return me.data.id;
}

async function unread(page: Page): Promise<number> {
  return Number(await page.getByTestId("notification-bell").getAttribute("data-unread"));
}

test("a task the supervisor assigns counts up the agent's bell live", async ({ browser }) => {
  const supervisor = await signedIn(browser, USERS.supervisor, "/tasks");
  const agent = await signedIn(browser, USERS.agent2, "/");
  await expect.poll(() => unread(agent.page)).toBeGreaterThanOrEqual(0);
  const before = await unread(agent.page);
  const title = `Перезвонить ${unique()}`;

  const task = await apiCall<Record_>(supervisor.page, "POST", "/api/v1/tasks", {
    title,
    assignee_id: await myId(agent.page),
  });
  expect(task.status).toBe(201);
  await expect.poll(() => unread(agent.page)).toBe(before + 1);
  // The supervisor assigned it: their own bell does not count it.
  await expect(supervisor.page.getByTestId("notification-bell")).toBeVisible();

  // The center lists it; opening it leads to the task and marks it read.
  await agent.page.getByTestId("notification-bell").click();
  const item = agent.page.getByTestId("notification").filter({ hasText: title });
  await expect(item).toHaveAttribute("data-unread", "true");
  await expect(item).toContainText("Вам поручена задача");
  await item.click();
  await expect(agent.page).toHaveURL(new RegExp(`/tasks/${task.data.id}$`));
  await expect.poll(() => unread(agent.page)).toBe(before);

  await supervisor.context.close();
  await agent.context.close();
});

test("typing @ in a note offers employees; the mentioned agent's bell counts up live and leads to the record", async ({
  browser,
}) => {
  const supervisor = await signedIn(browser, USERS.supervisor);
  const contact = await apiCall<Record_>(supervisor.page, "POST", "/api/v1/contacts", {
    name: `Упоминание ${unique()}`,
  });
  expect(contact.status).toBe(201);
  await supervisor.page.goto(`/contacts/${contact.data.id}`);
  const agent = await signedIn(browser, USERS.agent2, "/");
  await expect.poll(() => unread(agent.page)).toBeGreaterThanOrEqual(0);
  const before = await unread(agent.page);

  const note = supervisor.page.getByLabel("Добавить заметку");
  await note.click();
  await note.pressSequentially("Проверь счёт, @");
  const picker = supervisor.page.getByTestId("mention-picker");
  await expect(picker.getByRole("option").first()).toBeVisible(); // employees, before any letter
  await note.pressSequentially("Alina");
  await picker.getByRole("option", { name: /Alina Agent/ }).click();
  const agentId = await myId(agent.page);
  await expect(note).toHaveValue(`Проверь счёт, @[Alina Agent](user:${agentId}) `);
  await supervisor.page.getByRole("button", { name: "Добавить заметку" }).click();
  // The note shows in the notes section and, once it arrives there, in the activity timeline.
  await expect(supervisor.page.locator(`[data-mention="${agentId}"]`).first()).toHaveText("@Alina Agent");

  await expect.poll(() => unread(agent.page), { timeout: 15_000 }).toBe(before + 1);
  await agent.page.getByTestId("notification-bell").click();
  const item = agent.page.getByTestId("notification").filter({ hasText: "Проверь счёт, @Alina Agent" });
  await expect(item).toHaveAttribute("data-kind", "mention");
  await expect(item).toContainText("Вас упомянули · Sofia Supervisor");
  await item.click();
  await expect(agent.page).toHaveURL(new RegExp(`/contacts/${contact.data.id}$`));

  await supervisor.context.close();
  await agent.context.close();
});
