import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetModelCountParameters = BlockParameter & { registry: Address };
/** How many models were ever published (ids run 1..count; evicted and revoked ones included). */
export type GetModelCountReturnType = bigint;
export type GetModelCountErrorType = ReadContractErrorType;

/**
 * The number of models published so far (`nextModelId - 1`).
 * @example const published = await getModelCount(client, { registry });
 */
export async function getModelCount(
  client: Client,
  { registry, blockNumber }: GetModelCountParameters,
): Promise<GetModelCountReturnType> {
  const next = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "nextModelId",
    blockNumber,
  });
  return next - 1n;
}
