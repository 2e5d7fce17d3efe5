import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests in Debian's Chromium (`apt-get install chromium`; Playwright's own browser
 * download cannot work offline). One browser, one worker: the stack started by the global setup
 * is shared by every test, and the machine has 2 cores.
 */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.e2e.ts",
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "../test/artifacts/web/results",
  globalSetup: "./e2e/harness/global-setup.ts",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: chromiumArgs,
    },
    viewport: { width: 1366, height: 800 },
    trace: "retain-on-failure",
  },
});
