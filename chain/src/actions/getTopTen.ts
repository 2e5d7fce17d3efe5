import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { RegistryModel } from "../records.ts";
import type { BlockParameter } from "./types.ts";

export type GetTopTenParameters = BlockParameter & { registry: Address };
/** The ranked models, best first (F1, then accuracy, then older); at most ten. */
export type GetTopTenReturnType = RegistryModel[];
export type GetTopTenErrorType = ReadContractErrorType;

/**
 * The top ten with their records (one call).
 * @example const [best] = await getTopTen(client, { registry });
 */
export async function getTopTen(
  client: Client,
  { registry, blockNumber }: GetTopTenParameters,
): Promise<GetTopTenReturnType> {
  const models = await readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "topTen",
    blockNumber,
  });
  return [...models];
}
