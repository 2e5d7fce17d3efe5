import type { ModelCard } from "@neuroledger/sdk/card";
import {
  cidToChain,
  type ReadModelKeyringReturnType,
  readModelKeyring,
} from "@neuroledger/sdk/chain";
import type { Keyring } from "@neuroledger/sdk/crypto";
import { KeyringCardError } from "@neuroledger/sdk/errors";
import { connectChain } from "../chain/client.ts";
import { getModel, type OnChainModel } from "../chain/models.ts";
import { type Connection, requireNode } from "../config.ts";
import { IntegrityError } from "../errors.ts";
import { NodeClient } from "../ipfs/client.ts";
import { type Logger, silentLogger } from "../log.ts";

/** The keeper's wait for a keyring (a few kB); readers use their command's own timeout. */
export const KEYRING_TIMEOUT_MS = 15_000;

/**
 * Model `model`'s keyring as every cli reader must take it (sdk `readModelKeyring`): the current
 * one, or the previous one when the current cannot be fetched or fails a check; its card must
 * hash to the card hash bound on chain (pre-v2 models: name the sha256; `cardVerified` false) and
 * its content CID must be the on-chain one. With `account`, a keyring without its wrap is passed
 * over; with `unlock`, one that does not open. A refused card is an {@link IntegrityError}; every
 * keyring passed over is logged as a warning.
 */
export async function readKeyring<T = undefined>(
  fetchBytes: (cid: string) => Promise<Uint8Array>,
  model: OnChainModel,
  options: { account?: string; log?: Logger; unlock?: (keyring: Keyring) => Promise<T> } = {},
): Promise<ReadModelKeyringReturnType<T>> {
  const log = options.log ?? silentLogger;
  try {
    return await readModelKeyring({
      model: {
        id: model.id,
        sha256: model.sha256,
        cardHash: model.cardHash,
        content: cidToChain(model.contentCid),
        keyring: cidToChain(model.keyringCid),
        previousKeyring: model.previousKeyringCid
          ? cidToChain(model.previousKeyringCid)
          : undefined,
      },
      fetchBytes: (cid) => fetchBytes(cid.toString()),
      account: options.account,
      unlock: options.unlock,
      onRejected: (cid, error) =>
        log.warn("keyring passed over", {
          modelId: model.id.toString(),
          keyring: cid.toString(),
          error: error.name,
          reason: error.message.split("\n")[0] ?? "",
        }),
    });
  } catch (err) {
    const error = err as Error;
    if (error instanceof KeyringCardError || error.cause instanceof KeyringCardError) {
      throw new IntegrityError(
        `model ${model.id}'s keyring carries an unusable card: ${error.message}`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** Fetches model `modelId`'s keyring through the institution node and returns its checked card. */
export async function fetchKeyringCard(
  connection: Connection,
  modelId: bigint,
  timeoutMs = 60_000,
): Promise<ModelCard | undefined> {
  const chain = await connectChain(connection);
  const model = await getModel(chain, modelId);
  // Signed in as the connection's account: nodes serve keyrings only to accounts that may download.
  const node = new NodeClient(requireNode(connection), timeoutMs, connection.account);
  return (
    await readKeyring((cid) => node.catBytes(cid, AbortSignal.timeout(KEYRING_TIMEOUT_MS)), model)
  ).card;
}
