// Reads a kept model's ranking score.
import type { Address, PublicClient } from "viem";
import { modelRegistryAbi } from "../../abi/index.ts";

/** A model's score: F1 and accuracy as fractions (the worst independent site once verified, else the claim). */
export type ModelScore = {
  f1: number;
  accuracy: number;
  verified: boolean;
  independentEvaluations: number;
  quorum: number;
  /** Institution of the worst measurement, or null when none. */
  worstInstitutionId: bigint | null;
};

/**
 * `scoreOf(modelId)`.
 * @throws viem's ContractFunctionRevertedError (RegistryModelNotActive) for a model that is not kept.
 */
export async function readScore(
  client: PublicClient,
  registry: Address,
  modelId: bigint,
): Promise<ModelScore> {
  const score = await client.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "scoreOf",
    args: [modelId],
  });
  return {
    f1: score.f1 / 10_000,
    accuracy: score.accuracy / 10_000,
    verified: score.verified,
    independentEvaluations: Number(score.independentEvaluations),
    quorum: Number(score.quorum),
    worstInstitutionId: score.worstInstitutionId === 0n ? null : score.worstInstitutionId,
  };
}
