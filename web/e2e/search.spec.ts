import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, createContact, login, unique } from "./helpers";

/** A random +7 916 number, as its seven local digits. */
function localDigits(): string {
  return String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
}

async function searchList(page: Page, text: string): Promise<void> {
  await page.getByLabel("Поиск", { exact: true }).fill(text);
}

test("contacts list: a number typed with 8 in front finds the contact in all three spellings", async ({ page }) => {
  const local = localDigits();
  const name = `Восьмёркин ${unique()}`;
  await login(page, USERS.agent1);
  await createContact(page, { name, phones: [{ type: "mobile", number: `+7916${local}` }] });
  await page.goto("/contacts");
  for (const typed of [
    `8916${local.slice(0, 3)}`,
    `8916${local}`,
    `8 (916) ${local.slice(0, 3)}-${local.slice(3, 5)}-${local.slice(5)}`,
  ]) {
    await searchList(page, typed);
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe(typed); // the search ran
    await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
  }
  // an empty result says nothing matches, not that there are no records
  await searchList(page, `нет такого ${unique()}`);
  await expect(page.getByText("Ничего не найдено", { exact: false })).toBeVisible();
  await expect(page.getByText("Записей пока нет")).toHaveCount(0);
});

test("contacts list: a typo in the name and part of the company, applied as you type", async ({ page }) => {
  const word = unique();
  const name = `Соколова ${word}`;
  await login(page, USERS.agent1);
  await createContact(page, { name, company: `Ромашка ${word}` });
  await page.goto("/contacts");
  await searchList(page, `Сколова ${word}`);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
  await searchList(page, "");
  // no Enter, no leaving the field: the filter applies once the typing settles
  await page.getByLabel("Компания").pressSequentially(word.slice(0, 6));
  await expect(page).toHaveURL(new RegExp(`company=${word.slice(0, 6)}`));
  await expect(page.getByRole("row", { name: new RegExp(name) })).toBeVisible();
});

test("search palette: Ctrl+K, grouped results, arrows, Enter and Esc, no mouse", async ({ page }) => {
  const word = unique();
  await login(page, USERS.supervisor);
  const local = localDigits();
  const contact = await createContact(page, {
    name: `Палитра ${word}`,
    company: "Северный ветер",
    phones: [{ type: "work", number: `+7916${local}` }],
  });
  const deal = await apiCall<{ id: string }>(page, "POST", "/api/v1/deals", {
    title: `Поставка ${word}`,
    contact_id: contact.id,
  });
  expect(deal.status).toBe(201);

  await page.keyboard.press("Control+k");
  const dialog = page.getByRole("dialog", { name: "Поиск" });
  await expect(dialog).toBeVisible();
  const box = dialog.getByRole("combobox", { name: "Поиск" });
  await expect(box).toBeFocused();
  await box.pressSequentially(word);

  const listbox = dialog.getByRole("listbox", { name: "Результаты" });
  const contacts = listbox.getByRole("group", { name: "Контакты" });
  const deals = listbox.getByRole("group", { name: "Сделки" });
  await expect(contacts.getByRole("option")).toHaveCount(1);
  await expect(contacts.getByRole("option")).toContainText(`Палитра ${word}`);
  await expect(deals.getByRole("option")).toContainText(`Поставка ${word}`);
  await expect(deals.getByRole("option")).toContainText("Новая"); // the stage in words
  const first = contacts.getByRole("option");
  await expect(first).toHaveAttribute("aria-selected", "true");
  await expect(box).toHaveAttribute("aria-activedescendant", (await first.getAttribute("id")) ?? "");

  await box.press("ArrowDown");
  await expect(deals.getByRole("option")).toHaveAttribute("aria-selected", "true");
  await box.press("ArrowDown"); // wraps around to the first hit
  await expect(first).toHaveAttribute("aria-selected", "true");
  await box.press("ArrowUp");
  await box.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/deals/${deal.data.id}$`));
  await expect(dialog).toHaveCount(0);

  // a phone number spelled with 8 finds the contact; Esc closes without leaving the page
  await page.keyboard.press("Control+k");
  await box.pressSequentially(`8 (916) ${local.slice(0, 3)}-${local.slice(3, 5)}`);
  await expect(listbox.getByRole("group", { name: "Контакты" })).toContainText(`Палитра ${word}`);
  await box.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`/deals/${deal.data.id}$`));

  await page.getByRole("button", { name: "Искать везде (Ctrl+K)" }).click();
  await box.pressSequentially(`ничего ${word}`);
  await expect(dialog.getByText("Ничего не найдено")).toBeVisible();
});
