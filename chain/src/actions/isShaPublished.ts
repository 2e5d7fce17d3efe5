import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type IsShaPublishedParameters = BlockParameter & { registry: Address; sha256: Hex };
/** True once a model with this sha256 was published (ever: also after eviction or revocation). */
export type IsShaPublishedReturnType = boolean;
export type IsShaPublishedErrorType = ReadContractErrorType;

/**
 * @example if (await isShaPublished(client, { registry, sha256 })) console.log("already there");
 */
export async function isShaPublished(
  client: Client,
  { registry, sha256, blockNumber }: IsShaPublishedParameters,
): Promise<IsShaPublishedReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "isShaPublished",
    args: [sha256],
    blockNumber,
  });
}
