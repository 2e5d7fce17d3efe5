import type { Address, Client, ReadContractErrorType } from "viem";
import { getLatestModelId } from "./getLatestModelId.ts";
import { getTopTenIds } from "./getTopTenIds.ts";
import type { BlockParameter } from "./types.ts";

export type GetKeptModelIdsParameters = BlockParameter & { registry: Address };
/** The latest model (0n when none) and the ranked ids, both at the same block. */
export type GetKeptModelIdsReturnType = { latest: bigint; top: bigint[] };
export type GetKeptModelIdsErrorType = ReadContractErrorType;

/**
 * Every model the registry keeps: the latest and the top ten (a model may be both).
 * @example const { latest, top } = await getKeptModelIds(client, { registry, blockNumber });
 */
export async function getKeptModelIds(
  client: Client,
  parameters: GetKeptModelIdsParameters,
): Promise<GetKeptModelIdsReturnType> {
  const [latest, top] = await Promise.all([
    getLatestModelId(client, parameters),
    getTopTenIds(client, parameters),
  ]);
  return { latest, top };
}
