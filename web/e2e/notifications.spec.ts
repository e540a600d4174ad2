import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, shot, signedIn, unique, type Record_ } from "./helpers";

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
