import type { RegistryModel } from "@neuroledger/chain";
import {
  getKeptModelIds,
  getModelIdByWeights,
  isModelKept,
  getModel as readModel,
} from "@neuroledger/chain/actions";
import { type ChainMetrics, cidFromChain } from "@neuroledger/sdk/chain";
import { type Address, type Hex, type Log, parseEventLogs } from "viem";
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
  const registry = client.registry;
  if (!(await isModelKept(client.publicClient, { registry, modelId: id }))) {
    throw new RefusedError(
      `model ${id} is not kept by the registry (never published, evicted or revoked)`,
      {
        hints: ["`neuroledger status` lists the latest model and the top ten."],
      },
    );
  }
  return fromRaw(await readModel(client.publicClient, { registry, modelId: id }));
}

/** The latest model's id (0n when none) and the top ten's ids, at `blockNumber` (default latest). */
export async function keptModelIds(
  client: ChainClient,
  blockNumber?: bigint,
): Promise<{ latest: bigint; top: bigint[] }> {
  return getKeptModelIds(client.publicClient, { registry: client.registry, blockNumber });
}

/** The id of the model published with these weights (sdk `weightsHash`), kept or not; 0n when none. */
export async function modelIdByWeights(client: ChainClient, weightsHash: Hex): Promise<bigint> {
  return getModelIdByWeights(client.publicClient, { registry: client.registry, weightsHash });
}

/** The id of the model a publish transaction's logs announce, if any. */
export function publishedIdFromLogs(logs: Log[]): bigint | undefined {
  const [published] = parseEventLogs({
    abi: abis.registry,
    logs,
    eventName: "ModelPublished",
    strict: true,
  });
  return published?.args.modelId;
}
