import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { RegistryModel } from "../records.ts";
import type { BlockParameter } from "./types.ts";

export type GetModelParameters = BlockParameter & {
  registry: Address;
  /** Model id (sequential from 1). */
  modelId: bigint;
};
/** The model as `ModelRegistry.getModel` returns it (CIDs as `{ digest, codec }`, metrics in bps). */
export type GetModelReturnType = RegistryModel;
/** A revert (`RegistryUnknownModel` for a model that is not kept) or a transport error. */
export type GetModelErrorType = ReadContractErrorType;

/**
 * Reads a kept model (the latest or one of the top ten).
 * @example
 * const model = await getModel(client, { registry, modelId: 1n });
 * model.metrics.f1 // basis points
 */
export async function getModel(
  client: Client,
  { registry, modelId, blockNumber }: GetModelParameters,
): Promise<GetModelReturnType> {
  return readContract(client, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "getModel",
    args: [modelId],
    blockNumber,
  });
}
