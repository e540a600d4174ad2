import { expect, test } from "@playwright/test";
import { PASSWORD, USERS, apiCall, createContact, signedIn, unique, type Record_ } from "./helpers";

// A 64x48 PNG: the worker crops its centre square and scales it to 64 px for lists.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAAU0lEQVR4nO3PQQ3AIADAQEAIOpGIrIngcVnSU9DOfe74s6UDXjWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaA1oDWgNaB9ZrIBvgrj1UYAAAAASUVORK5CYII=",
  "base64",
);

test("avatar: I upload mine; another browser's presence avatars, record fields and the employee list show it live", async ({
  browser,
}) => {
  // A fresh employee: the demo accounts keep their initials for the other specs' screenshots.
  const admin = await signedIn(browser, USERS.admin);
  const email = `avatar-${unique()}@example.test`;
  const fullName = `Аватар ${unique()}`;
  const user = await apiCall<Record_>(admin.page, "POST", "/api/v1/users", {
    email,
    full_name: fullName,
    role: "agent",
    password: PASSWORD,
  });
  expect(user.status, JSON.stringify(user.data)).toBe(201);
  const contact = await createContact(admin.page, { name: `Клиент ${unique()}`, owner_id: user.data.id });
  const me = await signedIn(browser, email, `/contacts/${contact.id}`);
  await admin.page.goto(`/contacts/${contact.id}`);
  const seen = admin.page.getByTestId("presence").getByTestId("user-avatar");
  await expect(seen).toHaveAttribute("data-avatar", "initials");
  // The contact's owner field: the employee's initials beside the name, until a picture exists.
  const owner = admin.page.getByTestId("user-chip").filter({ hasText: fullName }).first().locator("[data-avatar]");
  await expect(owner).toHaveAttribute("data-avatar", "initials");

  await me.page.getByTestId("user-menu").click();
  await me.page.getByRole("menuitem", { name: "Аватар" }).click();
  const dialog = me.page.getByRole("dialog", { name: "Ваш аватар" });
  await dialog.locator('input[type="file"]').setInputFiles({ name: "я.png", mimeType: "image/png", buffer: PNG });
  await expect(dialog.getByRole("img", { name: "Предпросмотр аватара" })).toBeVisible();
  await dialog.getByRole("button", { name: "Сохранить" }).click();
  await expect(dialog).toBeHidden();

  // The worker's squares, then the change of the employee, reach the other page without a reload.
  await expect(seen).toHaveAttribute("data-avatar", "image", { timeout: 20_000 });
  await expect.poll(() => seen.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  await expect(me.page.getByTestId("user-menu").getByTestId("user-avatar")).toHaveAttribute("data-avatar", "image");
  await expect(owner).toHaveAttribute("data-avatar", "image");
  // The employee list shows it beside the name.
  await admin.page.goto(`/users?q=${encodeURIComponent(fullName)}`);
  await expect(admin.page.locator(`tr[data-id="${user.data.id}"] [data-avatar]`)).toHaveAttribute(
    "data-avatar",
    "image",
  );

  await me.context.close();
  await admin.context.close();
});
