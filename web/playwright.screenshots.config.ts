/**
 * `make screenshots` (never part of the tests): the README's screenshots from the demo data,
 * in Debian's Chromium at 1280x800, against the fresh stack the launcher started and seeded
 * (SB_BASE_URL). Writes docs/screenshots/*.png.
 */
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./screenshots",
  globalSetup: undefined, // the launcher seeded the demo as `make run` does
  timeout: 120_000,
  outputDir: "test-results/screenshots",
  use: {
    ...base.use,
    viewport: { width: 1280, height: 800 },
    trace: "off",
    screenshot: "off",
  },
});
