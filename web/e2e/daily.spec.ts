/** What a daily user hits (issue 20, part A): each test here failed before its fix. */
import { expect, test, type Locator, type Page } from "@playwright/test";
import { USERS, apiCall, createContact, login, randomPhone, signedIn, unique, type Record_ } from "./helpers";

const PBX = process.env.SB_PBXSIM_URL ?? "http://127.0.0.1:18102";

async function pbxCall(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${PBX}/control/calls`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
}

async function callFrom(page: Page, phone: string): Promise<Record_> {
  let call: Record_ | undefined;
  await expect(async () => {
    const res = await apiCall<{ items: Record_[] }>(page, "GET", "/api/v1/calls?sort=-created_at&limit=20");
    call = res.data.items.find((c) => c.from_number === phone && c.status !== "ringing");
    expect(call).toBeDefined();
  }).toPass({ timeout: 45_000, intervals: [1000] });
  return call!;
}

/** The number a dial request asked for, digits only. */
async function dialedBy(page: Page, click: () => Promise<void>): Promise<string> {
  const request = page.waitForRequest((r) => r.url().endsWith("/api/v1/calls/dial") && r.method() === "POST");
  await click();
  const body = (await request).postDataJSON() as { to_number: string };
  return body.to_number.replace(/\D/g, "");
}

function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  expect(found).not.toBeNull();
  return found!;
}

async function patchDeal(page: Page, deal: Record_, stage: string): Promise<Record_> {
  const res = await apiCall<Record_>(
    page,
    "PATCH",
    `/api/v1/deals/${deal.id}`,
    { stage },
    { "If-Match": `"${deal.version}"` },
  );
  expect(res.status, JSON.stringify(res.data)).toBe(200);
  return res.data;
}

test("calling back dials the caller, from the call log and from the missed-call popup; no raw codes", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1); // extension 102
  const phone = randomPhone();
  await pbxCall({
    direction: "inbound",
    outcome: "missed",
    extension: "102",
    number: phone.slice(1),
    ring_seconds: 6,
    record: false,
    delivery: { gap: 2 },
  });
  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toContainText("Пропущенный звонок", { timeout: 30_000 });
  const fromPopup = await dialedBy(anton.page, () => popup.getByRole("button", { name: "Перезвонить" }).click());
  expect(fromPopup).toBe(phone.slice(1));
  await popup.getByRole("button", { name: "Скрыть" }).click();

  const call = await callFrom(anton.page, phone);
  await anton.page.goto(`/calls/${call.id}`);
  // The company's own line is shown, never offered for dialling; the caller is.
  const to = anton.page.locator('[data-field="to_number"]');
  await expect(to.getByTestId("company-line")).toBeVisible();
  await expect(to.getByRole("button")).toHaveCount(0);
  const from = anton.page.locator('[data-field="from_number"]');
  expect(await dialedBy(anton.page, () => from.getByRole("button", { name: /^Позвонить/ }).click())).toBe(
    phone.slice(1),
  );
  // The disconnect reason in words; nothing raw anywhere on the call's page.
  const reason = anton.page.locator('[data-field="disconnect_reason"]');
  await expect(reason).not.toHaveText(/\d{3,}/);
  await expect(reason).not.toHaveText("—");
  const main = anton.page.locator("#main");
  await expect(main).toContainText("АТС");
  for (const raw of ["in_progress", "ringing ->", "missed", "pending", "stored", "✗", "✓", "Система изменил(а)"])
    await expect(main).not.toContainText(raw);

  // In the call log, the row's only call button dials the caller too.
  await anton.page.goto("/calls");
  const row = anton.page.locator(`tr[data-id="${call.id}"]`);
  await expect(row.getByRole("button", { name: /^Позвонить/ })).toHaveCount(1);
  expect(await dialedBy(anton.page, () => row.getByRole("button", { name: /^Позвонить/ }).click())).toBe(
    phone.slice(1),
  );
  await anton.context.close();
});

test("the call popup follows the answered call, takes a quick note, and leaves the home cards uncovered", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1);
  await anton.page.setViewportSize({ width: 1280, height: 800 });
  const phone = randomPhone();
  const name = `Звонящий ${unique()}`;
  await createContact(anton.page, { name, phones: [{ type: "mobile", number: phone }] });
  await pbxCall({
    direction: "inbound",
    outcome: "answered",
    extension: "102",
    number: phone.slice(1),
    ring_seconds: 4,
    talk_seconds: 20,
    record: false,
    delivery: { gap: 2 },
  });
  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toBeVisible({ timeout: 15_000 });
  await expect(popup.getByTestId("call-phase")).toHaveText("Идёт разговор", { timeout: 30_000 });
  // Nothing of the home page lies under the popup.
  const popupBox = await box(popup);
  for (const card of await anton.page.locator("#main section").all()) {
    expect(overlaps(popupBox, await box(card))).toBe(false);
  }
  const note = `Обсудили поставку ${unique()}`;
  await popup.getByRole("textbox", { name: "Заметка о звонке" }).fill(note);
  await popup.getByRole("button", { name: "Сохранить заметку" }).click();
  await expect(anton.page.getByText("Заметка сохранена")).toBeVisible();
  const call = await callFrom(anton.page, phone);
  const notes = await apiCall<{ items: Record_[] }>(
    anton.page,
    "GET",
    `/api/v1/notes?related_type=calls&related_id=${call.id}`,
  );
  expect(notes.data.items.map((n) => n.body)).toContain(note);
  // The call ends: the popup closes (its note is saved) and the wrap-up is offered, which can
  // wait. The test sees its own call through, so no prompt of it reaches a later test's page.
  const wrapUp = anton.page.getByRole("dialog", { name: "Итоги звонка" });
  await expect(wrapUp).toBeVisible({ timeout: 45_000 });
  await expect(wrapUp).toContainText(name);
  await expect(popup).toHaveCount(0, { timeout: 10_000 });
  await wrapUp.getByRole("button", { name: "Позже" }).click();
  await expect(wrapUp).toHaveCount(0);
  await anton.context.close();
});

test("a due date without a time is kept, as the end of that day", async ({ page }) => {
  await login(page, USERS.agent1);
  await page.goto("/tasks/new");
  const title = `Сдать отчёт ${unique()}`;
  await expect(page.getByLabel("Название")).toBeFocused(); // the keyboard starts in the first field
  await page.getByLabel("Название").fill(title);
  await page.getByLabel("Срок").fill("2031-05-05");
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  await expect(page.locator('[data-field="due_at"]')).toContainText("5 мая 2031");
  await expect(page.locator('[data-field="due_at"]')).toContainText("23:59");
});

test("the contact page lists the contact's deals; pickers tell same-name contacts apart; amount starts empty", async ({
  page,
}) => {
  await login(page, USERS.supervisor);
  const name = `Иван Тёзкин ${unique()}`;
  const first = await createContact(page, { name, company: "Ромашка" });
  await createContact(page, { name, company: "Лютик" });
  const title = `Поставка ${unique()}`;
  const deal = await apiCall<Record_>(page, "POST", "/api/v1/deals", {
    title,
    amount: "125000.00",
    contact_id: first.id,
  });
  expect(deal.status).toBe(201);
  await page.goto(`/contacts/${first.id}`);
  const deals = page.getByTestId("contact-deals");
  await expect(deals).toContainText(title);
  await expect(deals).toContainText("Новая");
  await expect(deals).toContainText("125");

  await page.goto("/deals/new");
  const amount = page.getByLabel("Сумма");
  await expect(amount).toHaveValue("");
  await amount.fill("350000");
  await expect(amount).toHaveValue("350000");
  await page.getByRole("textbox", { name: "Контакт" }).fill(name);
  await expect(page.getByRole("option", { name: `${name} · Ромашка` })).toBeVisible();
  await expect(page.getByRole("option", { name: `${name} · Лютик` })).toBeVisible();
  await page.getByRole("option", { name: `${name} · Ромашка` }).click();
  await page.getByLabel("Название").fill(`Сделка ${unique()}`);
  await page.getByRole("button", { name: "Создать" }).click();
  // The "created" toast covers none of the record's buttons.
  const toast = page.getByText("Создано", { exact: true });
  await expect(toast).toBeVisible();
  const toastBox = await box(toast);
  for (const button of [page.getByRole("link", { name: "Изменить" }), page.getByRole("button", { name: "В корзину" })])
    expect(overlaps(toastBox, await box(button))).toBe(false);
  await expect(page.locator('[data-field="amount"]')).toContainText("350");
  await expect(page.locator('[data-field="contact_id"]')).toContainText(name);
});

test("leaving a half-filled form asks first", async ({ page }) => {
  await login(page, USERS.agent1);
  await page.goto("/contacts/new");
  await page.getByLabel("Имя").fill("Наполовину заполнен");
  await page.getByRole("link", { name: "Сделки" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Уйти без сохранения?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Остаться" }).click();
  await expect(page).toHaveURL(/\/contacts\/new$/);
  await expect(page.getByLabel("Имя")).toHaveValue("Наполовину заполнен");
  await page.getByRole("link", { name: "Сделки" }).first().click();
  await page.getByRole("dialog").getByRole("button", { name: "Уйти без сохранения" }).click();
  await expect(page).toHaveURL(/\/deals$/);
  // An untouched form leaves without asking.
  await page.goto("/contacts/new");
  await page.getByRole("link", { name: "Задачи" }).first().click();
  await expect(page).toHaveURL(/\/tasks$/);
});

test("keyboard focus follows moves, trash and restore; dialogs' close buttons are named; stages agree", async ({
  page,
}) => {
  await login(page, USERS.supervisor);
  const title = `Фокус ${unique()}`;
  const created = await apiCall<Record_>(page, "POST", "/api/v1/deals", { title });
  expect(created.status).toBe(201);

  // Board: the move menu, then focus on the moved card in its new column.
  await page.goto("/deals");
  await page
    .getByRole("region", { name: "Новая" })
    .getByRole("button", { name: `Перенести в: ${title}` })
    .click();
  await page.getByRole("menuitem", { name: "Квалифицирована" }).click();
  const target = page.getByRole("region", { name: "Квалифицирована" });
  await expect(target.getByRole("button", { name: `Перенести в: ${title}` })).toBeFocused();

  // The edit form offers the stages the board does from where the deal is.
  await page.goto(`/deals/${created.data.id}/edit`);
  await expect(page.getByLabel("Название")).toBeFocused();
  await page.getByRole("textbox", { name: "Этап" }).click();
  const options = page.getByRole("option");
  await expect(options).toHaveText(["Квалифицирована", "Новая", "Предложение", "Проиграна"]);
  await page.keyboard.press("Escape");

  // Trash, then restore: focus lands on the next thing to do, never on the page body.
  await page.goto(`/deals/${created.data.id}`);
  await page.getByRole("button", { name: "В корзину" }).click();
  await expect(page.getByRole("button", { name: "Восстановить" })).toBeFocused();
  await page.getByRole("button", { name: "Восстановить" }).click();
  await expect(page.getByRole("link", { name: "Изменить" })).toBeFocused();

  // The confirmation dialog's close button has a name.
  await page.getByRole("button", { name: "В корзину" }).click();
  await page.getByRole("button", { name: "Удалить навсегда" }).click();
  const dialog = page.getByRole("dialog", { name: "Удалить навсегда?" });
  await expect(dialog.getByRole("button", { name: "Закрыть" })).toBeVisible();
  await dialog.getByRole("button", { name: "Закрыть" }).click();

  // A won deal has its move button, which says why it stays.
  let won = (await apiCall<Record_>(page, "POST", "/api/v1/deals", { title: `Победа ${unique()}` })).data;
  for (const stage of ["qualified", "proposal", "won"]) won = await patchDeal(page, won, stage);
  await page.goto("/deals");
  await page
    .getByRole("region", { name: "Выиграна" })
    .getByRole("button", { name: `Перенести в: ${String(won.title)}` })
    .click();
  await expect(page.getByText("Выигранная сделка закрыта")).toBeVisible();
});

test("history and validation speak the interface language: stages, roles, names, deleted records", async ({
  browser,
}) => {
  const admin = await signedIn(browser, USERS.admin);
  const page = admin.page;
  const deal = (await apiCall<Record_>(page, "POST", "/api/v1/deals", { title: `История ${unique()}` })).data;
  await patchDeal(page, deal, "qualified");
  await page.goto(`/deals/${deal.id}`);
  // A deal's changes are in its activity timeline, next to its calls, notes and tasks.
  const history = page.getByRole("region", { name: "Активность" });
  await expect(history).toContainText("Этап: Новая → Квалифицирована");
  await expect(history).not.toContainText("qualified");

  const email = `role-${unique()}@example.test`;
  const user = await apiCall<Record_>(page, "POST", "/api/v1/users", {
    email,
    full_name: "Роль Меняется",
    role: "agent",
    password: "switchboard-demo",
  });
  expect(user.status).toBe(201);
  const changed = await apiCall(
    page,
    "PATCH",
    `/api/v1/users/${user.data.id}`,
    { role: "supervisor" },
    { "If-Match": user.etag ?? "" },
  );
  expect(changed.status).toBe(200);
  await page.goto(`/users/${user.data.id}`);
  await expect(page.locator("#main")).toContainText("Оператор → Руководитель");
  await expect(page.locator("#main")).not.toContainText("agent →");

  // The API's validator messages appear in Russian.
  await page.goto("/contacts/new");
  await page.getByLabel("Имя").fill("Проверка");
  await page.getByRole("button", { name: "Добавить телефон" }).click();
  await page.getByLabel("Номер 1").fill("12345");
  await page.getByRole("button", { name: "Создать" }).click();
  await expect(page.getByText("Неверный номер телефона")).toBeVisible();
  await expect(page.locator("#main")).not.toContainText("is not a valid");
  await admin.context.close();
});

/**
 * The words of badges and short labels under `scope` that do not all show: wider than their
 * own box (Mantine's ellipsis), cut by a clipping ancestor, or past the viewport's edge with
 * no scrolling ancestor to bring them in (a board's next column is scrolled to, not cut).
 */
async function clippedLabels(scope: Locator): Promise<string[]> {
  return scope.evaluateAll((roots) => {
    const cut: string[] = [];
    const outside = (inner: DOMRect, outer: DOMRect) => inner.left < outer.left - 1 || inner.right > outer.right + 1;
    for (const root of roots)
      for (const el of Array.from(root.querySelectorAll<HTMLElement>("*"))) {
        const label = el.matches(".mantine-Badge-root, .mantine-Badge-label");
        if (!label && getComputedStyle(el).textOverflow !== "ellipsis") continue;
        const rect = el.getBoundingClientRect();
        if (rect.width === 0 && rect.height === 0) continue; // not rendered
        let clipped = el.scrollWidth > el.clientWidth + 1;
        let scrolled = false;
        for (let up = el.parentElement; up && !clipped && up !== document.body; up = up.parentElement) {
          const overflow = getComputedStyle(up).overflowX;
          scrolled = overflow === "auto" || overflow === "scroll";
          if (scrolled) break;
          if (overflow !== "visible") clipped = outside(rect, up.getBoundingClientRect());
        }
        if (!clipped && !scrolled) clipped = outside(rect, new DOMRect(0, 0, window.innerWidth, 1));
        if (clipped) cut.push(el.textContent ?? "");
      }
    return cut;
  });
}

/** Words under `scope` folded across two lines (a squeezed column breaks "компани-и"). */
async function brokenWords(scope: Locator): Promise<string[]> {
  return scope.evaluateAll((roots) => {
    const broken: string[] = [];
    for (const root of roots) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const word of (node.textContent ?? "").matchAll(/[\p{L}\d]+/gu)) {
          const range = document.createRange();
          range.setStart(node, word.index);
          range.setEnd(node, word.index + word[0].length);
          const lines = new Set(
            Array.from(range.getClientRects())
              .filter((r) => r.width > 0)
              .map((r) => Math.round(r.top)),
          );
          if (lines.size > 1) broken.push(word[0]);
        }
      }
    }
    return broken;
  });
}

/** How far the widest table on the page runs past its scrolling box (0: it fits). */
async function tableOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    let worst = 0;
    for (const table of Array.from(document.querySelectorAll<HTMLElement>("#main table")))
      for (let up = table.parentElement; up; up = up.parentElement)
        if (["auto", "scroll"].includes(getComputedStyle(up).overflowX)) {
          worst = Math.max(worst, up.scrollWidth - up.clientWidth);
          break;
        }
    return worst;
  });
}

/** A missed call from `phone` to the supervisor's extension (101), once it is in the call log. */
async function missedCallFrom(page: Page, phone: string): Promise<Record_> {
  await pbxCall({
    direction: "inbound",
    outcome: "missed",
    extension: "101",
    number: phone.slice(1),
    ring_seconds: 2,
    record: false,
    delivery: { gap: 0.5 },
  });
  let call: Record_ | undefined;
  await expect(async () => {
    const res = await apiCall<{ items: Record_[] }>(page, "GET", "/api/v1/calls?sort=-created_at&limit=20");
    call = res.data.items.find((c) => c.from_number === phone && c.status === "missed" && c.is_final === true);
    expect(call).toBeDefined();
  }).toPass({ timeout: 45_000, intervals: [1000] });
  return call!;
}

/**
 * Every screen a call's status badge shows on, and the version-conflict dialog (last: it
 * leaves a half-filled form), each with nothing clipped.
 */
async function expectCallScreensWhole(page: Page, call: Record_, contact: Record_): Promise<void> {
  const main = page.locator("#main");
  await page.goto("/calls");
  await expect(page.locator(`[data-id="${call.id}"]`)).toContainText("Пропущен");
  expect(await clippedLabels(main), "the call log").toEqual([]);
  expect(await brokenWords(main), "the call log").toEqual([]);
  expect(await tableOverflow(page), "the call log's columns fit").toBeLessThanOrEqual(1);
  await page.goto("/calls?status=missed");
  await expect(page.locator(`[data-id="${call.id}"]`)).toContainText("Пропущен");
  expect(await clippedLabels(main), "missed calls").toEqual([]);
  await page.goto(`/calls/${call.id}`);
  await expect(page.locator('[data-field="status"]')).toContainText("Пропущен");
  expect(await clippedLabels(main), "the call's page").toEqual([]);
  await page.goto(`/contacts/${contact.id}`);
  await expect(page.getByRole("region", { name: "Активность" })).toContainText("Пропущен");
  expect(await clippedLabels(main), "the contact's page and timeline").toEqual([]);
  await page.goto("/");
  await expect(page.getByRole("region", { name: "Пропущенные звонки" })).toBeVisible();
  expect(await clippedLabels(main), "the home page's cards").toEqual([]);
  await page.getByTestId("notification-bell").click();
  const center = page.getByRole("dialog", { name: "Уведомления" });
  await expect(center.getByTestId("notification").first()).toBeVisible();
  expect(await clippedLabels(center), "the notification center").toEqual([]);
  await page.keyboard.press("Escape");

  // The conflict dialog: the company changed under the open form, and this form changed it too.
  const current = (await apiCall<Record_>(page, "GET", `/api/v1/contacts/${contact.id}`)).data;
  await page.goto(`/contacts/${contact.id}/edit`);
  await expect(page.getByLabel("Компания")).toHaveValue(String(current.company));
  const theirs = await apiCall(
    page,
    "PATCH",
    `/api/v1/contacts/${contact.id}`,
    { company: `Другое очень длинное название компании ${unique()}`, job_title: "Главный инженер" },
    { "If-Match": `"${current.version}"` },
  );
  expect(theirs.status).toBe(200);
  await page.getByLabel("Компания").fill(`Моё название ${unique()}`);
  await page.getByRole("button", { name: "Сохранить" }).click();
  const dialog = page.getByRole("dialog", { name: "Запись изменил кто-то другой" });
  await expect(dialog.locator('[data-field="company"]')).toContainText("Вы оба изменили это поле");
  expect(await clippedLabels(dialog), "the conflict dialog").toEqual([]);
}

test("layout at 1280 px: badges, numbers and trash actions whole; on a phone: cards, folded filters, Esc", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await wide.newPage();
  await login(page, USERS.supervisor);
  const word = unique();
  const task = await apiCall(page, "POST", "/api/v1/tasks", { title: `Ширина ${word}`, priority: "high" });
  expect(task.status).toBe(201);
  const contact = await createContact(page, {
    name: `Ширина ${word}`,
    company: "Очень длинное название компании для проверки",
    phones: [{ type: "mobile", number: randomPhone() }],
    emails: [`very.long.address.${word}@example.test`],
  });
  const callerPhone = randomPhone();
  const caller = await createContact(page, {
    name: `Константин Звонарёв-Пропущенный ${unique()}`,
    company: "Очень длинное название компании звонящего",
    phones: [{ type: "mobile", number: callerPhone }],
  });
  const missed = await missedCallFrom(page, callerPhone);
  await page.goto(`/tasks?tab=all&q=${word}`);
  await expect(page.getByRole("row", { name: `Ширина ${word}` })).toBeVisible();
  expect(await clippedLabels(page.locator("#main")), "the task list").toEqual([]);

  await page.goto(`/contacts?q=${word}`);
  await expect(page.getByRole("row", { name: new RegExp(word) })).toBeVisible();
  // A long company and e-mail fold between words, and the columns fit.
  expect(await brokenWords(page.locator("#main")), "the contact list").toEqual([]);
  expect(await tableOverflow(page), "the contact list's columns fit").toBeLessThanOrEqual(1);
  const wrapped = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('#main td a[href^="tel:"]'))
      .filter((el) => el.getClientRects().length > 1)
      .map((el) => el.textContent),
  );
  expect(wrapped).toEqual([]);

  const trashed = await apiCall(page, "DELETE", `/api/v1/contacts/${contact.id}`, undefined, {
    "If-Match": `"${contact.version}"`,
  });
  expect(trashed.status).toBeLessThan(300);
  await page.goto(`/contacts/trash?q=${word}`);
  const row = page.getByRole("row", { name: new RegExp(word) });
  for (const name of ["Восстановить", "Удалить навсегда"]) {
    const action = row.getByRole("button", { name });
    const b = await box(action);
    expect(b.x + b.width).toBeLessThanOrEqual(1280);
    // Nothing (a scroll container's edge) hides it: its centre is the button itself.
    const hit = await page.evaluate(
      ([x, y]) => document.elementFromPoint(x, y)?.closest("button")?.getAttribute("aria-label") ?? null,
      [b.x + b.width / 2, b.y + b.height / 2],
    );
    expect(hit).toBe(name);
  }
  await expectCallScreensWhole(page, missed, caller);
  await wide.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  await login(mobile, USERS.supervisor);
  await createContact(mobile, { name: `Телефон ${word}`, phones: [{ type: "mobile", number: randomPhone() }] });
  await mobile.goto(`/contacts?q=${word}`);
  await expect(mobile.getByRole("listitem").filter({ hasText: word }).first()).toBeVisible();
  await expect(mobile.getByRole("table")).toHaveCount(0);
  expect(await mobile.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Filters fold behind one button, so the list starts on the first screen.
  await expect(mobile.getByRole("textbox", { name: "Ответственный" })).toBeHidden();
  await mobile.getByRole("button", { name: "Фильтры" }).click();
  await expect(mobile.getByRole("textbox", { name: "Ответственный" })).toBeVisible();
  // Esc closes the menu.
  await mobile.getByRole("button", { name: "Меню" }).click();
  const nav = mobile.getByRole("navigation", { name: "Меню" });
  await expect.poll(() => nav.evaluate((el) => el.getBoundingClientRect().right)).toBeGreaterThan(0);
  await mobile.keyboard.press("Escape");
  await expect.poll(() => nav.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(0);
  await expectCallScreensWhole(mobile, missed, caller);
  await phone.close();
});
