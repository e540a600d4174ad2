import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, createContact, shot, signedIn, unique, type Record_ } from "./helpers";

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
  await shot(agent.page, "notifications");
  await item.click();
  await expect(agent.page).toHaveURL(new RegExp(`/tasks/${task.data.id}$`));
  await expect.poll(() => unread(agent.page)).toBe(before);

  await supervisor.context.close();
  await agent.context.close();
});

test("the @ picker mentions a colleague; the contact's timeline shows the note live", async ({ browser }) => {
  const author = await signedIn(browser, USERS.agent1, "/");
  const mentioned = await signedIn(browser, USERS.agent2, "/");
  const contact = await createContact(author.page, { name: `Хроника ${unique()}` });
  await author.page.goto(`/contacts/${contact.id}`);
  await mentioned.page.goto(`/contacts/${contact.id}`);
  const timeline = mentioned.page.getByTestId("activity-timeline");
  await expect(timeline.locator('[data-kind="change"]')).toHaveCount(1);
  const before = await unread(mentioned.page);

  const note = author.page.getByLabel("Добавить заметку");
  await note.click();
  await note.pressSequentially("Перезвони клиенту @Ali");
  const picker = author.page.getByTestId("mention-picker");
  await expect(picker.getByRole("option", { name: /Alina Agent/ })).toBeVisible();
  await note.press("Enter");
  await expect(note).toHaveValue(/@\[Alina Agent\]\(user:[0-9a-f-]{36}\) $/);
  await author.page.getByRole("button", { name: "Добавить заметку" }).click();

  // Live on the other viewer's timeline, the mention shown by name; their bell counts up.
  const item = timeline.locator('[data-kind="note"]');
  await expect(item).toContainText("Перезвони клиенту @Alina Agent");
  await expect.poll(() => unread(mentioned.page)).toBe(before + 1);
  await mentioned.page.getByTestId("notification-bell").click();
  await expect(mentioned.page.getByTestId("notification").first()).toContainText("Вас упомянули");
  await shot(mentioned.page, "timeline");

  // The kind filter narrows the timeline.
  await mentioned.page.keyboard.press("Escape");
  await timeline.getByText("Изменение", { exact: true }).first().click();
  await expect(timeline.locator('[data-kind="note"]')).toHaveCount(0);
  await expect(timeline.locator('[data-kind="change"]')).toHaveCount(1);

  await author.context.close();
  await mentioned.context.close();
});
