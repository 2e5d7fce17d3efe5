import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetModelIdByWeightsParameters = BlockParameter & {
  registry: Address;
  /** `weightsHash(onnxBytes)` of `@neuroledger/sdk/card` (bytes32). */
  weightsHash: Hex;
};
/** The id of the model published with these weights (kept, evicted or revoked); 0n when none. */
export type GetModelIdByWeightsReturnType = bigint;
export type GetModelIdByWeightsErrorType = ReadContractErrorType;

/**
 * Which model, if any, was published with these weights (registry v3 keeps each network's
 * weights hash once, for ever). A publisher checks it before uploading; an evaluator checks that
 * a decrypted model's weights map back to the model it is evaluating.
 *
 * @example
 * const id = await getModelIdByWeights(client, { registry, weightsHash: weightsHash(onnx) });
 * if (id !== 0n) console.log(`already published as model ${id}`);
 */
export async function getModelIdByWeights(
  client: Client,
  { registry, weightsHash, blockNumber }: GetModelIdByWeightsParameters,
): Promise<GetModelIdByWeightsReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "modelIdByWeights",
    args: [weightsHash],
    blockNumber,
  });
}
