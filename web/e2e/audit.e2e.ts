import { readFileSync } from "node:fs";
import { join } from "node:path";
import { modelRegistryAbi } from "@neuroledger/chain";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir } from "./harness/models.ts";

test("an auditor finds a recorded download, filters by URL, exports CSV and opens its transaction", async ({
  page,
  stack,
  useWallet,
}) => {
  test.setTimeout(90_000);
  expect(stack.services.indexer, "up runs the indexer").toBeTruthy();
  const published = stack.models[0];
  const modelId = BigInt(published?.id ?? 0);
  // A clinician's download, recorded on chain (the same call the Download button makes).
  const staff = privateKeyToAccount(stack.account("staff").privateKey);
  const client = createPublicClient({ transport: http(stack.rpcUrl) });
  const hash = await createWalletClient({
    account: staff,
    transport: http(stack.rpcUrl),
  }).writeContract({
    chain: null,
    address: stack.chain.contracts.registry,
    abi: modelRegistryAbi,
    functionName: "recordDownload",
    args: [modelId],
  });
  expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");

  await useWallet("auditor");
  await page.goto("/audit");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("roles")).toContainText("Auditor");
  await page.getByLabel("Model id").fill(String(modelId));
  await page.getByLabel("Kind").selectOption("staff");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(
    new RegExp(`model=${modelId}.*kind=staff|kind=staff.*model=${modelId}`),
  );
  // The indexer follows the chain within a second or so.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("audit-row").filter({ hasText: hash.slice(0, 10) })).toHaveCount(
      1,
      { timeout: 1000 },
    );
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("audit-row").first()).toContainText("staff");
  await expect(page.getByRole("img", { name: "Downloads per day by model" })).toBeVisible();
  await page.screenshot({ path: join(artifactsDir, "audit.png"), fullPage: true });

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("csv").click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8");
  expect(csv.split("\n")[0]).toContain("txHash");
  expect(csv).toContain(hash);
  expect(csv).not.toContain(",member,");

  await page
    .getByTestId("audit-row")
    .filter({ hasText: hash.slice(0, 10) })
    .getByRole("link", { name: `${hash.slice(0, 10)}…` })
    .click();
  await expect(page.getByTestId("tx-hash")).toHaveText(hash);
  await expect(page.getByTestId("tx-event")).toContainText(["ModelDownloaded"]);
});
