import type { ModelCard } from "@neuroledger/sdk/card";
import { cardFromKeyring, type Keyring, parseKeyring } from "@neuroledger/sdk/crypto";
import { connectChain } from "../chain/client.ts";
import { getModel } from "../chain/models.ts";
import { type Connection, requireNode } from "../config.ts";
import { IntegrityError } from "../errors.ts";
import { NodeClient } from "../ipfs/client.ts";

/**
 * The card a model's keyring carries (the registry stores none), checked to name the model's
 * on-chain sha256; undefined when the keyring has no card (published before cards moved there).
 */
export function keyringCard(
  keyring: Keyring,
  sha256: string,
  modelId: bigint,
): ModelCard | undefined {
  if (keyring.card === undefined) return undefined;
  try {
    return cardFromKeyring(keyring, sha256);
  } catch (err) {
    throw new IntegrityError(
      `model ${modelId}'s keyring carries an unusable card: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Fetches model `modelId`'s current keyring through the institution node and returns its card. */
export async function fetchKeyringCard(
  connection: Connection,
  modelId: bigint,
  timeoutMs = 60_000,
): Promise<ModelCard | undefined> {
  const chain = await connectChain(connection);
  const model = await getModel(chain, modelId);
  // Signed in as the connection's account: nodes serve keyrings only to accounts that may download.
  const node = new NodeClient(requireNode(connection), timeoutMs, connection.account);
  return keyringCard(parseKeyring(await node.catBytes(model.keyringCid)), model.sha256, modelId);
}
