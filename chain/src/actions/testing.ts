// Test fixture of the actions' tests (not exported): one dev consortium on Hardhat's in-process
// network, deployed by the real deploy code, with two published models, a patient grant and a
// registered key; and a second one whose model members evaluated. Each is deployed once per test
// process (the runner runs files in one process).
import { createWalletClient, sha256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { modelRegistryAbi } from "../../abi/index.ts";
import { publishParams, setUpConsortium } from "../../test/support/consortium.ts";
import { type DevAccountName, devAccounts } from "../dev.ts";
import type { EvaluationFigures } from "./evaluationParams.ts";
import { submitEvaluation } from "./submitEvaluation.ts";
import { consortiumContracts } from "./types.ts";

async function build() {
  const ctx = await setUpConsortium();
  const contracts = consortiumContracts(ctx.deployment);
  const registry = contracts.registry;
  const beforePublish = await ctx.publicClient.getBlockNumber();
  const first = publishParams(9000, 9100);
  const second = publishParams(9500, 9200, 1n);
  await ctx.send("publisher", registry, modelRegistryAbi, "publish", [first]);
  await ctx.send("publisher", registry, modelRegistryAbi, "publish", [second]);
  const now = BigInt(await ctx.time.latest());
  await ctx.send("institutionB", registry, modelRegistryAbi, "grantPatientAccess", [
    devAccounts.patient.address,
    1n,
    now + 86_400n,
  ]);
  const staffKey = `0x${"ab".repeat(32)}` as const;
  await ctx.send("staff", registry, modelRegistryAbi, "setEncryptionKey", [staffKey]);
  return {
    ...ctx,
    client: ctx.publicClient,
    contracts,
    registry,
    fromBlock: BigInt(ctx.deployment.deployBlock),
    /** The last block before the fixture published anything. */
    beforePublish,
    published: [first, second] as const,
    grantExpiresAt: now + 86_400n,
    staffKey,
  };
}

let shared: ReturnType<typeof build> | undefined;

/** The shared consortium (deployed on first use). */
export function consortium() {
  shared ??= build();
  return shared;
}

/** Figures derived from a confusion matrix, as an evaluator computes them (the contract checks they agree). */
export function evaluationFigures(
  tp: number,
  fn: number,
  tn: number,
  fp: number,
  set: string,
): EvaluationFigures {
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

// A second consortium for the evaluation actions, so that its evaluations do not re-rank the
// shared one's models: one published model, measured by its publisher's institution (A), by B's
// staff (twice: the second replaces the first) and by C.
async function buildEvaluated() {
  const ctx = await setUpConsortium();
  const registry = ctx.deployment.contracts.registry.address;
  await ctx.send("publisher", registry, modelRegistryAbi, "publish", [publishParams(9000, 9100)]);
  const wallet = (who: DevAccountName) =>
    createWalletClient({
      account: privateKeyToAccount(devAccounts[who].privateKey),
      chain: ctx.chain,
      transport: ctx.transport,
    });
  const modelId = 1n;
  const own = await submitEvaluation(wallet("institutionA"), {
    registry,
    modelId,
    evaluation: evaluationFigures(95, 5, 96, 4, "aurora-home-set"),
  });
  const firstAtB = await submitEvaluation(wallet("staff"), {
    registry,
    modelId,
    evaluation: evaluationFigures(60, 60, 70, 10, "borealis-scans-2026"),
  });
  const atB = await submitEvaluation(wallet("staff"), {
    registry,
    modelId,
    evaluation: evaluationFigures(40, 80, 70, 10, "borealis-scans-2026"),
  });
  const atC = await submitEvaluation(wallet("institutionC"), {
    registry,
    modelId,
    evaluation: evaluationFigures(90, 10, 85, 15, "cedar-archive"),
  });
  return {
    ...ctx,
    client: ctx.publicClient,
    registry,
    fromBlock: BigInt(ctx.deployment.deployBlock),
    modelId,
    wallet,
    submitted: { own, firstAtB, atB, atC },
  };
}

let evaluated: ReturnType<typeof buildEvaluated> | undefined;

/** A consortium whose one model was evaluated by its three institutions (deployed on first use). */
export function evaluatedConsortium() {
  evaluated ??= buildEvaluated();
  return evaluated;
}
