import { join } from "node:path";
import { modelRegistryAbi } from "@neuroledger/chain";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, demoModel } from "./harness/models.ts";

const model = demoModel();

test("a patient is refused without a grant, then granted: downloads and classifies their own scan", async ({
  page,
  stack,
  useWallet,
}) => {
  test.setTimeout(150_000);
  const published = stack.models[0];
  const patient = stack.account("patient");
  await useWallet("patient");
  await page.goto("/patient");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("patient-refused")).toContainText("no grant");

  // Borealis Medical Center (a member) grants the patient this model for a day.
  const member = privateKeyToAccount(stack.account("institution-b").privateKey);
  const wallet = createWalletClient({ account: member, transport: http(stack.rpcUrl) });
  const client = createPublicClient({ transport: http(stack.rpcUrl) });
  const block = await client.getBlock();
  const hash = await wallet.writeContract({
    chain: null,
    address: stack.chain.contracts.registry,
    abi: modelRegistryAbi,
    functionName: "grantPatientAccess",
    args: [patient.address, BigInt(published?.id ?? 0), block.timestamp + 86_400n],
  });
  expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");

  await page.reload();
  await expect(page.getByTestId("roles")).toHaveText("Patient");
  await page
    .getByTestId("patient-grants")
    .getByRole("link", { name: `Model #${published?.id}` })
    .click();
  await page.getByRole("button", { name: `Download model #${published?.id}` }).click();
  // First download: the patient's key is registered and the nodes re-wrap the keyring for it.
  await expect(page.getByTestId("download-done")).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId("keyring-version")).toBeVisible();
  await page.getByRole("link", { name: "Classify images with this model" }).click();
  await expect(page.getByTestId("backend")).toContainText("WebAssembly", { timeout: 30_000 });
  const scan = model.samples[0] ?? model.vectors[0]?.path;
  expect(scan, "the demo model ships a sample image").toBeTruthy();
  await page.getByLabel(/Choose MRI images/).setInputFiles(scan as string);
  await expect(page.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(1, {
    timeout: 60_000,
  });
  await expect(page.getByTestId("label")).toHaveText(/Tumor|No tumor/);
  await page.screenshot({ path: join(artifactsDir, "patient-classify.png"), fullPage: true });
});
