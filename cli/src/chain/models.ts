import type { RegistryModel } from "@neuroledger/chain";
import { type ChainMetrics, cidFromChain } from "@neuroledger/sdk/chain";
import { type Address, type Hex, parseEventLogs } from "viem";
import { RefusedError } from "../errors.ts";
import { abis, type ChainClient } from "./client.ts";

export interface OnChainModel {
  id: bigint;
  contentCid: string;
  keyringCid: string;
  keyringVersion: number;
  sha256: Hex;
  metrics: ChainMetrics;
  parentId: bigint;
  publisher: Address;
  institutionId: bigint;
  publishedAt: bigint;
  /** sha256 of the card bound at publish (RFC 8785 canonical JSON); zero for pre-v2 models. */
  cardHash: Hex;
  /** The keyring the current one replaced (readers' fallback), or undefined. */
  previousKeyringCid: string | undefined;
  /** 1 at publish, +1 per content-key rotation. */
  contentVersion: number;
}

export function fromRaw(raw: RegistryModel): OnChainModel {
  return {
    id: raw.id,
    contentCid: cidFromChain(raw.content).toString(),
    keyringCid: cidFromChain(raw.keyring).toString(),
    keyringVersion: Number(raw.keyringVersion),
    sha256: raw.sha256,
    metrics: raw.metrics,
    parentId: raw.parentId,
    publisher: raw.publisher,
    institutionId: raw.institutionId,
    publishedAt: raw.publishedAt,
    cardHash: raw.cardHash,
    previousKeyringCid:
      raw.previousKeyring.codec === 0 ? undefined : cidFromChain(raw.previousKeyring).toString(),
    contentVersion: Number(raw.contentVersion),
  };
}

/** A kept model (latest or top ten); evicted or revoked ones are refused with a clear message. */
export async function getModel(client: ChainClient, id: bigint): Promise<OnChainModel> {
  const active = (await client.publicClient.readContract({
    address: client.registry,
    abi: abis.registry,
    functionName: "isActive",
    args: [id],
  })) as boolean;
  if (!active) {
    throw new RefusedError(
      `model ${id} is not kept by the registry (never published, evicted or revoked)`,
      {
        hints: ["`neuroledger status` lists the latest model and the top ten."],
      },
    );
  }
  const raw = (await client.publicClient.readContract({
    address: client.registry,
    abi: abis.registry,
    functionName: "getModel",
    args: [id],
  })) as RegistryModel;
  return fromRaw(raw);
}

export async function keptModelIds(
  client: ChainClient,
  blockNumber?: bigint,
): Promise<{ latest: bigint; top: bigint[] }> {
  const [latest, top] = await Promise.all([
    client.publicClient.readContract({
      address: client.registry,
      abi: abis.registry,
      functionName: "latestModelId",
      blockNumber,
    }) as Promise<bigint>,
    client.publicClient.readContract({
      address: client.registry,
      abi: abis.registry,
      functionName: "topTenIds",
      blockNumber,
    }) as Promise<readonly bigint[]>,
  ]);
  return { latest, top: [...top] };
}

export async function isShaPublished(client: ChainClient, sha256: Hex): Promise<boolean> {
  return (await client.publicClient.readContract({
    address: client.registry,
    abi: abis.registry,
    functionName: "isShaPublished",
    args: [sha256],
  })) as boolean;
}

/** The id a sha256 was published under (scans ModelPublished; the sha256 is not indexed). */
export async function modelIdBySha(client: ChainClient, sha256: Hex): Promise<bigint | undefined> {
  const logs = await client.publicClient.getContractEvents({
    address: client.registry,
    abi: abis.registry,
    eventName: "ModelPublished",
    fromBlock: BigInt(client.deployment.deployBlock),
  });
  for (const log of logs) {
    const args = log.args as { modelId: bigint; sha256: Hex };
    if (args.sha256.toLowerCase() === sha256.toLowerCase()) return args.modelId;
  }
  return undefined;
}

export function publishedIdFromLogs(logs: readonly unknown[]): bigint | undefined {
  const events = parseEventLogs({
    abi: abis.registry,
    logs: logs as never,
    eventName: "ModelPublished",
  });
  return (events[0]?.args as { modelId?: bigint } | undefined)?.modelId;
}
