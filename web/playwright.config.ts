import { defineConfig } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "./e2e/harness/chromium.ts";

/**
 * End-to-end tests in Debian's Chromium (see e2e/harness/chromium.ts). One browser, one worker:
 * the stack started by the global setup is shared by every test, and the machine has 2 cores.
 */

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
      executablePath: chromiumPath,
      args: chromiumArgs,
    },
    viewport: { width: 1366, height: 800 },
    trace: "retain-on-failure",
  },
});
