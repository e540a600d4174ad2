import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, login, shot, unique, type Record_ } from "./helpers";

test("main screens: deals board, tasks, and the phone-sized layout", async ({ page, browser }) => {
  await login(page, USERS.supervisor);
  const contact = await createContact(page, { name: `Клиент ${unique()}`, company: "Василёк" });
  const stages = ["new", "qualified", "proposal"];
  for (const [i, stage] of stages.entries()) {
    const deal = await apiCall<Record_>(page, "POST", "/api/v1/deals", { title: `Поставка ${i + 1} ${unique()}`, amount: `${(i + 1) * 125000}.00`, contact_id: contact.id });
    expect(deal.status).toBe(201);
    let current = deal.data;
    for (const next of stages.slice(1, stages.indexOf(stage) + 1)) {
      const moved = await apiCall<Record_>(page, "PATCH", `/api/v1/deals/${current.id}`, { stage: next }, { "If-Match": `"${current.version}"` });
      expect(moved.status).toBe(200);
      current = moved.data;
    }
  }
  await page.goto("/deals");
  await expect(page.getByRole("region", { name: "Предложение" })).toBeVisible();
  await shot(page, "deals-board");

  const me = (await apiCall<{ id: string }>(page, "GET", "/api/v1/auth/me")).data;
  await apiCall(page, "POST", "/api/v1/tasks", { title: `Перезвонить ${unique()}`, assignee_id: me.id, due_at: new Date(Date.now() - 3600_000).toISOString(), priority: "high" });
  await page.goto("/tasks?tab=overdue");
  await expect(page.getByRole("row", { name: /Перезвонить/ }).first()).toBeVisible();
  await shot(page, "tasks-overdue");

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  await login(mobile, USERS.agent1);
  await mobile.goto(`/contacts/${contact.id}`);
  await expect(mobile.getByRole("heading", { name: String(contact.name) })).toBeVisible();
  await shot(mobile, "mobile-contact");
  await mobile.getByRole("button", { name: "Меню" }).click();
  await expect(mobile.getByRole("link", { name: "Сделки" })).toBeVisible();
  await shot(mobile, "mobile-menu");
  await phone.close();
});
