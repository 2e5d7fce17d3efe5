import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir, demoModel } from "./harness/models.ts";

const model = demoModel();

test("a clinician downloads the demo model (recorded, decrypted, verified) and classifies the samples", async ({
  page,
  stack,
  useWallet,
  requests,
}) => {
  test.setTimeout(120_000);
  const published = stack.models[0];
  expect(published, "up published the demo model").toBeTruthy();
  await useWallet("staff");
  await page.goto("/");
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("roles")).toHaveText("Staff");
  await expect(page.getByTestId("institution")).toHaveText("Borealis Medical Center");

  await expect(
    page.getByTestId("leaderboard").getByRole("link", { name: `Model #${published?.id}` }),
  ).toBeVisible();
  await page.screenshot({ path: join(artifactsDir, "overview.png"), fullPage: true });
  await page
    .getByTestId("latest")
    .getByRole("link", { name: `Model #${published?.id}` })
    .click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Model #${published?.id}`);
  await expect(page.getByRole("img", { name: "Loss per epoch" })).toBeVisible();
  await expect(page.getByRole("table", { name: /Confusion matrix/ })).toBeVisible();

  await page.getByRole("button", { name: `Download model #${published?.id}` }).click();
  await expect(page.getByTestId("download-done")).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("download-done")).toContainText("sha256 matches the chain");
  await page.screenshot({ path: join(artifactsDir, "model-downloaded.png"), fullPage: true });

  // The download is on chain: the registry emitted ModelDownloaded for this account.
  await page.getByRole("link", { name: "Classify images with this model" }).click();
  await expect(page.getByTestId("backend")).toContainText("WebAssembly", { timeout: 30_000 });
  const images = model.samples.length > 0 ? model.samples : model.vectors.map((v) => v.path);
  await page.getByLabel(/Choose MRI images/).setInputFiles(images);
  await expect(page.locator('[data-testid="result-row"][data-status="done"]')).toHaveCount(
    images.length,
    { timeout: 60_000 },
  );
  await page.screenshot({
    path: join(artifactsDir, "classify-downloaded-model.png"),
    fullPage: true,
  });
  // The model page counts this download (the indexer follows the chain).
  await page.goto(`/models/${published?.id}`);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("download-total")).toContainText(/[1-9]\d* by staff/, {
      timeout: 1000,
    });
  }).toPass({ timeout: 20_000 });

  for (const path of images) {
    const needle = readFileSync(path).subarray(100, 148);
    for (const request of requests) {
      const body = request.postDataBuffer();
      if (body)
        expect(body.includes(needle), `${request.url()} carried ${basename(path)}`).toBe(false);
    }
  }
});

test("a non-member is told why it cannot download, and nothing is fetched", async ({
  page,
  stack,
  useWallet,
  requests,
}) => {
  const published = stack.models[0];
  await useWallet("outsider");
  await page.goto(`/models/${published?.id}`);
  await page.getByRole("button", { name: "Connect Test Wallet" }).click();
  await expect(page.getByTestId("download-refused")).toContainText(
    "not a member institution, staff of a member, or a patient with a grant",
  );
  await expect(page.getByRole("button", { name: /Download model/ })).toHaveCount(0);
  // The page shows the model card, read from the keyring (public); the encrypted model itself
  // is never asked for: no gateway request names its root CID, without which no block is reachable.
  await expect(page.getByRole("heading", { name: "Model card" })).toBeVisible();
  const gateways = stack.institutions.map((i) => new URL(i.ipfs.gatewayUrl).origin);
  const fromGateways = requests.filter((r) => gateways.some((g) => r.url().startsWith(g)));
  const asked = new Set(fromGateways.map((r) => new URL(r.url()).pathname));
  expect(asked.has(`/ipfs/${published?.cid}`)).toBe(false);
  // One block: the keyring (a few KB, well under one chunk).
  expect(asked.size).toBeLessThanOrEqual(1);
});
