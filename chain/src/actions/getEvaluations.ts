import type { Address, Client, GetContractEventsErrorType, Hash } from "viem";
import { getContractEvents } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { EvaluationFigures } from "./evaluationParams.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetEvaluationsParameters = FromBlockParameter & {
  registry: Address;
  modelId: bigint;
};

/** One institution's latest submission for a model; metrics as fractions. */
export type SubmittedEvaluationRecord = EvaluationFigures & {
  institutionId: bigint;
  evaluator: Address;
  publisherSite: boolean;
  /** How many submissions this institution made for the model (1 = never replaced). */
  submissions: number;
  blockNumber: bigint;
  txHash: Hash;
};

/** One record per institution that evaluated the model, by institution id. */
export type GetEvaluationsReturnType = SubmittedEvaluationRecord[];
export type GetEvaluationsErrorType = GetContractEventsErrorType;

/**
 * The current evaluation of `modelId` by every institution that submitted one, from the
 * `EvaluationSubmitted` events (the only place that keeps the evaluating account and the set's
 * fingerprint). `fromBlock`: the registry's deploy block (default 0).
 * @example
 * const records = await getEvaluations(client, { registry, modelId: 1n, fromBlock });
 * records[0]?.submissions // 2 when that institution replaced its first evaluation
 */
export async function getEvaluations(
  client: Client,
  { registry, modelId, fromBlock = 0n }: GetEvaluationsParameters,
): Promise<GetEvaluationsReturnType> {
  const logs = await getContractEvents(client, {
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
