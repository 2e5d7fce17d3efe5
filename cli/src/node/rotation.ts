import type { ModelCard } from "@neuroledger/sdk/card";
import { cidToChain } from "@neuroledger/sdk/chain";
import {
  assertSha256,
  buildKeyring,
  generateContentKey,
  type Keyring,
  type KeyringRecipient,
  serializeKeyring,
} from "@neuroledger/sdk/crypto";
import { CID } from "multiformats/cid";
import { abis, type ChainClient } from "../chain/client.ts";
import type { OnChainModel } from "../chain/models.ts";
import { IntegrityError } from "../errors.ts";
import { addPinned, unpin } from "../ipfs/api.ts";
import type { IpfsNode } from "../ipfs/node.ts";
import type { Logger } from "../log.ts";
import { fetchAndOpen, heliaStore, sealAndAdd } from "../models/storage.ts";

export interface RotateContentKeyParameters {
  chain: ChainClient;
  node: IpfsNode;
  log: Logger;
  model: OnChainModel;
  /** The model's current keyring (checked against the chain) and the content key it wraps. */
  keyring: Keyring;
  contentKey: Uint8Array;
  /** Who may read the model now: the new keyring wraps for exactly these. */
  recipients: readonly KeyringRecipient[];
  timeoutMs?: number;
}

/**
 * Re-encrypts a model under a fresh content key and registers it (`rotateContentKey`): the
 * current ciphertext is decrypted and sealed again as a stream in memory (no plaintext byte
 * touches the disk), its sha256 must equal the chain's, the new keyring carries the same card and
 * names the new content CID, and both are added and pinned on this node before the transaction.
 * An account left out of `recipients` keeps only what it decrypted before: its old wrap opens
 * the old content key, and nodes serve only the new content.
 *
 * @throws IntegrityError when the decrypted content does not hash to the chain's sha256 (nothing
 *   is registered, the new blocks are unpinned).
 */
export async function rotateContentKey(
  params: RotateContentKeyParameters,
): Promise<{ contentCid: string; keyringCid: string }> {
  const { chain, node, model } = params;
  const store = heliaStore(node, { timeoutMs: params.timeoutMs ?? 120_000 });
  const nextKey = generateContentKey();
  const { plaintext, sha256 } = await fetchAndOpen({
    store,
    cid: model.contentCid,
    contentKey: params.contentKey,
  });
  const { cid: contentCid } = await sealAndAdd({ store, plaintext, contentKey: nextKey });
  try {
    assertSha256(await sha256, model.sha256);
  } catch (cause) {
    await unpin(node, CID.parse(contentCid));
    throw new IntegrityError(`model ${model.id}'s content does not match the chain: not rotated`, {
      cause,
    });
  }
  const keyring = await buildKeyring(
    nextKey,
    params.recipients,
    params.keyring.card as ModelCard | undefined,
    { content: contentCid },
  );
  const keyringCid = (
    await addPinned(node, [new TextEncoder().encode(serializeKeyring(keyring))])
  ).toString();
  await chain.write({
    address: chain.registry,
    abi: abis.registry,
    functionName: "rotateContentKey",
    args: [model.id, cidToChain(contentCid), cidToChain(keyringCid)],
  });
  params.log.info("rotated", {
    modelId: model.id.toString(),
    content: contentCid,
    keyring: keyringCid,
  });
  return { contentCid, keyringCid };
}
