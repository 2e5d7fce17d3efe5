import { join } from "node:path";
import { getScore } from "@neuroledger/chain/actions/getScore";
import { submitEvaluation } from "@neuroledger/chain/actions/submitEvaluation";
import { createPublicClient, createWalletClient, http, keccak256, toBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { expect, test } from "./harness/fixtures.ts";
import { artifactsDir } from "./harness/models.ts";

test("a member's evaluation shows beside the claim: the table, the verified badge and the disagreement flag", async ({
  page,
  stack,
}) => {
  test.setTimeout(90_000);
  const published = stack.models[0];
  expect(published, "up published the demo model").toBeTruthy();
  const modelId = BigInt(published?.id ?? 0);
  const registry = stack.chain.contracts.registry;
  const client = createPublicClient({ transport: http(stack.rpcUrl) });

  // Institution C (not the publisher) measured the model on its own 150 scans, far below the
  // claim: 24 of 60 tumors found, 81 of 90 healthy scans cleared (the figures agree with each other).
  const evaluator = privateKeyToAccount(stack.account("institution-c").privateKey);
  const wallet = createWalletClient({ account: evaluator, transport: http(stack.rpcUrl) });
  const submitted = await submitEvaluation(wallet, {
    registry,
    modelId,
    evaluation: {
      accuracy: 0.7,
      precision: 0.7273,
      recall: 0.4,
      specificity: 0.9,
      f1: 0.5161,
      auc: 0.57,
      positives: 60,
      negatives: 90,
      fingerprint: keccak256(toBytes("e2e evaluation set of institution C")),
      codeVersion: "0.1.0",
      cardVersion: 2,
    },
  });
  expect(submitted.publisherSite).toBe(false);
  const score = await getScore(client, { registry, modelId });
  expect(score.verified).toBe(true);

  await page.goto(`/models/${modelId}`);
  const verification = page.getByTestId("measurements").getByTestId("verification");
  const plural = score.independentEvaluations === 1 ? "" : "s";
  await expect(verification).toHaveText(
    `verified at ${score.independentEvaluations} institution${plural}`,
  );
  const row = page
    .getByTestId("evaluation-row")
    .filter({ has: page.getByRole("link", { name: `${submitted.hash.slice(0, 10)}…` }) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("cell")).toHaveText([
    "150",
    "40.0 %",
    "90.0 %",
    "51.6 %",
    "57.0 %",
    /\d/,
    `${submitted.hash.slice(0, 10)}…`,
  ]);
  await expect(page.getByTestId("ranking-score")).toContainText(
    `F1 ${(score.f1 * 100).toFixed(1)} %`,
  );
  await expect(page.getByTestId("disagreement")).toContainText("Claim and measurements disagree");
  await expect(page.getByTestId("disagreement")).toContainText("51.6 %");
  await page.screenshot({ path: join(artifactsDir, "model-evaluations.png"), fullPage: true });

  // The Overview says it before anyone opens the model page: the top ten's row of this model.
  await page.goto("/");
  const leaderboardRow = page
    .getByTestId("leaderboard")
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: `Model #${modelId}`, exact: true }) });
  await expect(leaderboardRow.getByTestId("verification")).toHaveText(
    `verified at ${score.independentEvaluations}`,
  );
  await expect(leaderboardRow.getByTestId("score")).toHaveText(`${(score.f1 * 100).toFixed(1)} %`);
});
