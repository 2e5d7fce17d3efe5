import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startIndexer } from "@neuroledger/indexer";
import { startWebServer } from "../server.js";
import { expect, test } from "./harness/fixtures.ts";
import { installTestWallet } from "./harness/test-wallet.ts";

// Outside the dev stack the audit API answers only signed-in (SIWE) members, staff and auditors.
// A second indexer in `siwe` mode and a second app server in front of it, on the same chain.
test("outside the dev stack, the audit history needs Sign-In with Ethereum and a role", async ({
  browser,
  stack,
}) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), "nl-siwe-"));
  // The domain users see is the app's host; the indexer takes it from its configuration.
  const webPort = await freePort();
  const webHost = `127.0.0.1:${webPort}`;
  const indexer = await startIndexer({
    env: { NEUROLEDGER_SIWE_DOMAIN: webHost },
    rpcUrl: stack.rpcUrl,
    chainId: stack.chainId,
    deploymentFile: stack.chain.deploymentFile,
    pgliteDir: join(dir, "pglite"),
    schema: "neuroledger_siwe",
    auth: "siwe",
    waitFor: "ready",
    timeoutMs: 180_000,
  });
  const web = await startWebServer({
    port: webPort,
    env: {
      NEUROLEDGER_SIWE_DOMAIN: webHost,
      NEUROLEDGER_RPC_URL: stack.rpcUrl,
      NEUROLEDGER_CHAIN_ID: String(stack.chainId),
      NEUROLEDGER_DEPLOYMENT: stack.chain.deploymentFile,
      NEUROLEDGER_INDEXER_URL: indexer.url,
    },
  });
  try {
    const signIn = async (name: string) => {
      const context = await browser.newContext({ baseURL: web.url });
      const page = await context.newPage();
      await installTestWallet(page, {
        privateKey: stack.account(name).privateKey,
        rpcUrl: stack.rpcUrl,
        chainId: stack.chainId,
      });
      await page.goto("/audit");
      await page.getByRole("button", { name: "Connect Test Wallet" }).click();
      await page.getByRole("button", { name: "Sign in with your wallet" }).click();
      return page;
    };
    const auditor = await signIn("auditor");
    await expect(auditor.getByTestId("audit-table")).toBeVisible({ timeout: 30_000 });
    // The message was signed for the host in the address bar, not one a server named.
    const token = await auditor.evaluate(() =>
      Object.entries(sessionStorage).find(([k]) => k.startsWith("neuroledger:indexer-token:")),
    );
    expect(token?.[1]).toBeTruthy();
    // Sign-out tells the indexer (with the token) and forgets the token: the sign-in is asked again.
    const logout = auditor.waitForRequest(
      (r) => r.url().endsWith("/indexer/auth/logout") && r.method() === "POST",
    );
    await auditor.getByRole("button", { name: "Sign out" }).click();
    expect((await logout).headers().authorization).toBe(`Bearer ${token?.[1]}`);
    await expect(auditor.getByRole("button", { name: "Sign in with your wallet" })).toBeVisible();
    await expect(auditor.getByTestId("audit-table")).toHaveCount(0);
    expect(
      await auditor.evaluate(() =>
        Object.keys(sessionStorage).filter((k) => k.startsWith("neuroledger:indexer-token:")),
      ),
    ).toEqual([]);
    const outsider = await signIn("outsider");
    await expect(outsider.getByRole("alert")).toContainText(
      "is not a member, staff or auditor of the consortium",
      { timeout: 30_000 },
    );
    await expect(outsider.getByTestId("audit-table")).toHaveCount(0);
  } finally {
    await web.close();
    await indexer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
