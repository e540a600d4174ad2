/** Theme and language belong to the employee: chosen in one browser, they reach the
 * employee's other open tab at once and any browser they sign in from. */
import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, USERS, apiCall, login, signedIn, unique } from "./helpers";

const scheme = (page: Page) => page.locator("html");

async function waitLive(page: Page): Promise<void> {
  await expect(page.getByTestId("connection")).toHaveAttribute("data-live", "true", { timeout: 15_000 });
}

test("dark and English chosen in one browser follow the employee to another", async ({ browser, page }) => {
  // A new employee of their own: the demo accounts keep their defaults for the other specs.
  await login(page, USERS.admin);
  const email = `preferences-${unique()}@example.test`;
  const created = await apiCall(page, "POST", "/api/v1/users", {
    email,
    full_name: "Preferences Tester",
    role: "agent",
    password: PASSWORD,
  });
  expect(created.status).toBe(201);

  const first = await signedIn(browser, email);
  await expect(scheme(first.page)).toHaveAttribute("data-mantine-color-scheme", "light");
  const otherTab = await first.context.newPage();
  await otherTab.goto("/contacts");
  await waitLive(otherTab);

  await first.page.getByTestId("user-menu").click();
  await first.page.getByText("Тёмное").click();
  await first.page.getByText("English").click();
  await expect(scheme(first.page)).toHaveAttribute("data-mantine-color-scheme", "dark");
  await expect(scheme(first.page)).toHaveAttribute("lang", "en");
  // The other tab learns it live, without a reload.
  await expect(scheme(otherTab)).toHaveAttribute("data-mantine-color-scheme", "dark");
  await expect(otherTab.getByRole("link", { name: "Contacts" }).first()).toBeVisible();

  // Another browser (a light system, a Russian one): the login page follows the browser...
  const other = await browser.newContext({ colorScheme: "light" });
  const page2 = await other.newPage();
  await page2.goto("/login");
  await expect(page2.getByRole("button", { name: "Войти" })).toBeVisible();
  await expect(scheme(page2)).toHaveAttribute("data-mantine-color-scheme", "light");
  // ...and after sign-in the employee's own choice applies.
  await login(page2, email);
  await expect(scheme(page2)).toHaveAttribute("data-mantine-color-scheme", "dark");
  await expect(scheme(page2)).toHaveAttribute("lang", "en");
  await expect(page2.getByRole("link", { name: "Contacts" }).first()).toBeVisible();
  await page2.getByTestId("user-menu").click();
  await expect(page2.getByRole("menuitemradio", { name: "Dark" })).toHaveAttribute("aria-checked", "true");

  await other.close();
  await first.context.close();
});
