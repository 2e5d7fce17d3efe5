// Members' evaluations through the chain actions on the real deploy code: a model is published,
// two institutions evaluate it on different data (different figures and fingerprints), and the
// top ten follows the worst site; the publisher's own evaluation never verifies it.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createWalletClient, parseEventLogs, sha256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { EvaluationFigures } from "../../src/actions/evaluationParams.ts";
import { evaluationParams } from "../../src/actions/evaluationParams.ts";
import { getEvaluation } from "../../src/actions/getEvaluation.ts";
import { getEvaluations } from "../../src/actions/getEvaluations.ts";
import { getScore } from "../../src/actions/getScore.ts";
import { submitEvaluation } from "../../src/actions/submitEvaluation.ts";
import { type DevAccountName, devAccounts } from "../../src/dev.ts";
import { publishParams, setUpConsortium } from "../support/consortium.ts";

/** Figures from a confusion matrix, as an evaluator computes them. */
function figures(tp: number, fn: number, tn: number, fp: number, set: string): EvaluationFigures {
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return {
    accuracy: (tp + tn) / (tp + fn + tn + fp),
    precision,
    recall,
    specificity: tn / (tn + fp),
    f1: (2 * precision * recall) / (precision + recall),
    auc: 0.9,
    positives: tp + fn,
    negatives: tn + fp,
    fingerprint: sha256(toHex(set)),
    codeVersion: "0.1.0",
    cardVersion: 2,
  };
}

describe("members' evaluations re-rank the top ten", () => {
  let ctx: Awaited<ReturnType<typeof setUpConsortium>>;
  const ids: bigint[] = [];
  const registry = () => ctx.deployment.contracts.registry.address;
  const wallet = (who: DevAccountName) =>
    createWalletClient({
      account: privateKeyToAccount(devAccounts[who].privateKey),
      chain: ctx.chain,
      transport: ctx.transport,
    });
  const topTen = () =>
    ctx.publicClient.readContract({
      address: registry(),
      abi: modelRegistryAbi,
      functionName: "topTenIds",
    });

  before(async () => {
    ctx = await setUpConsortium();
    for (const f1 of [9600, 9000, 8500]) {
      const receipt = await ctx.send("publisher", registry(), modelRegistryAbi, "publish", [
        publishParams(f1, 9000),
      ]);
      const [published] = parseEventLogs({
        abi: modelRegistryAbi,
        logs: receipt.logs,
        eventName: "ModelPublished",
      });
      ids.push(published?.args.modelId as bigint);
    }
  });

  it("ranks by claims until members measure, then by the worst independent site", async () => {
    const [home, second, third] = ids as [bigint, bigint, bigint];
    assert.deepEqual(await topTen(), [home, second, third]);
    // The publisher's institution (A) measures its own model: marked, does not verify it.
    const own = await submitEvaluation(wallet("institutionA"), {
      registry: registry(),
      modelId: home,
      evaluation: figures(95, 5, 96, 4, "aurora-home-set"),
    });
    assert.equal(own.publisherSite, true);
    assert.equal(
      (await getScore(ctx.publicClient, { registry: registry(), modelId: home })).verified,
      false,
    );

    // B (a clinician, staff of B) measures it on its scans: finds one tumor in three.
    const atB = await submitEvaluation(wallet("staff"), {
      registry: registry(),
      modelId: home,
      evaluation: figures(40, 80, 70, 10, "borealis-scans-2026"),
    });
    assert.equal(atB.institutionId, 2n);
    assert.equal(atB.replaced, false);
    assert.equal(atB.score.verified, true);
    assert.equal(atB.rank, 2);
    assert.deepEqual(await topTen(), [second, third, home]);

    // C measures it on different data and does better than B: B stays the worst site.
    const atC = await submitEvaluation(wallet("institutionC"), {
      registry: registry(),
      modelId: home,
      evaluation: figures(90, 10, 85, 15, "cedar-archive"),
    });
    assert.equal(atC.score.independentEvaluations, 2);
    const score = await getScore(ctx.publicClient, { registry: registry(), modelId: home });
    assert.equal(score.worstInstitutionId, 2n);
    assert.ok(Math.abs(score.f1 - 0.4706) < 1e-4);

    // C measures the third model above every claim: it moves to the top.
    const up = await submitEvaluation(wallet("institutionC"), {
      registry: registry(),
      modelId: third,
      evaluation: figures(99, 1, 99, 1, "cedar-archive"),
    });
    assert.equal(up.rank, 0);
    assert.deepEqual(await topTen(), [third, second, home]);

    const record = await getEvaluation(ctx.publicClient, {
      registry: registry(),
      modelId: home,
      institutionId: 2n,
    });
    assert.equal(record?.positives, 120);
    assert.equal(record?.negatives, 80);
    assert.equal(record?.codeVersion, "0.1.0");
    assert.equal(
      await getEvaluation(ctx.publicClient, {
        registry: registry(),
        modelId: second,
        institutionId: 2n,
      }),
      null,
    );

    const listed = await getEvaluations(ctx.publicClient, { registry: registry(), modelId: home });
    assert.deepEqual(
      listed.map((e) => [e.institutionId, e.evaluator, e.publisherSite, e.submissions]),
      [
        [1n, devAccounts.institutionA.address, true, 1],
        [2n, devAccounts.staff.address, false, 1],
        [3n, devAccounts.institutionC.address, false, 1],
      ],
    );
    assert.equal(listed[1]?.fingerprint, sha256(toHex("borealis-scans-2026")));
    assert.equal(listed[1]?.txHash, atB.hash);
  });

  it("refuses outsiders and incoherent figures with the reason", async () => {
    await assert.rejects(
      submitEvaluation(wallet("nonMember"), {
        registry: registry(),
        modelId: ids[1] as bigint,
        evaluation: figures(50, 50, 50, 50, "x"),
      }),
      /RegistryEvaluatorWithoutInstitution/,
    );
    const forged = { ...figures(50, 50, 50, 50, "x"), accuracy: 0.99 };
    await assert.rejects(
      submitEvaluation(wallet("institutionB"), {
        registry: registry(),
        modelId: ids[1] as bigint,
        evaluation: forged,
      }),
      /RegistryEvaluationAccuracyInconsistent/,
    );
    assert.throws(
      () => evaluationParams({ ...forged, negatives: 0 }),
      /negatives must be a positive image count/,
    );
    assert.throws(() => evaluationParams({ ...forged, recall: 1.2 }), /recall must be a fraction/);
    assert.throws(() => evaluationParams({ ...forged, codeVersion: "1.2" }), /codeVersion/);
  });
});
