/** Accessibility of every main screen: axe-core finds no serious or critical violation. */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { USERS, apiCall, createContact, login, unique, type Record_ } from "./helpers";

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("every main screen has no serious or critical axe violation", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto("/login");
  await expect(page.getByRole("button", { name: "Войти" })).toBeVisible();
  const found: Record<string, string[]> = {};
  found["/login"] = await seriousViolations(page);

  await login(page, USERS.admin);
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
    await page.goto(path);
    await expect(page.locator("#main h1, #main h2").first()).toBeVisible();
    await page.waitForLoadState("networkidle");
    found[path] = await seriousViolations(page);
  }
  // Every screen is checked before failing, so one run lists everything to fix.
  expect(Object.fromEntries(Object.entries(found).filter(([, v]) => v.length))).toEqual({});
});
