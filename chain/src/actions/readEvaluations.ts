// Lists each institution's current evaluation of a model from the EvaluationSubmitted events
// (the only place that keeps the evaluating account and the set's fingerprint).
import type { Address, Hash, Hex, PublicClient } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";

/** One institution's latest submission for a model; metrics as fractions. */
export type SubmittedEvaluationRecord = {
  institutionId: bigint;
  evaluator: Address;
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  f1: number;
  auc: number;
  positives: number;
  negatives: number;
  fingerprint: Hex;
  codeVersion: string;
  cardVersion: number;
  publisherSite: boolean;
  /** How many submissions this institution made for the model (1 = never replaced). */
  submissions: number;
  blockNumber: bigint;
  txHash: Hash;
};

/**
 * The current evaluation of `modelId` by every institution that submitted one, by institution id.
 * `fromBlock`: the registry's deploy block (default 0).
 */
export async function readEvaluations(
  client: PublicClient,
  registry: Address,
  modelId: bigint,
  fromBlock = 0n,
): Promise<SubmittedEvaluationRecord[]> {
  const logs = await client.getContractEvents({
    address: registry,
    abi: modelRegistryAbi,
    eventName: "EvaluationSubmitted",
    args: { modelId },
    fromBlock,
  });
  const byInstitution = new Map<bigint, SubmittedEvaluationRecord>();
  for (const log of logs) {
    const {
      institutionId,
      evaluator,
      evaluation: e,
      publisherSite,
    } = log.args as Required<typeof log.args>;
    const previous = byInstitution.get(institutionId);
    byInstitution.set(institutionId, {
      institutionId,
      evaluator,
      accuracy: e.accuracy / 10_000,
      precision: e.precision / 10_000,
      recall: e.recall / 10_000,
      specificity: e.specificity / 10_000,
      f1: e.f1 / 10_000,
      auc: e.auc / 10_000,
      positives: e.positives,
      negatives: e.negatives,
      fingerprint: e.fingerprint,
      codeVersion: `${(e.codeVersion >> 16) & 255}.${(e.codeVersion >> 8) & 255}.${e.codeVersion & 255}`,
      cardVersion: e.cardVersion,
      publisherSite,
      submissions: (previous?.submissions ?? 0) + 1,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    });
  }
  return [...byInstitution.values()].sort((a, b) => Number(a.institutionId - b.institutionId));
}
