import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetScoreParameters = BlockParameter & {
  registry: Address;
  /** A kept model's id. */
  modelId: bigint;
};
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
export type GetScoreReturnType = ModelScore;
/** A revert (`RegistryModelNotActive` for a model that is not kept) or a transport error. */
export type GetScoreErrorType = ReadContractErrorType;

/**
 * A kept model's ranking score (`scoreOf(modelId)`), metrics as fractions.
 * @example
 * const score = await getScore(client, { registry, modelId: 1n });
 * score.verified // true once `quorum` independent institutions measured it
 */
export async function getScore(
  client: Client,
  { registry, modelId, blockNumber }: GetScoreParameters,
): Promise<GetScoreReturnType> {
  const score = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "scoreOf",
    args: [modelId],
    blockNumber,
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
