/**
 * The README's screenshots (`make screenshots`), taken from the demo data `make run` loads:
 * the demo accounts, their contacts, deals, tasks and the calls the PBX simulator played. The
 * launcher starts a fresh stack and seeds it; each test here shows one screen as a new
 * employee sees it and writes docs/screenshots/<name>.png. The order matters where a screen
 * changes the data (the call that answers Dmitry closes his call-back task; the edit
 * conflict changes a contact): those come after the screens that show the data as seeded.
 */
import { expect, test, type Page } from "@playwright/test";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { USERS, apiCall, login, signedIn, type Record_ } from "../e2e/helpers";

const DIR = fileURLToPath(new URL("../../docs/screenshots", import.meta.url));
const PBX = process.env.SB_PBXSIM_URL ?? "http://127.0.0.1:18102";
const PHONE = { width: 390, height: 844 };

/** The demo's people (infra/local/demo.py) and the numbers they call from. */
const IRINA = "Ирина Соколова";
const DMITRY = "Дмитрий Орлов";
const SERGEY = "Сергей Волков";
const DMITRY_NUMBER = "79162345678";

async function shot(page: Page, name: string): Promise<void> {
  // Settle: no request in flight, no animation half-way.
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(DIR, `${name}.png`), fullPage: false });
}

async function contactNamed(page: Page, name: string): Promise<Record_> {
  const res = await apiCall<{ items: Record_[] }>(page, "GET", `/api/v1/contacts?q=${encodeURIComponent(name)}`);
  const found = res.data.items.find((c) => c.name === name);
  expect(found, `the demo contact ${name}`).toBeTruthy();
  return found!;
}

test("login", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Вход в Switchboard" })).toBeVisible();
  await shot(page, "login");
});

test("home", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1);
  await expect(anton.page.getByRole("heading", { name: /Здравствуйте/ })).toBeVisible();
  await expect(anton.page.getByText(`Перезвонить: ${IRINA}`).first()).toBeVisible();
  await shot(anton.page, "home");
  await anton.context.close();
});

test("contacts list and the contact form", async ({ browser }) => {
  const admin = await signedIn(browser, USERS.admin, "/contacts");
  const rows = admin.page.getByRole("table", { name: "Контакты" }).locator("tbody tr");
  await expect(rows).toHaveCount(5);
  await shot(admin.page, "contacts-list");
  await admin.page.goto("/contacts/new");
  await admin.page.getByLabel("Имя").fill("Мария Белова");
  await admin.page.getByLabel("Компания").fill("Типография «Лист»");
  await admin.page.getByLabel("Должность").fill("Офис-менеджер");
  await shot(admin.page, "contact-form");
  await admin.context.close();
});

test("contact with its timeline, and who else is looking", async ({ browser }) => {
  const sofia = await signedIn(browser, USERS.supervisor);
  const irina = await contactNamed(sofia.page, IRINA);
  await sofia.page.goto(`/contacts/${irina.id}`);
  await expect(sofia.page.getByRole("heading", { name: IRINA })).toBeVisible();
  await shot(sofia.page, "contact-detail");
  const anton = await signedIn(browser, USERS.agent1, `/contacts/${irina.id}`);
  await expect(sofia.page.getByTestId("presence")).toContainText("Anton Agent");
  await shot(sofia.page, "presence");
  await anton.context.close();
  await sofia.context.close();
});

test("deals board", async ({ browser }) => {
  const sofia = await signedIn(browser, USERS.supervisor, "/deals");
  await expect(sofia.page.getByRole("region", { name: "Предложение" })).toContainText("Поставка оборудования");
  await shot(sofia.page, "deals-board");
  await sofia.context.close();
});

test("overdue tasks", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1, "/tasks?tab=overdue");
  await expect(anton.page.getByRole("row", { name: new RegExp(IRINA) })).toBeVisible();
  await shot(anton.page, "tasks-overdue");
  await anton.context.close();
});

test("a call's recording", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1);
  const irina = await contactNamed(anton.page, IRINA);
  let call: Record_ | undefined;
  await expect(async () => {
    const res = await apiCall<{ items: Record_[] }>(anton.page, "GET", `/api/v1/calls?contact_id=${irina.id}`);
    call = res.data.items[0];
    expect(call?.recording_status).toBe("stored");
  }).toPass({ timeout: 90_000, intervals: [1000] });
  await anton.page.goto(`/calls/${call!.id}`);
  const audio = anton.page.getByTestId("recording-audio");
  await expect
    .poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { timeout: 15_000 })
    .toBeGreaterThan(1);
  await shot(anton.page, "call-recording");
  await anton.context.close();
});

test("the missed call, its call-back task and the notifications", async ({ browser }) => {
  const alina = await signedIn(browser, USERS.agent2, "/calls?status=missed");
  await expect(alina.page.getByRole("row", { name: new RegExp(DMITRY) }).first()).toBeVisible();
  await shot(alina.page, "missed-call");
  await alina.page.getByTestId("notification-bell").click();
  await expect(alina.page.getByTestId("notification").first()).toBeVisible();
  await alina.page.mouse.move(640, 700); // the bell's tooltip would cover the list
  await shot(alina.page, "notifications");
  await alina.context.close();

  const sofia = await signedIn(browser, USERS.supervisor);
  const tasks = await apiCall<{ items: Record_[] }>(sofia.page, "GET", "/api/v1/tasks?status=open&limit=50");
  const callBack = tasks.data.items.find((t) => t.callback_number === `+${DMITRY_NUMBER}`);
  expect(callBack, "the call-back task of Dmitry's missed call").toBeTruthy();
  await sofia.page.goto(`/tasks/${callBack!.id}`);
  await expect(sofia.page.getByTestId("callback-countdown")).toBeVisible();
  await shot(sofia.page, "callback-task");
  await sofia.context.close();
});

test("an incoming call, then its wrap-up", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1);
  const res = await fetch(`${PBX}/control/calls`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      direction: "inbound",
      outcome: "answered",
      extension: "102",
      number: DMITRY_NUMBER,
      ring_seconds: 8,
      talk_seconds: 3,
      record: false,
      delivery: { gap: 5 }, // seconds between the webhooks: the phone rings while the shot is taken
    }),
  });
  expect(res.status).toBe(201);
  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toContainText(DMITRY, { timeout: 20_000 });
  await shot(anton.page, "incoming-call");

  const dialog = anton.page.getByRole("dialog", { name: "Итоги звонка" });
  await expect(dialog).toBeVisible({ timeout: 60_000 });
  await dialog.getByLabel("Результат").click();
  await anton.page.getByRole("option").first().click();
  await dialog.getByLabel("Заметка").fill("Подтвердил объёмы на январь, ждёт договор.");
  // Before the follow-up: its due date is Chromium's own widget, in Chromium's language (en-US here).
  await shot(anton.page, "call-wrap-up");
  await dialog.getByLabel("Следующий шаг (задача)").fill("Отправить договор");
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await expect(dialog).toHaveCount(0, { timeout: 10_000 });
  await anton.context.close();
});

test("phone-sized layout", async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await login(page, USERS.agent1);
  const irina = await contactNamed(page, IRINA);
  await page.goto(`/contacts/${irina.id}`);
  await expect(page.getByRole("heading", { name: IRINA })).toBeVisible();
  await shot(page, "mobile-contact");
  await page.getByRole("button", { name: "Меню" }).click();
  await expect(page.getByRole("link", { name: "Сделки" })).toBeVisible();
  await shot(page, "mobile-menu");
  await context.close();
});

test("an edit conflict", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1);
  const alina = await signedIn(browser, USERS.agent2);
  const sergey = await contactNamed(anton.page, SERGEY);
  await anton.page.goto(`/contacts/${sergey.id}/edit`);
  await alina.page.goto(`/contacts/${sergey.id}/edit`);
  await expect(alina.page.getByLabel("Должность")).toHaveValue("Менеджер");
  await anton.page.getByLabel("Должность").fill("Руководитель отдела закупок");
  await anton.page.getByRole("button", { name: "Сохранить" }).click();
  await expect(anton.page.locator('[data-field="job_title"]')).toContainText("Руководитель отдела закупок");
  await alina.page.getByLabel("Должность").fill("Коммерческий директор");
  await alina.page.getByRole("button", { name: "Сохранить" }).click();
  await expect(alina.page.getByRole("dialog", { name: "Запись изменил кто-то другой" })).toBeVisible();
  await shot(alina.page, "conflict-dialog");
  await anton.context.close();
  await alina.context.close();
});
