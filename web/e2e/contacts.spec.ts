import { expect, test } from "@playwright/test";
import { USERS, login, randomPhone, unique } from "./helpers";

test("contact: create -> edit -> trash -> restore -> permanent delete, with field errors and history", async ({
  page,
}) => {
  const name = `Анна Петрова ${unique()}`;
  const phone = randomPhone();
  await login(page, USERS.supervisor);

  await page.getByRole("link", { name: "Контакты" }).first().click();
  await page.getByRole("link", { name: "Создать" }).click();
  await page.getByLabel("Имя").fill(name);
  await page.getByLabel("Компания").fill("Ромашка");
  await page.getByRole("button", { name: "Добавить телефон" }).click();
  await page.getByLabel("Номер 1").fill("12"); // not a phone number: the API names the field
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.getByText("Исправьте отмеченные поля.")).toBeVisible();
  const phoneInput = page.getByLabel("Номер 1");
  await expect(phoneInput).toHaveAttribute("aria-invalid", "true");

  await phoneInput.fill(phone.replace("+7", "8 ").replace(/(\d{3})(\d{3})(\d{2})(\d{2})$/, "($1) $2-$3-$4"));
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.locator('[data-field="phones"]')).toContainText(phone.slice(2, 5)); // stored E.164, shown formatted
  const url = page.url();

  // Edit
  await page.getByRole("link", { name: "Изменить" }).click();
  await page.getByLabel("Компания").fill("Лютик");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page).toHaveURL(url);
  await expect(page.locator('[data-field="company"]')).toContainText("Лютик");
  await expect(page.locator('[data-action="updated"]')).toContainText("Ромашка");

  // Trash
  await page.getByRole("button", { name: "В корзину" }).click();
  await expect(page.getByText("Запись в корзине")).toBeVisible();
  await page.goto("/contacts/trash");
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toBeVisible();

  // Restore
  await row.getByRole("button", { name: "Восстановить" }).click();
  await expect(row).toHaveCount(0);
  await page.goto("/contacts");
  await page.getByLabel("Поиск").fill(name);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();

  // Trash again, then delete permanently (with confirmation)
  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "В корзину" }).click();
  await expect(page.getByText("Запись в корзине")).toBeVisible();
  await page.getByRole("button", { name: "Удалить навсегда" }).click();
  const dialog = page.getByRole("dialog", { name: "Удалить навсегда?" });
  await expect(dialog).toContainText(name);
  await dialog.getByRole("button", { name: "Отмена" }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByRole("button", { name: "Удалить навсегда" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Удалить навсегда" }).click();
  await expect(page).toHaveURL(/\/contacts\/trash$/);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
  const gone = await page.request.get(url.replace(/.*\/contacts\//, "/api/v1/contacts/"));
  expect(gone.status()).toBe(404);
});

test("contacts list: search, filter, sort and pages", async ({ page }) => {
  const tag = `t${unique()}`;
  await login(page, USERS.agent1);
  const me = (await (await page.request.get("/api/v1/auth/me")).json()) as { csrf_token: string };
  for (let i = 0; i < 27; i += 1) {
    const res = await page.request.post("/api/v1/contacts", {
      data: { name: `Список ${tag} ${String(i).padStart(2, "0")}`, tags: [tag] },
      headers: { "X-CSRF-Token": me.csrf_token },
    });
    expect(res.status()).toBe(201);
  }
  await page.goto(`/contacts?tag=${tag}&sort=name`);
  const rows = page.getByRole("table", { name: "Контакты" }).locator("tbody tr");
  await expect(rows).toHaveCount(25);
  await expect(rows.first()).toContainText(`Список ${tag} 00`);
  await page.getByRole("button", { name: "Показать ещё" }).click();
  await expect(rows).toHaveCount(27);
  await page.getByRole("button", { name: /Сортировка/ }).click();
  await expect(rows.first()).toContainText(`Список ${tag} 26`);
  await page.getByLabel("Поиск").fill(`${tag} 1`);
  await expect(rows).toHaveCount(10);
});
