import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { EvaluationFigures } from "./evaluationParams.ts";
import type { BlockParameter } from "./types.ts";

export type GetEvaluationParameters = BlockParameter & {
  registry: Address;
  modelId: bigint;
  /** The evaluating institution's id. */
  institutionId: bigint;
};
/** A stored evaluation: metrics as fractions, counts, time (unix seconds), versions. */
export type EvaluationRecord = Omit<EvaluationFigures, "fingerprint"> & {
  institutionId: bigint;
  evaluatedAt: number;
  publisherSite: boolean;
};
/** The record, or null when the institution has not evaluated the model. */
export type GetEvaluationReturnType = EvaluationRecord | null;
export type GetEvaluationErrorType = ReadContractErrorType;

/**
 * One institution's current evaluation of a model (`evaluationOf(modelId, institutionId)`).
 * The evaluating account and the set's fingerprint are in the `EvaluationSubmitted` events
 * ({@link getEvaluations}).
 * @example
 * const record = await getEvaluation(client, { registry, modelId: 1n, institutionId: 2n });
 * record?.f1 // fraction, or no record when institution 2 has not evaluated model 1
 */
export async function getEvaluation(
  client: Client,
  { registry, modelId, institutionId, blockNumber }: GetEvaluationParameters,
): Promise<GetEvaluationReturnType> {
  const r = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "evaluationOf",
    args: [modelId, institutionId],
    blockNumber,
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
