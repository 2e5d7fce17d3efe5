// `neuroledger status --json` lists each kept model's ranking score and members' evaluations
// (issue 13): on a real chain (anvil) with the dev consortium, a model is published, two
// institutions evaluate it, and status shows the worst site as its verified score.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { devAccounts, TASK_ID } from "@neuroledger/chain";
import { submitEvaluation } from "@neuroledger/chain/actions/submitEvaluation";
import { createWalletClient, http, sha256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { abis, connectChain } from "../src/chain/client.ts";
import { status } from "../src/commands/status.ts";
import { submitEvaluation as submitLocalEvaluation } from "../src/commands/submitEvaluation.ts";
import { chainService } from "../src/up/chainService.ts";
import { deployService } from "../src/up/deployService.ts";
import { startTestStack, type TestStack } from "./helpers/stack.ts";

const figures = (f1: number, set: string) => ({
  accuracy: f1,
  precision: f1,
  recall: f1,
  specificity: f1,
  f1,
  auc: 0.9,
  positives: 50,
  negatives: 50,
  fingerprint: sha256(toHex(set)),
  codeVersion: "0.1.0",
  cardVersion: 2,
});

describe("status lists scores and evaluations", { timeout: 180_000 }, () => {
  let t: TestStack;

  before(async () => {
    t = await startTestStack([chainService, deployService]);
  });
  after(async () => {
    await t?.stop();
  });

  test("a published model, evaluated at B and C, shows the worst site as its verified score", async () => {
    const chain = await connectChain(await t.as("staff"));
    const rpcUrl = (await t.as("staff")).rpcUrl;
    const walletOf = (key: `0x${string}`) =>
      createWalletClient({
        account: privateKeyToAccount(key),
        chain: { id: chain.chainId } as never,
        transport: http(rpcUrl),
      });
    const publisher = walletOf(devAccounts.publisher.privateKey);
    const hash = await publisher.writeContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        {
          content: { digest: sha256(toHex("content")), codec: 0x70 },
          keyring: { digest: sha256(toHex("keyring")), codec: 0x55 },
          sha256: sha256(toHex("weights")),
          metrics: {
            accuracy: 9100,
            precision: 9000,
            recall: 9200,
            f1: 9100,
            auc: 9800,
            testSetSize: 600,
          },
          taskId: TASK_ID,
          parentId: 0n,
          cardHash: sha256(toHex("card")),
          weightsHash: sha256(toHex("network")),
        },
      ],
    } as never);
    await chain.publicClient.waitForTransactionReceipt({ hash });
    for (const [key, f1, set] of [
      [devAccounts.staff.privateKey, 0.6, "borealis"],
      [devAccounts.institutionC.privateKey, 0.8, "cedar"],
    ] as const) {
      await submitEvaluation(walletOf(key), {
        registry: chain.registry,
        modelId: 1n,
        evaluation: figures(f1, set),
      });
    }
    const report = JSON.parse(JSON.stringify(await status(await t.as("staff"))));
    const [model] = report.topTen;
    assert.equal(model.id, "1");
    assert.equal(model.f1, 0.91); // the publisher's claim
    assert.deepEqual(
      { f1: model.score.f1, verified: model.score.verified, n: model.score.independentEvaluations },
      { f1: 0.6, verified: true, n: 2 },
    );
    assert.equal(model.score.worstInstitutionId, "2");
    assert.deepEqual(
      model.evaluations.map((e: { institutionId: string; f1: number; positives: number }) => [
        e.institutionId,
        e.f1,
        e.positives,
      ]),
      [
        ["2", 0.6, 50],
        ["3", 0.8, 50],
      ],
    );
    assert.equal(report.latest.score.verified, true);
  });
});

describe("evaluate --submit records a local evaluation", { timeout: 180_000 }, () => {
  let t: TestStack;
  before(async () => {
    t = await startTestStack([chainService, deployService]);
  });
  after(async () => {
    await t?.stop();
  });

  const result = (confusion: [[number, number], [number, number]]) => {
    const [[tn, fp], [fn, tp]] = confusion;
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    return {
      accuracy: (tp + tn) / (tp + tn + fp + fn),
      precision,
      recall,
      f1: (2 * precision * recall) / (precision + recall),
      auc: 0.8,
      n: tp + tn + fp + fn,
      confusion,
      unreadable: 0,
      labels: ["no", "yes"],
      fingerprint: sha256(toHex("cedar local set")),
    };
  };

  test("submits the confusion matrix's figures for the caller's institution and reports the move", async () => {
    const chain = await connectChain(await t.as("publisher"));
    const hash = await createWalletClient({
      account: privateKeyToAccount(devAccounts.publisher.privateKey),
      chain: { id: chain.chainId } as never,
      transport: http((await t.as("publisher")).rpcUrl),
    }).writeContract({
      address: chain.registry,
      abi: abis.registry,
      functionName: "publish",
      args: [
        {
          content: { digest: sha256(toHex("content-2")), codec: 0x70 },
          keyring: { digest: sha256(toHex("keyring-2")), codec: 0x55 },
          sha256: sha256(toHex("weights-2")),
          metrics: {
            accuracy: 9100,
            precision: 9000,
            recall: 9200,
            f1: 9100,
            auc: 9800,
            testSetSize: 600,
          },
          taskId: TASK_ID,
          parentId: 0n,
          cardHash: sha256(toHex("card-2")),
          weightsHash: sha256(toHex("network-2")),
        },
      ],
    } as never);
    await chain.publicClient.waitForTransactionReceipt({ hash });
    const submitted = await submitLocalEvaluation(
      await t.as("institution-c"),
      1n,
      result([
        [30, 10],
        [20, 40],
      ]),
      2,
    );
    assert.match(submitted.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(submitted.score.verified, true);
    assert.ok(Math.abs(submitted.score.f1 - 0.7273) < 1e-4);
    assert.equal(submitted.rank, 0);
    const report = JSON.parse(JSON.stringify(await status(await t.as("staff"))));
    assert.equal(report.topTen[0].evaluations[0].institutionId, "3");
    assert.equal(report.topTen[0].evaluations[0].positives, 60);
    assert.equal(report.topTen[0].evaluations[0].fingerprint, sha256(toHex("cedar local set")));

    await assert.rejects(
      submitLocalEvaluation(
        await t.as("institution-c"),
        1n,
        {
          ...result([
            [0, 0],
            [20, 40],
          ]),
          auc: null,
        },
        2,
      ),
      /needs images of both classes \(got 60 with a tumor, 0 without\)/,
    );
    await assert.rejects(
      submitLocalEvaluation(
        await t.as("outsider"),
        1n,
        result([
          [30, 10],
          [20, 40],
        ]),
        2,
      ),
      /RegistryEvaluatorWithoutInstitution|institution/,
    );
  });
});
