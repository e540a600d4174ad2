import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, login, realtime, signedIn, unique, type Record_ } from "./helpers";

test("two employees see each other's changes live, and who else is looking", async ({ browser }) => {
  const a = await signedIn(browser, USERS.agent1, "/contacts");
  const b = await signedIn(browser, USERS.agent2, "/contacts");
  const name = `Живой ${unique()}`;

  // A creates through the UI; B's list shows it without a reload.
  await a.page.getByRole("link", { name: "Создать" }).click();
  await a.page.getByLabel("Имя").fill(name);
  await a.page.getByRole("button", { name: "Создать" }).click();
  await expect(a.page.getByRole("heading", { name })).toBeVisible();
  await expect(b.page.getByRole("row", { name: new RegExp(name) })).toBeVisible();

  // Both on the detail page: presence shows the other; A's edit appears on B's page.
  await b.page.getByRole("link", { name }).click();
  await expect(a.page.getByTestId("presence")).toContainText("Alina Agent");
  await expect(b.page.getByTestId("presence")).toContainText("Anton Agent");
  await a.page.getByRole("link", { name: "Изменить" }).click();
  await a.page.getByLabel("Должность").fill("Директор");
  await a.page.getByRole("button", { name: "Сохранить" }).click();
  await expect(b.page.locator('[data-field="job_title"]')).toContainText("Директор");
  await expect(b.page.locator('[data-action="updated"]').first()).toContainText("Anton Agent");

  // A trashes it: B's page says so, live.
  await a.page.getByRole("button", { name: "В корзину" }).click();
  await expect(b.page.getByText("Запись в корзине")).toBeVisible();

  await a.context.close();
  await b.context.close();
});

test("after a dropped connection the client replays what it missed", async ({ browser }) => {
  const a = await signedIn(browser, USERS.agent1, "/contacts");
  const b = await signedIn(browser, USERS.agent2, "/contacts");
  const contact = await createContact(a.page, { name: `Пропуск ${unique()}` });
  await b.page.goto(`/contacts/${contact.id}`);
  await expect(b.page.getByRole("heading", { name: String(contact.name) })).toBeVisible();
  // B's contacts channel must be subscribed before A writes, or the change reaches B by the
  // refetch that follows its subscription instead of as an event, and B has no offset yet.
  await expect.poll(() => realtime.subscribed(b.page, "private-contacts")).toBe(true);
  // Let B apply at least one event so it knows its offset.
  const first = await apiCall<Record_>(
    a.page,
    "PATCH",
    `/api/v1/contacts/${contact.id}`,
    { company: "До обрыва" },
    { "If-Match": `"${contact.version}"` },
  );
  expect(first.status).toBe(200);
  await expect(b.page.locator('[data-field="company"]')).toContainText("До обрыва");
  await expect.poll(() => realtime.resumeOffset(b.page)).not.toBeNull();

  // B's socket drops; A changes the contact meanwhile; B reconnects and catches up.
  await realtime.disconnect(b.page);
  await expect(b.page.getByTestId("connection")).not.toHaveAttribute("data-state", "connected");
  const second = await apiCall<Record_>(
    a.page,
    "PATCH",
    `/api/v1/contacts/${contact.id}`,
    { company: "Пока вас не было" },
    { "If-Match": `"${first.data.version}"` },
  );
  expect(second.status).toBe(200);
  await b.page.waitForTimeout(1500); // the change is published while B is away
  await expect(b.page.locator('[data-field="company"]')).toContainText("До обрыва");
  await realtime.connect(b.page);
  await expect(b.page.getByTestId("connection")).toHaveAttribute("data-state", "connected");
  // A newer change that B may receive live before its replay has run: the replay must still
  // start where B's socket dropped, not at this newer offset.
  await createContact(a.page, { name: `После обрыва ${unique()}` });
  await expect(b.page.locator('[data-field="company"]')).toContainText("Пока вас не было");
  const offset = await realtime.lastOffset(b.page);
  expect(offset).toBeGreaterThan(0);

  await a.context.close();
  await b.context.close();
});

test("an ordinary page exposes no handle on its realtime client", async ({ page }) => {
  await login(page, USERS.agent1);
  await expect(page.getByTestId("connection")).toHaveAttribute("data-state", "connected", { timeout: 15_000 });
  const globals = await page.evaluate(() => Object.keys(window).filter((name) => name.startsWith("__switchboard")));
  expect(globals).toEqual([]);
});

test("a channel whose authorisation fails is subscribed again by itself; meanwhile live updates show as paused", async ({
  browser,
}) => {
  const a = await signedIn(browser, USERS.agent1, "/contacts");
  // The API is restarting: every channel authorisation answers 503 until it is back.
  let restarting = true;
  let contactsRefused = 0;
  await a.page.route("**/api/v1/realtime/auth", async (route) => {
    if (!restarting) return route.continue();
    if ((route.request().postData() ?? "").includes("private-contacts")) contactsRefused += 1;
    return route.fulfill({
      status: 503,
      headers: { "Retry-After": "2" },
      contentType: "application/problem+json",
      body: JSON.stringify({ type: "urn:switchboard:problem:unavailable", title: "Service Unavailable", status: 503 }),
    });
  });
  await realtime.disconnect(a.page);
  await realtime.connect(a.page);
  const status = a.page.getByTestId("connection");
  await expect(status).toHaveAttribute("data-state", "connected");
  await expect(status).toHaveAttribute("data-live", "false");
  await expect(status).toContainText("Обновления приостановлены");
  // The same channel is asked for again (pusher-js alone would never retry it).
  await expect.poll(() => contactsRefused, { timeout: 10_000 }).toBeGreaterThan(1);

  restarting = false;
  await expect(status).toHaveAttribute("data-live", "true", { timeout: 20_000 });
  await expect(status).toContainText("Онлайн");
  // Subscribed again for real: another employee's new contact appears live.
  const b = await signedIn(browser, USERS.agent2, "/contacts");
  const name = `После паузы ${unique()}`;
  await createContact(b.page, { name });
  await expect(a.page.getByRole("row", { name: new RegExp(name) })).toBeVisible();

  await a.context.close();
  await b.context.close();
});
