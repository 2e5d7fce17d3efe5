import { test as base, expect, type Request } from "@playwright/test";
import { devPrivateKey } from "./dev-accounts.ts";
import { installTestWallet, type TestWallet, type TestWalletOptions } from "./test-wallet.ts";

export interface Stack {
  webUrl: string;
  rpcUrl: string;
  chainId: number;
}

function stackFromEnv(): Stack {
  const webUrl = process.env.NEUROLEDGER_WEB_URL;
  const rpcUrl = process.env.NEUROLEDGER_RPC_URL;
  if (!webUrl || !rpcUrl) throw new Error("the e2e global setup did not start the stack");
  return { webUrl, rpcUrl, chainId: Number(process.env.NEUROLEDGER_CHAIN_ID ?? 31337) };
}

/** Fixtures: the shared stack, a wallet installer, and a log of every request the page made. */
export const test = base.extend<{
  stack: Stack;
  requests: Request[];
  useWallet: (index: number, options?: Partial<TestWalletOptions>) => Promise<TestWallet>;
}>({
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
    await use((index, options) =>
      installTestWallet(page, {
        privateKey: devPrivateKey(index),
        rpcUrl: stack.rpcUrl,
        chainId: stack.chainId,
        ...options,
      }),
    );
  },
});

export { expect };
