import { expect, test } from "@playwright/test";
import { USERS, apiCall, createContact, randomPhone, signedIn, unique, type Record_ } from "./helpers";

const PBX = process.env.SB_PBXSIM_URL ?? "http://127.0.0.1:18102";

interface CallPage {
  items: Record_[];
}

test("an incoming call pops up for the employee it rings, then its recording plays and seeks", async ({ browser }) => {
  test.setTimeout(120_000);
  const anton = await signedIn(browser, USERS.agent1); // extension 102
  const alina = await signedIn(browser, USERS.agent2); // extension 103
  const phone = randomPhone();
  const name = `Звонящий ${unique()}`;
  await createContact(anton.page, { name, company: "Ромашка", phones: [{ type: "mobile", number: phone }] });
  const me = (await apiCall<{ id: string }>(anton.page, "GET", "/api/v1/auth/me")).data;

  const started = await fetch(`${PBX}/control/calls`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      direction: "inbound",
      outcome: "answered",
      extension: "102",
      number: phone.slice(1),
      ring_seconds: 6,
      talk_seconds: 8,
      record: true,
      delivery: { gap: 3 }, // webhooks seconds apart, so the phone rings for a while
    }),
  });
  expect(started.status).toBe(201);

  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toBeVisible({ timeout: 15_000 });
  await expect(popup.getByTestId("incoming-contact")).toContainText(name);
  await expect(popup).toContainText(phone.slice(2, 5));
  await expect(alina.page.getByTestId("incoming-call")).toHaveCount(0);

  // The recording is fetched from the PBX and stored once the call ends.
  let call: Record_ | undefined;
  await expect(async () => {
    const res = await apiCall<CallPage>(
      anton.page,
      "GET",
      `/api/v1/calls?employee_id=${me.id}&sort=-created_at&limit=5`,
    );
    call = res.data.items.find((c) => c.from_number === phone);
    expect(call?.recording_status).toBe("stored");
  }).toPass({ timeout: 60_000, intervals: [1000] });

  await expect(popup).toHaveCount(0, { timeout: 30_000 }); // closed when the call ended
  await anton.page.goto(`/calls/${call!.id}`);
  await expect(anton.page.locator('[data-field="contact_id"]')).toContainText(name);
  const audio = anton.page.getByTestId("recording-audio");
  await expect
    .poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { timeout: 15_000 })
    .toBeGreaterThan(4);

  await anton.page.getByRole("button", { name: "Воспроизвести" }).click();
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBeGreaterThan(0.2);
  await anton.page.getByRole("button", { name: "Пауза" }).click();

  // Seek with the keyboard on the slider: End jumps to the end, Home back to the start.
  const slider = anton.page.getByRole("slider", { name: "Позиция" });
  await slider.focus();
  await anton.page.keyboard.press("End");
  const duration = await audio.evaluate((el: HTMLAudioElement) => el.duration);
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBeGreaterThan(duration - 0.5);
  await anton.page.keyboard.press("Home");
  for (let i = 0; i < 30; i += 1) await anton.page.keyboard.press("ArrowRight"); // 30 x 0.1 s
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime)).toBeCloseTo(3, 0);

  await anton.context.close();
  await alina.context.close();
});

test("an unknown number offers to create a contact from it", async ({ browser }) => {
  const anton = await signedIn(browser, USERS.agent1);
  const phone = randomPhone();
  const res = await fetch(`${PBX}/control/calls`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      direction: "inbound",
      outcome: "missed",
      extension: "102",
      number: phone.slice(1),
      ring_seconds: 10,
      record: false,
      delivery: { gap: 3 },
    }),
  });
  expect(res.status).toBe(201);
  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toBeVisible({ timeout: 15_000 });
  await expect(popup).toContainText("Неизвестный номер");
  // Nobody answers: the popup stays, saying the call was missed, and the badge counts it.
  await expect(popup).toContainText("Пропущенный звонок", { timeout: 30_000 });
  await expect(anton.page.getByTestId("missed-badge")).toBeVisible({ timeout: 30_000 });
  await popup.getByRole("link", { name: "Создать контакт" }).click();
  await expect(anton.page.getByLabel("Номер 1")).toHaveValue(phone);
  await anton.context.close();
});

test("a page opened while a call rings shows its popup", async ({ browser }) => {
  const phone = randomPhone();
  const res = await fetch(`${PBX}/control/calls`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      direction: "inbound",
      outcome: "missed",
      extension: "102",
      number: phone.slice(1),
      ring_seconds: 30,
      record: false,
      delivery: { gap: 15 }, // webhooks 15 s apart: it rings that long in real time
    }),
  });
  expect(res.status).toBe(201);
  // The call rings Anton before he has a page open: its call.incoming reaches nobody.
  const watcher = await signedIn(browser, USERS.supervisor);
  await expect(async () => {
    const calls = await apiCall<CallPage>(watcher.page, "GET", "/api/v1/calls?status=ringing&limit=50");
    expect(calls.data.items.some((c) => c.from_number === phone)).toBe(true);
  }).toPass({ timeout: 15_000, intervals: [500] });
  await watcher.context.close();
  const anton = await signedIn(browser, USERS.agent1);
  const popup = anton.page.getByTestId("incoming-call");
  await expect(popup).toBeVisible({ timeout: 15_000 });
  await expect(popup).toContainText(phone.slice(2, 5));
  await expect(popup.getByTestId("call-phase")).toHaveAttribute("data-phase", "ringing");
  await anton.context.close();
});
