import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type IsModelKeptParameters = BlockParameter & { registry: Address; modelId: bigint };
/** True for the latest model and the top ten; false when never published, evicted or revoked. */
export type IsModelKeptReturnType = boolean;
export type IsModelKeptErrorType = ReadContractErrorType;

/**
 * Whether the registry keeps a model (`ModelRegistry.isActive`).
 * @example if (!(await isModelKept(client, { registry, modelId }))) throw new Error("gone");
 */
export async function isModelKept(
  client: Client,
  { registry, modelId, blockNumber }: IsModelKeptParameters,
): Promise<IsModelKeptReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "isActive",
    args: [modelId],
    blockNumber,
  });
}
