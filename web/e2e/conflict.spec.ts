import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, signedIn, unique, type Record_ } from "./helpers";

test("an edit conflict shows the other person's change and offers reload or overwrite", async ({ browser }) => {
  const a = await signedIn(browser, USERS.agent1);
  const b = await signedIn(browser, USERS.agent2);
  const contact = await createContact(a.page, { name: `Конфликт ${unique()}`, company: "Исходная" });

  await a.page.goto(`/contacts/${contact.id}/edit`);
  await b.page.goto(`/contacts/${contact.id}/edit`);
  await expect(a.page.getByLabel("Компания")).toHaveValue("Исходная");
  await expect(b.page.getByLabel("Компания")).toHaveValue("Исходная");

  await a.page.getByLabel("Компания").fill("Версия Антона");
  await a.page.getByRole("button", { name: "Сохранить" }).click();
  await expect(a.page.locator('[data-field="company"]')).toContainText("Версия Антона");

  // B still edits the old version: saving meets a 412 and the dialog.
  await b.page.getByLabel("Компания").fill("Версия Алины");
  await b.page.getByLabel("Должность").fill("Менеджер");
  await b.page.getByRole("button", { name: "Сохранить" }).click();
  const dialog = b.page.getByRole("dialog", { name: "Запись изменил кто-то другой" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Anton Agent");
  const row = dialog.locator('[data-field="company"]');
  await expect(row).toContainText("Версия Антона");
  await expect(row).toContainText("Версия Алины");
  await expect(row).toContainText("Вы оба изменили это поле");

  // Reload: B's form now shows Anton's version; B's edits are gone.
  await dialog.getByRole("button", { name: "Загрузить их версию" }).click();
  await expect(b.page.getByLabel("Компания")).toHaveValue("Версия Антона");
  await expect(b.page.getByLabel("Должность")).toHaveValue("");

  // A saves again; this time B overwrites.
  const current = await apiCall<Record_>(a.page, "GET", `/api/v1/contacts/${contact.id}`);
  const patched = await apiCall<Record_>(
    a.page,
    "PATCH",
    `/api/v1/contacts/${contact.id}`,
    { job_title: "Директор" },
    { "If-Match": `"${current.data.version}"` },
  );
  expect(patched.status).toBe(200);
  await b.page.getByLabel("Компания").fill("Окончательная");
  await b.page.getByRole("button", { name: "Сохранить" }).click();
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[data-field="job_title"]')).toContainText("Директор");
  await dialog.getByRole("button", { name: "Всё равно сохранить моё" }).click();
  await expect(b.page.locator('[data-field="company"]')).toContainText("Окончательная");
  // The other person's change to another field survives the overwrite.
  await expect(b.page.locator('[data-field="job_title"]')).toContainText("Директор");
  const final = await apiCall<Record_>(a.page, "GET", `/api/v1/contacts/${contact.id}`);
  expect(final.data.company).toBe("Окончательная");
  expect(final.data.job_title).toBe("Директор");

  await a.context.close();
  await b.context.close();
});
