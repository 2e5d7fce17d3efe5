import type { ModelCard } from "@neuroledger/sdk/card";
import { readModelKeyring } from "@neuroledger/sdk/chain";
import { KeyringCardError } from "@neuroledger/sdk/errors";
import { fetchPublicKeyring } from "@neuroledger/sdk/ipfs";
import type { ChainModel } from "../chain/registry.ts";
import type { AppConfig } from "../config.ts";

/** The publishing institution's trustless gateway, or the default one. */
export function gatewayFor(config: AppConfig, institutionAccount: string | null): string | null {
  return (
    (institutionAccount && config.gateways[institutionAccount.toLowerCase()]) ||
    config.gateways.default ||
    null
  );
}

/**
 * The card of a registry model. It travels in the model's keyring on IPFS (not secret), read here
 * through the institution's gateway (`/cards/<keyringCid>`, the keyring without its wraps) with the sdk's
 * `readModelKeyring`: the card must hash to the card hash bound on chain at publish and name the
 * on-chain sha256; an unreachable or altered current keyring falls back to the previous one.
 * `verified` is false for models published before card hashes (their card is unverified).
 */
export async function fetchCard(
  config: AppConfig,
  model: Pick<ChainModel, "id" | "keyring" | "sha256" | "content" | "cardHash" | "previousKeyring">,
  institutionAccount: string | null,
): Promise<ModelCard> {
  const gateway = gatewayFor(config, institutionAccount);
  if (!gateway) throw new Error("No IPFS gateway is configured to read the model card from.");
  // Nodes serve whole keyrings only to accounts that may download: the page reads the public
  // part (wraps left out), checked against the chain like a whole keyring.
  const { card } = await readModelKeyring({
    model,
    fetchBytes: (cid) => fetchPublicKeyring({ gateway, cid }),
  });
  if (!card) throw new KeyringCardError(`The keyring of model ${model.id} carries no model card.`);
  return card;
}
