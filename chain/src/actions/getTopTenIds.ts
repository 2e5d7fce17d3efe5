import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetTopTenIdsParameters = BlockParameter & { registry: Address };
/** Ids of the ranked models, best first; at most ten. */
export type GetTopTenIdsReturnType = bigint[];
export type GetTopTenIdsErrorType = ReadContractErrorType;

/**
 * The top ten's ids (cheaper than {@link getTopTen} when the records are not needed).
 * @example const ids = await getTopTenIds(client, { registry, blockNumber });
 */
export async function getTopTenIds(
  client: Client,
  { registry, blockNumber }: GetTopTenIdsParameters,
): Promise<GetTopTenIdsReturnType> {
  const ids = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "topTenIds",
    blockNumber,
  });
  return [...ids];
}
