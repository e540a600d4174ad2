import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, login, unique, type Record_ } from "./helpers";

test("main screens: deals board, tasks, and the phone-sized layout", async ({ page, browser }) => {
  await login(page, USERS.supervisor);
  const contact = await createContact(page, { name: `Клиент ${unique()}`, company: "Василёк" });
  const stages = ["new", "qualified", "proposal"];
  const titles: string[] = [];
  for (const [i, stage] of stages.entries()) {
    const title = `Поставка ${i + 1} ${unique()}`;
    titles.push(title);
    const deal = await apiCall<Record_>(page, "POST", "/api/v1/deals", {
      title,
      amount: `${(i + 1) * 125000}.00`,
      contact_id: contact.id,
    });
    expect(deal.status).toBe(201);
    let current = deal.data;
    for (const next of stages.slice(1, stages.indexOf(stage) + 1)) {
      const moved = await apiCall<Record_>(
        page,
        "PATCH",
        `/api/v1/deals/${current.id}`,
        { stage: next },
        { "If-Match": `"${current.version}"` },
      );
      expect(moved.status).toBe(200);
      current = moved.data;
    }
  }
  await page.goto("/deals");
  await expect(page.getByRole("region", { name: "Предложение" })).toBeVisible();
  // Move a deal with the keyboard-reachable menu; the pipeline rule limits the choices.
  const newColumn = page.getByRole("region", { name: "Новая" });
  await newColumn.getByRole("button", { name: `Перенести в: ${titles[0]}` }).click();
  await expect(page.getByRole("menuitem", { name: "Выиграна" })).toHaveCount(0);
  await page.getByRole("menuitem", { name: "Квалифицирована" }).click();
  await expect(page.getByRole("region", { name: "Квалифицирована" }).getByText(titles[0])).toBeVisible();
  await expect(newColumn.getByText(titles[0])).toHaveCount(0);

  const me = (await apiCall<{ id: string }>(page, "GET", "/api/v1/auth/me")).data;
  await apiCall(page, "POST", "/api/v1/tasks", {
    title: `Перезвонить ${unique()}`,
    assignee_id: me.id,
    due_at: new Date(Date.now() - 3600_000).toISOString(),
    priority: "high",
  });
  await page.goto("/tasks?tab=overdue");
  await expect(page.getByRole("row", { name: /Перезвонить/ }).first()).toBeVisible();
  // Due-date filters: whole calendar days in the employee's time zone.
  const word = unique();
  for (const [label, due] of [
    ["ранняя", "2033-05-10T12:00:00Z"],
    ["поздняя", "2033-05-20T12:00:00Z"],
  ]) {
    expect((await apiCall(page, "POST", "/api/v1/tasks", { title: `Срок ${label} ${word}`, due_at: due })).status).toBe(
      201,
    );
  }
  await page.goto(`/tasks?tab=all&q=${word}`);
  await expect(page.getByRole("row", { name: /Срок ранняя/ })).toBeVisible();
  await page.getByLabel("Срок с").fill("2033-05-15");
  await expect(page.getByRole("row", { name: /Срок поздняя/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Срок ранняя/ })).toHaveCount(0);
  await page.getByLabel("Срок с").fill("");
  await page.getByLabel("Срок по").fill("2033-05-10");
  await expect(page.getByRole("row", { name: /Срок ранняя/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Срок поздняя/ })).toHaveCount(0);

  // A number list with an entry typed the Russian way, stored as E.164.
  await page.goto("/number_lists/new");
  const listName = `VIP ${unique()}`;
  await page.getByLabel("Название").fill(listName);
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.getByRole("heading", { name: listName })).toBeVisible();
  await page.getByLabel("Номер", { exact: true }).fill("8 (916) 555-12-34");
  await page.getByRole("button", { name: "Добавить номер" }).click();
  await expect(page.getByText("+7 916 555-12-34")).toBeVisible();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  await login(mobile, USERS.agent1);
  await mobile.goto(`/contacts/${contact.id}`);
  await expect(mobile.getByRole("heading", { name: String(contact.name) })).toBeVisible();
  await mobile.getByRole("button", { name: "Меню" }).click();
  await expect(mobile.getByRole("link", { name: "Сделки" })).toBeVisible();
  await phone.close();
});
