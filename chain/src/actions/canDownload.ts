import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { BlockParameter } from "./types.ts";

export type CanDownloadParameters = BlockParameter & {
  registry: Address;
  account: Address;
  modelId: bigint;
};
/** True when `recordDownload(modelId)` by `account` would pass now (kept model, not paused, allowed). */
export type CanDownloadReturnType = boolean;
export type CanDownloadErrorType = ReadContractErrorType;

/**
 * Whether an account may download a model: a member, staff of a member, or a patient with an
 * unexpired grant from a member institution.
 * @example if (await canDownload(client, { registry, account, modelId: 1n })) { ... }
 */
export async function canDownload(
  client: Client,
  { registry, account, modelId, blockNumber }: CanDownloadParameters,
): Promise<CanDownloadReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "canDownload",
    args: [account, modelId],
    blockNumber,
  });
}
