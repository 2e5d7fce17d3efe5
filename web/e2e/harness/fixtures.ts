import { test as base, expect, type Request } from "@playwright/test";
import type { StackFile } from "./stack.ts";
import { installTestWallet, type TestWallet, type TestWalletOptions } from "./test-wallet.ts";

export interface Stack extends StackFile {
  webUrl: string;
  rpcUrl: string;
  chainId: number;
  /** A dev account of the stack by name (institution-a, staff, patient, auditor, outsider...). */
  account(name: string): StackFile["accounts"][number];
}

function stackFromEnv(): Stack {
  const raw = process.env.NEUROLEDGER_E2E_STACK;
  if (!raw) throw new Error("the e2e global setup did not start the stack");
  const stack = JSON.parse(raw) as StackFile;
  return {
    ...stack,
    webUrl: (stack.services.web as { url: string }).url,
    rpcUrl: stack.chain.rpcUrl,
    chainId: stack.chain.chainId,
    account(name) {
      const found = stack.accounts.find((a) => a.name === name);
      if (!found) throw new Error(`no dev account named ${name} in stack.json`);
      return found;
    },
  };
}

/** Fixtures: the shared stack, a wallet installer, and a log of every request the page made. */
export const test = base.extend<{
  stack: Stack;
  requests: Request[];
  /** Installs the test wallet in the page, holding the named dev account's key. */
  useWallet: (name: string, options?: Partial<TestWalletOptions>) => Promise<TestWallet>;
  /** Every test: nothing the page does is blocked by the app's Content-Security-Policy. */
  cspViolations: string[];
}>({
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      page.on("worker", (worker) =>
        worker.on("console", (message) => {
          if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
        }),
      );
      await use(violations);
      expect(violations, "the page ran into its Content-Security-Policy").toEqual([]);
    },
    { auto: true },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture list from this pattern
  stack: async ({}, use) => use(stackFromEnv()),
  // biome-ignore lint/correctness/noEmptyPattern: as above
  baseURL: async ({}, use) => use(stackFromEnv().webUrl),
  requests: async ({ page }, use) => {
    const log: Request[] = [];
    page.on("request", (request) => log.push(request));
    // Page errors go to the test output: a failing e2e test then says why.
    page.on("pageerror", (error) => console.error(`[page error] ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") console.error(`[page console] ${message.text()}`);
    });
    await use(log);
  },
  useWallet: async ({ page, stack }, use) => {
    await use((name, options) =>
      installTestWallet(page, {
        privateKey: stack.account(name).privateKey,
        rpcUrl: stack.rpcUrl,
        chainId: stack.chainId,
        ...options,
      }),
    );
  },
});

export { expect };
