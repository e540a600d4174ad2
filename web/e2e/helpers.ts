/** Shared steps of the end-to-end tests (and the README's screenshots): demo accounts, signing in, API calls. */
import { expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

export const PASSWORD = process.env.SB_E2E_PASSWORD ?? "switchboard-demo";
export const USERS = {
  admin: "admin@demo.switchboard",
  supervisor: "supervisor@demo.switchboard", // extension 101
  agent1: "agent1@demo.switchboard", // extension 102
  agent2: "agent2@demo.switchboard", // extension 103
} as const;

/** A unique suffix so reruns against one database never collide. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** A random Russian mobile number in E.164. */
export function randomPhone(): string {
  return `+7916${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
}

export async function login(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Эл. почта").fill(email);
  await page.getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Войти" }).click();
  await expect(page.getByTestId("user-menu")).toBeVisible();
}

/**
 * A new browser context signed in as `email`, on `path`, with a live realtime connection. Its
 * pages hand their realtime client to the tests (src/realtime/testHandle.ts): see `realtime`.
 */
export async function signedIn(
  browser: Browser,
  email: string,
  pathName = "/",
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    (window as unknown as { __switchboardTestHandle: object }).__switchboardTestHandle = {};
  });
  const page = await context.newPage();
  await login(page, email);
  if (pathName !== "/") await page.goto(pathName);
  // Live, not merely connected: every channel the page uses is subscribed. An event published
  // between the two (a call ringing right after sign-in) never reaches the page.
  await expect(page.getByTestId("connection")).toHaveAttribute("data-live", "true", { timeout: 15_000 });
  return { context, page };
}

/** Call the API as the page's signed-in employee (cookie + CSRF token). */
export async function apiCall<T>(
  page: Page,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; data: T; etag: string | null }> {
  const me = await page.request.get("/api/v1/auth/me");
  const csrf = ((await me.json()) as { csrf_token: string }).csrf_token;
  const response = await page.request.fetch(url, {
    method,
    data: body === undefined ? undefined : JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, ...headers },
  });
  const text = await response.text();
  return {
    status: response.status(),
    data: (text ? JSON.parse(text) : null) as T,
    etag: response.headers()["etag"] ?? null,
  };
}

export interface Record_ {
  id: string;
  version: number;
  [key: string]: unknown;
}

export async function createContact(page: Page, body: Record<string, unknown>): Promise<Record_> {
  const res = await apiCall<Record_>(page, "POST", "/api/v1/contacts", body);
  expect(res.status, JSON.stringify(res.data)).toBe(201);
  return res.data;
}

/** The parts of the app's realtime client (pusher-js, the event applier) the tests drive. */
interface WithTestHandle {
  __switchboardTestHandle: {
    pusher: {
      channel(name: string): { subscribed: boolean } | undefined;
      connect(): void;
      disconnect(): void;
    };
    applier: { resumeOffset: number | null; lastOffset: number };
  };
}

/**
 * The realtime client of a page opened by `signedIn` (the app fills the handle in). Each
 * function runs in the page, so each names the window's handle itself.
 */
export const realtime = {
  subscribed: (page: Page, channel: string) =>
    page.evaluate(
      (name) => (window as unknown as WithTestHandle).__switchboardTestHandle.pusher.channel(name)?.subscribed === true,
      channel,
    ),
  resumeOffset: (page: Page) =>
    page.evaluate(() => (window as unknown as WithTestHandle).__switchboardTestHandle.applier.resumeOffset),
  lastOffset: (page: Page) =>
    page.evaluate(() => (window as unknown as WithTestHandle).__switchboardTestHandle.applier.lastOffset),
  disconnect: (page: Page) =>
    page.evaluate(() => (window as unknown as WithTestHandle).__switchboardTestHandle.pusher.disconnect()),
  connect: (page: Page) =>
    page.evaluate(() => (window as unknown as WithTestHandle).__switchboardTestHandle.pusher.connect()),
};
