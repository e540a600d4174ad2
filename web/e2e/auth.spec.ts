import { expect, test } from "@playwright/test";
import { PASSWORD, USERS, apiCall, login, signedIn, unique } from "./helpers";

test("wrong password is refused, the right one signs in, sign out returns to login", async ({ page }) => {
  await page.goto("/contacts");
  await expect(page).toHaveURL(/\/login\?next=%2Fcontacts/);
  await expect(page.getByRole("heading", { name: "Вход в Switchboard" })).toBeVisible();

  await page.getByLabel("Эл. почта").fill(USERS.agent1);
  await page.getByLabel("Пароль").fill("not-the-password");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByRole("alert")).toContainText("Неверная почта или пароль");

  await login(page, USERS.agent1);
  await expect(page.getByRole("heading", { name: /Здравствуйте/ })).toBeVisible();

  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "Выйти" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/contacts");
  await expect(page).toHaveURL(/\/login/);
});

test("an expired session goes to login and then back to the page", async ({ page, context }) => {
  await login(page, USERS.agent1);
  await page.goto("/deals?view=list");
  await expect(page.getByRole("heading", { name: "Сделки" })).toBeVisible();
  // The server forgets the session: the cookie no longer works.
  await context.clearCookies();
  // The next request (this click's, or any background refetch) meets a 401.
  await page
    .getByRole("link", { name: "Контакты" })
    .first()
    .click({ timeout: 3000 })
    .catch(() => undefined);
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByText("Сессия истекла")).toBeVisible();
  const next = decodeURIComponent(new URL(page.url()).searchParams.get("next") ?? "");
  expect(next).toMatch(/^\/(deals\?view=list|contacts)$/);
  await page.getByLabel("Эл. почта").fill(USERS.agent1);
  await page.getByLabel("Пароль").fill(process.env.SB_E2E_PASSWORD ?? "switchboard-demo");
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace("?", "\\?")}$`));
});

test("the interface switches to English", async ({ page }) => {
  await login(page, USERS.agent1);
  await page.getByTestId("user-menu").click();
  await page.getByText("English").click();
  await expect(page.getByRole("link", { name: "Contacts" }).first()).toBeVisible();
  await page.keyboard.press("Escape"); // the menu stays open after choosing: close it first
  await expect(page.getByRole("menu")).toHaveCount(0);
  await page.getByTestId("user-menu").click();
  await page.getByText("Русский").click();
  await expect(page.getByRole("link", { name: "Контакты" }).first()).toBeVisible();
  // Kept on the server for the employee (the next specs sign in as them, in Russian).
  await expect
    .poll(async () => (await apiCall<{ language: string }>(page, "GET", "/api/v1/auth/me/preferences")).data.language)
    .toBe("ru");
});

test("an employee an admin disables lands on the login page at once, with a message", async ({ browser }) => {
  const admin = await signedIn(browser, USERS.admin);
  const email = `thrown-out-${unique()}@example.test`;
  const created = await apiCall<{ id: string }>(admin.page, "POST", "/api/v1/users", {
    email,
    full_name: "Thrown Out",
    role: "agent",
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
  // The employee has a page open with a live connection, and does nothing.
  const employee = await signedIn(browser, email, "/contacts");
  const disabled = await apiCall(
    admin.page,
    "PATCH",
    `/api/v1/users/${created.data.id}`,
    { is_active: false },
    { "If-Match": created.etag ?? "" },
  );
  expect(disabled.status).toBe(200);
  await expect(employee.page).toHaveURL(/\/login\?next=/, { timeout: 5000 });
  // Told why, and told again (not "wrong password") when trying to sign back in.
  await expect(employee.page.getByText("Ваша учётная запись отключена")).toBeVisible();
  await employee.page.getByLabel("Эл. почта").fill(email);
  await employee.page.getByLabel("Пароль").fill(PASSWORD);
  await employee.page.getByRole("button", { name: "Войти" }).click();
  await expect(employee.page.getByRole("alert")).toContainText("Ваша учётная запись отключена");
  await expect(employee.page.getByText("Неверная почта или пароль")).toHaveCount(0);
  await employee.context.close();
  await admin.context.close();
});

test("a role change reaches the employee's open page at once, saying what happened", async ({ browser }) => {
  const admin = await signedIn(browser, USERS.admin);
  const email = `promoted-${unique()}@example.test`;
  const created = await apiCall<{ id: string }>(admin.page, "POST", "/api/v1/users", {
    email,
    full_name: "Promoted Agent",
    role: "agent",
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
  const employee = await signedIn(browser, email, "/contacts");
  const changed = await apiCall(
    admin.page,
    "PATCH",
    `/api/v1/users/${created.data.id}`,
    { role: "supervisor" },
    { "If-Match": created.etag ?? "" },
  );
  expect(changed.status).toBe(200);
  // No reload: the open page learns it over its live connection.
  await expect(employee.page).toHaveURL(/\/login\?next=/, { timeout: 5000 });
  await expect(employee.page.getByText("Администратор изменил вашу роль")).toBeVisible();
  await employee.page.getByLabel("Эл. почта").fill(email);
  await employee.page.getByLabel("Пароль").fill(PASSWORD);
  await employee.page.getByRole("button", { name: "Войти" }).click();
  await employee.page.getByTestId("user-menu").click();
  await expect(employee.page.getByText("Руководитель")).toBeVisible();
  await employee.context.close();
  await admin.context.close();
});
