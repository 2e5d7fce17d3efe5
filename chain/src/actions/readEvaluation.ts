// Reads one institution's current evaluation of a model.
import type { Address, PublicClient } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";

/** A stored evaluation: metrics as fractions, counts, time (unix seconds), versions. */
export type EvaluationRecord = {
  institutionId: bigint;
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  f1: number;
  auc: number;
  positives: number;
  negatives: number;
  evaluatedAt: number;
  /** "major.minor.patch" of the evaluating software. */
  codeVersion: string;
  cardVersion: number;
  publisherSite: boolean;
};

/**
 * `evaluationOf(modelId, institutionId)`; null when the institution has not evaluated the model.
 * The evaluating account and the set's fingerprint are in the `EvaluationSubmitted` events.
 */
export async function readEvaluation(
  client: PublicClient,
  registry: Address,
  modelId: bigint,
  institutionId: bigint,
): Promise<EvaluationRecord | null> {
  const r = await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "evaluationOf",
    args: [modelId, institutionId],
  });
  if (r.institutionId === 0n) return null;
  const bps = (value: number) => value / 10_000;
  return {
    institutionId: r.institutionId,
    accuracy: bps(r.accuracy),
    precision: bps(r.precision),
    recall: bps(r.recall),
    specificity: bps(r.specificity),
    f1: bps(r.f1),
    auc: bps(r.auc),
    positives: r.positives,
    negatives: r.negatives,
    evaluatedAt: Number(r.evaluatedAt),
    codeVersion: `${(r.codeVersion >> 16) & 255}.${(r.codeVersion >> 8) & 255}.${r.codeVersion & 255}`,
    cardVersion: r.cardVersion,
    publisherSite: r.publisherSite,
  };
}
