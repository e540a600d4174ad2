import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, randomPhone, signedIn, unique, type Record_ } from "./helpers";

const PBX = process.env.SB_PBXSIM_URL ?? "http://127.0.0.1:18102";

interface Page_ {
  items: Record_[];
}

async function playCall(script: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${PBX}/control/calls?wait=true`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ record: false, delivery: { gap: 0.2 }, ...script }),
  });
  expect(res.status).toBe(201);
}

test("a missed call from a contact creates a call-back task that counts down, and an answered call closes it", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1); // extension 102
  const me = (await apiCall<{ id: string }>(anton.page, "GET", "/api/v1/auth/me")).data;
  const phone = randomPhone();
  const name = `Перезвонить ${unique()}`;
  await createContact(anton.page, { name, owner_id: me.id, phones: [{ type: "mobile", number: phone }] });

  await playCall({
    direction: "inbound",
    outcome: "missed",
    extension: "102",
    number: phone.slice(1),
    ring_seconds: 5,
  });
  let task: Record_ | undefined;
  await expect(async () => {
    const res = await apiCall<Page_>(anton.page, "GET", `/api/v1/tasks?assignee_id=${me.id}&sort=-created_at&limit=20`);
    task = res.data.items.find((t) => t.callback_number === phone);
    expect(task?.status).toBe("open");
  }).toPass({ timeout: 30_000, intervals: [500] });

  await anton.page.goto(`/tasks/${task!.id}`);
  const countdown = anton.page.getByTestId("callback-countdown");
  await expect(countdown).toContainText(/перезвонить через 1[45]:\d\d/);
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first ?? "", { timeout: 5_000 }); // it ticks

  // Anton calls the contact back from his phone; the answered call closes the task.
  await playCall({
    direction: "outbound",
    outcome: "answered",
    extension: "102",
    number: phone.slice(1),
    talk_seconds: 2,
  });
  await expect(anton.page.locator('[data-field="status"]')).toContainText("Выполнена", { timeout: 30_000 });
  // Closed by that call, shown as a link to it (worded by the client, in Russian here).
  const closedBy = anton.page.locator('[data-field="closed_by_call_id"]');
  await expect(closedBy.getByRole("link")).toContainText(phone.slice(2, 5));
  await expect(countdown).toHaveCount(0);
  await anton.context.close();
});

test("an answered call prompts its wrap-up, saved against the call", async ({ browser }) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1); // extension 102
  const me = (await apiCall<{ id: string }>(anton.page, "GET", "/api/v1/auth/me")).data;
  const phone = randomPhone();
  const contact = await createContact(anton.page, {
    name: `Итоги ${unique()}`,
    owner_id: me.id,
    phones: [{ type: "mobile", number: phone }],
  });
  const deal = await apiCall<Record_>(anton.page, "POST", "/api/v1/deals", {
    title: `Продление ${unique()}`,
    contact_id: contact.id,
    amount: "1000",
    currency: "RUB",
  });
  expect(deal.status).toBe(201);

  await playCall({
    direction: "inbound",
    outcome: "answered",
    extension: "102",
    number: phone.slice(1),
    talk_seconds: 2,
    ring_seconds: 1,
  });
  const dialog = anton.page.getByRole("dialog", { name: "Итоги звонка" });
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await expect(dialog).toContainText(String(deal.data.title));
  await dialog.getByLabel("Результат").click();
  await anton.page.getByRole("option").first().click();
  await dialog.getByLabel("Заметка").fill("Просит счёт");
  await dialog.getByLabel("Следующий шаг (задача)").fill("Выставить счёт");
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await expect(dialog).toHaveCount(0, { timeout: 10_000 });

  const calls = await apiCall<Page_>(anton.page, "GET", `/api/v1/calls?contact_id=${contact.id}`);
  expect(calls.data.items).toHaveLength(1);
  const [call] = calls.data.items;
  expect(call.outcome_id).toBeTruthy();
  expect(call.deal_id).toBe(deal.data.id);
  const task = await apiCall<Record_>(anton.page, "GET", `/api/v1/tasks/${String(call.follow_up_task_id)}`);
  expect([task.data.title, task.data.related_id]).toEqual(["Выставить счёт", deal.data.id]);
  await anton.context.close();
});

test("a wrap-up missed while the page was closed is offered at start, again after Later and a reload, and done in one tab leaves the others live", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1); // extension 102
  const me = (await apiCall<{ id: string }>(anton.page, "GET", "/api/v1/auth/me")).data;
  const phone = randomPhone();
  const name = `Без итогов ${unique()}`;
  const contact = await createContact(anton.page, {
    name,
    owner_id: me.id,
    phones: [{ type: "mobile", number: phone }],
  });
  await anton.page.close(); // no page of Anton's is open while the call rings, is taken and ends

  await playCall({
    direction: "inbound",
    outcome: "answered",
    extension: "102",
    number: phone.slice(1),
    talk_seconds: 2,
    ring_seconds: 1,
  });
  let callId = "";
  await expect(async () => {
    const res = await anton.context.request.get(`/api/v1/calls?contact_id=${contact.id}`);
    const [call] = ((await res.json()) as Page_).items;
    expect(call?.is_final).toBe(true);
    callId = call.id;
  }).toPass({ timeout: 30_000, intervals: [500] });

  const page = await anton.context.newPage();
  await page.goto("/");
  await expect(page.getByTestId("connection")).toHaveAttribute("data-live", "true", { timeout: 15_000 });
  const pending = page.getByTestId("wrap-up-pending");
  const item = page.locator(`[data-testid="wrap-up-item"][data-call="${callId}"]`);
  await pending.click();
  await expect(item).toContainText(name);
  await item.click();
  const dialog = page.getByRole("dialog", { name: "Итоги звонка" });
  await expect(dialog).toContainText(name);
  await dialog.getByRole("button", { name: "Позже" }).click();
  await expect(dialog).toHaveCount(0);

  // Deferred, not forgotten: a reload offers it again.
  await page.reload();
  await pending.click();
  await expect(item).toContainText(name);

  // A second tab lists it too; the wrap-up done in the first takes it off there live.
  const other = await anton.context.newPage();
  await other.goto("/");
  await expect(other.getByTestId("connection")).toHaveAttribute("data-live", "true", { timeout: 15_000 });
  await other.getByTestId("wrap-up-pending").click();
  const otherItem = other.locator(`[data-testid="wrap-up-item"][data-call="${callId}"]`);
  await expect(otherItem).toBeVisible();

  await item.click();
  await dialog.getByLabel("Результат").click();
  await page.getByRole("option").first().click();
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await expect(dialog).toHaveCount(0, { timeout: 10_000 });
  await expect(otherItem).toHaveCount(0, { timeout: 15_000 });
  const awaiting = await anton.context.request.get("/api/v1/calls/awaiting-wrap-up");
  const left = ((await awaiting.json()) as { items: { call_id: string }[] }).items;
  expect(left.map((i) => i.call_id)).not.toContain(callId);
  await anton.context.close();
});
