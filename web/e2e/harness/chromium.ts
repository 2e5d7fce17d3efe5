/**
 * How the project launches Debian's Chromium (`apt-get install chromium`; Playwright's own
 * browser download cannot work offline): the e2e tests, the WebGPU test and `pnpm bench:web`.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless, no sandbox (root in CI), no GPU, and nothing that calls home. */
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
