import type { Address, Client, GetContractEventsErrorType, Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetModelIdByShaParameters = FromBlockParameter & { registry: Address; sha256: Hex };
/** The id the sha256 was published under, or undefined when it never was. */
export type GetModelIdByShaReturnType = bigint | undefined;
export type GetModelIdByShaErrorType = GetContractEventsErrorType;

/**
 * Finds a model id by its sha256 (scans `ModelPublished`; the sha256 is not an indexed topic).
 * @example const id = await getModelIdBySha(client, { registry, sha256, fromBlock });
 */
export async function getModelIdBySha(
  client: Client,
  { registry, sha256, fromBlock = 0n }: GetModelIdByShaParameters,
): Promise<GetModelIdByShaReturnType> {
  const published = await getContractEvents(client, {
    address: registry,
    abi: modelRegistryAbi,
    eventName: "ModelPublished",
    fromBlock,
    strict: true,
  });
  const wanted = sha256.toLowerCase();
  return published.find((event) => event.args.sha256.toLowerCase() === wanted)?.args.modelId;
}
