import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type GetLatestModelIdParameters = BlockParameter & { registry: Address };
/** The latest model's id; 0n when none is kept (nothing published, or the latest was revoked). */
export type GetLatestModelIdReturnType = bigint;
export type GetLatestModelIdErrorType = ReadContractErrorType;

/**
 * The id of the latest published model.
 * @example const latest = await getLatestModelId(client, { registry });
 */
export async function getLatestModelId(
  client: Client,
  { registry, blockNumber }: GetLatestModelIdParameters,
): Promise<GetLatestModelIdReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "latestModelId",
    blockNumber,
  });
}
