import type { Address, Client, GetContractEventsErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import { modelRegistryAbi } from "../../abi/index.ts";
import type { FromBlockParameter } from "./types.ts";

export type GetPublishVersionParameters = FromBlockParameter & {
  registry: Address;
  modelId: bigint;
};
/**
 * The `version()` of the registry implementation that published the model (e.g. 2 before the v3
 * upgrade), or undefined when the model was never published.
 */
export type GetPublishVersionReturnType = number | undefined;
export type GetPublishVersionErrorType = GetContractEventsErrorType;

/**
 * Which registry version published a model: the implementation named by the proxy's last
 * ERC-1967 `Upgraded` event before the model's `ModelPublished`, asked for its `version()` (a pure
 * function of the implementation's code, so no archive state is needed). Readers use it to tell a
 * model published before a rule existed (v3's weights hash) from one that broke it.
 *
 * @example
 * const v = await getPublishVersion(client, { registry, modelId: 3n, fromBlock });
 * if (v !== undefined && v < 3) console.log("published before weights hashes");
 */
export async function getPublishVersion(
  client: Client,
  { registry, modelId, fromBlock = 0n }: GetPublishVersionParameters,
): Promise<GetPublishVersionReturnType> {
  const [published] = await getContractEvents(client, {
    address: registry,
    abi: modelRegistryAbi,
    eventName: "ModelPublished",
    args: { modelId },
    fromBlock,
    strict: true,
  });
  if (!published) return undefined;
  const upgrades = await getContractEvents(client, {
    address: registry,
    abi: modelRegistryAbi,
    eventName: "Upgraded",
    fromBlock,
    toBlock: published.blockNumber,
    strict: true,
  });
  const before = upgrades.filter(
    (u) =>
      u.blockNumber < published.blockNumber ||
      (u.blockNumber === published.blockNumber && u.logIndex < published.logIndex),
  );
  const implementation = before.at(-1)?.args.implementation;
  if (!implementation) {
    throw new Error(
      `no Upgraded event of registry ${registry} before model ${modelId}'s publish (scan from block ${fromBlock})`,
    );
  }
  const version = await readContract(client, {
    address: implementation,
    abi: modelRegistryAbi,
    functionName: "version",
  });
  return Number.parseInt(version, 10);
}
