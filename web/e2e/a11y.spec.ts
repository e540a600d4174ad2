/** Accessibility of every main screen, in the light and the dark theme: axe-core finds no
 * serious or critical violation. */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, createContact, login, unique, type Record_ } from "./helpers";

const THEMES = ["light", "dark"] as const;

// The theme changes colours only: the first pass runs every WCAG A/AA rule, the second only
// the rules about colour (half the time of a second full pass).
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

async function seriousViolations(page: Page, onlyColour: boolean): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  const results = await (
    onlyColour ? axe.withRules(COLOUR_RULES) : axe.withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
  ).analyze();
  // Each finding names the element and why (for contrast: the colours and the ratio found).
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map((n) => {
        const contrast = n.any.find((check) => check.id === "color-contrast")?.data as
          { fgColor: string; bgColor: string; contrastRatio: number } | undefined;
        const why = contrast
          ? `${contrast.fgColor} on ${contrast.bgColor}: ${contrast.contrastRatio}`
          : (n.failureSummary ?? "").replace(/\s+/g, " ");
        return `${v.id}: ${n.target.join(" ")}: ${why}`;
      }),
    );
}

/** Check the page as it is in each theme (the signed-in admin's theme follows the system). */
async function checkBothThemes(page: Page, path: string, found: Record<string, string[]>): Promise<void> {
  for (const [i, theme] of THEMES.entries()) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator("html")).toHaveAttribute("data-mantine-color-scheme", theme);
    found[`${path} (${theme})`] = await seriousViolations(page, i > 0);
  }
}

test("every main screen has no serious or critical axe violation, light or dark", async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Войти" })).toBeVisible();
  const found: Record<string, string[]> = {};
  await checkBothThemes(page, "/login", found);
  await page.emulateMedia({ colorScheme: "light" });

  await login(page, USERS.admin);
  // The page follows the emulated system scheme only while the admin's theme is "system".
  const followSystem = await apiCall(
    page,
    "PATCH",
    "/api/v1/auth/me/preferences",
    { theme: "system" },
    { "If-Match": "*" },
  );
  expect(followSystem.status).toBe(200);
  const contact = await createContact(page, { name: `Доступность ${unique()}`, company: "Ромашка" });
  const deal = await apiCall<Record_>(page, "POST", "/api/v1/deals", {
    title: `Доступная сделка ${unique()}`,
    contact_id: contact.id,
    amount: "1000.00",
  });
  expect(deal.status).toBe(201);
  const task = await apiCall<Record_>(page, "POST", "/api/v1/tasks", { title: `Доступная задача ${unique()}` });
  expect(task.status).toBe(201);
  const screens = [
    "/",
    "/contacts",
    `/contacts/${contact.id}`,
    "/contacts/new",
    `/contacts/${contact.id}/edit`,
    "/contacts/trash",
    "/deals",
    "/deals?view=list",
    `/deals/${deal.data.id}`,
    "/tasks",
    `/tasks/${task.data.id}`,
    "/tasks/new",
    "/notes",
    "/calls",
    "/number_lists",
    "/users",
  ];
  for (const path of screens) {
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(path);
    await expect(page.locator("#main h1, #main h2").first()).toBeVisible();
    await page.waitForLoadState("networkidle");
    await checkBothThemes(page, path, found);
  }
  // The user menu, with the language and theme switches.
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("theme-choice")).toBeVisible();
  await checkBothThemes(page, "user menu", found);
  // Every screen is checked before failing, so one run lists everything to fix.
  expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length))).toEqual({});
});
